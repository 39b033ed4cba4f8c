"""Opening an account at the desk (issue 4): the form, one-time passwords, usernames under a
race, and what happens when the person already has an account."""

import datetime
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.lib import username_candidate
from accounts.models import Beneficiary, User
from journal.chain import verify_chain
from journal.models import JournalEntry
from structures import services
from structures.duplicates import existing_accounts, identity_key
from structures.models import Affiliation, AffiliationRequest
from tests.auth import force_login_verified
from tests.factories import (
    AffiliationFactory,
    BeneficiaryFactory,
    MembershipFactory,
    make_document,
)
from vault import policy
from vault.models import Visibility

LAST = "N'Diaye-Müller"  # no fake name generator makes this one


def form_data(**overrides):
    data = {
        "first_name": "Zoé",
        "last_name": "N'Diaye-Müller",
        "birth_date": "1990-04-12",
        "phone": "",
        "preferred_language": "fr",
        "password_mode": "typed",
        "password": "un chat sur le toit",
        "default_visibility": "shared",
        "consent": "on",
    }
    data.update(overrides)
    return data


def create_url(structure):
    return reverse("structures:beneficiary_create", args=[structure.code])


def actions_of(beneficiary):
    return list(
        JournalEntry.objects.filter(beneficiary=beneficiary)
        .order_by("seq")
        .values_list("action", flat=True)
    )


