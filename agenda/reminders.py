"""Appointment reminders: when each one is due, and sending each one exactly once.

Scheduling (``schedule_reminders``, called by the agenda's create/edit services): one
``Reminder`` row per (appointment, offset), its ``due_at`` computed in the person's local time
(Europe/Paris for now) and stored in UTC, so that "the day before at 10:00" stays 10:00 on the wall
clock across a change to or from summer time. A changed appointment time recomputes the rows still
to send; rows already sent (or being sent) are left alone.

Sending (``send_due_reminders``, the periodic task ``agenda.tasks.send_due_reminders``): see
"Delivery" below for the rules shared with the expiry alerts (claim, crash mid-send, retries,
quiet hours), then "Appointment reminders" for what is skipped and what the text says.
"""

import datetime
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from accounts.models import Beneficiary
from notify.sms import send_sms

from .models import AgendaSettings, Appointment, Delivery, ExpiryAlert, Reminder

logger = logging.getLogger(__name__)

Offset = Reminder.Offset
DeliveryRow = TypeVar("DeliveryRow", Reminder, ExpiryAlert)

DEFAULT_OFFSETS = [Offset.DAY_BEFORE, Offset.TWO_HOURS]

MORNING = datetime.time(10, 0)  # "the day before at 10:00", "a week before at 10:00"


def local_zone() -> datetime.tzinfo:
    """People's local time. One zone for everyone today (settings.TIME_ZONE, Europe/Paris)."""
    return timezone.get_default_timezone()


def due_at(starts_at: datetime.datetime, offset: str) -> datetime.datetime:
    """When a reminder is due, in UTC. Wall-clock offsets are computed in local time."""
    zone = local_zone()
    local_start = starts_at.astimezone(zone)
    if offset in (Offset.DAY_BEFORE, Offset.WEEK_BEFORE):
        days = 1 if offset == Offset.DAY_BEFORE else 7
        day = local_start.date() - datetime.timedelta(days=days)
        # zoneinfo gives the right UTC offset of that day (10:00 is never in a DST gap).
        return datetime.datetime.combine(day, MORNING, tzinfo=zone).astimezone(datetime.UTC)
    hours = {Offset.TWO_HOURS: 2, Offset.ONE_HOUR: 1}[Offset(offset)]
    # "2 hours before" is elapsed time: on the night of a change, 2 real hours. In UTC first:
    # Python subtracts from an aware datetime in its own wall time.
    return starts_at.astimezone(datetime.UTC) - datetime.timedelta(hours=hours)


def schedule_reminders(appointment: Appointment, offsets: Iterable[str]) -> list[Reminder]:
    """Keep the appointment's reminder rows in line with its time and the chosen offsets.

    - a wanted offset without a row: a new pending row;
    - a row not yet sent whose time moved: back to pending at the new time (attempts reset);
    - a row sent, or being sent, stays as it is (one reminder, one send);
    - an offset no longer wanted: its unsent row is removed.
    Returns the rows of the wanted offsets.
    """
    wanted = {Offset(offset) for offset in offsets}
    with transaction.atomic():
        existing = {
            row.offset: row
            for row in Reminder.objects.select_for_update().filter(appointment=appointment)
        }
        keep = []
        for offset in sorted(wanted):
            when = due_at(appointment.starts_at, offset)
            row = existing.get(offset)
            if row is None:
                row = Reminder.objects.create(appointment=appointment, offset=offset, due_at=when)
            elif row.status in (Delivery.SENT, Delivery.SENDING):
                pass
            elif row.due_at != when:  # a new time: a new chance, whatever happened before
                _reset(row, when)
            keep.append(row)
        unwanted = [
            row.pk
            for offset, row in existing.items()
            if offset not in wanted and row.status not in (Delivery.SENT, Delivery.SENDING)
        ]
        if unwanted:
            Reminder.objects.filter(pk__in=unwanted).delete()
    return keep


def _reset(row: Reminder, when: datetime.datetime) -> None:
    row.due_at = when
    row.status = Delivery.PENDING
    row.reason = ""
    row.attempts = 0
    row.next_try_at = None
    row.claimed_at = None
    row.save(update_fields=["due_at", "status", "reason", "attempts", "next_try_at", "claimed_at"])


# --- Delivery: the rules shared by reminders and expiry alerts (agenda.alerts) ---
#
# One row, one send, whatever the number of workers and however they stop:
# 1. a row is *claimed* by one conditional UPDATE (``status=pending`` → ``sending``, with the time):
#    on SQLite and PostgreSQL alike, of two workers racing for it, exactly one changes a row;
# 2. the claimer sends, then marks the row ``sent``;
# 3. a row left in ``sending`` (the worker died between 1 and 3) is never sent again blindly: the
#    provider may have taken the message. After ``STUCK_AFTER`` it is marked ``failed`` with the
#    reason. A missed reminder is a pity; two identical texts to a phone that may be shared, or an
#    SMS loop after each crash, are worse.
# Every other decision (skip, postpone) is also an UPDATE conditional on ``status=pending``, so a
# late decision never overrides another worker's.

