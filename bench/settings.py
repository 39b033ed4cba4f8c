"""Settings for the bench server only: the product settings plus two plain (unencrypted) endpoints.

Chosen with ``DJANGO_SETTINGS_MODULE=bench.settings`` by ``bench/run.py``; never used in production.
"""

from coffre.settings.base import *  # noqa: F403
from coffre.settings.base import STORAGES, VAR_DIR

ROOT_URLCONF = "bench.urls"

# The plain baseline: Django's default storage (FileSystemStorage) under the bench's var dir.
MEDIA_ROOT = VAR_DIR / "plain"
STORAGES = {
    **STORAGES,
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    },
}
# Django's default upload handlers (memory, then a temporary file) for the plain endpoint; the
# temporary file is created in the system temp dir as usual (FILE_UPLOAD_TEMP_DIR = None).
