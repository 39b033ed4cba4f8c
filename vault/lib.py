"""Pure helpers for the vault: no database access here."""

from django.utils.formats import number_format
from django.utils.translation import gettext as _


def human_size(num_bytes: int | None) -> str:
    """Sizes in the units people know from phones ("2,5 Mo"), not KiB/MiB."""
    size = float(num_bytes or 0)
    if size < 1000:
        return _("%(size)d bytes") % {"size": size}
    for unit in (_("KB"), _("MB"), _("GB")):
        size /= 1000
        if size < 1000 or unit == _("GB"):
            return f"{number_format(size, decimal_pos=1 if size < 10 else 0)} {unit}"
    raise AssertionError("unreachable")