QUIET_START = datetime.time(21, 0)  # no text message from 21:00 ...
QUIET_END = datetime.time(8, 0)  # ... until 08:00, local time
MIN_LEAD = datetime.timedelta(minutes=30)  # a reminder later than this before the time is useless
BACKOFF = [datetime.timedelta(minutes=m) for m in (5, 15, 60)]  # after the 1st, 2nd, 3rd failure
MAX_ATTEMPTS = len(BACKOFF) + 1
STUCK_AFTER = datetime.timedelta(minutes=15)  # far longer than an SMS or email send may take
BATCH = 200

STUCK_REASON = "unknown: the worker stopped while sending (not sent again, to avoid a double)"


def in_quiet_hours(moment: datetime.datetime) -> bool:
    local = moment.astimezone(local_zone()).time()
    return local >= QUIET_START or local < QUIET_END


def end_of_quiet_hours(moment: datetime.datetime) -> datetime.datetime:
    """The next 08:00 local at or after ``moment`` (in UTC)."""
    zone = local_zone()
    local = moment.astimezone(zone)
    day = local.date()
    if local.time() >= QUIET_END:
        day += datetime.timedelta(days=1)
    return datetime.datetime.combine(day, QUIET_END, tzinfo=zone).astimezone(datetime.UTC)


def ready(now: datetime.datetime) -> Q:
    """Pending rows whose retry or postponement time has come."""
    return Q(status=Delivery.PENDING) & (Q(next_try_at__isnull=True) | Q(next_try_at__lte=now))


def release_stuck(model: type[DeliveryRow], now: datetime.datetime) -> int:
    return model.objects.filter(status=Delivery.SENDING, claimed_at__lt=now - STUCK_AFTER).update(
        status=Delivery.FAILED, reason=STUCK_REASON
    )


def claim(model: type[DeliveryRow], pk: int, now: datetime.datetime, **as_read: object) -> bool:
    """Take the row for sending: True for exactly one of any number of racing workers, and
    only if it is still as read (``as_read``: an appointment moved since then has a new due
    time; its message, built from what was read, would give the old one)."""
    taken = model.objects.filter(ready(now), pk=pk, **as_read).update(
        status=Delivery.SENDING,
        claimed_at=timezone.now(),  # the real time: a run can be long
    )
    return taken == 1


def skip(model: type[DeliveryRow], pk: int, reason: str) -> str:
    model.objects.filter(pk=pk, status=Delivery.PENDING).update(
        status=Delivery.SKIPPED, reason=reason[:200], next_try_at=None
    )
    return "skipped"


def postpone(model: type[DeliveryRow], pk: int, until: datetime.datetime, reason: str) -> str:
    model.objects.filter(pk=pk, status=Delivery.PENDING).update(next_try_at=until, reason=reason)
    return "postponed"


def deliver(
    model: type[DeliveryRow], row: DeliveryRow, now: datetime.datetime, message: "Message"
) -> str:
    """Claim, send, record. Transient failures come back later (``BACKOFF``), then fail."""
    as_read = (
        {"due_at": row.due_at} if isinstance(row, Reminder) else {"expires_on": row.expires_on}
    )
    if not claim(model, row.pk, now, **as_read):
        return "taken"  # another worker has it, or it changed: the next run sees it afresh
    try:
        message.send()
    except ValidationError:
        model.objects.filter(pk=row.pk).update(
            status=Delivery.FAILED,
            reason="the phone number is not valid",
            attempts=F("attempts") + 1,
        )
        return "failed"
    except Exception as error:  # the provider refused or is unreachable: try again later
        attempts = row.attempts + 1
        reason = f"attempt {attempts}: {type(error).__name__}: {error}"[:200]
        logger.warning("%s %s not sent (%s)", model.__name__, row.pk, reason)
        if attempts >= MAX_ATTEMPTS:
            model.objects.filter(pk=row.pk).update(
                status=Delivery.FAILED, reason=reason, attempts=attempts
            )
            return "failed"
        model.objects.filter(pk=row.pk).update(
            status=Delivery.PENDING,
            reason=reason,
            attempts=attempts,
            next_try_at=timezone.now() + BACKOFF[attempts - 1],
        )
        return "retry"
    # Whatever happened to the row meanwhile (even marked stuck), the message did go.
    model.objects.filter(pk=row.pk).update(
        status=Delivery.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, reason=""
    )
    return "sent"


def settings_of(person: Beneficiary) -> AgendaSettings | None:
    try:
        return person.agenda
    except AgendaSettings.DoesNotExist:
        return None


def wants_reminders(person: Beneficiary) -> bool:
    """On by default; never for a closed account (deactivated, or being deleted)."""
    if not person.user.is_active:
        return False
    chosen = settings_of(person)
    return chosen is None or chosen.reminders_on


