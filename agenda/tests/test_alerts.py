"""Expiry alerts on a frozen clock: once at the notice date, not before, again after renewal,
never with notice "none", in the person's language, with the official renewal page."""

import datetime
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from accounts.models import Beneficiary, User
from agenda import alerts
from agenda.models import AgendaSettings, Delivery, ExpiryAlert
from agenda.tasks import send_due_reminders, send_expiry_alerts
from coffre.schedule import SCHEDULE
from notify.backends import locmem
from notify.backends.base import SmsDeliveryError, SmsMessage
from tests.factories import BeneficiaryFactory
from vault import doctypes
from vault.models import Blob, Document, Visibility

PARIS = ZoneInfo("Europe/Paris")
PHONE = "+33612345678"
EXPIRES = datetime.date(2026, 9, 15)  # notice 30 days: due on 16 August 2026


def paris(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


def paper(
    owner: Beneficiary,
    expires_on: datetime.date | None = EXPIRES,
    notice: int | None = 30,
    doc_type: str = Document.Type.RESIDENCE_PERMIT,
    visibility: str = Visibility.SHARED,
    title: str = "Titre de séjour (RDV avocat OQTF)",
) -> Document:
    """A paper's rows only: alerts and the dashboard never open its file."""
    blob = Blob.objects.create(
        code=uuid.uuid4(),
        owner=owner,
        storage_key=f"zz/{uuid.uuid4()}",
        size=1,
        media_type="application/pdf",
        depositor=owner.user,
    )
    return Document.objects.create(
        owner=owner,
        created_by=owner.user,
        file=blob,
        title=title,
        doc_type=doc_type,
        state=Document.State.READY,
        expires_on=expires_on,
        expiry_notice_days=notice,
        visibility=visibility,
    )


def person(language: str = "fr", phone: str = PHONE, email: str = "") -> Any:
    someone = BeneficiaryFactory(phone=phone)
    User.objects.filter(pk=someone.user_id).update(
        preferred_language=language, email=email, phone=""
    )
    someone.user.refresh_from_db()
    return someone


def daily(moment: datetime.datetime) -> Any:
    with time_machine.travel(moment, tick=False):
        return send_expiry_alerts.enqueue().return_value


def every_5_minutes(moment: datetime.datetime) -> Any:
    with time_machine.travel(moment, tick=False):
        return send_due_reminders.enqueue().return_value


class FailingOnceBackend(locmem.LocmemBackend):
    failures = 0

    def send(self, message: SmsMessage) -> None:
        if FailingOnceBackend.failures:
            FailingOnceBackend.failures -= 1
            raise SmsDeliveryError("timeout")
        super().send(message)


@pytest.mark.django_db
class TestWhen:
    def test_it_warns_once_on_the_notice_date_and_not_before(self, sms_outbox):
        document = paper(person())
        daily(paris(2026, 8, 15, 10, 0))
        assert sms_outbox == [] and not ExpiryAlert.objects.exists()
        daily(paris(2026, 8, 16, 10, 0))
        assert len(sms_outbox) == 1
        alert = ExpiryAlert.objects.get(document=document)
        assert (alert.status, alert.expires_on, alert.due_on) == (
            Delivery.SENT,
            EXPIRES,
            datetime.date(2026, 8, 16),
        )
        daily(paris(2026, 8, 16, 10, 0))  # the same tick twice
        daily(paris(2026, 8, 17, 10, 0))
        every_5_minutes(paris(2026, 8, 17, 10, 5))
        assert len(sms_outbox) == 1

    def test_a_renewed_paper_warns_again(self, sms_outbox):
        document = paper(person())
        daily(paris(2026, 8, 16, 10, 0))
        document.expires_on = datetime.date(2036, 9, 14)
        document.save()
        daily(paris(2026, 9, 1, 10, 0))
        assert len(sms_outbox) == 1
        daily(paris(2036, 8, 15, 10, 0))
        assert len(sms_outbox) == 2
        assert "14 septembre 2036" in sms_outbox[1].body
        assert ExpiryAlert.objects.filter(document=document).count() == 2

    def test_notice_none_sends_nothing(self, sms_outbox):
        paper(person(), notice=None)
        daily(paris(2026, 9, 20, 10, 0))
        assert sms_outbox == [] and not ExpiryAlert.objects.exists()

    def test_each_notice_length_counts_from_the_expiry_date(self, sms_outbox):
        owner = person()
        for days in (7, 90, 365):
            paper(owner, notice=days)
        expected = {365: (2025, 9, 15), 90: (2026, 6, 17), 7: (2026, 9, 8)}  # in date order
        for days, day in expected.items():
            on = datetime.date(*day)
            with time_machine.travel(
                paris(on.year, on.month, on.day, 10) - datetime.timedelta(days=1)
            ):
                alerts.create_due_alerts()
            assert not ExpiryAlert.objects.filter(document__expiry_notice_days=days).exists()
            with time_machine.travel(paris(on.year, on.month, on.day, 10)):
                alerts.create_due_alerts()
            assert ExpiryAlert.objects.get(document__expiry_notice_days=days).due_on == on

    def test_a_paper_added_inside_its_notice_period_warns_at_the_next_run(self, sms_outbox):
        paper(person(), expires_on=datetime.date(2026, 8, 20))
        daily(paris(2026, 8, 10, 10, 0))
        assert len(sms_outbox) == 1

    def test_a_paper_expired_long_ago_gets_no_text(self, sms_outbox):
        paper(person(), expires_on=datetime.date(2019, 1, 31))
        daily(paris(2026, 8, 10, 10, 0))
        assert sms_outbox == []
        assert ExpiryAlert.objects.get().reason == "already expired for more than 30 days"

    def test_a_shortened_notice_waits_for_the_new_date(self, sms_outbox, settings):
        settings.SMS_BACKEND = f"{__name__}.FailingOnceBackend"
        FailingOnceBackend.failures = 1
        document = paper(person(), notice=90)
        daily(paris(2026, 6, 17, 10, 0))  # fails: retried in 5 minutes
        Document.objects.filter(pk=document.pk).update(expiry_notice_days=7)
        every_5_minutes(paris(2026, 6, 17, 10, 5))
        alert = ExpiryAlert.objects.get()
        assert (alert.status, alert.due_on) == (Delivery.PENDING, datetime.date(2026, 9, 8))
        every_5_minutes(paris(2026, 9, 8, 10, 0))
        assert ExpiryAlert.objects.get().status == Delivery.SENT

    def test_not_at_night_even_if_run_at_night(self, sms_outbox):
        paper(person())
        daily(paris(2026, 8, 16, 23, 0))
        assert sms_outbox == []
        every_5_minutes(paris(2026, 8, 17, 8, 0))
        assert len(sms_outbox) == 1

    def test_a_transient_failure_is_retried_by_the_5_minute_task(self, settings, sms_outbox):
        settings.SMS_BACKEND = f"{__name__}.FailingOnceBackend"
        FailingOnceBackend.failures = 1
        paper(person())
        daily(paris(2026, 8, 16, 10, 0))
        assert sms_outbox == []
        assert ExpiryAlert.objects.get().attempts == 1
        every_5_minutes(paris(2026, 8, 16, 10, 5))
        assert len(sms_outbox) == 1

    def test_two_runs_interleaved_send_once(self, sms_outbox):
        paper(person())
        now = paris(2026, 8, 16, 10, 0)
        with time_machine.travel(now, tick=False):
            alerts.create_due_alerts()
            alerts.create_due_alerts()  # a second worker: no second row
            first = list(alerts.due_alerts(now))
            second = list(alerts.due_alerts(now))
            today = now.date()
            outcomes = [alerts.handle(row, now, today) for row in first + second]
        assert outcomes == ["sent", "taken"]
        assert len(sms_outbox) == 1


@pytest.mark.django_db
class TestWhoAndWhat:
    def test_it_names_the_kind_the_date_and_the_renewal_page_in_french(self, sms_outbox):
        paper(person("fr"))
        daily(paris(2026, 8, 16, 10, 0))
        body = sms_outbox[0].body
        kind = doctypes.get(Document.Type.RESIDENCE_PERMIT)
        assert "15 septembre 2026" in body
        assert kind.renewal_url and kind.renewal_url in body
        assert "OQTF" not in body and "avocat" not in body  # never the title

    def test_it_writes_in_english(self, sms_outbox):
        paper(person("en"))
        daily(paris(2026, 8, 16, 10, 0))
        body = sms_outbox[0].body
        assert body.startswith(
            'Coffre: your paper "Residence permit" expires on 15 September 2026.'
        )

    def test_a_paper_of_another_kind_is_not_named(self, sms_outbox):
        paper(person("en"), doc_type=Document.Type.OTHER)
        daily(paris(2026, 8, 16, 10, 0))
        assert sms_outbox[0].body.startswith(
            "Coffre: a paper in your safe expires on 15 September 2026."
        )

    def test_reminders_off_means_no_alert_either(self, sms_outbox):
        owner = person()
        AgendaSettings.objects.create(owner=owner, reminders_on=False)
        paper(owner)
        daily(paris(2026, 8, 16, 10, 0))
        assert sms_outbox == []
        assert ExpiryAlert.objects.get().reason == "the person turned reminders off"

    def test_by_email_when_there_is_no_phone(self, sms_outbox):
        paper(person(phone="", email="karim@example.org"))
        daily(paris(2026, 8, 16, 10, 0))
        assert sms_outbox == []
        assert [m.to for m in mail.outbox] == [["karim@example.org"]]

    def test_nobody_to_tell(self, sms_outbox):
        paper(person(phone=""))
        daily(paris(2026, 8, 16, 10, 0))
        assert ExpiryAlert.objects.get().status == Delivery.SKIPPED

    def test_private_papers_warn_their_owner_too(self, sms_outbox):
        paper(person(), visibility=Visibility.PRIVATE)
        daily(paris(2026, 8, 16, 10, 0))
        assert len(sms_outbox) == 1


def test_the_daily_task_runs_at_10_00():
    assert any(
        job.task == "agenda.tasks.send_expiry_alerts" and job.cron == "0 10 * * *"
        for job in SCHEDULE
    )
