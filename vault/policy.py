"""The one access policy (DESIGN.md §5). Every read or write of vault data goes through here.

- A beneficiary reads and writes everything they own.
- A professional reads the *shared* items of a beneficiary who has an *active* affiliation with a
  structure where the professional has an *active* membership; they write (edit, delete) only what
  they created, and create items on the person's behalf. They never change sharing.
- Staff and everyone else: no vault content at all.
- A structure's request to follow a person (``AffiliationRequest``) is seen and answered by that
  person only.

Views get objects through ``get_for`` (outsiders: 404; read-only actors: 403) and never filter by
hand. Deny by default: any case not listed below is refused.
"""

from enum import StrEnum
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Exists, Model, OuterRef, QuerySet
from django.http import Http404

from accounts.models import Beneficiary, BeneficiaryQuerySet, User
from structures.models import Affiliation, AffiliationRequest, Membership, Structure

AnyUser = User | AnonymousUser
M = TypeVar("M", bound=Model)


class Action(StrEnum):
    LIST = "list"
    VIEW = "view"
    DOWNLOAD = "download"
    EDIT = "edit"
    DELETE = "delete"
    SHARE = "share"
    CREATE = "create"  # on a Beneficiary: add an item to their vault
    MANAGE_TEAM = "manage_team"  # on a Structure
    WORK_IN = "work_in"  # on a Structure: see its people, create accounts


READ_ACTIONS = {Action.LIST, Action.VIEW, Action.DOWNLOAD}


def _as_kind(user: AnyUser, kind: str) -> User | None:
    if isinstance(user, User) and user.is_active and user.kind == kind:
        return user
    return None


def _is_professional(user: AnyUser) -> bool:
    return _as_kind(user, User.Kind.PROFESSIONAL) is not None


def _is_beneficiary(user: AnyUser) -> bool:
    return _as_kind(user, User.Kind.BENEFICIARY) is not None


def structures_of(user: AnyUser) -> QuerySet[Structure]:
    """Structures where the user is an active member."""
    professional = _as_kind(user, User.Kind.PROFESSIONAL)
    if professional is None:
        return Structure.objects.none()
    return Structure.objects.filter(
        Exists(Membership.objects.active().filter(structure=OuterRef("pk"), user=professional))
    )


def _active_affiliations_for(user: AnyUser) -> QuerySet[Affiliation]:
    return Affiliation.objects.active().filter(structure__in=structures_of(user))


def beneficiaries_visible_to(user: AnyUser) -> BeneficiaryQuerySet:
    owner = _as_kind(user, User.Kind.BENEFICIARY)
    if owner is not None:
        return Beneficiary.objects.filter(user=owner)
    if _is_professional(user):
        return Beneficiary.objects.filter(
            Exists(_active_affiliations_for(user).filter(beneficiary=OuterRef("pk")))
        )
    return Beneficiary.objects.none()


def own_vault(user: AnyUser) -> Beneficiary | None:
    """The signed-in beneficiary's own profile; None for every other kind of user."""
    if not _is_beneficiary(user):
        return None
    return beneficiaries_visible_to(user).first()


def card_structure(user: AnyUser, beneficiary: Beneficiary) -> Structure | None:
    """The structure printed on a member card: the professional's, else the person's first."""
    if _is_professional(user):
        return acting_structure(user, beneficiary)
    return _affiliated_structures(beneficiary).order_by("name").first()


def beneficiaries_of_structure(user: AnyUser, structure: Structure) -> BeneficiaryQuerySet:
    if not can(user, Action.WORK_IN, structure):
        return Beneficiary.objects.none()
    return Beneficiary.objects.filter(
        Exists(Affiliation.objects.active().filter(beneficiary=OuterRef("pk"), structure=structure))
    )


def visible_items(queryset: QuerySet[M], user: AnyUser) -> QuerySet[M]:
    if _is_beneficiary(user):
        return queryset.filter(owner__user=user)
    if _is_professional(user):
        return queryset.filter(
            visibility=Beneficiary.Visibility.SHARED,
            owner__in=beneficiaries_visible_to(user),
        )
    return queryset.none()


