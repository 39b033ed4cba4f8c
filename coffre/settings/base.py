from pathlib import Path

import dj_database_url
import dj_email_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_choice, env_int, env_list, env_str, generated_secret

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# Everything the embedded defaults write (database, blobs, keys) lives here.
VAR_DIR = Path(env_str("COFFRE_VAR_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DEBUG", False)
# COFFRE_ENV=production: a public deployment, HTTPS only, real secrets required (see "Security").
PRODUCTION = env_choice("COFFRE_ENV", ["development", "production"], "development") == "production"
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY and not PRODUCTION:
    SECRET_KEY = generated_secret(VAR_DIR / "secret-key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "coffre",  # management commands (scheduler)
    # Before accounts: accounts.admin unregisters their admin pages (TOTP secrets stay hidden).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "structures",
    "vault",
    "crypto",
    "journal",
    "pages",
    "privacy",
    "notify",
    "recovery",
    "invitations",
    "agenda",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication, OTP and messages: end stale sessions, then send people to the
    # steps they owe (second factor, own password) before any other page (accounts.gates).
    "accounts.sessions.SessionTimeoutMiddleware",
    "accounts.gates.GateMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "coffre.urls"
WSGI_APPLICATION = "coffre.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "coffre" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'coffre.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE avoids lock upgrades.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrPhoneBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "accounts.passwords.StrengthValidator", "OPTIONS": {"min_score": 3}},
    {"NAME": "accounts.passwords.MaximumLengthValidator"},
]
# Argon2id first (OWASP); older hashes are upgraded at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Sessions and two-step verification (accounts.sessions, accounts.otp, accounts.gates) -----
# A session ends after this long without a request: professionals and staff see other people's
# papers, so theirs is shorter; beneficiaries often fill a form slowly at the desk.
COFFRE_SESSION_IDLE_SECONDS_PROFESSIONAL = env_int("COFFRE_SESSION_IDLE_SECONDS_PROFESSIONAL", 1800)
COFFRE_SESSION_IDLE_SECONDS_BENEFICIARY = env_int("COFFRE_SESSION_IDLE_SECONDS_BENEFICIARY", 7200)
# ... and after this long whatever the activity (the cookie and the stored session too).
COFFRE_SESSION_MAX_SECONDS = env_int("COFFRE_SESSION_MAX_SECONDS", 12 * 3600)
SESSION_COOKIE_AGE = COFFRE_SESSION_MAX_SECONDS
OTP_TOTP_ISSUER = "Coffre"  # the name the phone app shows next to the codes
# Invitation links (invitations app) work this many days.
COFFRE_INVITATION_DAYS = env_int("COFFRE_INVITATION_DAYS", 7)
# --- end of sessions and two-step verification -------------------------------------------------

# --- Email (invitations; Django's email framework) ----------------------------------------------
# EMAIL_URL (or EMAIL_URL_FILE) picks the backend and server, e.g.
#   submission://user:password@smtp.example.fr:587   (STARTTLS; smtps://… or ?ssl=1 for TLS)
#   console://  (print emails: the default)   memory://  (tests)   file:///path/to/dir
# EMAIL_BACKEND overrides the backend (e.g. an anymail HTTP backend); DEFAULT_FROM_EMAIL is the
# sender. Unset: emails are printed on the console (`make run`).
_email = dj_email_url.parse(env_str("EMAIL_URL") or "console://")
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"] or 15  # seconds: an invitation is sent while one waits
if _email["EMAIL_FILE_PATH"]:
    EMAIL_FILE_PATH = "/" + _email["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Coffre <ne-pas-repondre@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# --- end of email --------------------------------------------------------------------------------

# --- Internationalisation: French by default, every string marked from the first line.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "coffre" / "static"]

# --- Blob storage (Django Storage API). Default: local disk under var/blobs.
# STORAGE_URL=s3://bucket selects S3-compatible storage; endpoint and credentials come from the
# usual AWS_* variables (AWS_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...).
STORAGE_URL = env_str("STORAGE_URL")
if STORAGE_URL.startswith("s3://"):
    BLOB_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": STORAGE_URL.removeprefix("s3://").strip("/"),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    BLOB_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": STORAGE_URL.removeprefix("file://") or str(VAR_DIR / "blobs"),
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    "blobs": BLOB_STORAGE,
}

# --- Keys. COFFRE_MASTER_KEY holds a Tink AEAD keyset (JSON); unset = generated under var/.
COFFRE_MASTER_KEY = env_str("COFFRE_MASTER_KEY")
COFFRE_MASTER_KEY_PATH = VAR_DIR / "master-key.json"
# Where the master key comes from: the environment now, a KMS later (crypto.keys.MasterKeySource).
COFFRE_MASTER_KEY_SOURCE = env_str("COFFRE_MASTER_KEY_SOURCE", "crypto.keys.EnvironmentMasterKey")

# --- Vault limits.
# Decimal units, as people read them on their phones ("20 Mo", "600 Mo").
COFFRE_MAX_UPLOAD_BYTES = env_int("COFFRE_MAX_UPLOAD_BYTES", 20_000_000)
COFFRE_QUOTA_BYTES = env_int("COFFRE_QUOTA_BYTES", 600_000_000)
COFFRE_MAX_IMAGE_PIXELS = env_int("COFFRE_MAX_IMAGE_PIXELS", 60_000_000)
# A paper "being prepared" for longer than this had its worker die: it is queued again.
# Decrypted papers being worked on (capture pipeline, page pictures): private, swept hourly. A
# tmpfs here keeps them off disk altogether.
COFFRE_WORK_DIR = Path(env_str("COFFRE_WORK_DIR") or VAR_DIR / "work")
COFFRE_STALLED_AFTER_SECONDS = env_int("COFFRE_STALLED_AFTER_SECONDS", 15 * 60)
# Path or name of the tesseract program; OCR is off when it is not found.
COFFRE_TESSERACT_CMD = env_str("COFFRE_TESSERACT_CMD", "tesseract")
# Whole request bodies above this are refused before reading (several files at once).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Antivirus (optional; vault/antivirus.py) -----------------------------------------------
# CLAMAV_SOCKET (a clamd unix socket, e.g. /var/run/clamav/clamd.ctl) or CLAMAV_HOST + CLAMAV_PORT:
# every upload is scanned by clamd as it streams in. Unset: no scan. Fails closed: when clamd does
# not answer within CLAMAV_TIMEOUT seconds, uploads are refused ("try again later").
COFFRE_CLAMAV_SOCKET = env_str("CLAMAV_SOCKET")
COFFRE_CLAMAV_HOST = env_str("CLAMAV_HOST")
COFFRE_CLAMAV_PORT = env_int("CLAMAV_PORT", 3310)
COFFRE_CLAMAV_TIMEOUT = env_int("CLAMAV_TIMEOUT", 30)
# --- end of antivirus ------------------------------------------------------------------------

# --- Journal: entries older than this are purged (CNIL délibération 2021-122: 1 year).
COFFRE_JOURNAL_RETENTION_DAYS = env_int("COFFRE_JOURNAL_RETENTION_DAYS", 365)

# --- Privacy (privacy app): account deletion, retention of inactive accounts ----------------------
# A deletion the person asks for runs after this many days; they can cancel until then.
COFFRE_DELETION_GRACE_DAYS = env_int("COFFRE_DELETION_GRACE_DAYS", 7)
# Accounts without activity for this long are deleted (CNIL, social sector: 2 years), after SMS
# warnings this many days before (comma-separated).
COFFRE_INACTIVE_DELETION_DAYS = env_int("COFFRE_INACTIVE_DELETION_DAYS", 730)
COFFRE_INACTIVE_WARNING_DAYS = [
    int(days) for days in env_list("COFFRE_INACTIVE_WARNING_DAYS", ["30", "7"])
]
# --- SMS (notify app): a backend like Django's email backends (console, file, locmem) ---------
SMS_BACKEND = env_str("SMS_BACKEND", "notify.backends.console.ConsoleBackend")
SMS_FILE_PATH = VAR_DIR / "sms"  # notify.backends.file.FileBackend: one file per message
# notify.backends.brevo.BrevoBackend: Brevo's transactional SMS API (JSON over HTTPS).
SMS_HTTP_URL = env_str("SMS_HTTP_URL", "https://api.brevo.com/v3/transactionalSMS/send")
SMS_API_KEY = env_str("SMS_API_KEY")  # or SMS_API_KEY_FILE
SMS_SENDER = env_str("SMS_SENDER", "Coffre")  # up to 11 letters or digits, as the phone shows it
SMS_HTTP_TIMEOUT = env_int("SMS_HTTP_TIMEOUT", 10)  # seconds
# --- end of privacy and SMS ---------------------------------------------------------------------

# --- Recovery (recovery app): lost passwords, phone verification ------------------------------
# Anonymous recovery steps never answer faster than this (seconds), whether the account exists
# or not, so that an SMS provider's delay does not tell who has an account.
COFFRE_RECOVERY_MIN_SECONDS = float(env_str("COFFRE_RECOVERY_MIN_SECONDS", "0.6"))
# --- end of recovery -----------------------------------------------------------------------------

# --- Background work (Django Tasks API backport, database backend).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO"},
        "coffre": {"handlers": ["console"], "level": "INFO"},
    },
}

