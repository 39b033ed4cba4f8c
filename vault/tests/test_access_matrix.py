"""The access matrix (DESIGN.md §5): every actor, every kind of item, every action.

Each cell asks the policy (``vault.policy``) *and* the real view, through the test client:

- ALLOW: 200 (GET) or 302 (POST), and the effect happened (new title, row gone, visibility
  toggled, same bytes downloaded);
- HIDDEN (listing only): the page answers 200 but the paper is not on it;
- E404: an outsider, who learns nothing — and nothing changed;
- E403: a read-only actor, who sees the item but may not change it — and nothing changed;
- LOGIN: anonymous, sent to the login page — and nothing changed.

``scripts/policy_mutations.py`` removes the rules of the policy one at a time and checks that
every removal makes at least one cell of this file fail.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from accounts.models import User
from journal.models import JournalEntry
from structures.models import Membership, Structure
from tests.auth import force_login_verified
from tests.factories import (
    AffiliationFactory,
    MembershipFactory,
    StructureFactory,
    make_document,
)
from vault import policy, services
from vault.models import Blob, Document, Folder, Visibility
from vault.policy import Action
from vault.specimens import text_pdf

ALLOW = "allow"
HIDDEN = "hidden"
E404 = "404"
E403 = "403"
LOGIN = "login"

ACTORS = (
    "owner",
    "professional",  # active member of a structure the beneficiary is affiliated with
    "other_professional",  # member of another structure
    "former_member",  # was a member of the affiliated structure; membership ended
    "professional_affiliation_ended",  # member of a structure whose affiliation ended
    "other_beneficiary",  # the owner of another vault
    "staff",
    "anonymous",
)

# Kind of item: its visibility and who created it ("professional" = the affiliated one).
ITEMS = {
    "private": (Visibility.PRIVATE, "owner"),
    "shared": (Visibility.SHARED, "owner"),
    "shared_by_pro": (Visibility.SHARED, "professional"),
    "private_by_pro": (Visibility.PRIVATE, "professional"),  # the owner made it private since
}

ACTIONS = ("list", "view", "download", "edit", "delete", "share")

# fmt: off
TABLE = {
    # (actor, item):                                     list   view   download edit  delete  share
    ("owner", "private"):                                (ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW),
    ("owner", "shared"):                                 (ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW),
    ("owner", "shared_by_pro"):                          (ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW),
    ("owner", "private_by_pro"):                         (ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ALLOW),
    ("professional", "private"):                         (HIDDEN, E404, E404, E404, E404, E404),
    ("professional", "shared"):                          (ALLOW, ALLOW, ALLOW, E403, E403, E403),
    ("professional", "shared_by_pro"):                   (ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, E403),
    ("professional", "private_by_pro"):                  (HIDDEN, E404, E404, E404, E404, E404),
    ("other_professional", "private"):                   (E404, E404, E404, E404, E404, E404),
    ("other_professional", "shared"):                    (E404, E404, E404, E404, E404, E404),
    ("other_professional", "shared_by_pro"):             (E404, E404, E404, E404, E404, E404),
    ("other_professional", "private_by_pro"):            (E404, E404, E404, E404, E404, E404),
    ("former_member", "private"):                        (E404, E404, E404, E404, E404, E404),
    ("former_member", "shared"):                         (E404, E404, E404, E404, E404, E404),
    ("former_member", "shared_by_pro"):                  (E404, E404, E404, E404, E404, E404),
    ("former_member", "private_by_pro"):                 (E404, E404, E404, E404, E404, E404),
    ("professional_affiliation_ended", "private"):       (E404, E404, E404, E404, E404, E404),
    ("professional_affiliation_ended", "shared"):        (E404, E404, E404, E404, E404, E404),
    ("professional_affiliation_ended", "shared_by_pro"): (E404, E404, E404, E404, E404, E404),
    ("professional_affiliation_ended", "private_by_pro"): (E404, E404, E404, E404, E404, E404),
    ("other_beneficiary", "private"):                    (E404, E404, E404, E404, E404, E404),
    ("other_beneficiary", "shared"):                     (E404, E404, E404, E404, E404, E404),
    ("other_beneficiary", "shared_by_pro"):              (E404, E404, E404, E404, E404, E404),
    ("other_beneficiary", "private_by_pro"):             (E404, E404, E404, E404, E404, E404),
    ("staff", "private"):                                (E404, E404, E404, E404, E404, E404),
    ("staff", "shared"):                                 (E404, E404, E404, E404, E404, E404),
    ("staff", "shared_by_pro"):                          (E404, E404, E404, E404, E404, E404),
    ("staff", "private_by_pro"):                         (E404, E404, E404, E404, E404, E404),
    ("anonymous", "private"):                            (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("anonymous", "shared"):                             (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("anonymous", "shared_by_pro"):                      (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("anonymous", "private_by_pro"):                     (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
}
# fmt: on

EXPECTED = {
    (actor, item, action): outcome
    for (actor, item), row in TABLE.items()
    for action, outcome in zip(ACTIONS, row, strict=True)
}
assert set(TABLE) == {(actor, item) for actor in ACTORS for item in ITEMS}

# Creating an item in the beneficiary's vault (upload on their behalf).
CREATE = {
    "owner": ALLOW,
    "professional": ALLOW,
    "other_professional": E404,
    "former_member": E404,
    "professional_affiliation_ended": E404,
    "other_beneficiary": E404,
    "staff": E404,
    "anonymous": LOGIN,
}

# The people list of a structure: "affiliated" is the structure the beneficiary is affiliated
# with; "ended" is the one whose affiliation ended. ALLOW = the beneficiary is on the list.
STRUCTURE_ACTORS = ("admin", *ACTORS)
PEOPLE = {
    ("admin", "affiliated"): ALLOW,
    ("professional", "affiliated"): ALLOW,
    ("professional_affiliation_ended", "ended"): HIDDEN,
    ("anonymous", "affiliated"): LOGIN,
    ("anonymous", "ended"): LOGIN,
}  # everyone else: E404
# The team page of the affiliated structure: administrators only.
TEAM = {"admin": ALLOW, "professional": E403, "anonymous": LOGIN}  # everyone else: E404

NEW_TITLE = "Renamed by the matrix"


def user_of(world: Any, actor: str) -> User | None:
    if actor == "anonymous":
        return None
    if actor == "other_beneficiary":
        return world.stranger_beneficiary.user
    return getattr(world, actor)


def login(client: Client, world: Any, actor: str) -> User | AnonymousUser:
    user = user_of(world, actor)
    if user is None:
        return AnonymousUser()
    force_login_verified(client, user)
    return user


def assert_refused(response: HttpResponse, outcome: str) -> None:
    if outcome == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert outcome in (E404, E403), outcome
        assert response.status_code == int(outcome)


def make_item(world: Any, item: str, content: bytes) -> Document:
    visibility, creator = ITEMS[item]
    return make_document(
        world.beneficiary,
        visibility=visibility,
        title=f"Matrix paper {item}",
        created_by=getattr(world, creator),
        content=content,
    )


def toggled(visibility: str) -> str:
    return Visibility.PRIVATE if visibility == Visibility.SHARED else Visibility.SHARED


def listing(client: Client, world: Any, actor: str) -> HttpResponse:
    """The page where the actor would see the beneficiary's papers."""
    if actor == "owner":
        return client.get(reverse("vault:home"))
    if actor != "anonymous":
        # Nobody but the owner ever finds the paper in "my papers".
        home = client.get(reverse("vault:home"))
        assert home.status_code in (200, 302)
        assert b"Matrix paper" not in home.content
    return client.get(reverse("structures:beneficiary", args=[world.beneficiary.code]))


