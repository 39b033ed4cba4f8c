"""The access matrix (DESIGN.md §5): every actor, every kind of item, every action.

Kinds of item: papers (documents), contacts, appointments and notes — the same cells for each,
through each kind's own views (``KINDS``).

Each cell asks the policy (``vault.policy``) *and* the real view, through the test client:

- ALLOW: 200 (GET) or 302 (POST), and the effect happened (new title, row gone, visibility
  toggled, same bytes downloaded — or the same appointment, contact or note as a file);
- HIDDEN (listing only): the page answers 200 but the paper is not on it;
- E404: an outsider, who learns nothing — and nothing changed;
- E403: a read-only actor, who sees the item but may not change it — and nothing changed;
- LOGIN: anonymous, sent to the login page — and nothing changed.

``scripts/policy_mutations.py`` removes the rules of the policy one at a time and checks that
every removal makes at least one cell of this file fail — for the item rules, at least one cell
of each kind.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from accounts.models import User
from agenda.models import AgendaSettings, Appointment, Contact, Note, Reminder
from agenda.tests.factories import make_appointment, make_contact, make_note, paris
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


def make_item(world: Any, item: str, content: bytes, kind: str = "document") -> Any:
    visibility, creator = ITEMS[item]
    return KINDS[kind].make(
        world.beneficiary,
        visibility=visibility,
        label=f"Matrix {kind} {item}",
        created_by=getattr(world, creator),
        content=content,
    )


@dataclass(frozen=True)
class Kind:
    """How the matrix reaches one kind of item through its own views."""

    model: type[Model]
    make: Callable[..., Any]
    label_field: str  # what names the item on pages, and what "edit" changes
    view: str  # URL names
    download: str
    edit: str
    delete: str
    share: str
    owner_list: str  # the owner's own list of this kind
    edit_data: dict[str, Any] = field(default_factory=dict)
    downloaded: Callable[[bytes, Any, bytes], bool] = lambda body, item, content: False

    def label(self, item: Any) -> str:
        return str(getattr(item, self.label_field))


def _make_document(owner, *, visibility, label, created_by, content):  # type: ignore[no-untyped-def]
    return make_document(
        owner, visibility=visibility, title=label, created_by=created_by, content=content
    )


def _make_contact(owner, *, visibility, label, created_by, content):  # type: ignore[no-untyped-def]
    return make_contact(owner, visibility=visibility, name=label, created_by=created_by)


def _make_appointment(owner, *, visibility, label, created_by, content):  # type: ignore[no-untyped-def]
    return make_appointment(
        owner,
        visibility=visibility,
        title=label,
        created_by=created_by,
        starts_at=paris(2030, 5, 14, 10, 0),
        offsets=["day_before"],
    )


def _make_note(owner, *, visibility, label, created_by, content):  # type: ignore[no-untyped-def]
    return make_note(owner, visibility=visibility, title=label, created_by=created_by)


KINDS = {
    "document": Kind(
        Document,
        _make_document,
        "title",
        "vault:document",
        "vault:download",
        "vault:rename",
        "vault:delete",
        "vault:visibility",
        "vault:home",
        {"title": "Renamed by the matrix"},
        lambda body, item, content: body == content,
    ),
    "contact": Kind(
        Contact,
        _make_contact,
        "name",
        "agenda:contact",
        "agenda:contact_download",
        "agenda:contact_edit",
        "agenda:contact_delete",
        "agenda:contact_visibility",
        "agenda:contacts",
        {"name": "Renamed by the matrix", "phone": "01 23 45 67 89"},
        lambda body, item, content: f"UID:{item.code}\r\nFN:{item.name}\r\n" in body.decode(),
    ),
    "appointment": Kind(
        Appointment,
        _make_appointment,
        "title",
        "agenda:appointment",
        "agenda:appointment_download",
        "agenda:appointment_edit",
        "agenda:appointment_delete",
        "agenda:appointment_visibility",
        "agenda:calendar",
        {"title": "Renamed by the matrix", "date": "2030-05-14", "start_time": "10:00"},
        lambda body, item, content: (
            f"UID:{item.code}\r\n" in body.decode() and f"SUMMARY:{item.title}\r\n" in body.decode()
        ),
    ),
    "note": Kind(
        Note,
        _make_note,
        "title",
        "agenda:note",
        "agenda:note_download",
        "agenda:note_edit",
        "agenda:note_delete",
        "agenda:note_visibility",
        "agenda:notes",
        {"title": "Renamed by the matrix", "text": "Changed by the matrix"},
        lambda body, item, content: body.decode() == item.as_text(),
    ),
}


def toggled(visibility: str) -> str:
    return Visibility.PRIVATE if visibility == Visibility.SHARED else Visibility.SHARED


def listing(client: Client, world: Any, actor: str, kind: Kind) -> HttpResponse:
    """The page where the actor would see the beneficiary's items of this kind."""
    if actor == "owner":
        return client.get(reverse(kind.owner_list))
    if actor != "anonymous":
        # Nobody but the owner ever finds the item in their own lists.
        home = client.get(reverse(kind.owner_list))
        assert home.status_code in (200, 302, 404)
        assert b"Matrix " not in home.content
    return client.get(reverse("structures:beneficiary", args=[world.beneficiary.code]))


