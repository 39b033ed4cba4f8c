import re
from datetime import date
from urllib.parse import quote

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


APPLE_DEVICE = re.compile(r"iPhone|iPad|iPod|Macintosh")


@register.simple_tag(takes_context=True)
def maps_url(context: template.Context, place: str) -> str:
    """A link that opens the phone's own maps app on the place: ``geo:`` on Android (and most
    other phones), Apple Maps' address on Apple devices, which ignore ``geo:``."""
    request = context.get("request")
    agent = request.headers.get("User-Agent", "") if request is not None else ""
    if APPLE_DEVICE.search(agent):
        return f"https://maps.apple.com/?q={quote(place, safe='')}"
    return f"geo:0,0?q={quote(place, safe='')}"