@pytest.mark.parametrize(
    ("actor", "item", "action"),
    [pytest.param(*cell, id="-".join(cell)) for cell in EXPECTED],
)
def test_cell(client, world, actor, item, action):
    content = text_pdf([f"SPECIMEN {actor} {item} {action}"])
    document = make_item(world, item, content)
    outcome = EXPECTED[actor, item, action]
    user = login(client, world, actor)  # logging in is journaled too: count after it
    before = {
        "title": document.title,
        "visibility": document.visibility,
        "journal": JournalEntry.objects.count(),
    }

    # The policy itself.
    visible = Document.objects.visible_to(user).filter(pk=document.pk).exists()
    assert visible == (outcome in (ALLOW, E403))
    assert policy.can(user, Action(action), document) == (outcome == ALLOW)

    # The real view.
    if action == "list":
        response = listing(client, world, actor)
        if outcome in (ALLOW, HIDDEN):
            assert response.status_code == 200
            assert (document.title in response.content.decode()) == (outcome == ALLOW)
        else:
            assert_refused(response, outcome)
    elif action == "view":
        response = client.get(reverse("vault:document", args=[document.code]))
        if outcome == ALLOW:
            assert response.status_code == 200
            assert document.title in response.content.decode()
    elif action == "download":
        response = client.get(reverse("vault:download", args=[document.code]))
        if outcome == ALLOW:
            assert response.status_code == 200
            assert b"".join(response.streaming_content) == content
    elif action == "edit":
        response = client.post(reverse("vault:rename", args=[document.code]), {"title": NEW_TITLE})
        if outcome == ALLOW:
            assert response.status_code == 302
            assert Document.objects.get(pk=document.pk).title == NEW_TITLE
    elif action == "delete":
        response = client.post(reverse("vault:delete", args=[document.code]))
        if outcome == ALLOW:
            assert response.status_code == 302
            assert not Document.objects.filter(pk=document.pk).exists()
            assert not Blob.objects.filter(pk=document.file_id).exists()
    elif action == "share":
        response = client.post(
            reverse("vault:visibility", args=[document.code]),
            {"visibility": toggled(document.visibility)},
        )
        if outcome == ALLOW:
            assert response.status_code == 302
            assert Document.objects.get(pk=document.pk).visibility == toggled(document.visibility)
    else:
        raise AssertionError(action)

    if outcome in (ALLOW, HIDDEN):
        return
    if action != "list":
        assert_refused(response, outcome)
    # A refused request changes nothing and leaves no trace in the journal.
    after = Document.objects.get(pk=document.pk)
    assert (after.title, after.visibility) == (before["title"], before["visibility"])
    assert JournalEntry.objects.count() == before["journal"]


