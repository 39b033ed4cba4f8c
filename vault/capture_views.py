"""What the capture pipeline adds to a paper's page: page images, thumbnail, more pages, retry,
originals, and the details read on the paper for the person to confirm."""

import os
import tempfile

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from coffre.http import AuthenticatedHttpRequest as Request
from crypto.blobs import BlobIntegrityError, iter_plaintext
from journal.models import JournalEntry

from . import pipeline, policy, services
from .capture import preview
from .forms import ConfirmDetailsForm, ExpiryForm
from .lib import human_size
from .models import Blob, Document
from .policy import Action
from .serving import is_valid_preview
from .upload_views import limits_for
from .uploads import EncryptedUpload, EncryptingUploadHandler

PAGE_WIDTHS = (480, 960, 1440)  # small phones, large phones, computers; also bounds the work
PAGE_VIEW_MAX_AGE = 30 * 60  # a long document read slowly on 3G


def _image(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _decrypted_pdf(blob: Blob, directory: str) -> str:
    path = os.path.join(directory, "paper.pdf")
    with open(path, "wb") as out:
        for chunk in iter_plaintext(blob.owner, blob.code, blob.storage_key):
            out.write(chunk)
    return path


def _editable(request: Request, code: str) -> Document:
    return policy.get_for(
        request.user, Document.objects.select_related("owner"), Action.EDIT, code=code
    )


def _valid(request: Request, form: forms.Form) -> bool:
    """Valid: "Saved." once the caller has saved. Not: each error, in the person's words."""
    if form.is_valid():
        messages.success(request, _("Saved."))
        return True
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
    return False


@require_GET
@login_required
def page_image(request: Request, code: str, number: int) -> HttpResponse:
    """One page of the paper as a picture, rendered from its PDF: no PDF viewer needed."""
    document = policy.get_for(
        request.user,
        Document.objects.select_related("file__owner", "owner"),
        Action.VIEW,
        code=code,
    )
    if document.state != Document.State.READY or not document.is_pdf:
        raise Http404
    if not 1 <= number <= (document.page_count or 0):
        raise Http404
    token = request.GET.get("t", "")
    if not is_valid_preview(token, request.user.pk, document.code, PAGE_VIEW_MAX_AGE):
        # Not from the detail page (which journals the look): journal this one.
        services.record_access(request.user, document, JournalEntry.Action.DOCUMENT_VIEWED)
    try:
        width = min(w for w in PAGE_WIDTHS if w >= int(request.GET.get("w", PAGE_WIDTHS[1])))
    except ValueError:
        width = PAGE_WIDTHS[-1]
    with tempfile.TemporaryDirectory(prefix=pipeline.WORK_PREFIX, dir=pipeline.work_dir()) as work:
        try:
            data = preview.render_page(_decrypted_pdf(document.file, work), number - 1, width)
        except (BlobIntegrityError, preview.PreviewError):
            return HttpResponse(status=500)
    return _image(data)


@require_GET
@login_required
def state(request: Request, code: str) -> HttpResponse:
    """Polled by the paper's page while it is being prepared (no journal: no content shown)."""
    document = policy.get_for(request.user, Document.objects.all(), Action.VIEW, code=code)
    return render(request, "vault/_preparing.html", {"document": document})


@require_GET
@login_required
def thumbnail(request: Request, code: str) -> HttpResponse:
    """The first page, small, for the person's own list (professionals see a pictogram: every
    look of theirs at a paper's content goes through the journaled detail page)."""
    document = policy.get_for(
        request.user,
        Document.objects.select_related("thumbnail__owner", "owner"),
        Action.VIEW,
        code=code,
    )
    if document.owner.user_id != request.user.pk or document.thumbnail is None:
        raise Http404
    blob = document.thumbnail
    try:
        data = b"".join(iter_plaintext(blob.owner, blob.code, blob.storage_key))
    except BlobIntegrityError:
        raise Http404 from None
    return _image(data)


@csrf_exempt
@require_POST
@login_required
def add_pages(request: Request, code: str) -> HttpResponse:
    """More photos for a paper already here (the back of a card, a page forgotten)."""
    document = policy.get_for(
        request.user, Document.objects.select_related("owner"), Action.EDIT, code=code
    )
    handler = EncryptingUploadHandler(request, document.owner, limits_for(document.owner))
    request.upload_handlers = [handler]
    try:
        return _store_pages(request, document, handler)
    finally:
        handler.discard_unclaimed()


@csrf_protect
def _store_pages(
    request: Request, document: Document, handler: EncryptingUploadHandler
) -> HttpResponse:
    from .upload_views import finish

    uploads = [item for item in request.FILES.getlist("files") if isinstance(item, EncryptedUpload)]
    for rejection in handler.rejections:
        messages.error(request, rejection.message)
    url = document_url(document)
    if not uploads:
        if not handler.rejections:
            messages.error(request, _("No file was received. Take a photo or choose a file."))
        return finish(request, url)
    structure = services.acting_for(request.user, document.owner)
    added = services.add_pages(document, request.user, handler, uploads, structure)
    messages.success(
        request,
        ngettext(
            "%(count)d page added. It is being prepared.",
            "%(count)d pages added. They are being prepared.",
            added,
        )
        % {"count": added},
    )
    return finish(request, url)


def document_url(document: Document) -> str:
    from django.urls import reverse

    return reverse("vault:document", args=[document.code])


@require_POST
@login_required
def retry(request: Request, code: str) -> HttpResponse:
    document = policy.get_for(request.user, Document.objects.all(), Action.EDIT, code=code)
    if pipeline.can_retry(document):
        services.retry_processing(document)
        messages.success(request, _("We are trying again. This can take a minute."))
    return redirect("vault:document", code=document.code)


@require_POST
@login_required
def delete_originals(request: Request, code: str) -> HttpResponse:
    document = policy.get_for(
        request.user, Document.objects.select_related("owner"), Action.DELETE, code=code
    )
    freed = services.delete_originals(document, request.user)
    if freed:
        messages.success(
            request,
            _("The original photos were deleted. %(size)s freed.") % {"size": human_size(freed)},
        )
    else:
        messages.info(request, _("There is no original to delete."))
    return redirect("vault:document", code=document.code)


@require_POST
@login_required
def confirm_details(request: Request, code: str) -> HttpResponse:
    """The person confirms (or corrects) the kind of paper and dates read on it."""
    document = _editable(request, code)
    form = ConfirmDetailsForm(request.POST)
    if _valid(request, form):
        structure = services.acting_for(request.user, document.owner)
        services.confirm_details(document, request.user, form.cleaned_data, structure)
    return redirect("vault:document", code=document.code)


@require_POST
@login_required
def dismiss_suggestion(request: Request, code: str) -> HttpResponse:
    document = policy.get_for(request.user, Document.objects.all(), Action.EDIT, code=code)
    Document.objects.filter(pk=document.pk).update(suggested_type="", fields_to_confirm=False)
    return redirect("vault:document", code=document.code)


@require_POST
@login_required
def set_expiry(request: Request, code: str) -> HttpResponse:
    document = _editable(request, code)
    form = ExpiryForm(request.POST)
    if _valid(request, form):
        structure = services.acting_for(request.user, document.owner)
        services.set_expiry(
            document, request.user, form.cleaned_data["expires_on"], form.notice_days(), structure
        )
    return redirect("vault:document", code=document.code)
