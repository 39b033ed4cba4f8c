"""Plain (unencrypted) baseline endpoints, served only by the bench URLconf.

They do what a plain Django app would do: default upload handlers, ``default_storage.save`` and a
``FileResponse`` (which gunicorn serves with ``sendfile``).
"""

import os

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET, require_POST


@require_POST
@login_required
def plain_upload(request: HttpRequest) -> HttpResponse:
    names = [
        default_storage.save(os.path.basename(upload.name or "paper"), upload)
        for upload in request.FILES.getlist("files")
    ]
    return JsonResponse({"names": names})


@require_GET
@login_required
def plain_download(request: HttpRequest, name: str) -> HttpResponse:
    return FileResponse(default_storage.open(name, "rb"), as_attachment=True, filename=name)


@require_POST
@login_required
def plain_delete(request: HttpRequest, name: str) -> HttpResponse:
    default_storage.delete(name)
    return HttpResponse(status=204)
