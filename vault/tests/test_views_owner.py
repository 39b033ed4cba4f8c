"""The owner's own actions on a document: details, move, folders, delete, journal page."""

from django.urls import reverse

from journal.models import JournalEntry
from tests.auth import force_login_verified
from tests.factories import BeneficiaryFactory, make_document
from vault.models import Blob, Document, Folder, Visibility


def _actions(owner) -> list[str]:
    return list(
        JournalEntry.objects.filter(beneficiary=owner)
        .order_by("seq")
        .values_list("action", flat=True)
    )


class TestDetails:
    def test_it_renames_and_sets_the_kind(self, logged_in, owner):
        document = make_document(owner, title="scan_0001")
        logged_in.post(
            reverse("vault:rename", args=[document.code]),
            {"title": "Carte Vitale", "doc_type": "health_card"},
        )
        document.refresh_from_db()
        assert (document.title, document.doc_type) == ("Carte Vitale", "health_card")
        assert _actions(owner)[-2:] == ["document_renamed", "document_retyped"]

    def test_an_empty_name_is_refused_and_nothing_changes(self, logged_in, owner):
        document = make_document(owner, title="Avant")
        response = logged_in.post(
            reverse("vault:rename", args=[document.code]), {"title": "  "}, follow=True
        )
        document.refresh_from_db()
        assert document.title == "Avant"
        assert "Donnez un nom au papier" in response.content.decode()

    def test_an_unknown_kind_is_refused(self, logged_in, owner):
        document = make_document(owner, title="Avant")
        logged_in.post(
            reverse("vault:rename", args=[document.code]), {"title": "Après", "doc_type": "zzz"}
        )
        document.refresh_from_db()
        assert (document.title, document.doc_type) == ("Avant", "other")


class TestFolders:
    def test_create_move_and_delete_keeps_the_papers(self, logged_in, owner):
        document = make_document(owner)
        logged_in.post(reverse("vault:folder_create"), {"name": "Santé"})
        folder = Folder.objects.get(owner=owner)
        logged_in.post(reverse("vault:move", args=[document.code]), {"folder": str(folder.code)})
        document.refresh_from_db()
        assert document.folder == folder
        page = logged_in.get(reverse("vault:home")).content.decode()
        assert "Santé" in page
        logged_in.post(reverse("vault:folder_delete", args=[folder.code]))
        document.refresh_from_db()
        assert document.folder is None and not Folder.objects.exists()
        assert "folder_created" in _actions(owner) and "folder_deleted" in _actions(owner)

    def test_a_folder_of_someone_else_cannot_be_used(self, logged_in, owner):
        document = make_document(owner)
        other = BeneficiaryFactory()
        foreign = Folder.objects.create(owner=other, name="X", created_by=other.user)
        response = logged_in.post(
            reverse("vault:move", args=[document.code]), {"folder": str(foreign.code)}
        )
        assert response.status_code == 404
        document.refresh_from_db()
        assert document.folder is None

    def test_an_empty_folder_name_is_explained(self, logged_in, owner):
        response = logged_in.post(reverse("vault:folder_create"), {"name": ""}, follow=True)
        assert "Donnez un nom au dossier" in response.content.decode()
        assert not Folder.objects.exists()


class TestDelete:
    def test_it_asks_then_deletes_row_blob_and_file(
        self, logged_in, owner, blob_dir, django_capture_on_commit_callbacks
    ):
        document = make_document(owner, title="À jeter")
        url = reverse("vault:delete", args=[document.code])
        confirm = logged_in.get(url).content.decode()
        assert "À jeter" in confirm and "pour toujours" in confirm
        assert Document.objects.exists()  # asking is not deleting
        with django_capture_on_commit_callbacks(execute=True):
            logged_in.post(url)
        assert not Document.objects.exists() and not Blob.objects.exists()
        assert [p for p in blob_dir.rglob("*") if p.is_file()] == []
        assert _actions(owner)[-1] == "document_deleted"


class TestJournalPage:
    def test_it_shows_professionals_by_default_and_everything_on_demand(self, client, world):
        document = make_document(world.beneficiary, title="Titre", visibility=Visibility.SHARED)
        force_login_verified(client, world.professional)
        client.get(reverse("vault:download", args=[document.code]))
        force_login_verified(client, world.owner)
        page = client.get(reverse("vault:journal")).content.decode()
        assert world.professional.last_name in page and "a téléchargé" in page
        assert "a ajouté" not in page  # the owner's own upload is not in the default view
        everything = client.get(reverse("vault:journal"), {"all": "1"}).content.decode()
        assert "a ajouté" in everything and "(vous)" in everything

    def test_it_is_empty_and_says_so(self, logged_in):
        page = logged_in.get(reverse("vault:journal")).content.decode()
        assert "Aucun travailleur social n’a encore consulté vos papiers" in page

    def test_professionals_have_no_journal_page(self, client, world):
        force_login_verified(client, world.professional)
        assert client.get(reverse("vault:journal")).status_code == 404
