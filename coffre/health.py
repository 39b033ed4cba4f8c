"""The health page: what works on this server, in words an operator (or a curious person) reads.

Public and free of personal data: counts and on/off only. Answers 503 when the database does
not, so a load balancer can use it too.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vault import antivirus
from vault.capture import ocr

QUEUE_SLOW_AFTER = timedelta(minutes=10)


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def _database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return Check(_("Database"), False, _("does not answer"))
    return Check(_("Database"), True, _("answers"))


def _queue() -> Check:
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.ready()
    count = waiting.count()
    oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    if oldest is not None and timezone.now() - oldest > QUEUE_SLOW_AFTER:
        return Check(
            _("Background work"),
            False,
            _("%(count)d tasks waiting for more than 10 minutes: is the worker running?")
            % {"count": count},
        )
    return Check(_("Background work"), True, _("%(count)d tasks waiting") % {"count": count})


def _ocr() -> Check:
    if ocr.available():
        languages = ", ".join(lang for lang in ocr.languages() if lang != "osd")
        return Check(
            _("Text recognition (OCR)"), True, _("on (%(languages)s)") % {"languages": languages}
        )
    return Check(
        _("Text recognition (OCR)"),
        False,
        _(
            "off: Tesseract is not installed. Papers are kept and cleaned, "
            "but not searchable by their text."
        ),
    )


def _antivirus() -> Check:
    if antivirus.configured_address() is None:
        return Check(_("Antivirus"), False, _("off: no ClamAV configured"))
    return Check(_("Antivirus"), True, _("on"))


@never_cache
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    checks = [_database(), _queue(), _ocr(), _antivirus()]
    status = 200 if checks[0].ok else 503
    return render(request, "health.html", {"checks": checks}, status=status)