# --- Security (HTTP hardening, secrets in production; docs/security.md) ------------------------
# Unset COFFRE_ENV: the embedded defaults, plain http on 127.0.0.1 (`make run`, tests).
# COFFRE_ENV=production: HTTPS only, and no start without real secrets: "production" must never
# run on the keys generated under var/ (they sit next to the data they are meant to protect).
if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("COFFRE_ENV=production: DEBUG must be off.")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "COFFRE_ENV=production needs SECRET_KEY (or SECRET_KEY_FILE): at least 50 random "
            "characters, e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    # The environment source falls back to a key generated under var/: not in production.
    if COFFRE_MASTER_KEY_SOURCE == "crypto.keys.EnvironmentMasterKey" and not COFFRE_MASTER_KEY:
        raise ImproperlyConfigured(
            "COFFRE_ENV=production needs COFFRE_MASTER_KEY (or COFFRE_MASTER_KEY_FILE) from "
            "`manage.py master_key generate`, kept apart from the database and its backups."
        )

# How long the operator's backups (database and blobs) keep a copy of what was deleted. The
# information pages promise it to the people (pages/): set it to what your backups really do.
COFFRE_BACKUP_RETENTION_DAYS = env_int("COFFRE_BACKUP_RETENTION_DAYS", 30)

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
# Behind a TLS-terminating proxy, name the header it sets (e.g. X-Forwarded-Proto): only then
# does Django trust it, and the proxy must strip that header from what clients send.
if proxy_ssl_header := env_str("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + proxy_ssl_header.upper().replace("-", "_"), "https")
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600) if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
if PRODUCTION:
    # __Host-: the browser accepts these only over HTTPS, for this host and path /.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Scripts and styles from our own static files only: no inline code, no eval (htmx is told not
# to inject its indicator <style> nor to eval, in base.html). Files served from the vault keep
# their own stricter policy (vault/serving.py: default-src 'none'; sandbox).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "blob:"],  # blob: the photos being chosen, shown before sending
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "upgrade-insecure-requests": PRODUCTION,
    }
}
# The camera (photo of a paper) for our own pages; every other powerful feature off.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "camera": ["self"],
    **{
        feature: []
        for feature in (
            "accelerometer",
            "autoplay",
            "browsing-topics",
            "display-capture",
            "encrypted-media",
            "geolocation",
            "gyroscope",
            "hid",
            "idle-detection",
            "magnetometer",
            "microphone",
            "midi",
            "payment",
            "picture-in-picture",
            "screen-wake-lock",
            "serial",
            "usb",
            "xr-spatial-tracking",
        )
    },
}
# --- end of security ---------------------------------------------------------------------------
