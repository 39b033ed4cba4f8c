"""Deleting a whole account: asked with the password, a grace period with undo, then the task."""

import datetime
import json
import logging

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import Beneficiary, User
from crypto.blobs import iter_plaintext
from crypto.models import BeneficiaryKeyset
from journal.chain import verify_chain
from journal.models import JournalEntry
from privacy import deletion
from privacy.models import DeletionRequest
from privacy.tasks import delete_account
from structures.models import Affiliation
from tests.auth import force_login_verified
from tests.factories import PASSWORD, BeneficiaryFactory, make_document
from vault import services
from vault.models import Blob, Document, Folder

pytestmark = pytest.mark.django_db


def _files(blob_dir) -> list:
    return [path for path in blob_dir.rglob("*") if path.is_file()]


def _ask(client, password=PASSWORD):
    return client.post(reverse("privacy:delete_account"), {"password": password})


class TestAsking:
    def test_the_page_explains_and_asks_for_the_password(self, logged_in):
        page = logged_in.get(reverse("privacy:delete_account")).content.decode()
        assert 'type="password"' in page and 'autocomplete="current-password"' in page
        assert reverse("privacy:export") in page  # "get all your papers first"

    def test_a_wrong_password_asks_nothing(self, logged_in, owner, db_tasks):
        response = _ask(logged_in, "not my password")
        assert response.status_code == 200
        assert "Ce n’est pas votre mot de passe" in response.content.decode()
        assert not DeletionRequest.objects.exists()
        # Typed like a login: the wrong attempt is in the person's journal.
        assert JournalEntry.objects.filter(
            beneficiary=owner, action=JournalEntry.Action.LOGIN_FAILED
        ).exists()

    def test_the_password_plans_the_deletion_after_the_grace_period(
        self, logged_in, owner, db_tasks, settings, django_capture_on_commit_callbacks
    ):
        settings.COFFRE_DELETION_GRACE_DAYS = 7
        before = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            response = _ask(logged_in)
        assert response.status_code == 302 and response["Location"] == reverse("vault:home")
        request = DeletionRequest.objects.get()
        assert request.state == "pending" and request.reason == "requested"
        assert request.beneficiary == owner and request.requested_by == owner.user
        week = datetime.timedelta(days=7)
        assert before + week <= request.scheduled_for <= timezone.now() + week
        # One task in the queue, waiting for the end of the grace period (no polling loop).
        task = DBTaskResult.objects.get()
        assert task.task_path == "privacy.tasks.delete_account"
        assert task.args_kwargs["args"] == [request.pk]
        assert task.run_after == request.scheduled_for
        assert str(task.id) == request.task_id
        assert JournalEntry.objects.filter(
            beneficiary=owner, action=JournalEntry.Action.ACCOUNT_DELETION_REQUESTED
        ).exists()
        # Nothing deleted yet: the account works as before.
        assert Beneficiary.objects.filter(pk=owner.pk).exists()
        assert logged_in.get(reverse("vault:home")).status_code == 200

    def test_the_grace_period_comes_from_the_setting(self, logged_in, db_tasks, settings):
        settings.COFFRE_DELETION_GRACE_DAYS = 2
        _ask(logged_in)
        request = DeletionRequest.objects.get()
        assert request.scheduled_for - request.requested_at == datetime.timedelta(days=2)

    def test_asking_twice_keeps_one_request(self, logged_in, db_tasks):
        _ask(logged_in)
        response = _ask(logged_in)
        assert response.status_code == 200  # the page now shows the pending deletion
        assert DeletionRequest.objects.count() == 1


class TestCancelling:
    def test_the_home_page_shows_a_banner_and_cancelling_keeps_everything(
        self, logged_in, owner, db_tasks
    ):
        document = make_document(owner)
        _ask(logged_in)
        home = logged_in.get(reverse("vault:home")).content.decode()
        assert "Votre compte va être supprimé" in home
        assert reverse("privacy:cancel_deletion") in home
        response = logged_in.post(reverse("privacy:cancel_deletion"))
        assert response.status_code == 302
        request = DeletionRequest.objects.get()
        assert request.state == "cancelled" and request.cancelled_at is not None
        home = logged_in.get(reverse("vault:home")).content.decode()
        assert "Votre compte va être supprimé" not in home
        # The task still runs at its time: it sees the cancellation and does nothing.
        assert delete_account.call(request.pk) is False
        assert Document.objects.filter(pk=document.pk).exists()
        actions = set(
            JournalEntry.objects.filter(beneficiary=owner).values_list("action", flat=True)
        )
        assert {"account_deletion_requested", "account_deletion_cancelled"} <= actions

    def test_cancelling_with_nothing_pending_says_so(self, logged_in):
        response = logged_in.post(reverse("privacy:cancel_deletion"), follow=True)
        assert "Il n’y a pas de suppression à annuler" in response.content.decode()

    def test_too_late_to_cancel_once_under_way(self, owner, db_tasks):
        request = deletion.request_deletion(owner, owner.user)
        DeletionRequest.objects.filter(pk=request.pk).update(state="in_progress")
        assert deletion.cancel_deletion(request, owner.user) is False