def _body(response: Any) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)


@pytest.mark.parametrize(
    ("kind", "actor", "item", "action"),
    # Kinds innermost: a broken rule shows in every kind early in the run.
    [pytest.param(kind, *cell, id="-".join((kind, *cell))) for cell in EXPECTED for kind in KINDS],
)
def test_cell(client, world, kind, actor, item, action):
    spec = KINDS[kind]
    content = text_pdf([f"SPECIMEN {actor} {item} {action}"])
    thing = make_item(world, item, content, kind)
    label = spec.label(thing)
    outcome = EXPECTED[actor, item, action]
    user = login(client, world, actor)  # logging in is journaled too: count after it
    before = {
        "label": label,
        "visibility": thing.visibility,
        "journal": JournalEntry.objects.count(),
    }

    # The policy itself.
    visible = spec.model.objects.visible_to(user).filter(pk=thing.pk).exists()
    assert visible == (outcome in (ALLOW, E403))
    assert policy.can(user, Action(action), thing) == (outcome == ALLOW)

    # The real view.
    def url(name: str) -> str:
        return reverse(name, args=[thing.code])

    if action == "list":
        response = listing(client, world, actor, spec)
        if outcome in (ALLOW, HIDDEN):
            assert response.status_code == 200
            assert (label in response.content.decode()) == (outcome == ALLOW)
        else:
            assert_refused(response, outcome)
    elif action == "view":
        response = client.get(url(spec.view))
        if outcome == ALLOW:
            assert response.status_code == 200
            assert label in response.content.decode()
    elif action == "download":
        response = client.get(url(spec.download))
        if outcome == ALLOW:
            assert response.status_code == 200
            assert spec.downloaded(_body(response), thing, content)
    elif action == "edit":
        response = client.post(url(spec.edit), spec.edit_data)
        if outcome == ALLOW:
            assert response.status_code == 302
            assert spec.label(spec.model.objects.get(pk=thing.pk)) == NEW_TITLE
    elif action == "delete":
        response = client.post(url(spec.delete))
        if outcome == ALLOW:
            assert response.status_code == 302
            assert not spec.model.objects.filter(pk=thing.pk).exists()
            if kind == "document":
                assert not Blob.objects.filter(pk=thing.file_id).exists()
            if kind == "appointment":
                assert not Reminder.objects.filter(appointment_id=thing.pk).exists()
    elif action == "share":
        response = client.post(url(spec.share), {"visibility": toggled(thing.visibility)})
        if outcome == ALLOW:
            assert response.status_code == 302
            assert spec.model.objects.get(pk=thing.pk).visibility == toggled(thing.visibility)
    else:
        raise AssertionError(action)

    if outcome in (ALLOW, HIDDEN):
        return
    if action != "list":
        assert_refused(response, outcome)
    # A refused request changes nothing and leaves no trace in the journal.
    after = spec.model.objects.get(pk=thing.pk)
    assert (spec.label(after), after.visibility) == (before["label"], before["visibility"])
    assert JournalEntry.objects.count() == before["journal"]


