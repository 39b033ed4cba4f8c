"""The team page of a structure: its administrators invite, add and remove colleagues and
reset a colleague's second factor. Outsiders get 404, members who are not administrators 403
(``policy.get_structure_for(..., MANAGE_TEAM, ...)``); every change is a POST."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coffre.http import AuthenticatedHttpRequest as Request
from invitations import services as invitations
from invitations.forms import InviteForm
from invitations.models import Invitation
from vault import policy
from vault.policy import Action

from . import team
from .models import Membership, Structure
from .team_forms import MemberAddForm

logger = logging.getLogger("coffre")


def _page(
    request: Request,
    structure: Structure,
    invite_form: InviteForm | None = None,
    add_form: MemberAddForm | None = None,
    status: int = 200,
) -> HttpResponse:
    members = (
        Membership.objects.filter(structure=structure)
        .select_related("user")
        .order_by("-active", "user__last_name", "user__first_name")
    )
    invitations_pending = Invitation.objects.pending().filter(structure=structure)
    context = {
        "structure": structure,
        "members": [(m, team.can_reset_two_factor(m)) for m in members],
        "invitations": invitations_pending,
        "invite_form": invite_form or InviteForm(prefix="invite"),
        "add_form": add_form or MemberAddForm(),
    }
    return render(request, "structures/team.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def team_page(request: Request, code: str) -> HttpResponse:
    """The list; a POST adds an existing professional by username."""
    structure = policy.get_structure_for(request.user, Action.MANAGE_TEAM, code)
    if request.method == "POST":
        form = MemberAddForm(request.POST)
        if form.is_valid():
            user = form.cleaned_data["username"]
            team.add_member(structure, user, form.cleaned_data["role"], request.user)
            messages.success(
                request, _("%(name)s is now in the team.") % {"name": user.display_name}
            )
            return redirect("structures:team", code=structure.code)
        return _page(request, structure, add_form=form)
    return _page(request, structure)


@require_POST
@login_required
def invite(request: Request, code: str) -> HttpResponse:
    structure = policy.get_structure_for(request.user, Action.MANAGE_TEAM, code)
    form = InviteForm(request.POST, prefix="invite")
    if not form.is_valid():
        return _page(request, structure, invite_form=form)
    invitation: Invitation = form.save(commit=False)
    invitation.structure = structure
    return _send(request, invitation)


def _send(request: Request, invitation: Invitation) -> HttpResponse:
    try:
        invitations.send(invitation, request.user, request.build_absolute_uri)
    except Exception:
        logger.exception("invitation email not sent")
        messages.error(
            request,
            _("The email could not be sent. Check the address, or try again in a moment."),
        )
    else:
        messages.success(
            request,
            _("Invitation sent to %(email)s. The link works for %(days)d days.")
            % {"email": invitation.email, "days": settings.COFFRE_INVITATION_DAYS},
        )
    return redirect("structures:team", code=invitation.structure.code)


def _pending_invitation(structure: Structure, invitation_code: str) -> Invitation:
    return get_object_or_404(
        Invitation.objects.pending(), structure=structure, code=invitation_code
    )


@require_POST
@login_required
def invitation_resend(request: Request, code: str, invitation_code: str) -> HttpResponse:
    structure = policy.get_structure_for(request.user, Action.MANAGE_TEAM, code)
    return _send(request, _pending_invitation(structure, invitation_code))


@require_POST
@login_required
def invitation_cancel(request: Request, code: str, invitation_code: str) -> HttpResponse:
    structure = policy.get_structure_for(request.user, Action.MANAGE_TEAM, code)
    invitation = _pending_invitation(structure, invitation_code)
    invitations.cancel(invitation, request.user)
    messages.success(
        request,
        _("The invitation of %(name)s is cancelled: the link no longer works.")
        % {"name": invitation.full_name},
    )
    return redirect("structures:team", code=structure.code)


def _active_membership(structure: Structure, user_code: str) -> Membership:
    membership = (
        Membership.objects.active()
        .select_related("user", "structure")
        .filter(structure=structure, user__code=user_code)
        .first()
    )
    if membership is None:
        raise Http404
    return membership


@require_POST
@login_required
def remove(request: Request, code: str, user_code: str) -> HttpResponse:
    structure = policy.get_structure_for(request.user, Action.MANAGE_TEAM, code)
    membership = _active_membership(structure, user_code)
    if membership.user_id == request.user.pk:
        messages.error(request, _("You cannot remove yourself. Ask another administrator."))
    else:
        team.remove_member(membership, request.user)
        messages.success(
            request,
            _("%(name)s no longer has access to this structure's people.")
            % {"name": membership.user.display_name},
        )
    return redirect("structures:team", code=structure.code)


@require_POST
@login_required
def reset_two_factor(request: Request, code: str, user_code: str) -> HttpResponse:
    structure = policy.get_structure_for(request.user, Action.MANAGE_TEAM, code)
    membership = _active_membership(structure, user_code)
    name = membership.user.display_name
    if membership.user_id == request.user.pk:
        messages.error(
            request,
            _("You cannot reset your own two-step verification. Ask another administrator."),
        )
    elif not team.can_reset_two_factor(membership):
        raise PermissionDenied  # staff or admin-site accounts: the platform team only
    elif team.reset_two_factor(membership, request.user):
        messages.success(
            request,
            _(
                "Two-step verification of %(name)s is reset: they set it up again at their next "
                "login."
            )
            % {"name": name},
        )
    else:
        messages.info(
            request, _("%(name)s has not set up two-step verification yet.") % {"name": name}
        )
    return redirect("structures:team", code=structure.code)
