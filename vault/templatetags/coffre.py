from datetime import date

from django import template

from vault.lib import human_size

register = template.Library()

register.filter("human_size", human_size)


@register.filter
def isodate(value: str | None) -> date | None:
    """A date kept as ISO text (the fields read on a paper) as a date, for ``|date``."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
