from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Beneficiary, User
from coffre.http import AuthenticatedHttpRequest as Request
from journal.models import JournalEntry

from . import doctypes, pipeline, policy, services
from .forms import NO_NOTICE, NOTICE_CHOICES, DetailsForm, FolderForm, MoveForm, VisibilityForm
from .models import Document, Folder
from .policy import Action
from .serving import blob_response, is_valid_preview, preview_token

DOCUMENTS_PER_PAGE = 30
MAX_PAGES_SHOWN = 50  # longer papers: the PDF itself, from the Open button


def _me(request: Request) -> Beneficiary:
    """The signed-in beneficiary; other kinds of user have no vault of their own."""
    found = policy.own_vault(request.user)
    if found is None:
        raise Http404
    return found


def _back(request: Request, document: Document) -> str:
    if request.user.pk == document.owner.user_id:
        return reverse("vault:home")
    return reverse("structures:beneficiary", args=[document.owner.code])


@require_GET
@login_required
def home(request: Request) -> HttpResponse:
    user = request.user
    if not user.is_beneficiary:
        return redirect("structures:home" if user.is_professional else "admin:index")
    me = _me(request)
    documents = (
        Document.objects.visible_to(user).filter(owner=me).select_related("file", "folder", "owner")
    )
    folders = Folder.objects.visible_to(user).filter(owner=me, parent=None)
    query = request.GET.get("q", "").strip()[:200]
    used = services.storage_used(me)
    return render(
        request,
        "vault/home.html",
        {
            "me": me,
            "groups": [] if query else group_by_folder(folders, documents),
            "query": query,
            "results": services.search_documents(documents, query) if query else None,
            "folders": folders,
            "used": used,
            "quota": me.quota,
            "used_percent": min(100, round(100 * used / me.quota)) if me.quota else 100,
            "max_upload_bytes": settings.COFFRE_MAX_UPLOAD_BYTES,
        },
    )


@dataclass
class FolderGroup:
    folder: Folder | None
    documents: list[Document]


def group_by_folder(folders: Iterable[Folder], documents: Iterable[Document]) -> list[FolderGroup]:
    """Unfiled papers first, then each folder's; two queries whatever the count."""
    by_folder: dict[int | None, list[Document]] = {}
    for document in documents:
        by_folder.setdefault(document.folder_id, []).append(document)
    groups = [FolderGroup(None, by_folder.pop(None, []))]
    groups += [FolderGroup(folder, by_folder.pop(folder.pk, [])) for folder in folders]
    # Papers in folders the viewer cannot see (a professional, a private folder) stay visible.
    for leftover in by_folder.values():
        groups[0].documents.extend(leftover)
    return groups


@require_GET
@login_required
def document_detail(request: Request, code: str) -> HttpResponse:
    document = policy.get_for(
        request.user,
        Document.objects.select_related("file", "folder", "owner", "created_by"),
        Action.VIEW,
        code=code,
    )
    services.record_access(request.user, document, JournalEntry.Action.DOCUMENT_VIEWED)
    is_owner = request.user.pk == document.owner.user_id
    can_edit = policy.can(request.user, Action.EDIT, document)
    originals = services.deletable_originals(document) if is_owner else []
    extracted = pipeline.extracted_of(document) if can_edit else None
    return render(
        request,
        "vault/document.html",
        {
            "document": document,
            "is_owner": is_owner,
            "can_edit": can_edit,
            "can_delete": policy.can(request.user, Action.DELETE, document),
            "can_retry": can_edit and pipeline.can_retry(document),
            "doc_types": Document.Type.choices,
            "doc_type": doctypes.get(document.doc_type),
            "suggested": doctypes.get(document.suggested_type) if document.suggested_type else None,
            "mrz": extracted.mrz if extracted and document.fields_to_confirm else None,
            "originals": originals,
            "originals_size": sum(original.blob.size for original in originals),
            "folders": Folder.objects.visible_to(request.user).filter(owner=document.owner)
            if is_owner
            else [],
            "back_url": _back(request, document),
            "preview_token": preview_token(request.user.pk, document.code),
            "page_numbers": range(1, min(document.page_count or 0, MAX_PAGES_SHOWN) + 1)
            if document.state == Document.State.READY and document.is_pdf
            else [],
            "notice_choices": NOTICE_CHOICES,
            "today": timezone.localdate(),
            "no_notice": NO_NOTICE,
            "max_upload_bytes": settings.COFFRE_MAX_UPLOAD_BYTES,
        },
    )


