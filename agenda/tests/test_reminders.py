"""Appointment reminders on a frozen clock: local times across summer time, quiet hours, one
send per reminder whatever the workers do, retries, opt-out, the person's language."""

import datetime
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection

from accounts.models import User
from agenda import reminders
from agenda.models import AgendaSettings, Appointment, Delivery, Reminder
from agenda.reminders import DEFAULT_OFFSETS, schedule_reminders
from agenda.tasks import send_due_reminders
from coffre.schedule import SCHEDULE
from notify.backends import locmem
from notify.backends.base import SmsDeliveryError, SmsMessage
from tests.factories import BeneficiaryFactory

PARIS = ZoneInfo("Europe/Paris")
UTC = datetime.UTC
Offset = Reminder.Offset
PHONE = "+33612345678"


def paris(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


class FlakyBackend(locmem.LocmemBackend):
    """The provider refuses the next ``failures`` messages, then takes them (our boundary)."""

    failures = 0

    def send(self, message: SmsMessage) -> None:
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise SmsDeliveryError("provider unavailable (503)")
        super().send(message)


class CrashingBackend(locmem.LocmemBackend):
    """The worker process dies while the provider is being called."""

    def send(self, message: SmsMessage) -> None:
        raise SystemExit("killed")


class ReentrantBackend(locmem.LocmemBackend):
    """While this worker is calling the provider, another worker runs the whole task."""

    during: list[dict[str, int]] = []

    def send(self, message: SmsMessage) -> None:
        if not ReentrantBackend.during:
            ReentrantBackend.during.append(reminders.send_due_reminders())
        super().send(message)


class SlowBackend(locmem.LocmemBackend):
    """A provider that takes its time: widens the window in which two workers could overlap."""

    def send(self, message: SmsMessage) -> None:
        time.sleep(0.05)
        super().send(message)


def person(language: str = "fr", phone: str = PHONE, email: str = "") -> Any:
    someone = BeneficiaryFactory(phone=phone)
    User.objects.filter(pk=someone.user_id).update(
        preferred_language=language, email=email, phone=""
    )
    someone.user.refresh_from_db()
    return someone


def appointment(
    owner: Any,
    starts_at: datetime.datetime,
    offsets: Any = DEFAULT_OFFSETS,
    title: str = "Préfecture, titre de séjour",
    place: str = "Préfecture, 1 rue de la Paix",
) -> Appointment:
    created = Appointment.objects.create(
        owner=owner, created_by=owner.user, title=title, starts_at=starts_at, place=place
    )
    schedule_reminders(created, offsets)
    return created


def run(moment: datetime.datetime) -> dict[str, int]:
    with time_machine.travel(moment, tick=False):
        return reminders.send_due_reminders()


def row(item: Appointment, offset: str) -> Reminder:
    return Reminder.objects.get(appointment=item, offset=offset)


@pytest.mark.django_db
class TestDueTimes:
    def test_it_keeps_10_00_local_the_day_before_on_the_day_summer_time_begins(self, sms_outbox):
        # Monday 30 March 2026 09:00; clocks go forward on Sunday 29 March at 02:00.
        item = appointment(person(), paris(2026, 3, 30, 9, 0))
        assert row(item, Offset.DAY_BEFORE).due_at == datetime.datetime(
            2026, 3, 29, 8, 0, tzinfo=UTC
        )
        assert row(item, Offset.TWO_HOURS).due_at == paris(2026, 3, 30, 7, 0)
        run(paris(2026, 3, 29, 9, 59))
        assert sms_outbox == []
        run(paris(2026, 3, 29, 10, 0))
        assert len(sms_outbox) == 1
        assert row(item, Offset.DAY_BEFORE).status == Delivery.SENT
        assert row(item, Offset.TWO_HOURS).status == Delivery.PENDING

    def test_it_keeps_10_00_local_the_day_before_on_the_day_summer_time_ends(self, sms_outbox):
        # Monday 26 October 2026 09:00; clocks go back on Sunday 25 October at 03:00.
        item = appointment(person(), paris(2026, 10, 26, 9, 0), [Offset.DAY_BEFORE])
        due = row(item, Offset.DAY_BEFORE).due_at
        assert due == datetime.datetime(2026, 10, 25, 9, 0, tzinfo=UTC)
        assert due.astimezone(PARIS).hour == 10
        run(datetime.datetime(2026, 10, 25, 8, 59, tzinfo=UTC))  # 09:59 Paris
        assert sms_outbox == []
        run(datetime.datetime(2026, 10, 25, 9, 0, tzinfo=UTC))
        assert len(sms_outbox) == 1

    def test_it_counts_a_week_before_in_local_days_across_the_change(self):
        item = appointment(person(), paris(2026, 4, 2, 9, 0), [Offset.WEEK_BEFORE])
        due = row(item, Offset.WEEK_BEFORE).due_at
        assert due.astimezone(PARIS) == paris(2026, 3, 26, 10, 0)  # still winter time then
        assert due == datetime.datetime(2026, 3, 26, 9, 0, tzinfo=UTC)

    def test_it_counts_hours_before_as_real_elapsed_time(self):
        # 04:00 on the night clocks go forward: two real hours before is 01:00 (not 02:00).
        item = appointment(person(), paris(2026, 3, 29, 4, 0), [Offset.TWO_HOURS, Offset.ONE_HOUR])
        assert row(item, Offset.TWO_HOURS).due_at.astimezone(PARIS) == paris(2026, 3, 29, 1, 0)
        assert row(item, Offset.ONE_HOUR).due_at.astimezone(PARIS) == paris(2026, 3, 29, 4, 0) - (
            datetime.timedelta(hours=1)
        )


@pytest.mark.django_db
class TestScheduleReminders:
    def test_it_creates_one_row_per_offset_and_is_idempotent(self):
        item = appointment(person(), paris(2026, 5, 12, 14, 0))
        schedule_reminders(item, DEFAULT_OFFSETS)
        assert sorted(item.reminders.values_list("offset", flat=True)) == [
            "day_before",
            "two_hours",
        ]

    def test_a_new_time_moves_pending_rows_and_leaves_sent_ones(self, sms_outbox):
        item = appointment(person(), paris(2026, 5, 12, 14, 0))
        run(paris(2026, 5, 11, 10, 0))  # the day-before reminder goes
        sent = row(item, Offset.DAY_BEFORE)
        assert sent.status == Delivery.SENT
        item.starts_at = paris(2026, 5, 12, 16, 30)
        item.save()
        schedule_reminders(item, DEFAULT_OFFSETS)
        assert row(item, Offset.DAY_BEFORE).due_at == sent.due_at
        assert row(item, Offset.DAY_BEFORE).sent_at == sent.sent_at
        assert row(item, Offset.TWO_HOURS).due_at == paris(2026, 5, 12, 14, 30)

    def test_a_new_time_gives_a_skipped_reminder_another_chance(self, sms_outbox):
        owner = person()
        AgendaSettings.objects.create(owner=owner, reminders_on=False)
        item = appointment(owner, paris(2026, 5, 12, 14, 0), [Offset.TWO_HOURS])
        run(paris(2026, 5, 12, 12, 0))
        assert row(item, Offset.TWO_HOURS).status == Delivery.SKIPPED
        AgendaSettings.objects.filter(owner=owner).update(reminders_on=True)
        item.starts_at = paris(2026, 5, 13, 14, 0)
        item.save()
        schedule_reminders(item, [Offset.TWO_HOURS])
        assert row(item, Offset.TWO_HOURS).status == Delivery.PENDING
        run(paris(2026, 5, 13, 12, 0))
        assert len(sms_outbox) == 1

    def test_an_offset_no_longer_wanted_loses_its_unsent_row(self):
        item = appointment(person(), paris(2026, 5, 12, 14, 0))
        schedule_reminders(item, [Offset.ONE_HOUR])
        assert list(item.reminders.values_list("offset", flat=True)) == ["one_hour"]
        schedule_reminders(item, [])
        assert not item.reminders.exists()


@pytest.mark.django_db
class TestQuietHours:
    def test_two_hours_before_an_8_30_appointment_goes_at_8_00(self, sms_outbox):
        item = appointment(person(), paris(2026, 6, 3, 8, 30), [Offset.TWO_HOURS])
        run(paris(2026, 6, 3, 6, 30))
        assert sms_outbox == []
        waiting = row(item, Offset.TWO_HOURS)
        assert waiting.status == Delivery.PENDING
        assert waiting.next_try_at == paris(2026, 6, 3, 8, 0)
        run(paris(2026, 6, 3, 7, 55))
        assert sms_outbox == []
        run(paris(2026, 6, 3, 8, 0))
        assert len(sms_outbox) == 1
        assert row(item, Offset.TWO_HOURS).status == Delivery.SENT

    def test_when_8_00_is_too_close_to_the_appointment_it_is_skipped(self, sms_outbox):
        item = appointment(person(), paris(2026, 6, 3, 8, 15), [Offset.TWO_HOURS])
        run(paris(2026, 6, 3, 6, 15))
        reminder = row(item, Offset.TWO_HOURS)
        assert reminder.status == Delivery.SKIPPED
        assert "quiet hours" in reminder.reason
        assert sms_outbox == []

    def test_a_reminder_due_at_22_00_is_not_sent_at_night(self, sms_outbox):
        # 00:00 appointment: two hours before is 22:00, and 08:00 is after the appointment.
        item = appointment(person(), paris(2026, 6, 4, 0, 0), [Offset.TWO_HOURS])
        assert row(item, Offset.TWO_HOURS).due_at == paris(2026, 6, 3, 22, 0)
        run(paris(2026, 6, 3, 22, 0))
        run(paris(2026, 6, 3, 23, 0))
        assert sms_outbox == []
        assert row(item, Offset.TWO_HOURS).status == Delivery.SKIPPED

    def test_a_reminder_found_due_at_night_goes_at_8_00(self, sms_outbox):
        # Entered at 22:00 for 11:00 the next day: its day-before reminder (10:00) is due at once.
        with time_machine.travel(paris(2026, 6, 3, 22, 0), tick=False):
            item = appointment(person("en"), paris(2026, 6, 4, 11, 0), [Offset.DAY_BEFORE])
        run(paris(2026, 6, 3, 22, 0))
        run(paris(2026, 6, 4, 7, 55))
        assert sms_outbox == []
        run(paris(2026, 6, 4, 8, 0))
        assert len(sms_outbox) == 1
        assert "today (Thursday 4 June) at 11:00" in sms_outbox[0].body
        assert row(item, Offset.DAY_BEFORE).status == Delivery.SENT


@pytest.mark.django_db
class TestOneSendPerReminder:
    def test_it_sends_once_however_often_the_task_runs(self, sms_outbox):
        appointment(person(), paris(2026, 5, 12, 14, 0))
        for minute in (0, 0, 5, 10):
            with time_machine.travel(paris(2026, 5, 11, 10, minute), tick=False):
                send_due_reminders.enqueue()  # the immediate backend runs it, as db_worker would
        assert len(sms_outbox) == 1

    def test_two_workers_interleaved_send_once(self, sms_outbox):
        """Both workers read the same due rows before either claims one; the second's claims
        find the rows taken."""
        items = [appointment(person(), paris(2026, 5, 12, 14, n)) for n in range(3)]
        now = paris(2026, 5, 11, 10, 0)
        with time_machine.travel(now, tick=False):
            first = list(reminders.due_reminders(now))
            second = list(reminders.due_reminders(now))
            assert [r.pk for r in first] == [r.pk for r in second]
            outcomes = [reminders.handle(r, now) for r in first]
            outcomes += [reminders.handle(r, now) for r in second]
        assert outcomes == ["sent"] * 3 + ["taken"] * 3
        assert len(sms_outbox) == 3
        for item in items:
            assert row(item, Offset.DAY_BEFORE).status == Delivery.SENT

    def test_an_appointment_moved_after_its_reminder_was_read_is_not_sent_with_the_old_time(
        self, sms_outbox
    ):
        item = appointment(person(), paris(2026, 5, 12, 14, 0), [Offset.DAY_BEFORE])
        now = paris(2026, 5, 11, 10, 0)
        with time_machine.travel(now, tick=False):
            (read,) = list(reminders.due_reminders(now))
            # The person moves it to the next week before the worker claims the row.
            item.starts_at = paris(2026, 5, 19, 14, 0)
            item.save()
            schedule_reminders(item, [Offset.DAY_BEFORE])
            assert reminders.handle(read, now) == "taken"
        assert sms_outbox == []
        assert row(item, Offset.DAY_BEFORE).status == Delivery.PENDING
        run(paris(2026, 5, 18, 10, 0))
        assert len(sms_outbox) == 1 and "19" in sms_outbox[0].body

    def test_a_worker_running_while_another_is_mid_send_sends_nothing(self, settings, sms_outbox):
        appointment(person(), paris(2026, 5, 12, 14, 0), [Offset.DAY_BEFORE])
        settings.SMS_BACKEND = f"{__name__}.ReentrantBackend"
        ReentrantBackend.during = []
        run(paris(2026, 5, 11, 10, 0))
        assert ReentrantBackend.during == [{}]  # the other worker found nothing to send
        assert len(sms_outbox) == 1

    def test_a_crash_mid_send_is_not_resent_and_is_marked_failed(self, settings, sms_outbox):
        item = appointment(person(), paris(2026, 5, 12, 14, 0), [Offset.DAY_BEFORE])
        settings.SMS_BACKEND = f"{__name__}.CrashingBackend"
        with pytest.raises(SystemExit):
            run(paris(2026, 5, 11, 10, 0))
        assert row(item, Offset.DAY_BEFORE).status == Delivery.SENDING
        settings.SMS_BACKEND = "notify.backends.locmem.LocmemBackend"
        run(paris(2026, 5, 11, 10, 5))  # the restarted worker
        assert sms_outbox == []
        assert row(item, Offset.DAY_BEFORE).status == Delivery.SENDING
        run(paris(2026, 5, 11, 10, 16))
        stuck = row(item, Offset.DAY_BEFORE)
        assert (stuck.status, stuck.reason) == (Delivery.FAILED, reminders.STUCK_REASON)
        run(paris(2026, 5, 11, 10, 30))
        assert sms_outbox == []

    def test_a_crash_before_the_claim_loses_nothing(self, sms_outbox, monkeypatch):
        item = appointment(person(), paris(2026, 5, 12, 14, 0), [Offset.DAY_BEFORE])

        def die(*args: Any, **kwargs: Any) -> bool:
            raise SystemExit("killed")

        monkeypatch.setattr(reminders, "claim", die)
        with pytest.raises(SystemExit):
            run(paris(2026, 5, 11, 10, 0))
        monkeypatch.undo()
        run(paris(2026, 5, 11, 10, 5))
        assert len(sms_outbox) == 1
        assert row(item, Offset.DAY_BEFORE).status == Delivery.SENT

    def test_several_due_at_once_send_only_the_latest(self, sms_outbox):
        """The worker was down from Sunday morning to Monday 08:00: one text, not two."""
        item = appointment(person(), paris(2026, 5, 11, 11, 0))
        run(paris(2026, 5, 11, 9, 0))
        assert len(sms_outbox) == 1
        assert row(item, Offset.TWO_HOURS).status == Delivery.SENT
        skipped = row(item, Offset.DAY_BEFORE)
        assert skipped.status == Delivery.SKIPPED
        assert "later reminder" in skipped.reason


@pytest.mark.django_db(transaction=True)
def test_two_worker_threads_racing_send_each_reminder_once(settings):
    """Real concurrency: PostgreSQL only (the in-memory SQLite test database does not let a
    second writer wait); on SQLite the interleaved tests above cover the same claim."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    settings.SMS_BACKEND = f"{__name__}.SlowBackend"
    locmem.outbox.clear()
    for n in range(12):
        appointment(person(), paris(2026, 5, 12, 14, n), [Offset.DAY_BEFORE])
    start = threading.Barrier(2)

    def worker() -> dict[str, int]:
        try:
            start.wait(timeout=10)
            return reminders.send_due_reminders()
        finally:
            connection.close()

    with (
        time_machine.travel(paris(2026, 5, 11, 10, 0), tick=False),
        ThreadPoolExecutor(max_workers=2) as pool,
    ):
        results = list(pool.map(lambda _: worker(), range(2)))
    assert sum(result.get("sent", 0) for result in results) == 12
    assert len(locmem.outbox) == 12
    assert len({message.body for message in locmem.outbox}) == 12
    assert Reminder.objects.filter(status=Delivery.SENT).count() == 12
    locmem.outbox.clear()


@pytest.mark.django_db
class TestRetries:
    def test_a_transient_failure_is_retried_after_5_minutes(self, settings, sms_outbox):
        settings.SMS_BACKEND = f"{__name__}.FlakyBackend"
        FlakyBackend.failures = 1
        item = appointment(person(), paris(2026, 5, 12, 14, 0), [Offset.DAY_BEFORE])
        assert run(paris(2026, 5, 11, 10, 0)) == {"retry": 1}
        waiting = row(item, Offset.DAY_BEFORE)
        assert (waiting.status, waiting.attempts) == (Delivery.PENDING, 1)
        assert waiting.next_try_at == paris(2026, 5, 11, 10, 5)
        assert "SmsDeliveryError" in waiting.reason
        run(paris(2026, 5, 11, 10, 4))
        assert sms_outbox == []
        run(paris(2026, 5, 11, 10, 5))
        assert len(sms_outbox) == 1
        sent = row(item, Offset.DAY_BEFORE)
        assert (sent.status, sent.attempts, sent.reason) == (Delivery.SENT, 2, "")

    def test_it_gives_up_after_4_attempts_with_the_reason(self, settings, sms_outbox):
        settings.SMS_BACKEND = f"{__name__}.FlakyBackend"
        FlakyBackend.failures = 10
        item = appointment(person(), paris(2026, 5, 12, 14, 0), [Offset.DAY_BEFORE])
        for minutes in (0, 5, 20, 80, 200):  # 5, 15 and 60 minutes apart
            run(paris(2026, 5, 11, 10, 0) + datetime.timedelta(minutes=minutes))
        failed = row(item, Offset.DAY_BEFORE)
        assert (failed.status, failed.attempts) == (Delivery.FAILED, 4)
        assert "provider unavailable" in failed.reason
        assert FlakyBackend.failures == 6
        FlakyBackend.failures = 0


@pytest.mark.django_db
class TestWhoGetsWhat:
    def test_it_honours_reminders_off(self, sms_outbox):
        owner = person()
        AgendaSettings.objects.create(owner=owner, reminders_on=False)
        item = appointment(owner, paris(2026, 5, 12, 14, 0))
        run(paris(2026, 5, 11, 10, 0))
        assert sms_outbox == []
        skipped = row(item, Offset.DAY_BEFORE)
        assert (skipped.status, skipped.reason) == (
            Delivery.SKIPPED,
            "the person turned reminders off",
        )

    def test_a_closed_account_gets_nothing(self, sms_outbox):
        owner = person()
        item = appointment(owner, paris(2026, 5, 12, 14, 0))
        User.objects.filter(pk=owner.user_id).update(is_active=False)
        run(paris(2026, 5, 11, 10, 0))
        assert sms_outbox == []
        assert row(item, Offset.DAY_BEFORE).status == Delivery.SKIPPED

    def test_without_phone_or_email_it_is_skipped(self, sms_outbox):
        item = appointment(person(phone=""), paris(2026, 5, 12, 14, 0))
        run(paris(2026, 5, 11, 10, 0))
        assert row(item, Offset.DAY_BEFORE).reason == "no phone number and no email"

    def test_by_email_only_when_there_is_no_phone(self, sms_outbox):
        appointment(person(phone="", email="amina@example.org"), paris(2026, 5, 12, 14, 0))
        run(paris(2026, 5, 11, 10, 0))
        assert sms_outbox == []
        assert [m.to for m in mail.outbox] == [["amina@example.org"]]

    def test_by_sms_and_email_when_there_are_both(self, sms_outbox):
        appointment(person(email="amina@example.org"), paris(2026, 5, 12, 14, 0))
        run(paris(2026, 5, 11, 10, 0))
        assert len(sms_outbox) == 1 and len(mail.outbox) == 1
        assert mail.outbox[0].body == sms_outbox[0].body

    def test_a_past_appointment_gets_no_reminder(self, sms_outbox):
        item = appointment(person(), paris(2026, 5, 12, 14, 0))
        run(paris(2026, 5, 12, 15, 0))
        assert sms_outbox == []
        assert row(item, Offset.TWO_HOURS).reason == "the appointment has passed"

    def test_a_deleted_appointment_gets_no_reminder(self, sms_outbox):
        item = appointment(person(), paris(2026, 5, 12, 14, 0))
        item.delete()
        run(paris(2026, 5, 11, 10, 0))
        assert sms_outbox == []
        assert not Reminder.objects.exists()

    def test_it_writes_in_french(self, sms_outbox):
        appointment(person("fr"), paris(2026, 3, 30, 9, 0))
        run(paris(2026, 3, 29, 10, 0))
        (message,) = sms_outbox
        assert message.to == PHONE
        assert message.body == (
            "Coffre : rendez-vous demain (lundi 30 mars) à 09:00 : Préfecture, titre de séjour, "
            "Préfecture, 1 rue de la Paix."
        )

    def test_it_writes_in_english(self, sms_outbox):
        appointment(person("en"), paris(2026, 3, 30, 10, 0), place="")
        run(paris(2026, 3, 30, 8, 0))
        (message,) = sms_outbox
        assert message.body == (
            "Coffre: appointment today (Monday 30 March) at 10:00: Préfecture, titre de séjour."
        )

    def test_it_says_nothing_else_from_the_vault(self, sms_outbox):
        owner = person()
        item = appointment(owner, paris(2026, 5, 12, 14, 0), title="x" * 150)
        Appointment.objects.filter(pk=item.pk).update(
            note="Secret: dossier OQTF", with_whom="Maître Martin"
        )
        run(paris(2026, 5, 11, 10, 0))
        body = sms_outbox[0].body
        assert "OQTF" not in body and "Martin" not in body
        assert "x" * 57 + "..." in body and "x" * 58 not in body


def test_the_task_runs_every_5_minutes():
    assert any(
        job.task == "agenda.tasks.send_due_reminders" and job.cron == "*/5 * * * *"
        for job in SCHEDULE
    )
