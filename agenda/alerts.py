"""Expiry alerts: warn the person once when a paper's notice period begins.

A paper with an expiry date and a notice (``Document.expiry_notice_days``: a week, a month, three
months, a year; none = never) gets one ``ExpiryAlert`` per expiry date, created by the daily task
on the first day (local) of the notice period. Renewing the paper (a new date) warns again; the
unique (document, expires_on) row makes each date warn once. Sending follows the rules of
``agenda.reminders`` (claim, quiet hours, retries, nothing sent twice).

The message names the *kind* of paper from the catalogue ("Residence permit"), never its title:
a title is free text typed by the person or a social worker and may say more than a text message
on a possibly shared phone should. It gives the date and the official renewal page, with plain
ASCII punctuation: a curly quote would switch the SMS to UCS-2 (70 characters a part, not 160).
"""

import datetime
import logging
from collections import Counter
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from vault import doctypes
from vault.models import Document

from .models import Delivery, ExpiryAlert
from .reminders import (
    BATCH,
    Message,
    deliver,
    end_of_quiet_hours,
    in_quiet_hours,
    language_of,
    local_zone,
    postpone,
    ready,
    release_stuck,
    skip,
    wants_reminders,
)

logger = logging.getLogger(__name__)

# A paper found already expired for longer than this is not worth a text message (an old copy
# kept for the record); the social worker's dashboard still shows it.
STALE = datetime.timedelta(days=30)


def local_today(now: datetime.datetime) -> datetime.date:
    return now.astimezone(local_zone()).date()


def notice_begun(today: datetime.date) -> Q:
    """Documents whose notice period has begun on ``today``: expires_on - notice <= today,
    written as one comparison per notice value so that SQLite and PostgreSQL run it the same."""
    begun = Q(pk__in=[])
    for days in Document.Notice.values:
        begun |= Q(expiry_notice_days=days, expires_on__lte=today + datetime.timedelta(days=days))
    return begun


def create_due_alerts(now: datetime.datetime | None = None) -> int:
    """One pending alert for each paper whose notice period has begun and that has none for
    its current expiry date. Safe to run twice at once (conflicts are ignored)."""
    today = local_today(now or timezone.now())
    already = ExpiryAlert.objects.filter(document=OuterRef("pk"), expires_on=OuterRef("expires_on"))
    due = (
        Document.objects.filter(notice_begun(today))
        .exclude(Exists(already))
        .values_list("pk", "expires_on", "expiry_notice_days")
    )
    rows = [
        ExpiryAlert(
            document_id=pk, expires_on=expires_on, due_on=expires_on - datetime.timedelta(days=days)
        )
        for pk, expires_on, days in due.iterator()
    ]
    ExpiryAlert.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return len(rows)


def send_due_alerts(now: datetime.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    today = local_today(now)
    summary: Counter[str] = Counter()
    summary["stuck"] = release_stuck(ExpiryAlert, now)
    due = due_alerts(now)
    for _batch in range(1000):  # each row handled leaves ``due``: this only bounds a bug
        rows = list(due[:BATCH])
        for row in rows:
            summary[handle(row, now, today)] += 1
        if len(rows) < BATCH:
            break
    return {key: value for key, value in summary.items() if value}


def due_alerts(now: datetime.datetime) -> "QuerySet[ExpiryAlert]":
    return (
        ExpiryAlert.objects.filter(ready(now), due_on__lte=local_today(now))
        .select_related("document__owner__user", "document__owner__agenda")
        .order_by("due_on", "pk")
    )


def create_and_send(now: datetime.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    return {"created": create_due_alerts(now), **send_due_alerts(now)}


def handle(row: ExpiryAlert, now: datetime.datetime, today: datetime.date) -> str:
    """Skip, postpone or send one due alert (a row of ``due_alerts``); says which."""
    document = row.document
    person = document.owner
    if document.expires_on != row.expires_on:
        return skip(ExpiryAlert, row.pk, "the paper's expiry date changed")
    if document.expiry_notice_days is None:
        return skip(ExpiryAlert, row.pk, "the person asked for no warning")
    starts = row.expires_on - datetime.timedelta(days=document.expiry_notice_days)
    if starts > today:  # the notice was shortened since: wait for the new date
        ExpiryAlert.objects.filter(pk=row.pk, status=Delivery.PENDING).update(due_on=starts)
        return "waiting"
    if not wants_reminders(person):
        return skip(ExpiryAlert, row.pk, "the person turned reminders off")
    if row.expires_on < today - STALE:
        return skip(ExpiryAlert, row.pk, "already expired for more than 30 days")
    message = Message.to(person, alert_subject(language_of(person)), alert_text(row, today))
    if not message.reachable:
        return skip(ExpiryAlert, row.pk, "no phone number and no email")
    if in_quiet_hours(now):
        return postpone(
            ExpiryAlert, row.pk, end_of_quiet_hours(now), "quiet hours (21:00-08:00): at 08:00"
        )
    return deliver(ExpiryAlert, row, now, message)


def alert_subject(language: str) -> str:
    with translation.override(language):
        return _("Coffre: one of your papers expires soon")


def alert_text(row: ExpiryAlert, today: datetime.date) -> str:
    document = row.document
    kind = doctypes.get(document.doc_type)
    with translation.override(language_of(document.owner)):
        values = {"kind": str(kind.label), "date": date_format(row.expires_on, "j F Y")}
        if document.doc_type == Document.Type.OTHER:
            if row.expires_on < today:
                text = _("Coffre: a paper in your safe expired on %(date)s.") % values
            else:
                text = _("Coffre: a paper in your safe expires on %(date)s.") % values
        elif row.expires_on < today:
            text = _('Coffre: your paper "%(kind)s" expired on %(date)s.') % values
        else:
            text = _('Coffre: your paper "%(kind)s" expires on %(date)s.') % values
        if kind.renewal_url:
            text += " " + _("To renew it: %(url)s") % {"url": kind.renewal_url}
        return text
