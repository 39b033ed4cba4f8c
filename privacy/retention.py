"""Inactive accounts: warn by SMS, then delete (CNIL guidance for the social sector: 2 years).

*Last activity* is the latest of: the last login, the account's creation, the last paper put in the
vault (by the person or by a social worker on their behalf). Deleting destroys papers for good, so
any sign that the vault still serves the person counts: someone followed by a relais who has no
phone of their own may never log in while their social worker keeps their papers up to date.

A warning is due ``COFFRE_INACTIVE_WARNING_DAYS`` (e.g. 30 and 7) days before the deletion. The
first warning fixes the deletion date, never less than its notice period after it: when this
task first runs on accounts that are already past the limit, they get the full notice instead of
a deletion without warning. Each warning is recorded *before* it is sent (one row per threshold
and period of inactivity, unique), so it is never sent twice; a person without a phone gets no
SMS, and the deletion still happens at the date. Any activity starts a new period.

The deletion itself is the same crypto-shredding path as a requested one (``privacy.deletion``).
This task also finishes requested deletions that are overdue: their task was lost, failed, or the
task backend cannot defer.
"""

import datetime
import logging
from collections import Counter
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Beneficiary
from notify.sms import send_sms
from vault.models import Blob

from . import deletion
from .models import DeletionRequest, RetentionNotice

logger = logging.getLogger(__name__)


def warning_days() -> list[int]:
    """Thresholds, largest first."""
    return sorted(set(settings.COFFRE_INACTIVE_WARNING_DAYS), reverse=True)


def with_last_activity(people: Any) -> Any:
    latest_deposit = Subquery(
        Blob.objects.filter(owner=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
    )
    return people.annotate(
        last_activity=Greatest(
            Coalesce(F("user__last_login"), F("created_at")),
            Coalesce(latest_deposit, F("created_at")),
            F("created_at"),
            output_field=DateTimeField(),
        )
    )


def apply_retention(now: datetime.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    limit = datetime.timedelta(days=settings.COFFRE_INACTIVE_DELETION_DAYS)
    thresholds = warning_days()
    first_notice = datetime.timedelta(days=thresholds[0] if thresholds else 0)
    # Whose first warning (or deletion) is due: last activity before this moment.
    horizon = now - limit + first_notice
    candidates = list(
        with_last_activity(Beneficiary.objects.all())
        .filter(last_activity__lte=horizon)
        .exclude(Exists(DeletionRequest.objects.open().filter(beneficiary=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", "last_activity")
    )
    summary: Counter[str] = Counter()
    for pk, last_activity in candidates:
        summary[_handle(pk, last_activity, now, limit, thresholds)] += 1
    summary["overdue_requests_done"] = _carry_out_overdue(now)
    return dict(summary)


def _handle(
    pk: int,
    last_activity: datetime.datetime,
    now: datetime.datetime,
    limit: datetime.timedelta,
    thresholds: list[int],
) -> str:
    person = Beneficiary.objects.select_related("user").get(pk=pk)
    notices = list(
        RetentionNotice.objects.filter(beneficiary=person, last_activity=last_activity).order_by(
            "-days_before"
        )
    )
    if thresholds and not notices:
        delete_after = max(last_activity + limit, now + datetime.timedelta(days=thresholds[0]))
        return _warn(person, last_activity, thresholds[0], delete_after)
    delete_after = notices[0].delete_after if notices else last_activity + limit
    if now >= delete_after:
        with transaction.atomic():
            request = DeletionRequest.objects.create(
                beneficiary=person,
                beneficiary_code=person.code,
                reason=DeletionRequest.Reason.INACTIVE,
                scheduled_for=now,
            )
        deletion.carry_out(request.pk, now=now)
        return "deleted"
    recorded = {notice.days_before for notice in notices}
    due = [
        days
        for days in thresholds[1:]
        if days not in recorded and now >= delete_after - datetime.timedelta(days=days)
    ]
    if not due:
        return "waiting"
    # Several due at once (the task did not run for a while): send the most urgent one only.
    for days in due[:-1]:
        _record(person, last_activity, days, delete_after, RetentionNotice.Outcome.SKIPPED)
    return _warn(person, last_activity, due[-1], delete_after)


def _record(
    person: Beneficiary,
    last_activity: datetime.datetime,
    days: int,
    delete_after: datetime.datetime,
    outcome: str,
) -> RetentionNotice | None:
    try:
        with transaction.atomic():
            return RetentionNotice.objects.create(
                beneficiary=person,
                last_activity=last_activity,
                days_before=days,
                delete_after=delete_after,
                outcome=outcome,
            )
    except IntegrityError:  # another run recorded it first: that run sends it
        return None


def _warn(
    person: Beneficiary,
    last_activity: datetime.datetime,
    days: int,
    delete_after: datetime.datetime,
) -> str:
    notice = _record(person, last_activity, days, delete_after, RetentionNotice.Outcome.SENDING)
    if notice is None:
        return "already_warned"
    phone = person.phone or person.user.phone
    if not phone:
        # Nobody to text. Later: tell the social workers of the person's relais (not built).
        notice.outcome = RetentionNotice.Outcome.NO_PHONE
    else:
        try:
            send_sms(phone, warning_text(person, delete_after))
            notice.outcome = RetentionNotice.Outcome.SENT
        except Exception:
            logger.exception("inactivity warning %s could not be sent", notice.pk)
            notice.outcome = RetentionNotice.Outcome.FAILED
    notice.save(update_fields=["outcome"])
    return "warned"


def warning_text(person: Beneficiary, delete_after: datetime.datetime) -> str:
    with translation.override(person.user.preferred_language):
        day = date_format(timezone.localtime(delete_after), "DATE_FORMAT")
        return _(
            "Coffre: you have not used your safe for a long time. On %(day)s your account and "
            "your papers will be deleted for good. To keep them, log in to Coffre before then."
        ) % {"day": day}


def _carry_out_overdue(now: datetime.datetime) -> int:
    overdue = DeletionRequest.objects.open().filter(scheduled_for__lte=now)
    return sum(deletion.carry_out(pk, now=now) for pk in list(overdue.values_list("pk", flat=True)))
