"""The person's own data: take everything away, delete the account; receipts of deposits."""

from contextlib import suppress

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Beneficiary
from coffre.http import AuthenticatedHttpRequest as Request
from crypto.blobs import BlobIntegrityError
from journal.chain import record
from journal.models import JournalEntry
from vault import policy, services
from vault.models import Blob, Document
from vault.policy import Action
from vault.serving import content_disposition

from . import deletion, reauth
from .deposits import sha256_of, structures_of_deposits
from .export import build_export
from .forms import PasswordForm
from .receipt import receipt_pdf

WRONG_PASSWORD = gettext_lazy("This is not your password. Try again.")


def _me(request: Request) -> Beneficiary:
    """Only a beneficiary has data of their own here: everyone else gets a 404."""
    found = policy.own_vault(request.user)
    if found is None:
        raise Http404
    return found


def _no_store(response: HttpResponseBase) -> HttpResponseBase:
    """The headers every file leaving Coffre carries (as vault.serving.blob_response)."""
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def export(request: Request) -> HttpResponse:
    me = _me(request)
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if reauth.confirm_password(request, form.cleaned_data["password"]):
            return redirect("privacy:export_download")
        form.add_error("password", WRONG_PASSWORD)
    documents = Document.objects.visible_to(request.user).filter(owner=me)
    return render(
        request,
        "privacy/export.html",
        {
            "form": form,
            "count": documents.count(),
            "total": Blob.objects.filter(document__in=documents).total_size(),
            "confirmed": reauth.recently_confirmed(request),
        },
    )


@require_GET
@login_required
def export_download(request: Request) -> HttpResponseBase:
    me = _me(request)
    if not reauth.recently_confirmed(request):
        messages.info(request, _("For your safety, type your password again."))
        return redirect("privacy:export")
    # Journaled first, so that the journal in the ZIP shows this download too.
    record(me, request.user, JournalEntry.Action.EXPORT_DOWNLOADED)
    stream = build_export(me, request.user)
    response = StreamingHttpResponse(stream, content_type="application/zip")
    response["Content-Length"] = str(len(stream))
    filename = f"coffre-{timezone.localdate().isoformat()}.zip"
    response["Content-Disposition"] = content_disposition(filename, inline=False)
    return _no_store(response)


@require_http_methods(["GET", "POST"])
@login_required
def delete_account(request: Request) -> HttpResponse:
    me = _me(request)
    pending = deletion.open_request_for(me)
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and pending is None and form.is_valid():
        if reauth.confirm_password(request, form.cleaned_data["password"]):
            with suppress(deletion.DeletionAlreadyRequested):  # a double tap
                deletion.request_deletion(me, request.user)
            messages.success(request, _("Your account will be deleted. You can still cancel."))
            return redirect("vault:home")
        form.add_error("password", WRONG_PASSWORD)
    return render(
        request,
        "privacy/delete_account.html",
        {
            "form": form,
            "pending": pending,
            "grace_days": settings.COFFRE_DELETION_GRACE_DAYS,
            "backup_days": settings.COFFRE_BACKUP_RETENTION_DAYS,
        },
    )


@require_POST
@login_required
def cancel_deletion(request: Request) -> HttpResponse:
    me = _me(request)
    pending = deletion.open_request_for(me)
    if pending is not None and deletion.cancel_deletion(pending, request.user):
        messages.success(request, _("The deletion is cancelled. Your account and papers stay."))
    else:
        messages.error(request, _("There is no deletion to cancel."))
    return redirect("vault:home")


@require_GET
@login_required
def receipt(request: Request, code: str) -> HttpResponseBase:
    document = policy.get_for(
        request.user,
        Document.objects.select_related("file__depositor", "owner"),
        Action.VIEW,
        code=code,
    )
    services.record_access(request.user, document, JournalEntry.Action.RECEIPT_DOWNLOADED)
    structure = structures_of_deposits(document.owner, [document.code]).get(document.code, "")
    # What was deposited: the originals, or the paper's file once the person deleted them.
    blobs = [original.blob for original in document.originals.select_related("blob__depositor")]
    try:
        deposits = [(blob, sha256_of(document.owner, blob)) for blob in blobs or [document.file]]
    except BlobIntegrityError:  # not yet hashed, and damaged: no fingerprint to vouch for
        return HttpResponse(render_to_string("vault/damaged.html"), status=500)
    pdf = receipt_pdf(document, deposits, structure)
    response = HttpResponse(pdf, content_type="application/pdf")
    word = _("receipt")  # the start of the file name
    filename = f"{slugify(word)}-{slugify(document.title)[:80] or 'document'}.pdf"
    response["Content-Disposition"] = content_disposition(filename, inline=False)
    return _no_store(response)