def pdf_upload(name: str = "Upload matrix.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 matrix upload\n%%EOF\n", "application/pdf")


def stored_files(blob_dir: Any) -> list[Any]:
    return [path for path in blob_dir.rglob("*") if path.is_file()]


@pytest.mark.parametrize("actor", CREATE)
def test_create_on_behalf(client, world, blob_dir, actor):
    outcome = CREATE[actor]
    user = login(client, world, actor)
    beneficiary = world.beneficiary
    assert policy.can(user, Action.CREATE, beneficiary) == (outcome == ALLOW)
    assert policy.can(user, Action.LIST, beneficiary) == (outcome == ALLOW)
    files_before = stored_files(blob_dir)

    response = client.post(
        reverse("structures:upload", args=[beneficiary.code]),
        # Only the owner chooses privacy: a professional's upload is shared whatever is asked.
        {"files": pdf_upload(), "visibility": Visibility.PRIVATE},
    )

    created = Document.objects.filter(owner=beneficiary)
    if outcome == ALLOW:
        assert response.status_code == 302
        document = created.get()
        assert document.created_by == user
        assert document.title == "Upload matrix"
        expected = Visibility.SHARED if actor == "professional" else Visibility.PRIVATE
        assert document.visibility == expected
    else:
        assert_refused(response, outcome)
        assert not created.exists()
        assert not Blob.objects.exists()
        assert stored_files(blob_dir) == files_before


@pytest.mark.parametrize(
    ("actor", "structure"),
    [
        pytest.param(actor, structure, id=f"{actor}-{structure}")
        for structure in ("affiliated", "ended")
        for actor in STRUCTURE_ACTORS
    ],
)
def test_people_of_structure(client, world, actor, structure):
    outcome = PEOPLE.get((actor, structure), E404)
    target: Structure = world.structure if structure == "affiliated" else world.ended_structure
    user = login(client, world, actor)
    assert policy.can(user, Action.WORK_IN, target) == (outcome in (ALLOW, HIDDEN))
    listed = policy.beneficiaries_of_structure(user, target).filter(pk=world.beneficiary.pk)
    assert listed.exists() == (outcome == ALLOW)

    response = client.get(reverse("structures:structure", args=[target.code]))

    if outcome in (ALLOW, HIDDEN):
        assert response.status_code == 200
        link = reverse("structures:beneficiary", args=[world.beneficiary.code])
        assert (link in response.content.decode()) == (outcome == ALLOW)
    else:
        assert_refused(response, outcome)