def pdf_upload(name: str = "Upload matrix.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 matrix upload\n%%EOF\n", "application/pdf")


def stored_files(blob_dir: Any) -> list[Any]:
    return [path for path in blob_dir.rglob("*") if path.is_file()]


# Adding an item on the person's behalf: the upload for papers, a form for the others.
CREATE_DATA = {
    "contact": {"name": "Created by the matrix", "phone": "115"},
    "appointment": {
        "title": "Created by the matrix",
        "date": "2030-05-14",
        "start_time": "10:00",
        "reminders": ["day_before"],
    },
    "note": {"title": "Created by the matrix", "text": "Matrix note"},
}


@pytest.mark.parametrize(
    ("kind", "actor"),
    [pytest.param(kind, actor, id=f"{kind}-{actor}") for actor in CREATE for kind in KINDS],
)
def test_create_on_behalf(client, world, blob_dir, kind, actor):
    outcome = CREATE[actor]
    user = login(client, world, actor)
    beneficiary = world.beneficiary
    assert policy.can(user, Action.CREATE, beneficiary) == (outcome == ALLOW)
    assert policy.can(user, Action.LIST, beneficiary) == (outcome == ALLOW)
    files_before = stored_files(blob_dir)
    journal = JournalEntry.objects.filter(beneficiary=beneficiary).count()

    # Only the owner chooses privacy: what a professional adds is shared whatever is asked.
    if kind == "document":
        response = client.post(
            reverse("structures:upload", args=[beneficiary.code]),
            {"files": pdf_upload(), "visibility": Visibility.PRIVATE},
        )
    else:
        response = client.post(
            reverse(f"agenda:{kind}_create_for", args=[beneficiary.code]),
            {**CREATE_DATA[kind], "visibility": Visibility.PRIVATE},
        )

    spec = KINDS[kind]
    created = spec.model.objects.filter(owner=beneficiary)
    if outcome == ALLOW:
        assert response.status_code == 302
        thing = created.get()
        assert thing.created_by == user
        expected_label = "Upload matrix" if kind == "document" else "Created by the matrix"
        assert spec.label(thing) == expected_label
        expected = Visibility.SHARED if actor == "professional" else Visibility.PRIVATE
        assert thing.visibility == expected
        added = JournalEntry.objects.filter(beneficiary=beneficiary, item_code=thing.code).get()
        assert added.structure == (world.structure if actor == "professional" else None)
    else:
        assert_refused(response, outcome)
        assert not created.exists()
        assert not Blob.objects.exists()
        assert not Reminder.objects.exists()
        assert stored_files(blob_dir) == files_before
        assert JournalEntry.objects.filter(beneficiary=beneficiary).count() == journal


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


def every_item(world: Any) -> list[tuple[Kind, Any]]:
    """One item of each kind for each row of ITEMS."""
    return [
        (KINDS[kind], make_item(world, item, text_pdf([item]), kind))
        for kind in KINDS
        for item in ITEMS
    ]


