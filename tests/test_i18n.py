"""French is the default and complete; English is the source language of every string."""

from pathlib import Path

import polib
import pytest
from django.urls import reverse

from tests.auth import force_login_verified

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def test_the_french_catalogue_is_complete():
    catalogue = polib.pofile(str(LOCALE / "fr/LC_MESSAGES/django.po"))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []


def test_the_compiled_catalogue_matches_the_source():
    source = polib.pofile(str(LOCALE / "fr/LC_MESSAGES/django.po"))
    compiled = polib.mofile(str(LOCALE / "fr/LC_MESSAGES/django.mo"))
    compiled_strings = {entry.msgid: entry.msgstr for entry in compiled}
    for entry in source.translated_entries():
        if not entry.msgid_plural:
            assert compiled_strings.get(entry.msgid) == entry.msgstr, entry.msgid


@pytest.mark.django_db
class TestLanguage:
    def test_it_speaks_french_by_default(self, client):
        page = client.get(reverse("accounts:login")).content.decode()
        assert 'lang="fr"' in page and "Se connecter" in page

    def test_the_switcher_changes_the_language_and_remembers_it(self, client, world):
        force_login_verified(client, world.owner)
        client.post(reverse("set_language"), {"language": "en", "next": "/coffre/"})
        page = client.get(reverse("vault:home")).content.decode()
        assert 'lang="en"' in page and "My papers" in page
        world.owner.refresh_from_db()
        assert world.owner.preferred_language == "en"

    def test_a_person_gets_their_own_language_at_login(self, client, world):
        world.owner.preferred_language = "en"
        world.owner.save()
        force_login_verified(client, world.owner)
        page = client.get(reverse("vault:home")).content.decode()
        assert 'lang="en"' in page
