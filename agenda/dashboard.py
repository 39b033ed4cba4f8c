"""The professional's dashboard: for one structure, the coming appointments and the papers that
expire soon of the people it follows — only what they shared, through the access policy.

Each list is one query for the page plus one count, whatever the number of people or items.
Listing is not journaled (like the people list and a person's page): opening an item is.
"""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from coffre.http import AuthenticatedHttpRequest as Request
from structures.models import Structure
from vault import policy
from vault.models import Document
from vault.policy import AnyUser

from .alerts import notice_begun
from .models import Appointment
from .reminders import local_zone

PER_PAGE = 20
HORIZON = datetime.timedelta(days=30)  # appointments this far ahead
# Papers without a notice of their own ("do not warn me": the person's choice about text
# messages) still show to their social workers this long before they expire.
DEFAULT_NOTICE = datetime.timedelta(days=Document.Notice.THREE_MONTHS)


@require_GET
@login_required
def home(request: Request) -> HttpResponse:
    structures = list(policy.structures_of(request.user).order_by("name"))
    if len(structures) == 1:
        return redirect("agenda_dashboard:dashboard", code=structures[0].code)
    return render(request, "agenda/dashboard_home.html", {"structures": structures})


@require_GET
@login_required
def structure_dashboard(request: Request, code: str) -> HttpResponse:
    structure = policy.get_structure_for(request.user, policy.Action.WORK_IN, code)
    today = timezone.localtime(timezone=local_zone()).date()
    appointments = _page(coming_appointments(request.user, structure, today), request, "rdv")
    papers = _page(expiring_papers(request.user, structure, today), request, "papers")
    return render(
        request,
        "agenda/dashboard.html",
        {
            "structure": structure,
            "appointments": appointments,
            "papers": papers,
            "today": today,
            "horizon_days": HORIZON.days,
        },
    )


def _page(items: QuerySet, request: Request, name: str) -> Page:  # type: ignore[type-arg]
    return Paginator(items, PER_PAGE).get_page(request.GET.get(name))


def coming_appointments(
    user: AnyUser, structure: Structure, today: datetime.date
) -> QuerySet[Appointment]:
    """Shared appointments of the structure's people, from today (local) for ``HORIZON``."""
    zone = local_zone()
    start = datetime.datetime.combine(today, datetime.time(0), tzinfo=zone)
    end = datetime.datetime.combine(today + HORIZON, datetime.time(0), tzinfo=zone)
    return (
        policy.visible_items(Appointment.objects.all(), user)
        .filter(owner__in=policy.beneficiaries_of_structure(user, structure))
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("owner")
        .order_by("starts_at", "pk")
    )


def expiring_papers(
    user: AnyUser, structure: Structure, today: datetime.date
) -> QuerySet[Document]:
    """Shared papers of the structure's people that expired or are in their notice period —
    except a paper already renewed: a paper of the same kind, visible to this professional,
    with a later expiry date (people keep the old copy)."""
    visible = policy.visible_items(Document.objects.all(), user)
    renewed = visible.filter(
        owner=OuterRef("owner"),
        doc_type=OuterRef("doc_type"),
        expires_on__gt=OuterRef("expires_on"),
    )
    soon = (
        Q(expires_on__lt=today)
        | notice_begun(today)
        | Q(expiry_notice_days__isnull=True, expires_on__lte=today + DEFAULT_NOTICE)
    )
    return (
        visible.filter(owner__in=policy.beneficiaries_of_structure(user, structure))
        .filter(soon, expires_on__isnull=False)
        .exclude(Q(Exists(renewed)) & ~Q(doc_type=Document.Type.OTHER))
        .select_related("owner")
        .order_by("expires_on", "pk")
    )