@pytest.mark.parametrize("actor", STRUCTURE_ACTORS)
def test_team_page(client, world, actor):
    outcome = TEAM.get(actor, E404)
    user = login(client, world, actor)
    assert policy.can(user, Action.MANAGE_TEAM, world.structure) == (outcome == ALLOW)

    response = client.get(reverse("structures:team", args=[world.structure.code]))

    if outcome == ALLOW:
        assert response.status_code == 200
    else:
        assert_refused(response, outcome)


@pytest.mark.parametrize("actor", STRUCTURE_ACTORS)
def test_deny_by_default(world, actor):
    """Actions that make no sense on an object are refused to everyone, owner included."""
    user = user_of(world, actor) or AnonymousUser()
    beneficiary_actions = set(Action) - {Action.LIST, Action.CREATE}
    structure_actions = set(Action) - {Action.WORK_IN, Action.MANAGE_TEAM}
    for action in beneficiary_actions:
        assert not policy.can(user, action, world.beneficiary), action
    for action in structure_actions:
        assert not policy.can(user, action, world.structure), action


# --- Accounts the matrix does not show. ----------------------------------------------------


@pytest.mark.parametrize("actor", ["owner", "professional"])
def test_deactivated_account_gets_nothing(client, world, actor):
    user = getattr(world, actor)
    documents = [make_item(world, item, text_pdf([item])) for item in ITEMS]
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.refresh_from_db()

    assert not Document.objects.visible_to(user).exists()
    assert not policy.beneficiaries_visible_to(user).exists()
    assert not policy.structures_of(user).exists()
    for document in documents:
        for action in ACTIONS:
            assert not policy.can(user, Action(action), document), (document, action)
    assert not policy.can(user, Action.CREATE, world.beneficiary)
    assert not policy.can(user, Action.WORK_IN, world.structure)

    # The session of a deactivated account no longer authenticates.
    force_login_verified(client, user)
    for document in documents:
        response = client.get(reverse("vault:document", args=[document.code]))
        assert_refused(response, LOGIN)


