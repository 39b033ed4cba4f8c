"""The information a coffre-fort numérique owes the people who use it (CPCE R. 55-1, D. 539).

Written in French only, for everyone, logged in or not: one template per page. Durations come
from the settings that enforce them, so that the pages say what the code does.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


def duration_fr(days: int) -> str:
    """730 → "2 ans", 365 → "1 an", 30 → "30 jours"."""
    if days >= 365 and days % 365 == 0:
        years = days // 365
        return f"{years} an" if years == 1 else f"{years} ans"
    return f"{days} jour" if days == 1 else f"{days} jours"


def days_before_fr(days: list[int]) -> str:
    """[30, 7] → "30 jours et 7 jours"."""
    words = [duration_fr(day) for day in sorted(days, reverse=True)]
    return " et ".join([", ".join(words[:-1]), words[-1]] if len(words) > 1 else words)


@require_GET
def page(request: HttpRequest, name: str) -> HttpResponse:
    return render(
        request,
        f"pages/{name}.html",
        {
            "max_upload_bytes": settings.COFFRE_MAX_UPLOAD_BYTES,
            "quota_bytes": settings.COFFRE_QUOTA_BYTES,
            "journal_retention": duration_fr(settings.COFFRE_JOURNAL_RETENTION_DAYS),
            "backup_retention": duration_fr(settings.COFFRE_BACKUP_RETENTION_DAYS),
            "inactive_deletion": duration_fr(
                getattr(settings, "COFFRE_INACTIVE_DELETION_DAYS", 730)
            ),
            "inactive_warnings": days_before_fr(
                getattr(settings, "COFFRE_INACTIVE_WARNING_DAYS", [30, 7])
            ),
            "deletion_grace": duration_fr(getattr(settings, "COFFRE_DELETION_GRACE_DAYS", 7)),
        },
    )
