import datetime
import re

import pytest
from django.urls import reverse

from accounts.models import Beneficiary, User
from journal.models import JournalEntry
from structures.models import Affiliation
from structures.tests.test_onboarding import form_data
from tests.auth import force_login_verified
from tests.factories import PASSWORD, make_document

_create_form = form_data  # one builder for the desk form's data


@pytest.mark.django_db
class TestBeneficiaryCreate:
    def url(self, world):
        return reverse("structures:beneficiary_create", args=[world.structure.code])

    def test_it_creates_account_profile_affiliation_and_journal(self, client, world):
        force_login_verified(client, world.professional)
        response = client.post(self.url(world), _create_form())
        assert response.status_code == 200
        beneficiary = Beneficiary.objects.get(last_name="N'Diaye-Müller")
        assert beneficiary.user.username.startswith("zoe.n-diaye-muller.")
        # Shown whole (the page only lets the line break after a dot: <wbr>).
        shown = response.content.decode().replace(".<wbr>", ".")
        assert beneficiary.user.username in re.sub(r"</?span[^>]*>", "", shown)
        assert beneficiary.user.kind == User.Kind.BENEFICIARY
        assert beneficiary.user.check_password("un chat sur le toit")
        assert beneficiary.birth_date == datetime.date(1990, 4, 12)
        affiliation = Affiliation.objects.get(beneficiary=beneficiary)
        assert affiliation.structure == world.structure
        assert affiliation.created_by == world.professional
        assert affiliation.state == Affiliation.State.ACTIVE and affiliation.consented_at
        actions = list(
            JournalEntry.objects.filter(beneficiary=beneficiary).values_list("action", flat=True)
        )
        assert actions == ["account_created", "affiliation_created"]
        # The new person can log in with what was shown.
        assert client.login(username=beneficiary.user.username, password="un chat sur le toit")

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("consent", "", "Le compte ne peut être ouvert que si la personne accepte"),
            ("birth_date", "2999-01-01", "La date de naissance ne peut pas être dans le futur"),
            ("birth_date", "pas une date", "Saisissez une date valide"),
            ("phone", "0612", "+33612345678"),
            ("password", "123", "trop court"),
            ("first_name", "", "Ce champ est obligatoire"),
        ],
    )
    def test_it_explains_bad_input_and_creates_nothing(self, client, world, field, value, message):
        force_login_verified(client, world.professional)
        response = client.post(self.url(world), _create_form(**{field: value}))
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Beneficiary.objects.filter(last_name="N'Diaye-Müller").exists()

    @pytest.mark.parametrize("actor", ["other_professional", "former_member", "owner", "staff"])
    def test_outsiders_get_404(self, client, world, actor):
        force_login_verified(client, getattr(world, actor))
        assert client.get(self.url(world)).status_code == 404
        assert client.post(self.url(world), _create_form()).status_code == 404
        assert not Beneficiary.objects.filter(last_name="N'Diaye-Müller").exists()

    def test_wrong_method_gets_405(self, client, world):
        force_login_verified(client, world.professional)
        assert client.put(self.url(world)).status_code == 405


# The team page: structures/tests/test_team.py


@pytest.mark.django_db
class TestProfessionalHome:
    def test_it_goes_straight_to_the_only_structure(self, client, world):
        force_login_verified(client, world.professional)
        response = client.get(reverse("structures:home"))
        assert response.url == reverse("structures:structure", args=[world.structure.code])

    def test_it_explains_when_there_is_no_structure(self, client, world):
        force_login_verified(client, world.former_member)
        page = client.get(reverse("structures:home")).content.decode()
        assert "pas encore dans une structure" in page or "aucune structure" in page


@pytest.mark.django_db
class TestLogin:
    def test_a_beneficiary_lands_on_their_papers(self, client, world):
        response = client.post(
            reverse("accounts:login"), {"username": world.owner.username, "password": PASSWORD}
        )
        assert response.url == reverse("home")
        assert client.get(reverse("home")).url == reverse("vault:home")

    def test_a_wrong_password_is_explained_plainly(self, client, world):
        response = client.post(
            reverse("accounts:login"), {"username": world.owner.username, "password": "nope"}
        )
        assert "Identifiant ou mot de passe incorrect" in response.content.decode()

    def test_staff_land_on_the_admin(self, client, world):
        force_login_verified(client, world.staff)
        assert client.get(reverse("home")).url == reverse("admin:index")


@pytest.mark.django_db
class TestStaffAdmin:
    def test_staff_see_metadata_but_no_title_and_no_content(self, client, world):
        document = make_document(world.beneficiary, title="Certificat-tres-prive")
        force_login_verified(client, world.staff)
        listing = client.get(reverse("admin:vault_document_changelist")).content.decode()
        detail = client.get(reverse("admin:vault_document_change", args=[document.pk]))
        assert "Certificat-tres-prive" not in listing
        assert "Certificat-tres-prive" not in detail.content.decode()
        assert "download" not in detail.content.decode()
        assert client.get(reverse("vault:download", args=[document.code])).status_code == 404

    def test_professionals_cannot_open_the_admin(self, client, world):
        force_login_verified(client, world.admin)
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302 and "/admin/login/" in response.url
