from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def retention_settings(**kwargs: Any) -> list[Error]:
    limit = settings.COFFRE_INACTIVE_DELETION_DAYS
    wrong = [days for days in settings.COFFRE_INACTIVE_WARNING_DAYS if not 0 < days < limit]
    errors = []
    if limit <= 0:
        errors.append(
            Error(
                "COFFRE_INACTIVE_DELETION_DAYS must be a positive number of days.",
                id="privacy.E001",
            )
        )
    if wrong:
        errors.append(
            Error(
                f"COFFRE_INACTIVE_WARNING_DAYS {wrong}: each warning must come between 1 day and "
                f"COFFRE_INACTIVE_DELETION_DAYS ({limit}) days before the deletion.",
                id="privacy.E002",
            )
        )
    if settings.COFFRE_DELETION_GRACE_DAYS < 0:
        errors.append(Error("COFFRE_DELETION_GRACE_DAYS cannot be negative.", id="privacy.E003"))
    return errors