def _affiliated_structures(beneficiary: Beneficiary) -> QuerySet[Structure]:
    """Structures the person has an *active* affiliation with."""
    return Structure.objects.filter(
        Exists(
            Affiliation.objects.active().filter(structure=OuterRef("pk"), beneficiary=beneficiary)
        )
    )


def acting_structure(user: AnyUser, beneficiary: Beneficiary) -> Structure | None:
    """The structure through which a professional reaches a beneficiary (for the journal)."""
    return (
        structures_of(user)
        .filter(pk__in=_affiliated_structures(beneficiary).values("pk"))
        .order_by("name")
        .first()
    )


def can(user: AnyUser, action: Action, obj: Any) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if isinstance(obj, Structure):
        return _can_on_structure(user, action, obj)
    if isinstance(obj, Beneficiary):
        return _can_on_beneficiary(user, action, obj)
    return _can_on_item(user, action, obj)


def _can_on_structure(user: AnyUser, action: Action, structure: Structure) -> bool:
    professional = _as_kind(user, User.Kind.PROFESSIONAL)
    if professional is None:
        return False
    memberships = Membership.objects.active().filter(user=professional, structure=structure)
    if action == Action.WORK_IN:
        return memberships.exists()
    if action == Action.MANAGE_TEAM:
        return memberships.filter(role=Membership.Role.ADMIN).exists()
    return False


def _can_on_beneficiary(user: AnyUser, action: Action, beneficiary: Beneficiary) -> bool:
    if action not in (Action.LIST, Action.CREATE):
        return False
    return beneficiaries_visible_to(user).filter(pk=beneficiary.pk).exists()


def _can_on_item(user: AnyUser, action: Action, item: Any) -> bool:
    if _is_beneficiary(user):
        return bool(item.owner.user_id == user.pk)
    if not _is_professional(user):
        return False
    if not item.is_shared:
        return False
    if not beneficiaries_visible_to(user).filter(pk=item.owner_id).exists():
        return False
    if action in READ_ACTIONS:
        return True
    if action in (Action.EDIT, Action.DELETE):
        return bool(item.created_by_id == user.pk)
    return False


def get_for(user: AnyUser, queryset: QuerySet[M], action: Action, **lookup: Any) -> M:
    """Fetch one vault item for ``action``: 404 if the user may not see it, 403 if read-only."""
    try:
        item = visible_items(queryset, user).get(**lookup)
    except ObjectDoesNotExist:
        raise Http404 from None
    if not can(user, action, item):
        raise PermissionDenied
    return item


def get_beneficiary_for(user: AnyUser, action: Action, code: Any) -> Beneficiary:
    try:
        beneficiary = beneficiaries_visible_to(user).get(code=code)
    except Beneficiary.DoesNotExist:
        raise Http404 from None
    if not can(user, action, beneficiary):
        raise PermissionDenied
    return beneficiary


def get_structure_for(user: AnyUser, action: Action, code: Any) -> Structure:
    try:
        structure = structures_of(user).get(code=code)
    except Structure.DoesNotExist:
        raise Http404 from None
    if not can(user, action, structure):
        raise PermissionDenied
    return structure


def affiliation_requests_for(user: AnyUser) -> QuerySet[AffiliationRequest]:
    """Pending requests of structures to follow the signed-in person: only they decide."""
    owner = _as_kind(user, User.Kind.BENEFICIARY)
    if owner is None:
        return AffiliationRequest.objects.none()
    return AffiliationRequest.objects.pending().filter(beneficiary__user=owner)


def get_affiliation_request_for(user: AnyUser, code: Any) -> AffiliationRequest:
    """A pending request the user may accept or refuse; 404 for everyone but the person."""
    pending = affiliation_requests_for(user).select_related("structure", "beneficiary")
    try:
        return pending.get(code=code)
    except AffiliationRequest.DoesNotExist:
        raise Http404 from None