class TestCarryingOut:
    def _full_vault(self, world):
        owner = world.beneficiary
        folder = services.create_folder(owner, owner.user, "Santé")
        mine = make_document(owner, title="Carte Vitale", folder=folder)
        theirs = make_document(
            owner, title="Attestation CAF", visibility="shared", created_by=world.professional
        )
        return owner, [mine, theirs]

    def test_it_deletes_everything_and_keeps_a_nameless_record(self, world, blob_dir, db_tasks):
        owner, documents = self._full_vault(world)
        other = BeneficiaryFactory()
        kept = make_document(other, title="Passeport")
        code, names = owner.code, (owner.first_name, owner.last_name, owner.user.username)
        request = deletion.request_deletion(owner, owner.user)
        assert deletion.carry_out(request.pk, now=request.scheduled_for) is True

        assert not Beneficiary.objects.filter(pk=owner.pk).exists()
        assert not User.objects.filter(pk=world.owner.pk).exists()
        assert not BeneficiaryKeyset.objects.filter(beneficiary_id=owner.pk).exists()
        assert not Document.objects.filter(pk__in=[d.pk for d in documents]).exists()
        assert not Folder.objects.filter(owner_id=owner.pk).exists()
        assert not Blob.objects.filter(owner_id=owner.pk).exists()
        assert not Affiliation.objects.filter(beneficiary_id=owner.pk).exists()
        assert not JournalEntry.objects.filter(beneficiary_id=owner.pk).exists()
        # Only the other person's file is left on disk, and it still opens.
        assert [path.name for path in _files(blob_dir)] == [kept.file.code.hex]
        assert b"".join(iter_plaintext(other, kept.file.code, kept.file.storage_key))

        request.refresh_from_db()
        assert request.state == "done" and request.beneficiary is None
        assert request.beneficiary_code == code
        entry = JournalEntry.objects.get(beneficiary=None, action="account_deleted")
        assert entry.details == {
            "account": str(code),
            "reason": "requested",
            "papers": 2,
            "blobs": 2,
        }
        stored = json.dumps(entry.payload())
        assert not any(name in stored for name in names)
        assert verify_chain(None) == []
        # The professionals and structures are untouched.
        assert User.objects.filter(pk=world.professional.pk).exists()

    def test_not_before_its_time_and_never_twice(self, owner, db_tasks):
        request = deletion.request_deletion(owner, owner.user)
        assert deletion.carry_out(request.pk) is False  # grace period running
        assert Beneficiary.objects.filter(pk=owner.pk).exists()
        assert deletion.carry_out(request.pk, now=request.scheduled_for) is True
        assert deletion.carry_out(request.pk, now=request.scheduled_for) is False
        assert JournalEntry.objects.filter(action="account_deleted").count() == 1

    def test_the_keyset_goes_first_then_the_blobs_then_the_rows(
        self, owner, blob_dir, db_tasks, monkeypatch
    ):
        make_document(owner)
        request = deletion.request_deletion(owner, owner.user)
        seen = []
        storage = deletion.blob_storage()
        real_delete = type(storage).delete

        def spying_delete(self, name):
            seen.append(
                (
                    BeneficiaryKeyset.objects.filter(beneficiary=owner).exists(),
                    Blob.objects.filter(storage_key=name).exists(),
                )
            )
            real_delete(self, name)

        monkeypatch.setattr(type(storage), "delete", spying_delete)
        deletion.carry_out(request.pk, now=request.scheduled_for)
        # When the file left storage: keyset already gone, rows not yet.
        assert seen == [(False, True)]
        assert _files(blob_dir) == []

    def test_the_deleted_person_is_logged_out_and_cannot_log_in(self, logged_in, owner, db_tasks):
        request = deletion.request_deletion(owner, owner.user)
        deletion.carry_out(request.pk, now=request.scheduled_for)
        response = logged_in.get(reverse("vault:home"))
        assert response.status_code == 302 and "login" in response["Location"]
        assert not logged_in.login(username=owner.user.username, password=PASSWORD)


