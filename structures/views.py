from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coffre.http import AuthenticatedHttpRequest as Request
from vault import policy
from vault.models import Document, Folder
from vault.policy import Action
from vault.views import group_by_folder

from . import services
from .forms import BeneficiaryCreateForm, MemberAddForm, SearchForm
from .models import Membership

BENEFICIARIES_PER_PAGE = 25


@require_GET
@login_required
def home(request: Request) -> HttpResponse:
    structures = list(policy.structures_of(request.user))
    if len(structures) == 1:
        return redirect("structures:structure", code=structures[0].code)
    return render(request, "structures/home.html", {"structures": structures})


@require_GET
@login_required
def structure_detail(request: Request, code: str) -> HttpResponse:
    structure = policy.get_structure_for(request.user, Action.WORK_IN, code)
    form = SearchForm(request.GET)
    beneficiaries = policy.beneficiaries_of_structure(request.user, structure)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    if query:
        beneficiaries = beneficiaries.search(query)
    page = Paginator(
        beneficiaries.order_by("last_name", "first_name", "pk"), BENEFICIARIES_PER_PAGE
    ).get_page(request.GET.get("page"))
    context = {
        "structure": structure,
        "page": page,
        "form": form,
        "query": query,
        "is_admin": policy.can(request.user, Action.MANAGE_TEAM, structure),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "structures/structure.html#results", context)
    return render(request, "structures/structure.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def beneficiary_create(request: Request, code: str) -> HttpResponse:
    structure = policy.get_structure_for(request.user, Action.WORK_IN, code)
    form = BeneficiaryCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        beneficiary = services.create_beneficiary(structure, request.user, form.cleaned_data)
        return render(
            request,
            "structures/beneficiary_created.html",
            {"structure": structure, "beneficiary": beneficiary},
        )
    return render(
        request, "structures/beneficiary_create.html", {"structure": structure, "form": form}
    )


@require_GET
@login_required
def beneficiary_detail(request: Request, code: str) -> HttpResponse:
    beneficiary = policy.get_beneficiary_for(request.user, Action.LIST, code)
    if request.user.pk == beneficiary.user_id:
        return redirect("vault:home")
    documents = (
        Document.objects.visible_to(request.user)
        .filter(owner=beneficiary)
        .select_related("original", "folder", "owner")
    )
    folders = Folder.objects.visible_to(request.user).filter(owner=beneficiary, parent=None)
    return render(
        request,
        "structures/beneficiary.html",
        {
            "beneficiary": beneficiary,
            "groups": group_by_folder(folders, documents),
            "structure": policy.acting_structure(request.user, beneficiary),
            "max_upload_bytes": settings.COFFRE_MAX_UPLOAD_BYTES,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def team(request: Request, code: str) -> HttpResponse:
    structure = policy.get_structure_for(request.user, Action.MANAGE_TEAM, code)
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        membership = services.add_member(structure, form.cleaned_data)
        messages.success(
            request, _("%(name)s is now in the team.") % {"name": membership.user.display_name}
        )
        return redirect("structures:team", code=structure.code)
    members = (
        Membership.objects.filter(structure=structure)
        .select_related("user")
        .order_by("-active", "user__last_name", "user__first_name")
    )
    return render(
        request, "structures/team.html", {"structure": structure, "members": members, "form": form}
    )


@require_POST
@login_required
def team_remove(request: Request, code: str, user_code: str) -> HttpResponse:
    structure = policy.get_structure_for(request.user, Action.MANAGE_TEAM, code)
    membership = (
        Membership.objects.active().filter(structure=structure, user__code=user_code).first()
    )
    if membership is None:
        raise Http404
    if membership.user_id == request.user.pk:
        messages.error(request, _("You cannot remove yourself. Ask another administrator."))
    else:
        membership.end()
        messages.success(
            request,
            _("%(name)s no longer has access to this structure's people.")
            % {"name": membership.user.display_name},
        )
    return redirect("structures:team", code=structure.code)