@dataclass
class Message:
    """One text to one person: by SMS when they have a phone, and also by email when they have
    one. The SMS decides success (it is what people read); with no phone, the email does. A
    failed extra email is logged, not retried: retrying would send the SMS again."""

    phone: str
    email: str
    subject: str
    text: str

    @classmethod
    def to(cls, person: Beneficiary, subject: str, text: str) -> "Message":
        return cls(
            phone=person.phone or person.user.phone,
            email=person.user.email,
            subject=subject,
            text=text,
        )

    @property
    def reachable(self) -> bool:
        return bool(self.phone or self.email)

    def send(self) -> None:
        if not self.phone:
            send_mail(self.subject, self.text, None, [self.email])
            return
        send_sms(self.phone, self.text)
        if self.email:
            try:
                send_mail(self.subject, self.text, None, [self.email])
            except Exception:
                logger.exception("the email copy of a message could not be sent")


# --- Appointment reminders ---


def send_due_reminders(now: datetime.datetime | None = None) -> dict[str, int]:
    """Send every reminder that is due (the periodic task; safe to run anywhere, any number of
    times at once)."""
    now = now or timezone.now()
    summary: Counter[str] = Counter()
    summary["stuck"] = release_stuck(Reminder, now)
    due = due_reminders(now)
    for _batch in range(1000):  # each row handled leaves ``due``: this only bounds a bug
        rows = list(due[:BATCH])
        for row in rows:
            summary[handle(row, now)] += 1
        if len(rows) < BATCH:
            break
    return {key: value for key, value in summary.items() if value}


def due_reminders(now: datetime.datetime) -> "QuerySet[Reminder]":
    """Pending reminders due by ``now``, oldest first, with what ``handle`` reads (one query)."""
    later = Reminder.objects.filter(
        appointment=OuterRef("appointment"),
        due_at__gt=OuterRef("due_at"),
        due_at__lte=now,
        status__in=[Delivery.PENDING, Delivery.SENDING, Delivery.SENT],
    )
    return (
        Reminder.objects.filter(ready(now), due_at__lte=now)
        .annotate(superseded=Exists(later))
        .select_related("appointment__owner__user", "appointment__owner__agenda")
        .order_by("due_at", "pk")
    )


def handle(row: Reminder, now: datetime.datetime) -> str:
    """Skip, postpone or send one due reminder (a row of ``due_reminders``); says which."""
    appointment = row.appointment
    person = appointment.owner
    if not wants_reminders(person):
        return skip(Reminder, row.pk, "the person turned reminders off")
    if appointment.starts_at <= now:
        return skip(Reminder, row.pk, "the appointment has passed")
    if row.superseded:  # type: ignore[attr-defined]
        return skip(Reminder, row.pk, "a later reminder of the same appointment is due")
    message = Message.to(
        person, reminder_subject(person), reminder_text(appointment, now, language_of(person))
    )
    if not message.reachable:
        return skip(Reminder, row.pk, "no phone number and no email")
    if appointment.starts_at - now < MIN_LEAD:
        return skip(Reminder, row.pk, "too late: the appointment is in less than 30 minutes")
    if in_quiet_hours(now):
        morning = end_of_quiet_hours(now)
        if appointment.starts_at - morning < MIN_LEAD:
            return skip(Reminder, row.pk, "quiet hours (21:00-08:00), and 08:00 is too late")
        return postpone(Reminder, row.pk, morning, "quiet hours (21:00-08:00): sent at 08:00")
    return deliver(Reminder, row, now, message)


def language_of(person: Beneficiary) -> str:
    return person.user.preferred_language or settings.LANGUAGE_CODE


def clip(text: str, length: int) -> str:
    """At most ``length`` characters; ASCII "..." (a "…" would make the SMS UCS-2)."""
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 3].rstrip() + "..."


def reminder_subject(person: Beneficiary) -> str:
    with translation.override(language_of(person)):
        return _("Coffre: reminder of your appointment")


def reminder_text(appointment: Appointment, now: datetime.datetime, language: str) -> str:
    """Short and plain: when, what, where. Nothing else from the vault (not the note, not with
    whom): the phone may be shared."""
    zone = local_zone()
    start = appointment.starts_at.astimezone(zone)
    today = now.astimezone(zone).date()
    with translation.override(language):
        date = date_format(start, "l j F")
        if start.date() == today:
            when = _("today (%(date)s)") % {"date": date}
        elif start.date() == today + datetime.timedelta(days=1):
            when = _("tomorrow (%(date)s)") % {"date": date}
        else:
            when = _("on %(date)s") % {"date": date}
        values = {
            "when": when,
            "time": time_format(start, "H:i"),
            "what": clip(appointment.title, 60),
            "place": clip(appointment.place, 80),
        }
        if appointment.place:
            return _("Coffre: appointment %(when)s at %(time)s: %(what)s, %(place)s.") % values
        return _("Coffre: appointment %(when)s at %(time)s: %(what)s.") % values