@pytest.mark.django_db(transaction=True)
class TestCommittedSteps:
    def test_a_crash_after_the_keyset_leaves_it_destroyed_and_the_next_run_finishes(
        self, blob_dir, db_tasks, monkeypatch
    ):
        owner = BeneficiaryFactory()
        make_document(owner)
        request = deletion.request_deletion(owner, owner.user)
        storage_class = type(deletion.blob_storage())
        real_delete = storage_class.delete

        def crash(self, name):
            raise OSError("disk went away")

        monkeypatch.setattr(storage_class, "delete", crash)
        with pytest.raises(OSError):
            deletion.carry_out(request.pk, now=request.scheduled_for)
        # Committed: the keyset is gone for good, the person can no longer log in.
        assert not BeneficiaryKeyset.objects.filter(beneficiary=owner).exists()
        assert not User.objects.get(pk=owner.user_id).is_active
        request.refresh_from_db()
        assert request.state == "in_progress"
        assert deletion.cancel_deletion(request, owner.user) is False
        monkeypatch.setattr(storage_class, "delete", real_delete)
        assert deletion.carry_out(request.pk) is True  # the next run (task, staff, daily sweep)
        assert not Beneficiary.objects.filter(pk=owner.pk).exists()
        assert _files(blob_dir) == []

    def test_the_worker_runs_the_task_at_its_time_only(self, client, db_tasks):
        owner = BeneficiaryFactory()
        make_document(owner)
        force_login_verified(client, owner.user)
        _ask(client)
        request = DeletionRequest.objects.get()
        call_command("db_worker", batch=True, startup_delay=False, verbosity=0)
        assert Beneficiary.objects.filter(pk=owner.pk).exists()  # not yet: grace period
        # Seven days later (moved back in time rather than waiting).
        past = timezone.now() - datetime.timedelta(seconds=1)
        DeletionRequest.objects.filter(pk=request.pk).update(scheduled_for=past)
        DBTaskResult.objects.filter(pk=request.task_id).update(run_after=past)
        call_command("db_worker", batch=True, startup_delay=False, verbosity=0)
        assert not Beneficiary.objects.filter(pk=owner.pk).exists()
        assert DBTaskResult.objects.get(pk=request.task_id).status == "SUCCESSFUL"
        request.refresh_from_db()
        assert request.state == "done"


class TestBackendWithoutDefer:
    def test_it_never_runs_at_once_and_the_daily_task_finishes_it(
        self, owner, caplog, django_capture_on_commit_callbacks
    ):
        # The test settings use the immediate backend, which cannot wait: nothing must run now.
        from privacy.retention import apply_retention

        with (
            caplog.at_level(logging.WARNING, logger="privacy.deletion"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            request = deletion.request_deletion(owner, owner.user)
        assert "cannot defer" in caplog.text
        assert Beneficiary.objects.filter(pk=owner.pk).exists()
        apply_retention(now=timezone.now())
        assert Beneficiary.objects.filter(pk=owner.pk).exists()
        apply_retention(now=request.scheduled_for + datetime.timedelta(minutes=1))
        assert not Beneficiary.objects.filter(pk=owner.pk).exists()


class TestWhoCan:
    def test_professionals_staff_and_strangers_get_404(self, client, world, db_tasks):
        for actor in (world.professional, world.admin, world.staff):
            force_login_verified(client, actor)
            assert client.get(reverse("privacy:delete_account")).status_code == 404
            assert _ask(client).status_code == 404
            assert client.post(reverse("privacy:cancel_deletion")).status_code == 404
        assert not DeletionRequest.objects.exists()

    def test_a_person_cannot_cancel_someone_elses_deletion(self, client, world, db_tasks):
        request = deletion.request_deletion(world.beneficiary, world.owner)
        force_login_verified(client, world.stranger_beneficiary.user)
        client.post(reverse("privacy:cancel_deletion"))
        request.refresh_from_db()
        assert request.state == "pending"

    def test_anonymous_is_sent_to_login(self, client):
        for url in (reverse("privacy:delete_account"), reverse("privacy:cancel_deletion")):
            response = client.post(url)
            assert response.status_code == 302 and "login" in response["Location"]

    def test_wrong_methods(self, logged_in):
        assert logged_in.get(reverse("privacy:cancel_deletion")).status_code == 405
        assert logged_in.put(reverse("privacy:delete_account")).status_code == 405


class TestStaffAdmin:
    def _run_action(self, client, request):
        return client.post(
            reverse("admin:privacy_deletionrequest_changelist"),
            {"action": "carry_out_now", "_selected_action": [request.pk]},
        )

    def test_staff_carry_out_a_request_at_once_journaled_with_their_name(
        self, client, world, db_tasks
    ):
        request = deletion.request_deletion(world.beneficiary, world.owner)
        force_login_verified(client, world.staff)
        page = client.get(reverse("admin:privacy_deletionrequest_changelist"))
        assert page.status_code == 200 and str(request.beneficiary_code) in page.content.decode()
        assert world.beneficiary.last_name not in page.content.decode()
        response = self._run_action(client, request)
        assert response.status_code == 302
        request.refresh_from_db()
        assert request.state == "done" and request.carried_out_by == world.staff
        entry = JournalEntry.objects.get(beneficiary=None, action="account_deleted")
        assert entry.actor == world.staff and entry.actor_kind == "staff"
        assert not Beneficiary.objects.filter(pk=world.beneficiary.pk).exists()

    def test_a_cancelled_request_is_left_alone(self, client, world, db_tasks):
        request = deletion.request_deletion(world.beneficiary, world.owner)
        deletion.cancel_deletion(request, world.owner)
        force_login_verified(client, world.staff)
        self._run_action(client, request)
        assert Beneficiary.objects.filter(pk=world.beneficiary.pk).exists()

    def test_professionals_have_no_admin(self, client, world, db_tasks):
        request = deletion.request_deletion(world.beneficiary, world.owner)
        force_login_verified(client, world.admin)
        response = self._run_action(client, request)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        request.refresh_from_db()
        assert request.state == "pending"