@pytest.mark.parametrize("actor", ["owner", "professional"])
def test_deactivated_account_gets_nothing(client, world, actor):
    user = getattr(world, actor)
    items = every_item(world)
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.refresh_from_db()

    for spec in KINDS.values():
        assert not spec.model.objects.visible_to(user).exists()
    assert not policy.beneficiaries_visible_to(user).exists()
    assert not policy.structures_of(user).exists()
    for _spec, thing in items:
        for action in ACTIONS:
            assert not policy.can(user, Action(action), thing), (thing, action)
    assert not policy.can(user, Action.CREATE, world.beneficiary)
    assert not policy.can(user, Action.WORK_IN, world.structure)

    # The session of a deactivated account no longer authenticates.
    force_login_verified(client, user)
    for spec, thing in items:
        response = client.get(reverse(spec.view, args=[thing.code]))
        assert_refused(response, LOGIN)


def test_staff_in_a_team_still_gets_nothing(client, world):
    """Platform staff see no vault content even with a membership row (e.g. made in the admin)."""
    staff = world.staff
    MembershipFactory(user=staff, structure=world.structure, role=Membership.Role.ADMIN)
    items = every_item(world)

    for spec in KINDS.values():
        assert not spec.model.objects.visible_to(staff).exists()
    assert not policy.beneficiaries_visible_to(staff).exists()
    assert not policy.structures_of(staff).exists()
    for _spec, thing in items:
        for action in ACTIONS:
            assert not policy.can(staff, Action(action), thing), (thing, action)
    assert not policy.can(staff, Action.CREATE, world.beneficiary)
    assert not policy.can(staff, Action.WORK_IN, world.structure)
    assert not policy.can(staff, Action.MANAGE_TEAM, world.structure)

    force_login_verified(client, staff)
    urls = [
        reverse("structures:structure", args=[world.structure.code]),
        reverse("structures:team", args=[world.structure.code]),
        reverse("structures:beneficiary", args=[world.beneficiary.code]),
        *(reverse(spec.view, args=[thing.code]) for spec, thing in items),
        *(reverse(spec.download, args=[thing.code]) for spec, thing in items),
        *(
            reverse(f"agenda:{kind}_create_for", args=[world.beneficiary.code])
            for kind in CREATE_DATA
        ),
        reverse("agenda:calendar"),
        reverse("agenda:settings"),
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


READS = [
    ("document", "view", JournalEntry.Action.DOCUMENT_VIEWED),
    ("document", "download", JournalEntry.Action.DOCUMENT_DOWNLOADED),
    *(
        (kind, read, JournalEntry.Action.ITEM_VIEWED)
        for kind in CREATE_DATA
        for read in ("view", "download")
    ),
]


@pytest.mark.parametrize(
    ("kind", "read", "journal_action"),
    [pytest.param(*read, id=f"{read[0]}-{read[1]}") for read in READS],
)
def test_professional_reading_is_journaled(client, world, kind, read, journal_action):
    # The professional is also in a structure whose affiliation ended (and that sorts first):
    # the journal names the structure through which they really reach the person.
    old = StructureFactory(name="Relais 0")
    MembershipFactory(user=world.professional, structure=old)
    AffiliationFactory(beneficiary=world.beneficiary, structure=old).end()
    thing = make_item(world, "shared", text_pdf(["x"]), kind)
    force_login_verified(client, world.professional)
    url_name = getattr(KINDS[kind], read)
    assert client.get(reverse(url_name, args=[thing.code])).status_code == 200
    entry = JournalEntry.objects.for_beneficiary(world.beneficiary).first()
    assert (entry.action, entry.actor, entry.item_code) == (
        journal_action,
        world.professional,
        thing.code,
    )
    assert entry.structure == world.structure


@pytest.mark.parametrize(
    ("kind", "read"),
    [pytest.param(kind, read, id=f"{kind}-{read}") for kind, read, _ in READS],
)
def test_owner_reading_is_not_journaled(client, world, kind, read):
    thing = make_item(world, "shared", text_pdf(["x"]), kind)
    force_login_verified(client, world.owner)
    before = JournalEntry.objects.count()
    url_name = getattr(KINDS[kind], read)
    assert client.get(reverse(url_name, args=[thing.code])).status_code == 200
    assert JournalEntry.objects.count() == before


# --- Mutating views refuse GET. ------------------------------------------------------------


Items = dict[str, Any]  # one item of each kind (shared, by the owner) and a folder


def _item_url(name: str, kind: str = "document") -> Callable[[Any, Items], str]:
    return lambda world, items: reverse(name, args=[items[kind].code])


def _url(name: str) -> Callable[[Any, Items], str]:
    return lambda world, items: reverse(name)


MUTATING_VIEWS: dict[str, tuple[str, Callable[[Any, Items], str]]] = {
    "rename": ("owner", _item_url("vault:rename")),
    "visibility": ("owner", _item_url("vault:visibility")),
    "move": ("owner", _item_url("vault:move")),
    "upload": ("owner", _url("vault:upload")),
    "upload_on_behalf": (
        "professional",
        lambda world, items: reverse("structures:upload", args=[world.beneficiary.code]),
    ),
    "folder_create": ("owner", _url("vault:folder_create")),
    "folder_visibility": ("owner", _item_url("vault:folder_visibility", "folder")),
    "folder_delete": ("owner", _item_url("vault:folder_delete", "folder")),
    "team_remove": (
        "admin",
        lambda world, items: reverse(
            "structures:team_remove", args=[world.structure.code, world.professional.code]
        ),
    ),
    **{
        f"{kind}_visibility": ("owner", _item_url(f"agenda:{kind}_visibility", kind))
        for kind in CREATE_DATA
    },
    "agenda_reminders": ("owner", _url("agenda:reminders")),
    "agenda_link": ("owner", _url("agenda:feed_create")),
    "agenda_link_off": ("owner", _url("agenda:feed_revoke")),
}


@pytest.mark.parametrize("view", MUTATING_VIEWS)
def test_mutating_views_refuse_get(client, world, view):
    actor, url = MUTATING_VIEWS[view]
    items: Items = {kind: make_item(world, "shared", text_pdf([kind]), kind) for kind in KINDS}
    items["folder"] = services.create_folder(world.beneficiary, world.owner, "Matrix folder")
    force_login_verified(client, getattr(world, actor))
    journal = JournalEntry.objects.count()

    response = client.get(url(world, items))

    assert response.status_code == 405
    assert JournalEntry.objects.count() == journal
    for spec in KINDS.values():
        assert list(spec.model.objects.values_list("visibility", flat=True)) == ["shared"]
    assert Folder.objects.filter(owner=world.beneficiary).count() == 1
    assert world.professional.memberships.get(structure=world.structure).active
    assert not AgendaSettings.objects.filter(feed_token_hash__isnull=False).exists()


@pytest.mark.parametrize("kind", KINDS)
def test_delete_by_get_only_asks_for_confirmation(client, world, kind):
    thing = make_item(world, "private", text_pdf(["x"]), kind)
    force_login_verified(client, world.owner)
    assert client.get(reverse(KINDS[kind].delete, args=[thing.code])).status_code == 200
    assert KINDS[kind].model.objects.filter(pk=thing.pk).exists()


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
    for kind, data in CREATE_DATA.items():
        assert client.post(reverse(f"agenda:{kind}_create"), data).status_code == 404
    for name in ("calendar", "month_now", "contacts", "notes", "settings"):
        assert client.get(reverse(f"agenda:{name}")).status_code == 404
    assert client.post(reverse("agenda:feed_create")).status_code == 404
    assert policy.own_vault(getattr(world, actor)) is None

    assert (
        Document.objects.count(),
        Folder.objects.count(),
        JournalEntry.objects.count(),
        Contact.objects.count() + Appointment.objects.count() + Note.objects.count(),
        AgendaSettings.objects.count(),
    ) == (*before, 0, 0)
    # Only the shared paper's blobs (its PDF and thumbnail): nothing stored for the refused upload.
    assert len([p for p in blob_dir.rglob("*") if p.is_file()]) == Blob.objects.count() == 2
