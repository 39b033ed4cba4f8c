"""The information a coffre-fort numérique owes its users (CPCE R. 55-1, D. 539) is on line,
for everyone, and reachable from every page."""

import pytest
from django.urls import reverse

from tests.auth import force_login_verified

NAMES = ["terms", "how_it_works", "privacy", "guarantees", "restitution"]

# What each page must keep saying (a sample of the legal obligations, in the page's own words).
REQUIRED = {
    "terms": ["gratuit", "privé", "partagé", "2 ans", "L. 103"],
    "how_it_works": ["chiffr", "en France", "Qui voit quoi", "journal", "ne sont pas chiffrés"],
    "privacy": ["responsable", "article 6.1", "1 an", "2 ans", "CNIL", "Cookies"],
    "guarantees": ["intacts", "journal", "récupérer", "vraiment supprimé"],
    "restitution": ["ZIP", "gratuit", "Télécharger", "Supprimer votre compte"],
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", NAMES)
def test_page_is_public_and_says_what_the_law_asks(client, name):
    response = client.get(reverse(f"pages:{name}"))
    assert response.status_code == 200
    text = response.content.decode()
    assert '<article class="card stack info-page" lang="fr">' in text
    for words in REQUIRED[name]:
        assert words in text, f"{name}: {words!r} missing"
    assert "This page is only written in French" not in text


@pytest.mark.django_db
def test_every_page_footer_links_to_all_of_them(client):
    text = client.get(reverse("accounts:login")).content.decode()
    for name in NAMES:
        assert f'href="{reverse(f"pages:{name}")}"' in text


@pytest.mark.django_db
def test_other_languages_are_told_the_page_is_in_french(client):
    response = client.get(reverse("pages:privacy"), headers={"accept-language": "en"})
    assert response.status_code == 200
    assert "This page is only written in French" in response.content.decode()
    assert '<article class="card stack info-page" lang="fr">' in response.content.decode()


@pytest.mark.django_db
def test_only_get(client):
    assert client.post(reverse("pages:terms")).status_code == 405


def test_account_creation_page_links_to_the_terms(client, world):
    force_login_verified(client, world.professional)
    response = client.get(reverse("structures:beneficiary_create", args=[world.structure.code]))
    assert f'href="{reverse("pages:terms")}" target="_blank" rel="noopener"' in (
        response.content.decode()
    )


def test_durations_read_as_people_say_them():
    from pages.views import days_before_fr, duration_fr

    assert [duration_fr(d) for d in (1, 7, 30, 365, 730, 400)] == [
        "1 jour",
        "7 jours",
        "30 jours",
        "1 an",
        "2 ans",
        "400 jours",
    ]
    assert days_before_fr([7, 30]) == "30 jours et 7 jours"
    assert days_before_fr([60, 30, 7]) == "60 jours, 30 jours et 7 jours"
    assert days_before_fr([7]) == "7 jours"
