import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Beneficiary
from agenda.models import Appointment, Contact, Note
from coffre.http import AuthenticatedHttpRequest as Request
from vault import policy
from vault.models import Document, Folder
from vault.policy import Action
from vault.views import group_by_folder

from . import duplicates, services
from .forms import BeneficiaryCreateForm, SearchForm
from .models import Structure

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
    """One screen at the desk. Before creating, look for an account with the same name and
    birth date: if there is one, say only that, and offer to ask the person to accept this
    structure instead of opening a second account."""
    structure = policy.get_structure_for(request.user, Action.WORK_IN, code)
    form = BeneficiaryCreateForm(request.POST or None)
    context: dict[str, object] = {"structure": structure, "form": form}
    if request.method != "POST":
        return render(request, "structures/beneficiary_create.html", context)
    valid = form.is_valid()
    identity = form.identity()
    if identity is not None:
        key = duplicates.identity_key(*identity)
        existing = duplicates.existing_accounts(*identity)
        decision = request.POST.get("decision", "")
        acknowledged = decision == "create" or request.POST.get("acknowledged") == key
        if existing and not acknowledged:
            # Someone this structure already follows: their page, nothing about anyone else.
            followed = _followed_here(request, structure, existing)
            if not followed and decision == "request":
                services.request_affiliation(existing, request.user, structure)
                return render(
                    request, "structures/affiliation_requested.html", {"structure": structure}
                )
            if not followed:
                services.note_lookup(existing, request.user, structure)
            context.update(duplicate=True, followed=followed, identity_key=key)
            return render(request, "structures/beneficiary_create.html", context)
        context["acknowledged"] = key if acknowledged else ""
    if not valid:
        return render(request, "structures/beneficiary_create.html", context)
    account = services.create_beneficiary(structure, request.user, form.cleaned_data)
    response = render(
        request,
        "structures/beneficiary_created.html",
        {
            "structure": structure,
            "beneficiary": account.beneficiary,
            "username_parts": account.beneficiary.user.username.split("."),
            "one_time_password": account.one_time_password,
        },
    )
    # A one-time password is shown once: no copy in any cache, no page to go back to.
    response["Cache-Control"] = "no-store"
    return response


def _followed_here(
    request: Request, structure: Structure, existing: list[Beneficiary]
) -> list[Beneficiary]:
    """Of these accounts, those this structure already follows (the professional sees them
    in their list anyway): the only ones the page may name."""
    return list(
        policy.beneficiaries_of_structure(request.user, structure)
        .filter(pk__in=[b.pk for b in existing])
        .order_by("last_name", "first_name", "pk")
    )


@require_POST
@login_required
def affiliation_request_decide(request: Request, code: str, decision: str) -> HttpResponse:
    """The person accepts or refuses that a structure follows them; nobody else may."""
    affiliation_request = policy.get_affiliation_request_for(request.user, code)
    name = affiliation_request.structure.name
    if decision == "accept":
        services.accept_request(affiliation_request, request.user)
        messages.success(
            request,
            _("%(name)s now follows you: its social workers see the papers you share.")
            % {"name": name},
        )
    else:
        services.refuse_request(affiliation_request, request.user)
        messages.success(
            request, _("You refused. %(name)s does not see your papers.") % {"name": name}
        )
    return redirect("vault:home")


@require_GET
@login_required
def beneficiary_detail(request: Request, code: str) -> HttpResponse:
    beneficiary = policy.get_beneficiary_for(request.user, Action.LIST, code)
    if request.user.pk == beneficiary.user_id:
        return redirect("vault:home")
    documents = (
        Document.objects.visible_to(request.user)
        .filter(owner=beneficiary)
        .select_related("file", "folder", "owner")
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
            **_shared_agenda(request, beneficiary),
        },
    )


def _shared_agenda(request: Request, beneficiary: Beneficiary) -> dict[str, object]:
    """What the person shared of their agenda: coming appointments, contacts, notes (one query
    each, whatever the number)."""
    today = datetime.datetime.combine(
        timezone.localdate(), datetime.time(), tzinfo=timezone.get_current_timezone()
    )
    return {
        "appointments": Appointment.objects.visible_to(request.user)
        .filter(owner=beneficiary, starts_at__gte=today)
        .order_by("starts_at", "pk"),
        "contacts": Contact.objects.visible_to(request.user)
        .filter(owner=beneficiary)
        .order_by("name", "pk"),
        "notes": Note.objects.visible_to(request.user)
        .filter(owner=beneficiary)
        .order_by("-updated_at", "-pk"),
    }
