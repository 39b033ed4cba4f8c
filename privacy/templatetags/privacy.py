from typing import Any

from django import template

from vault import policy

from ..deletion import open_request_for

register = template.Library()


@register.inclusion_tag("privacy/_deletion_banner.html", takes_context=True)
def deletion_banner(context: Any) -> dict[str, Any]:
    """On the person's home page: their account is about to be deleted, and how to cancel."""
    request = context.get("request")
    me = policy.own_vault(request.user) if request is not None else None
    return {"pending": open_request_for(me) if me is not None else None}
