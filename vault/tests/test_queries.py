"""Per-request cost must not grow with the number of items (DESIGN.md §9)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.auth import force_login_verified
from tests.factories import AffiliationFactory, BeneficiaryFactory, make_document
from vault.models import Folder, Visibility


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _fill_vault(beneficiary, n: int) -> None:
    folders = [
        Folder.objects.create(
            owner=beneficiary,
            name=f"Dossier {i}",
            created_by=beneficiary.user,
            visibility=Visibility.SHARED,
        )
        for i in range(3)
    ]
    for i in range(n):
        make_document(
            beneficiary,
            title=f"Papier {i}",
            visibility=Visibility.SHARED,
            folder=folders[i % 4] if i % 4 < 3 else None,
        )


@pytest.mark.django_db
class TestConstantQueries:
    def test_the_beneficiary_home_does_not_grow_with_items(self, client):
        counts = []
        for n in (5, 50):
            beneficiary = BeneficiaryFactory()
            _fill_vault(beneficiary, n)
            force_login_verified(client, beneficiary.user)
            counts.append(_count_queries(client, reverse("vault:home")))
        assert counts[0] == counts[1], counts

    def test_the_professional_view_of_a_person_does_not_grow_with_items(self, client, world):
        counts = []
        for n in (5, 50):
            beneficiary = BeneficiaryFactory()
            AffiliationFactory(beneficiary=beneficiary, structure=world.structure)
            _fill_vault(beneficiary, n)
            force_login_verified(client, world.professional)
            counts.append(
                _count_queries(client, reverse("structures:beneficiary", args=[beneficiary.code]))
            )
        assert counts[0] == counts[1], counts

    def test_the_professional_list_of_people_does_not_grow(self, client, world):
        counts = []
        for n in (5, 50):
            for _ in range(n - (5 if n == 50 else 0)):
                AffiliationFactory(structure=world.structure)
            force_login_verified(client, world.professional)
            counts.append(
                _count_queries(client, reverse("structures:structure", args=[world.structure.code]))
            )
        assert counts[0] == counts[1], counts

    def test_the_search_finds_by_name_and_birth_date(self, client, world):
        force_login_verified(client, world.professional)
        url = reverse("structures:structure", args=[world.structure.code])
        person = world.beneficiary
        page = client.get(url, {"q": person.last_name[:4].lower()}).content.decode()
        assert person.last_name.upper() in page
        page = client.get(url, {"q": person.birth_date.strftime("%d/%m/%Y")}).content.decode()
        assert person.last_name.upper() in page
        page = client.get(url, {"q": "zzzzzz"}).content.decode()
        assert person.last_name.upper() not in page
