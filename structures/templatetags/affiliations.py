from typing import Any

from django import template

from vault import policy

register = template.Library()


@register.inclusion_tag("structures/_affiliation_requests.html", takes_context=True)
def affiliation_requests_banner(context: Any) -> dict[str, Any]:
    """On the person's home page: structures that ask to follow them, to accept or refuse."""
    request = context.get("request")
    if request is None:
        return {"requests": []}
    pending = policy.affiliation_requests_for(request.user).select_related("structure")
    return {"requests": list(pending.order_by("created_at"))}