def without_tokens(html: str) -> str:
    """A page without its CSRF tokens (new on every response)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)


@pytest.fixture
def desk(client, world):
    """A professional of Relais A at the desk, signed in."""
    force_login_verified(client, world.professional)
    return client


@pytest.fixture
def existing(world):
    """Zoé already has an account, followed by another structure, with a paper and a phone."""
    zoe = BeneficiaryFactory(
        user__username="zoe.secret-username.417",
        user__first_name="Zoé",
        user__last_name="N'Diaye-Müller",
        first_name="Zoé",
        last_name="N'Diaye-Müller",
        birth_date=datetime.date(1990, 4, 12),
        phone="+33698765432",
    )
    AffiliationFactory(beneficiary=zoe, structure=world.other_structure)
    make_document(zoe, title="Titre de séjour confidentiel", visibility=Visibility.SHARED)
    return zoe


# --- The form ----------------------------------------------------------------------------------


@pytest.mark.django_db
class TestForm:
    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"phone": "0612"}, "phone", "Ce numéro de téléphone n’est pas valide"),
            ({"phone": "bonjour"}, "phone", "Ce numéro de téléphone n’est pas valide"),
            ({"phone": "01 45 67 89 10"}, "phone", "ne peut pas recevoir de SMS"),
            (
                {"birth_date": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()},
                "birth_date",
                "La date de naissance ne peut pas être dans le futur.",
            ),
            ({"birth_date": "1850-01-01"}, "birth_date", "l’année semble fausse"),
            (
                {"consent": ""},
                "consent",
                "Le compte ne peut être ouvert que si la personne accepte les conditions",
            ),
            ({"password": ""}, "password", "ou choisissez un mot de passe à usage unique"),
            # Her own name is no password.
            ({"password": "zoé n'diaye-müller"}, "password", "trop semblable au champ"),
        ],
    )
    def test_errors_are_in_french_and_nothing_is_created(
        self, desk, world, overrides, field, message
    ):
        response = desk.post(create_url(world.structure), form_data(**overrides))
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert field in errors
        assert message in " ".join(errors[field])
        assert message in response.content.decode()
        assert "Il manque quelque chose ou une information est fausse" in response.content.decode()
        assert not Beneficiary.objects.filter(last_name=LAST).exists()
        assert not User.objects.filter(last_name=LAST).exists()

    @pytest.mark.parametrize(
        ("typed", "stored"),
        [
            ("06 12 34 56 78", "+33612345678"),
            ("06.12.34.56.78", "+33612345678"),
            ("+33 6 12 34 56 78", "+33612345678"),
            ("0033612345678", "+33612345678"),
            ("+32 470 12 34 56", "+32470123456"),
        ],
    )
    def test_the_phone_is_stored_in_international_form(self, desk, world, typed, stored):
        desk.post(create_url(world.structure), form_data(phone=typed))
        beneficiary = Beneficiary.objects.get(last_name=LAST)
        assert beneficiary.phone == stored
        assert beneficiary.user.phone == stored
        assert beneficiary.user.phone_verified_at is None  # typed at the desk, never proved

    def test_a_typed_password_is_the_persons_own(self, desk, world):
        response = desk.post(create_url(world.structure), form_data())
        user = User.objects.get(last_name=LAST)
        assert user.check_password("un chat sur le toit")
        assert user.must_change_password is False
        assert "one-time-password" not in response.content.decode()
        entry = JournalEntry.objects.get(beneficiary=user.beneficiary, action="account_created")
        assert entry.details == {"password": "chosen"}

    def test_a_one_time_password_is_shown_once_and_must_be_changed(self, desk, world):
        response = desk.post(
            create_url(world.structure), form_data(password_mode="generated", password="")
        )
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"
        one_time = response.context["one_time_password"]
        assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", one_time)
        assert f'data-testid="one-time-password">{one_time}<' in response.content.decode()
        user = User.objects.get(last_name=LAST)
        assert user.check_password(one_time)
        assert user.must_change_password is True
        assert one_time not in user.password  # only its hash is kept
        entry = JournalEntry.objects.get(beneficiary=user.beneficiary, action="account_created")
        assert entry.details == {"password": "one_time"}
        assert one_time not in str(entry.payload())

    def test_a_password_typed_in_the_field_is_ignored_when_one_is_generated(self, desk, world):
        response = desk.post(
            create_url(world.structure),
            form_data(password_mode="generated", password="un chat sur le toit"),
        )
        user = User.objects.get(last_name=LAST)
        assert not user.check_password("un chat sur le toit")
        assert user.check_password(response.context["one_time_password"])

    def test_the_printed_sheet_speaks_the_persons_language(self, desk, world):
        response = desk.post(
            create_url(world.structure),
            form_data(password_mode="generated", password="", preferred_language="en"),
        )
        page = response.content.decode()
        assert '<h1 class="print-only" lang="en">Your Coffre account</h1>' in page
        assert "Type your username and this password." in page
        assert "Le compte est prêt" in page  # the professional's screen stays in French
        assert User.objects.get(last_name=LAST).preferred_language == "en"

    def test_one_time_passwords_differ(self):
        drawn = {services.one_time_password() for _ in range(200)}
        assert len(drawn) == 200
        assert not set("".join(drawn)) & set("01ilo")  # no look-alikes

    def test_the_page_says_two_minutes_and_offers_both_ways(self, desk, world):
        page = desk.get(create_url(world.structure)).content.decode()
        assert "deux minutes" in page
        assert 'value="generated"' in page and 'value="typed"' in page
        assert "onboarding.js" in page


# --- Usernames ---------------------------------------------------------------------------------


@pytest.mark.django_db
class TestUsernames:
    def test_a_taken_username_is_drawn_again_without_leaving_anything_behind(
        self, world, monkeypatch
    ):
        User.objects.create_user(username="zoe.n-diaye-muller.111", password="x")
        drawn = iter(["zoe.n-diaye-muller.111", "zoe.n-diaye-muller.111", "zoe.n-diaye-muller.222"])
        monkeypatch.setattr(services, "username_candidate", lambda first, last: next(drawn))
        account = services.create_beneficiary(
            world.structure, world.professional, _cleaned(form_data())
        )
        assert account.beneficiary.user.username == "zoe.n-diaye-muller.222"
        assert User.objects.filter(last_name=LAST).count() == 1
        assert Beneficiary.objects.count() == 3  # the world's two, and Zoé once

    def test_when_no_username_is_free_nothing_is_created(self, world, monkeypatch):
        User.objects.create_user(username="zoe.taken", password="x")
        monkeypatch.setattr(services, "username_candidate", lambda first, last: "zoe.taken")
        with pytest.raises(RuntimeError):
            services.create_beneficiary(world.structure, world.professional, _cleaned(form_data()))
        assert not Beneficiary.objects.filter(last_name=LAST).exists()
        assert not Affiliation.objects.filter(beneficiary__last_name=LAST).exists()


@pytest.mark.django_db(transaction=True)
def test_two_desks_register_the_same_name_at_the_same_moment(monkeypatch):
    """Two professionals create "Jean Dupont" at once and both draw the same username: each
    gets an account of their own, with a different username, and nothing half-made.

    PostgreSQL only: the test database of SQLite lives in memory with a shared cache, where a
    second writer fails at once instead of waiting. (A real SQLite file serialises writers: the
    second one sees the first's username and draws again, as the test above shows.)"""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (in-memory SQLite test database)")
    first = MembershipFactory()
    second = MembershipFactory()
    drawn_once = threading.local()
    draws = []

    def same_first_draw(first_name, last_name):
        draws.append(first_name)
        if not getattr(drawn_once, "done", False):
            drawn_once.done = True
            return "jean.dupont.111"
        return username_candidate(first_name, last_name)

    monkeypatch.setattr(services, "username_candidate", same_first_draw)
    start = threading.Barrier(2)

    def register(membership):
        try:
            start.wait(timeout=10)
            data = _cleaned(form_data(first_name="Jean", last_name="Dupont"))
            account = services.create_beneficiary(membership.structure, membership.user, data)
            return account.beneficiary.pk
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        created = list(pool.map(register, [first, second]))

    people = Beneficiary.objects.filter(pk__in=created).select_related("user")
    usernames = sorted(b.user.username for b in people)
    assert len(usernames) == 2 and len(set(usernames)) == 2
    assert "jean.dupont.111" in usernames
    assert len(draws) == 3  # both drew the same name; the second to write drew again
    assert User.objects.filter(first_name="Jean", last_name="Dupont").count() == 2
    for beneficiary in people:
        assert Affiliation.objects.filter(beneficiary=beneficiary).count() == 1
        assert actions_of(beneficiary) == ["account_created", "affiliation_created"]
        assert verify_chain(beneficiary) == []


def _cleaned(data):
    from structures.forms import BeneficiaryCreateForm

    form = BeneficiaryCreateForm(data)
    assert form.is_valid(), form.errors
    return form.cleaned_data


# --- Same person, second account? --------------------------------------------------------------


class TestDuplicateKey:
    @pytest.mark.parametrize(
        ("first", "last"),
        [
            ("Zoé", "N'Diaye-Müller"),
            ("ZOE", "n diaye muller"),
            ("zoe", "N’DIAYE MÜLLER"),
            ("N'Diaye-Müller", "Zoé"),  # first and last name swapped
            ("  Zoé ", "N'Diaye  Müller"),
            ("Zoé", "Ndiaye Muller"),
        ],
    )
    def test_case_accents_punctuation_and_order_do_not_matter(self, first, last):
        day = datetime.date(1990, 4, 12)
        assert identity_key(first, last, day) == identity_key("Zoé", "N'Diaye-Müller", day)

    @pytest.mark.parametrize(
        ("first", "last", "day"),
        [
            ("Zoé", "N'Diaye", datetime.date(1990, 4, 12)),
            ("Zoë", "N'Diaye-Müller", datetime.date(1990, 4, 13)),
            ("Chloé", "N'Diaye-Müller", datetime.date(1990, 4, 12)),
        ],
    )
    def test_other_people_differ(self, first, last, day):
        assert identity_key(first, last, day) != identity_key(
            "Zoé", "N'Diaye-Müller", datetime.date(1990, 4, 12)
        )

    def test_names_without_latin_letters_are_compared_too(self):
        day = datetime.date(1990, 4, 12)
        assert identity_key("محمد", "علي", day) == identity_key("علي", "محمد", day)
        assert identity_key("محمد", "علي", day) != identity_key("محمد", "حسن", day)

    @pytest.mark.django_db
    def test_existing_accounts_finds_only_the_same_person(self, existing):
        BeneficiaryFactory(first_name="Zoé", last_name="Autre", birth_date=existing.birth_date)
        BeneficiaryFactory(
            first_name="Zoé", last_name="N'Diaye-Müller", birth_date=datetime.date(1991, 4, 12)
        )
        for last_name in ("NDIAYE MULLER", "n’diaye müller", "N DIAYE-MULLER"):
            found = existing_accounts("zoe", last_name, datetime.date(1990, 4, 12))
            assert [b.pk for b in found] == [existing.pk], last_name


@pytest.mark.django_db
class TestDuplicateWarning:
    def test_it_warns_before_creating_and_creates_nothing(self, desk, world, existing):
        response = desk.post(
            create_url(world.structure), form_data(first_name="ZOE", last_name="n diaye muller")
        )
        page = response.content.decode()
        assert response.status_code == 200
        assert "Une personne avec ce nom et cette date de naissance a déjà un compte" in page
        assert 'value="request"' in page and 'value="create"' in page
        assert Beneficiary.objects.filter(birth_date=existing.birth_date).count() == 1
        assert not AffiliationRequest.objects.exists()

    def test_the_person_is_told_in_their_journal(self, desk, world, existing):
        desk.post(create_url(world.structure), form_data())
        entry = JournalEntry.objects.filter(beneficiary=existing).order_by("-seq").first()
        assert entry.action == JournalEntry.Action.ACCOUNT_LOOKED_UP
        assert entry.actor == world.professional and entry.structure == world.structure
        assert verify_chain(existing) == []

    def test_nothing_about_the_account_leaks(self, desk, world, existing):
        response = desk.post(
            create_url(world.structure), form_data(first_name="ZOE", last_name="n diaye muller")
        )
        page = response.content.decode()
        assert response.context["duplicate"] is True
        for secret in (
            existing.user.username,
            "secret-username",
            str(existing.code),
            str(existing.user.code),
            "Müller",  # the name as the account spells it (the professional typed "muller")
            "Zoé",
            world.other_structure.name,
            "Titre de séjour",
            "98765432",
        ):
            assert secret not in page, secret
        assert "structures/b/" not in page and "/pro/b/" not in page

    def test_the_warning_is_the_same_for_one_account_or_several(self, desk, world, existing):
        typed = form_data(first_name="ZOE", last_name="n diaye muller")
        one = without_tokens(desk.post(create_url(world.structure), typed).content.decode())
        BeneficiaryFactory(
            first_name="Zoe", last_name="N DIAYE MULLER", birth_date=existing.birth_date
        )
        two = without_tokens(desk.post(create_url(world.structure), typed).content.decode())
        assert one == two

    def test_asking_to_follow_creates_a_pending_request_and_nothing_else(
        self, desk, world, existing
    ):
        response = desk.post(create_url(world.structure), form_data(decision="request"))
        assert response.status_code == 200
        page = response.content.decode()
        assert "Demande envoyée" in page
        assert existing.user.username not in page and world.other_structure.name not in page
        request = AffiliationRequest.objects.get()
        assert (request.beneficiary, request.structure) == (existing, world.structure)
        assert request.requested_by == world.professional
        assert request.state == AffiliationRequest.State.PENDING
        assert not Affiliation.objects.filter(
            beneficiary=existing, structure=world.structure
        ).exists()
        assert not policy.can(world.professional, policy.Action.LIST, existing)
        assert actions_of(existing)[-1] == JournalEntry.Action.AFFILIATION_REQUESTED
        assert Beneficiary.objects.filter(birth_date=existing.birth_date).count() == 1

    def test_asking_twice_makes_one_request_and_the_same_page(self, desk, world, existing):
        first = desk.post(create_url(world.structure), form_data(decision="request"))
        second = desk.post(create_url(world.structure), form_data(decision="request"))
        assert without_tokens(first.content.decode()) == without_tokens(second.content.decode())
        assert AffiliationRequest.objects.count() == 1
        assert actions_of(existing).count(JournalEntry.Action.AFFILIATION_REQUESTED) == 1

    def test_asking_needs_only_the_name_and_birth_date(self, desk, world, existing):
        desk.post(
            create_url(world.structure),
            form_data(decision="request", password="", consent="", phone="n'importe quoi"),
        )
        assert AffiliationRequest.objects.filter(beneficiary=existing).exists()

    def test_someone_else_with_the_same_name_gets_their_own_account(self, desk, world, existing):
        response = desk.post(create_url(world.structure), form_data(decision="create"))
        assert 'data-testid="new-username"' in response.content.decode()
        people = Beneficiary.objects.filter(birth_date=existing.birth_date, last_name=LAST)
        assert people.count() == 2
        assert not AffiliationRequest.objects.exists()

    def test_someone_else_after_a_mistake_does_not_warn_twice(self, desk, world, existing):
        # "Someone else" clicked, but the password the person typed was lost with the warning.
        response = desk.post(create_url(world.structure), form_data(decision="create", password=""))
        page = response.content.decode()
        assert "password" in response.context["form"].errors
        key = identity_key("Zoé", "N'Diaye-Müller", existing.birth_date)
        assert f'name="acknowledged" value="{key}"' in page
        assert 'data-testid="duplicate-warning"' not in page
        desk.post(create_url(world.structure), form_data(acknowledged=key))
        assert Beneficiary.objects.filter(last_name=LAST).count() == 2

    def test_an_acknowledgement_for_another_name_does_not_count(self, desk, world, existing):
        other = identity_key("Chloé", "Martin", existing.birth_date)
        response = desk.post(create_url(world.structure), form_data(acknowledged=other))
        assert response.context["duplicate"] is True
        assert Beneficiary.objects.filter(last_name=LAST).count() == 1

    def test_a_person_already_followed_here_is_pointed_to(self, desk, world, existing):
        AffiliationFactory(beneficiary=existing, structure=world.structure)
        before = actions_of(existing)
        response = desk.post(create_url(world.structure), form_data(decision="request"))
        page = response.content.decode()
        assert "Votre structure suit déjà cette personne" in page
        assert reverse("structures:beneficiary", args=[existing.code]) in page
        assert 'value="request"' not in page
        assert not AffiliationRequest.objects.exists()
        assert actions_of(existing) == before

    @pytest.mark.parametrize("actor", ["other_professional", "former_member", "owner", "staff"])
    def test_outsiders_cannot_ask(self, client, world, existing, actor):
        force_login_verified(client, getattr(world, actor))
        response = client.post(create_url(world.structure), form_data(decision="request"))
        assert response.status_code == 404
        assert not AffiliationRequest.objects.exists()


# --- The person decides ------------------------------------------------------------------------


@pytest.fixture
def asked(world, existing):
    services.request_affiliation([existing], world.professional, world.structure)
    return AffiliationRequest.objects.get()


def decide_url(request, decision):
    return reverse(f"affiliations:{decision}", args=[request.code])


@pytest.mark.django_db
class TestTheOwnerDecides:
    def test_the_home_page_asks_clearly(self, client, existing, asked, world):
        force_login_verified(client, existing.user)
        page = client.get(reverse("vault:home")).content.decode()
        assert f"{world.structure.name} demande à vous suivre" in page
        assert decide_url(asked, "accept") in page and decide_url(asked, "refuse") in page
        assert "jamais vos papiers privés" in page

    def test_no_banner_without_a_request(self, client, existing):
        force_login_verified(client, existing.user)
        assert "demande à vous suivre" not in client.get(reverse("vault:home")).content.decode()

    def test_accepting_starts_the_affiliation_now_and_journals_it(
        self, client, world, existing, asked
    ):
        document = existing.documents.get()
        assert not policy.can(world.professional, policy.Action.VIEW, document)
        force_login_verified(client, existing.user)
        response = client.post(decide_url(asked, "accept"))
        assert response.status_code == 302 and response.url == reverse("vault:home")
        asked.refresh_from_db()
        assert asked.state == AffiliationRequest.State.ACCEPTED and asked.decided_at
        affiliation = Affiliation.objects.active().get(
            beneficiary=existing, structure=world.structure
        )
        assert affiliation.consented_at == asked.decided_at
        assert affiliation.created_by == world.professional
        entry = JournalEntry.objects.filter(beneficiary=existing).order_by("-seq").first()
        assert entry.action == JournalEntry.Action.AFFILIATION_ACCEPTED
        assert entry.actor == existing.user and entry.structure == world.structure
        assert verify_chain(existing) == []
        # From now on, the structure's social workers see what the person shares.
        assert policy.can(world.professional, policy.Action.VIEW, document)
        page = client.get(reverse("vault:home")).content.decode()
        assert "vous suit" in page and "demande à vous suivre" not in page

    def test_refusing_shares_nothing_and_journals_it(self, client, world, existing, asked):
        force_login_verified(client, existing.user)
        assert client.post(decide_url(asked, "refuse")).status_code == 302
        asked.refresh_from_db()
        assert asked.state == AffiliationRequest.State.REFUSED
        assert not Affiliation.objects.filter(
            beneficiary=existing, structure=world.structure
        ).exists()
        assert actions_of(existing)[-1] == JournalEntry.Action.AFFILIATION_REFUSED
        assert not policy.can(world.professional, policy.Action.LIST, existing)
        assert "demande à vous suivre" not in client.get(reverse("vault:home")).content.decode()

    def test_a_decision_is_taken_once(self, client, world, existing, asked):
        force_login_verified(client, existing.user)
        client.post(decide_url(asked, "accept"))
        assert client.post(decide_url(asked, "refuse")).status_code == 404
        assert client.post(decide_url(asked, "accept")).status_code == 404
        asked.refresh_from_db()
        assert asked.state == AffiliationRequest.State.ACCEPTED
        assert (
            Affiliation.objects.filter(beneficiary=existing, structure=world.structure).count() == 1
        )

    def test_accepting_when_already_followed_adds_no_second_affiliation(
        self, client, world, existing, asked
    ):
        AffiliationFactory(beneficiary=existing, structure=world.structure)
        force_login_verified(client, existing.user)
        client.post(decide_url(asked, "accept"))
        assert (
            Affiliation.objects.filter(beneficiary=existing, structure=world.structure).count() == 1
        )

    @pytest.mark.parametrize(
        "actor", ["professional", "admin", "other_professional", "owner", "staff"]
    )
    @pytest.mark.parametrize("decision", ["accept", "refuse"])
    def test_nobody_else_sees_or_decides(self, client, world, asked, actor, decision):
        force_login_verified(client, getattr(world, actor))
        assert client.post(decide_url(asked, decision)).status_code == 404
        if actor == "owner":  # another person: no banner for someone else's request
            page = client.get(reverse("vault:home")).content.decode()
            assert "demande à vous suivre" not in page
        asked.refresh_from_db()
        assert asked.state == AffiliationRequest.State.PENDING
        assert not Affiliation.objects.filter(
            beneficiary=asked.beneficiary, structure=world.structure
        ).exists()

    def test_anonymous_visitors_are_sent_to_log_in(self, client, asked):
        response = client.post(decide_url(asked, "accept"))
        assert response.status_code == 302 and reverse("accounts:login") in response.url
        asked.refresh_from_db()
        assert asked.state == AffiliationRequest.State.PENDING

    def test_only_post(self, client, existing, asked):
        force_login_verified(client, existing.user)
        assert client.get(decide_url(asked, "accept")).status_code == 405

    def test_policy_lists_only_the_persons_own_pending_requests(self, world, existing, asked):
        assert list(policy.affiliation_requests_for(existing.user)) == [asked]
        for actor in ("owner", "professional", "admin", "other_professional", "staff"):
            assert not policy.affiliation_requests_for(getattr(world, actor)).exists()
