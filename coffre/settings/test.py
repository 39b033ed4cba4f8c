"""Settings for the test suite, chosen by pytest (pyproject.toml), never by sys.argv."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import STORAGES

TEST_VAR_DIR = Path(tempfile.mkdtemp(prefix="coffre-test-"))
SECRET_KEY = "test-only-secret-key-not-for-production-0123456789abcdef"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
COFFRE_MASTER_KEY_PATH = TEST_VAR_DIR / "master-key.json"
COFFRE_WORK_DIR = TEST_VAR_DIR / "work"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "blobs": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(TEST_VAR_DIR / "blobs")},
    },
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
WHITENOISE_AUTOREFRESH = True
