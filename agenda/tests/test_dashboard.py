"""The professional's dashboard: what is coming for a structure's people — shared items only,
of people actively followed, for active members only; constant queries."""

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agenda.models import Appointment
from agenda.tests.test_alerts import paper
from tests.auth import force_login_verified
from tests.factories import AffiliationFactory, BeneficiaryFactory, MembershipFactory
from vault.models import Document, Visibility

DAY = datetime.timedelta(days=1)


def url(structure: Any) -> str:
    return reverse("agenda_dashboard:dashboard", args=[structure.code])


def appointment(owner: Any, in_days: float, title: str, visibility: str = Visibility.SHARED) -> Any:
    return Appointment.objects.create(
        owner=owner,
        created_by=owner.user,
        title=title,
        starts_at=timezone.now() + in_days * DAY,
        place="Mairie annexe, guichet 3",
        visibility=visibility,
    )


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + days * DAY


@pytest.fixture
def items(world: Any) -> Any:
    person = world.beneficiary
    appointment(person, 3, "Rendez-vous CAF partagé")
    appointment(person, 3, "Rendez-vous privé secret", Visibility.PRIVATE)
    appointment(person, 45, "Rendez-vous trop loin")
    appointment(person, -2, "Rendez-vous passé")
    paper(person, in_days(20), notice=30, title="Titre de séjour partagé")
    paper(
        person, in_days(20), notice=30, title="Papier privé secret", visibility=Visibility.PRIVATE
    )
    paper(person, in_days(200), notice=90, title="Passeport encore valable", doc_type="passport")
    paper(person, in_days(20), notice=7, title="Attestation CSS pas encore", doc_type="css")
    paper(
        person, in_days(60), notice=None, title="Carte Vitale sans rappel", doc_type="health_card"
    )
    paper(person, in_days(-400), notice=90, title="Vieux récépissé expiré", doc_type="receipt")
    paper(
        person, in_days(-10), notice=90, title="Ancienne carte d'identité", doc_type="identity_card"
    )
    paper(
        person,
        in_days(3000),
        notice=90,
        title="Nouvelle carte d'identité",
        doc_type="identity_card",
    )
    # The person's other structure and a stranger: never on this dashboard.
    stranger = BeneficiaryFactory()
    appointment(stranger, 3, "Rendez-vous d'un inconnu")
    paper(stranger, in_days(5), title="Papier d'un inconnu")
    return world


@pytest.mark.django_db
class TestDashboard:
    def test_it_shows_shared_coming_appointments_and_expiring_papers(self, client, items):
        force_login_verified(client, items.professional)
        response = client.get(url(items.structure))
        assert response.status_code == 200
        page = response.content.decode()
        for shown in (
            "Rendez-vous CAF partagé",
            "Titre de séjour partagé",
            "Carte Vitale sans rappel",  # no text message wanted; the social worker still sees it
            "Vieux récépissé expiré",
            "Mairie annexe, guichet 3",
        ):
            assert shown in page
        for hidden in (
            "Rendez-vous privé secret",
            "Papier privé secret",
            "Rendez-vous trop loin",
            "Rendez-vous passé",
            "Passeport encore valable",
            "Attestation CSS pas encore",
            "Ancienne carte d'identité",  # renewed: the new one expires in 8 years
            "Nouvelle carte d'identité",
            "inconnu",
        ):
            assert hidden not in page
        person_url = reverse("structures:beneficiary", args=[items.beneficiary.code])
        assert page.count(f'href="{person_url}"') == 4  # 1 appointment, 3 papers
        # Each paper with an official renewal page links to it (the titre de séjour does).
        assert 'href="https://administration-etrangers-en-france.interieur.gouv.fr/' in page

    def test_a_private_renewal_does_not_hide_the_shared_old_paper(self, client, world):
        paper(world.beneficiary, in_days(-10), title="Ancien passeport", doc_type="passport")
        paper(
            world.beneficiary,
            in_days(3000),
            title="Nouveau passeport",
            doc_type="passport",
            visibility=Visibility.PRIVATE,
        )
        force_login_verified(client, world.professional)
        assert "Ancien passeport" in client.get(url(world.structure)).content.decode()

    def test_another_structures_professional_gets_404(self, client, items):
        force_login_verified(client, items.other_professional)
        assert client.get(url(items.structure)).status_code == 404
        own = client.get(url(items.other_structure)).content.decode()
        assert "Rendez-vous CAF partagé" not in own and "Titre de séjour partagé" not in own

    def test_a_former_member_gets_404(self, client, items):
        force_login_verified(client, items.former_member)
        assert client.get(url(items.structure)).status_code == 404

    def test_a_structure_whose_affiliation_ended_sees_nothing(self, client, items):
        force_login_verified(client, items.professional_affiliation_ended)
        response = client.get(url(items.ended_structure))
        assert response.status_code == 200
        page = response.content.decode()
        assert "Rendez-vous CAF partagé" not in page and "Titre de séjour partagé" not in page

    def test_the_person_and_staff_get_404(self, client, items):
        for user in (items.owner, items.staff):
            force_login_verified(client, user)
            assert client.get(url(items.structure)).status_code == 404

    def test_anonymous_goes_to_login(self, client, items):
        response = client.get(url(items.structure))
        assert response.status_code == 302 and "login" in response["Location"]

    def test_post_is_405(self, client, items):
        force_login_verified(client, items.professional)
        assert client.post(url(items.structure)).status_code == 405

    def test_it_pages_each_list(self, client, world):
        for n in range(25):
            appointment(world.beneficiary, 1 + n / 10, f"RDV numéro {n:02d}")
        force_login_verified(client, world.professional)
        first = client.get(url(world.structure)).content.decode()
        assert "RDV numéro 19" in first and "RDV numéro 20" not in first
        second = client.get(url(world.structure) + "?rdv=2&papers=1").content.decode()
        assert "RDV numéro 20" in second and "RDV numéro 19" not in second


@pytest.mark.django_db
class TestHome:
    def test_one_structure_goes_straight_to_its_dashboard(self, client, world):
        force_login_verified(client, world.professional)
        response = client.get(reverse("agenda_dashboard:home"))
        assert response.status_code == 302 and response["Location"] == url(world.structure)

    def test_several_structures_are_listed(self, client, world):
        MembershipFactory(user=world.professional, structure=world.other_structure)
        force_login_verified(client, world.professional)
        page = client.get(reverse("agenda_dashboard:home")).content.decode()
        assert url(world.structure) in page and url(world.other_structure) in page

    def test_the_structures_page_links_to_it(self, client, world):
        MembershipFactory(user=world.professional, structure=world.other_structure)
        force_login_verified(client, world.professional)
        page = client.get(reverse("structures:home")).content.decode()
        assert reverse("agenda_dashboard:home") in page


@pytest.mark.django_db
def test_the_query_count_does_not_grow_with_people_or_items(client, django_assert_num_queries):
    membership = MembershipFactory()
    force_login_verified(client, membership.user)

    def add(count: int) -> None:
        for n in range(count):
            person = AffiliationFactory(structure=membership.structure).beneficiary
            appointment(person, 2 + n / 100, f"RDV {n}")
            paper(person, in_days(10), title=f"Papier {n}")

    add(5)
    with CaptureQueriesContext(connection) as five:
        assert client.get(url(membership.structure)).status_code == 200
    add(45)
    with django_assert_num_queries(len(five)):
        page = client.get(url(membership.structure)).content.decode()
    assert page.count("RDV ") == 20 and page.count("Papier ") == 20
    assert "Page 1 of 3" in page or "Page 1 sur 3" in page
    assert Document.objects.count() == 50
