"""Inactive accounts: one SMS per warning, never twice, then the same deletion as asked ones."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Beneficiary, User
from coffre.schedule import SCHEDULE
from crypto.models import BeneficiaryKeyset
from journal.models import JournalEntry
from privacy import deletion
from privacy.models import DeletionRequest, RetentionNotice
from privacy.retention import apply_retention
from privacy.tasks import apply_retention as apply_retention_task
from tests.factories import BeneficiaryFactory, make_document
from vault.models import Blob

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
START = timezone.make_aware(datetime.datetime(2023, 1, 10, 9, 0))


@pytest.fixture(autouse=True)
def limits(settings):
    settings.COFFRE_INACTIVE_DELETION_DAYS = 730
    settings.COFFRE_INACTIVE_WARNING_DAYS = [30, 7]


def _person(phone="+33612345678", language="fr", at=START):
    person = BeneficiaryFactory(phone=phone)
    User.objects.filter(pk=person.user_id).update(last_login=at, preferred_language=language)
    Beneficiary.objects.filter(pk=person.pk).update(created_at=at)
    person.refresh_from_db()
    return person


def _run(days: float):
    return apply_retention(now=START + datetime.timedelta(days=days))


def _exists(person) -> bool:
    return Beneficiary.objects.filter(pk=person.pk).exists()


class TestWarningsThenDeletion:
    def test_30_and_7_days_before_once_each_then_deleted(self, sms_outbox):
        person = _person()
        make_document(person)
        Blob.objects.filter(owner=person).update(created_at=START)
        _run(699)
        assert sms_outbox == []
        _run(700)
        _run(700.5)  # the task ran twice that day: still one message
        assert len(sms_outbox) == 1
        assert sms_outbox[0].to == "+33612345678"
        assert "9 janvier 2025" in sms_outbox[0].body  # the deletion date, in French
        assert "supprimés pour toujours" in sms_outbox[0].body
        _run(715)
        assert len(sms_outbox) == 1
        _run(723)
        _run(724)
        assert len(sms_outbox) == 2
        _run(729.9)
        assert _exists(person)
        summary = _run(730)
        assert summary["deleted"] == 1
        assert not _exists(person)
        assert not BeneficiaryKeyset.objects.filter(beneficiary_id=person.pk).exists()
        request = DeletionRequest.objects.get(beneficiary_code=person.code)
        assert (request.reason, request.state) == ("inactive", "done")
        entry = JournalEntry.objects.get(beneficiary=None, action="account_deleted")
        assert entry.details["reason"] == "inactive" and entry.actor is None
        assert len(sms_outbox) == 2

    def test_without_a_phone_no_sms_but_still_deleted_at_the_limit(self, sms_outbox):
        person = _person(phone="")
        _run(700)
        _run(723)
        assert sms_outbox == []
        outcomes = set(RetentionNotice.objects.values_list("outcome", flat=True))
        assert outcomes == {"no_phone"}
        _run(730)
        assert not _exists(person)

    def test_the_user_phone_is_used_when_the_profile_has_none(self, sms_outbox):
        person = _person(phone="")
        User.objects.filter(pk=person.user_id).update(phone="+33699999999")
        _run(700)
        assert [message.to for message in sms_outbox] == ["+33699999999"]

    def test_in_the_persons_language(self, sms_outbox):
        _person(language="en")
        _run(700)
        assert "Coffre: you have not used your safe" in sms_outbox[0].body
        assert "Jan. 9, 2025" in sms_outbox[0].body


class TestActivity:
    def test_logging_in_starts_again(self, sms_outbox):
        person = _person()
        _run(700)
        User.objects.filter(pk=person.user_id).update(last_login=START + 705 * DAY)
        _run(723)
        _run(731)
        assert len(sms_outbox) == 1
        assert _exists(person)
        # The new period has its own warnings, once the time comes.
        _run(705 + 700)
        assert len(sms_outbox) == 2

    def test_a_paper_added_by_a_social_worker_counts(self, sms_outbox, world):
        person = world.beneficiary
        User.objects.filter(pk=person.user_id).update(last_login=START)
        Beneficiary.objects.filter(pk=person.pk).update(created_at=START, phone="+33612345678")
        make_document(person, visibility="shared", created_by=world.professional)
        Blob.objects.filter(owner=person).update(created_at=START + 600 * DAY)
        _run(731)
        assert sms_outbox == [] and _exists(person)

    def test_a_person_who_never_logged_in_counts_from_the_account_creation(self, sms_outbox):
        person = _person()
        User.objects.filter(pk=person.user_id).update(last_login=None)
        _run(700)
        assert len(sms_outbox) == 1


class TestFullNotice:
    def test_accounts_already_past_the_limit_get_the_full_notice_first(self, sms_outbox):
        person = _person()
        _run(1100)  # three years without activity when the task first runs
        assert len(sms_outbox) == 1 and _exists(person)
        notice = RetentionNotice.objects.get()
        assert notice.delete_after == START + 1130 * DAY
        _run(1101)
        assert _exists(person)
        _run(1123)
        assert len(sms_outbox) == 2
        _run(1130)
        assert not _exists(person)

    def test_when_several_warnings_are_due_only_the_most_urgent_is_sent(self, sms_outbox, settings):
        settings.COFFRE_INACTIVE_WARNING_DAYS = [30, 14, 7]
        _person()
        _run(700)
        _run(725)  # the task did not run for 25 days: 14 and 7 are both due
        assert len(sms_outbox) == 2
        outcomes = dict(RetentionNotice.objects.values_list("days_before", "outcome"))
        assert outcomes == {30: "sent", 14: "skipped", 7: "sent"}


class TestNeverTwice:
    def test_a_warning_recorded_by_another_run_is_not_sent_again(self, sms_outbox):
        person = _person()
        RetentionNotice.objects.create(
            beneficiary=person,
            last_activity=START,
            days_before=30,
            delete_after=START + 730 * DAY,
            outcome="sending",
        )
        _run(700)
        assert sms_outbox == []

    def test_a_failed_send_is_recorded_and_not_retried(self, settings, sms_outbox):
        settings.SMS_BACKEND = "privacy.tests.test_retention.BrokenBackend"
        person = _person()
        _run(700)
        _run(701)
        assert RetentionNotice.objects.get().outcome == "failed"
        assert BrokenBackend.calls == 1
        _run(730)
        assert not _exists(person)


class TestOthers:
    def test_a_person_with_a_deletion_under_way_gets_no_warning(self, sms_outbox):
        person = _person()
        deletion.request_deletion(person, person.user)
        summary = _run(700)
        assert sms_outbox == [] and "warned" not in summary

    def test_active_people_are_left_alone(self, sms_outbox):
        person = _person(at=START + 500 * DAY)
        _run(731)
        assert sms_outbox == [] and _exists(person)

    def test_the_task_is_scheduled_daily_in_the_daytime(self):
        job = next(job for job in SCHEDULE if job.task == "privacy.tasks.apply_retention")
        _minute, hour, *rest = job.cron.split()
        assert rest == ["*", "*", "*"] and 8 <= int(hour) <= 19

    def test_the_task_runs(self, sms_outbox):
        assert apply_retention_task.call() == {"overdue_requests_done": 0}


class BrokenBackend:
    calls = 0

    def send(self, message):
        BrokenBackend.calls += 1
        raise ConnectionError("provider down")