@require_GET
@login_required
def document_download(request: Request, code: str) -> HttpResponseBase:
    document = policy.get_for(
        request.user,
        Document.objects.select_related("file__owner", "owner"),
        Action.DOWNLOAD,
        code=code,
    )
    # Served as what it is only once the processing checks passed (hostile PDFs, polyglots).
    ready = document.state == Document.State.READY
    preview = request.GET.get("preview")
    if preview and is_valid_preview(preview, request.user.pk, document.code):
        # The picture on the detail page: that look is already in the journal.
        return blob_response(document.file, document.title, inline=True, checked=ready)
    inline = bool(request.GET.get("inline") or preview)
    action = (
        JournalEntry.Action.DOCUMENT_VIEWED if inline else JournalEntry.Action.DOCUMENT_DOWNLOADED
    )
    services.record_access(request.user, document, action)
    return blob_response(document.file, document.title, inline=inline, checked=ready)


@require_POST
@login_required
def document_rename(request: Request, code: str) -> HttpResponse:
    document = policy.get_for(request.user, Document.objects.all(), Action.EDIT, code=code)
    form = DetailsForm(request.POST)
    if form.is_valid():
        structure = services.acting_for(request.user, document.owner)
        services.update_details(
            document,
            request.user,
            form.cleaned_data["title"],
            form.cleaned_data["doc_type"],
            structure,
        )
        messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Give the paper a name (200 characters at most)."))
    return redirect("vault:document", code=document.code)


@require_POST
@login_required
def document_move(request: Request, code: str) -> HttpResponse:
    document = policy.get_for(request.user, Document.objects.all(), Action.SHARE, code=code)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a folder."))
        return redirect("vault:document", code=document.code)
    folder = None
    if form.cleaned_data["folder"]:
        folder = policy.get_for(
            request.user,
            Folder.objects.filter(owner=document.owner),
            Action.EDIT,
            code=form.cleaned_data["folder"],
        )
    services.move_document(document, request.user, folder)
    messages.success(request, _("Paper moved."))
    return redirect("vault:document", code=document.code)


@require_POST
@login_required
def document_visibility(request: Request, code: str) -> HttpResponse:
    document = policy.get_for(
        request.user, Document.objects.select_related("file", "owner"), Action.SHARE, code=code
    )
    form = VisibilityForm(request.POST)
    if form.is_valid():
        services.set_visibility(document, request.user, form.cleaned_data["visibility"])
    if request.htmx:  # type: ignore[attr-defined]
        # The badge itself shows the new state: no message that would surface later.
        return render(request, "vault/home.html#document-card", {"document": document})
    if document.is_shared:
        messages.success(request, _("Your social workers can now see this paper."))
    else:
        messages.success(request, _("Only you can see this paper now."))
    if request.POST.get("next") == "home":
        return redirect("vault:home")
    return redirect("vault:document", code=document.code)


@require_http_methods(["GET", "POST"])
@login_required
def document_delete(request: Request, code: str) -> HttpResponse:
    document = policy.get_for(
        request.user, Document.objects.select_related("file", "owner"), Action.DELETE, code=code
    )
    if request.method == "POST":
        back = _back(request, document)
        structure = services.acting_for(request.user, document.owner)
        services.delete_document(document, request.user, structure)
        messages.success(request, _("The paper was deleted for good."))
        return redirect(back)
    return render(request, "vault/document_delete.html", {"document": document})


@require_POST
@login_required
def folder_create(request: Request) -> HttpResponse:
    me = _me(request)
    form = FolderForm(request.POST)
    if form.is_valid():
        services.create_folder(me, request.user, form.cleaned_data["name"])
        messages.success(request, _("Folder created."))
    else:
        messages.error(request, _("Give the folder a name (100 characters at most)."))
    return redirect("vault:home")


@require_POST
@login_required
def folder_visibility(request: Request, code: str) -> HttpResponse:
    folder = policy.get_for(request.user, Folder.objects.all(), Action.SHARE, code=code)
    form = VisibilityForm(request.POST)
    if form.is_valid():
        services.set_visibility(folder, request.user, form.cleaned_data["visibility"])
    return redirect("vault:home")


@require_POST
@login_required
def folder_delete(request: Request, code: str) -> HttpResponse:
    folder = policy.get_for(request.user, Folder.objects.all(), Action.DELETE, code=code)
    services.delete_folder(folder, request.user)
    messages.success(request, _("Folder deleted. Its papers are back at the top of your list."))
    return redirect("vault:home")


@require_GET
@login_required
def journal(request: Request) -> HttpResponse:
    me = _me(request)
    entries = JournalEntry.objects.for_beneficiary(me)
    if request.GET.get("all") != "1":
        # What others did: professionals, and attempts to get into the account.
        entries = entries.filter(
            Q(actor_kind=User.Kind.PROFESSIONAL)
            | Q(
                action__in=[
                    JournalEntry.Action.LOGIN_FAILED,
                    JournalEntry.Action.ACCOUNT_LOCKED,
                    JournalEntry.Action.RECOVERY_SMS_SENT,
                    JournalEntry.Action.PASSWORD_RESET,
                    JournalEntry.Action.PHONE_VERIFIED,
                ]
            )
        )
    page = Paginator(entries, DOCUMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "vault/journal.html",
        {"page": page, "show_all": request.GET.get("all") == "1"},
    )
