"""Upload endpoints: the owner's and a professional's on the person's behalf.

The encrypting upload handler must be installed before the body is read, so these views are
CSRF-exempt on the outside and CSRF-protected inside; whatever the inside does not turn into a
document (CSRF failure, bad folder, error) is removed from storage on the way out.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from accounts.models import Beneficiary
from coffre.http import AuthenticatedHttpRequest as Request
from structures.models import Structure

from . import policy
from .forms import UploadOptionsForm
from .models import Folder, Visibility
from .policy import Action
from .services import create_documents, storage_used
from .uploads import EncryptedUpload, EncryptingUploadHandler, UploadLimits


def limits_for(owner: Beneficiary) -> UploadLimits:
    return UploadLimits(
        max_bytes=settings.COFFRE_MAX_UPLOAD_BYTES,
        quota_remaining=max(0, owner.quota - storage_used(owner)),
        max_pixels=settings.COFFRE_MAX_IMAGE_PIXELS,
    )


def finish(request: HttpRequest, url: str) -> HttpResponse:
    # The upload script follows X-Redirect itself so that messages are shown on the next page.
    if request.headers.get("X-Coffre-Upload"):
        return HttpResponse(status=204, headers={"X-Redirect": url})
    return redirect(url)


def receive_uploads(
    request: Request,
    owner: Beneficiary,
    default_visibility: str,
    next_url: str,
    structure: Structure | None = None,
) -> HttpResponse:
    handler = EncryptingUploadHandler(request, owner, limits_for(owner))
    request.upload_handlers = [handler]
    try:
        return _store(request, owner, handler, default_visibility, next_url, structure)
    finally:
        handler.discard_unclaimed()


@csrf_protect
def _store(
    request: Request,
    owner: Beneficiary,
    handler: EncryptingUploadHandler,
    default_visibility: str,
    next_url: str,
    structure: Structure | None,
) -> HttpResponse:
    uploads = [item for item in request.FILES.getlist("files") if isinstance(item, EncryptedUpload)]
    options = UploadOptionsForm(request.POST)
    folder = None
    visibility = default_visibility
    if options.is_valid():
        if options.cleaned_data["folder"]:
            folder = (
                Folder.objects.visible_to(request.user)
                .filter(owner=owner, code=options.cleaned_data["folder"])
                .first()
            )
        # Only the owner chooses privacy at upload; a professional's uploads are shared.
        if request.user == owner.user and options.cleaned_data["visibility"]:
            visibility = options.cleaned_data["visibility"]
    for rejection in handler.rejections:
        messages.error(request, rejection.message)
    if not uploads and not handler.rejections:
        messages.error(
            request, _("No file was received. Choose a file or take a photo, then send.")
        )
        return finish(request, next_url)
    documents = create_documents(
        owner=owner,
        actor=request.user,
        handler=handler,
        uploads=uploads,
        folder=folder,
        visibility=visibility,
        structure=structure,
        pages_together=bool(options.is_valid() and options.cleaned_data["together"]),
    )
    if documents:
        messages.success(
            request,
            ngettext("%(count)d paper added.", "%(count)d papers added.", len(documents))
            % {"count": len(documents)},
        )
    return finish(request, next_url)


def _upload_for(request: Request, beneficiary: Beneficiary) -> HttpResponse:
    if request.user.pk == beneficiary.user_id:
        return receive_uploads(
            request, beneficiary, beneficiary.default_visibility, reverse("vault:home")
        )
    # Papers a professional adds on the person's behalf are shared by default (DESIGN.md §4).
    return receive_uploads(
        request,
        beneficiary,
        Visibility.SHARED,
        reverse("structures:beneficiary", args=[beneficiary.code]),
        policy.acting_structure(request.user, beneficiary),
    )


@csrf_exempt
@require_POST
@login_required
def my_upload(request: Request) -> HttpResponse:
    own = policy.own_vault(request.user)
    if own is None:
        raise Http404
    return _upload_for(request, policy.get_beneficiary_for(request.user, Action.CREATE, own.code))


@csrf_exempt
@require_POST
@login_required
def upload_on_behalf(request: Request, code: str) -> HttpResponse:
    return _upload_for(request, policy.get_beneficiary_for(request.user, Action.CREATE, code))