def test_staff_in_a_team_still_gets_nothing(client, world):
    """Platform staff see no vault content even with a membership row (e.g. made in the admin)."""
    staff = world.staff
    MembershipFactory(user=staff, structure=world.structure, role=Membership.Role.ADMIN)
    documents = [make_item(world, item, text_pdf([item])) for item in ITEMS]

    assert not Document.objects.visible_to(staff).exists()
    assert not policy.beneficiaries_visible_to(staff).exists()
    assert not policy.structures_of(staff).exists()
    for document in documents:
        for action in ACTIONS:
            assert not policy.can(staff, Action(action), document), (document, action)
    assert not policy.can(staff, Action.CREATE, world.beneficiary)
    assert not policy.can(staff, Action.WORK_IN, world.structure)
    assert not policy.can(staff, Action.MANAGE_TEAM, world.structure)

    force_login_verified(client, staff)
    urls = [
        reverse("structures:structure", args=[world.structure.code]),
        reverse("structures:team", args=[world.structure.code]),
        reverse("structures:beneficiary", args=[world.beneficiary.code]),
        *(reverse("vault:document", args=[document.code]) for document in documents),
        *(reverse("vault:download", args=[document.code]) for document in documents),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url


# --- The journal: what professionals do is written down; what the owner reads is not. -------


def test_professional_upload_is_journaled(client, world):
    force_login_verified(client, world.professional)
    url = reverse("structures:upload", args=[world.beneficiary.code])
    assert client.post(url, {"files": pdf_upload()}).status_code == 302
    document = Document.objects.get(owner=world.beneficiary)
    entry = JournalEntry.objects.get(item_code=document.code)
    assert entry.action == JournalEntry.Action.DOCUMENT_UPLOADED
    assert entry.actor == world.professional
    assert entry.structure == world.structure


@pytest.mark.parametrize(
    ("url_name", "journal_action"),
    [
        ("vault:document", JournalEntry.Action.DOCUMENT_VIEWED),
        ("vault:download", JournalEntry.Action.DOCUMENT_DOWNLOADED),
    ],
)
def test_professional_reading_is_journaled(client, world, url_name, journal_action):
    # The professional is also in a structure whose affiliation ended (and that sorts first):
    # the journal names the structure through which they really reach the person.
    old = StructureFactory(name="Relais 0")
    MembershipFactory(user=world.professional, structure=old)
    AffiliationFactory(beneficiary=world.beneficiary, structure=old).end()
    document = make_document(world.beneficiary, visibility=Visibility.SHARED)
    force_login_verified(client, world.professional)
    assert client.get(reverse(url_name, args=[document.code])).status_code == 200
    entry = JournalEntry.objects.for_beneficiary(world.beneficiary).first()
    assert (entry.action, entry.actor, entry.item_code) == (
        journal_action,
        world.professional,
        document.code,
    )
    assert entry.structure == world.structure


@pytest.mark.parametrize("url_name", ["vault:document", "vault:download"])
def test_owner_reading_is_not_journaled(client, world, url_name):
    document = make_document(world.beneficiary, visibility=Visibility.SHARED)
    force_login_verified(client, world.owner)
    before = JournalEntry.objects.count()
    assert client.get(reverse(url_name, args=[document.code])).status_code == 200
    assert JournalEntry.objects.count() == before


# --- Mutating views refuse GET. ------------------------------------------------------------


def _document_url(name: str) -> Callable[[Any, Document, Folder], str]:
    return lambda world, document, folder: reverse(name, args=[document.code])


def _folder_url(name: str) -> Callable[[Any, Document, Folder], str]:
    return lambda world, document, folder: reverse(name, args=[folder.code])


MUTATING_VIEWS: dict[str, tuple[str, Callable[[Any, Document, Folder], str]]] = {
    "rename": ("owner", _document_url("vault:rename")),
    "visibility": ("owner", _document_url("vault:visibility")),
    "move": ("owner", _document_url("vault:move")),
    "upload": ("owner", lambda world, document, folder: reverse("vault:upload")),
    "upload_on_behalf": (
        "professional",
        lambda world, document, folder: reverse("structures:upload", args=[world.beneficiary.code]),
    ),
    "folder_create": ("owner", lambda world, document, folder: reverse("vault:folder_create")),
    "folder_visibility": ("owner", _folder_url("vault:folder_visibility")),
    "folder_delete": ("owner", _folder_url("vault:folder_delete")),
    "team_remove": (
        "admin",
        lambda world, document, folder: reverse(
            "structures:team_remove", args=[world.structure.code, world.professional.code]
        ),
    ),
}


@pytest.mark.parametrize("view", MUTATING_VIEWS)
def test_mutating_views_refuse_get(client, world, view):
    actor, url = MUTATING_VIEWS[view]
    document = make_document(world.beneficiary, visibility=Visibility.SHARED)
    folder = services.create_folder(world.beneficiary, world.owner, "Matrix folder")
    force_login_verified(client, getattr(world, actor))
    journal = JournalEntry.objects.count()

    response = client.get(url(world, document, folder))

    assert response.status_code == 405
    assert JournalEntry.objects.count() == journal
    assert Document.objects.filter(owner=world.beneficiary).count() == 1
    assert Folder.objects.filter(owner=world.beneficiary).count() == 1
    assert world.professional.memberships.get(structure=world.structure).active


def test_delete_by_get_only_asks_for_confirmation(client, world):
    document = make_document(world.beneficiary)
    force_login_verified(client, world.owner)
    assert client.get(reverse("vault:delete", args=[document.code])).status_code == 200
    assert Document.objects.filter(pk=document.pk).exists()


# The owner-only pages act on "my own vault": anyone who is not a beneficiary has none, whoever
# they can otherwise reach.
@pytest.mark.parametrize("actor", ["professional", "admin", "staff", "other_professional"])
def test_only_a_beneficiary_has_a_vault_of_their_own(client, world, blob_dir, actor):
    make_document(world.beneficiary, visibility=Visibility.SHARED)
    force_login_verified(client, getattr(world, actor))
    before = (Document.objects.count(), Folder.objects.count(), JournalEntry.objects.count())
    paper = SimpleUploadedFile("a.pdf", text_pdf(["x"]), content_type="application/pdf")

    assert client.post(reverse("vault:upload"), {"files": [paper]}).status_code == 404
    assert client.post(reverse("vault:folder_create"), {"name": "X"}).status_code == 404
    assert client.get(reverse("vault:journal")).status_code == 404
    assert policy.own_vault(getattr(world, actor)) is None

    assert (
        Document.objects.count(),
        Folder.objects.count(),
        JournalEntry.objects.count(),
    ) == before
    assert len([p for p in blob_dir.rglob("*") if p.is_file()]) == 1
