"""HTTP hardening: every security header on real pages, and production settings that pass
`check --deploy`, turn HTTPS on and refuse to start on the keys generated under var/."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.auth import force_login_verified
from tests.factories import make_document
from vault.models import Visibility

ROOT = Path(__file__).resolve().parents[1]

PAGE_CSP = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
}
FILE_CSP = "default-src 'none'; sandbox"
DENIED_FEATURES = ("geolocation", "microphone", "payment", "usb", "display-capture")


def directives(header: str) -> set[str]:
    return {part.strip() for part in header.split(";") if part.strip()}


def permissions(header: str) -> dict[str, str]:
    return dict(item.strip().split("=", 1) for item in header.split(","))


def assert_common_headers(response) -> None:
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    features = permissions(response["Permissions-Policy"])
    assert features["camera"] == "(self)"
    for feature in DENIED_FEATURES:
        assert features[feature] == "()", feature
    # Plain http on 127.0.0.1 (embedded defaults, tests): no HSTS, nothing forced to https.
    assert "Strict-Transport-Security" not in response


def assert_page_headers(response) -> None:
    assert_common_headers(response)
    policy = directives(response["Content-Security-Policy"])
    assert policy == PAGE_CSP
    assert not any("unsafe" in directive for directive in policy)


@pytest.mark.django_db
def test_login_page(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert_page_headers(response)
    # No secure flag over plain http, else the embedded default could not log in.
    assert not response.cookies["csrftoken"]["secure"]


def test_beneficiary_pages(client, world):
    force_login_verified(client, world.professional)
    response = client.get(reverse("structures:beneficiary", args=[world.beneficiary.code]))
    assert response.status_code == 200
    assert_page_headers(response)

    force_login_verified(client, world.owner)
    response = client.get(reverse("vault:home"))
    assert response.status_code == 200
    assert_page_headers(response)


def test_file_download_keeps_its_stricter_policy(client, world):
    document = make_document(world.beneficiary, visibility=Visibility.SHARED)
    for user in (world.owner, world.professional):
        force_login_verified(client, user)
        response = client.get(reverse("vault:download", args=[document.code]))
        assert response.status_code == 200
        b"".join(response.streaming_content)
        assert response["Content-Security-Policy"] == FILE_CSP
        assert response["Cache-Control"] == "no-store"
        assert_common_headers(response)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["terms", "how_it_works", "privacy", "guarantees", "restitution"])
def test_information_pages(client, name):
    response = client.get(reverse(f"pages:{name}"))
    assert response.status_code == 200
    assert_page_headers(response)


# --- Production settings, in a fresh process (settings are read from the environment) ----------


# Not passed on to the "production" process: the test settings, and the async-safety switch the
# browser tests set in this process (tests/browser/conftest.py), which no deployment has.
TEST_ONLY_VARIABLES = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in TEST_ONLY_VARIABLES}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def production_env(tmp_path_factory) -> dict[str, str]:
    var = tmp_path_factory.mktemp("production-var")
    generated = run_manage("generate_master_key", env={"COFFRE_VAR_DIR": str(var)})
    assert generated.returncode == 0, generated.stderr
    return {
        "COFFRE_ENV": "production",
        "COFFRE_VAR_DIR": str(var),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "COFFRE_MASTER_KEY": generated.stdout.strip(),
        "DATABASE_URL": f"sqlite:///{var / 'coffre.sqlite3'}",
        "ALLOWED_HOSTS": "coffre.example",
    }


def test_check_deploy_reports_nothing_in_production(production_env):
    result = run_manage("check", "--deploy", "--fail-level", "DEBUG", env=production_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


PROBE = """
import json
from django.conf import settings
from django.test import Client

client = Client(HTTP_HOST="coffre.example")
plain = client.get("/login/")
secure = client.get("/login/", secure=True)
print(json.dumps({
    "redirect": [plain.status_code, plain.get("Location")],
    "hsts": secure.get("Strict-Transport-Security"),
    "csp": secure.get("Content-Security-Policy"),
    "frame": secure.get("X-Frame-Options"),
    "cookies": {name: dict(morsel) for name, morsel in secure.cookies.items()},
    "session_cookie": [settings.SESSION_COOKIE_NAME, settings.SESSION_COOKIE_SECURE],
    "proxy_header": getattr(settings, "SECURE_PROXY_SSL_HEADER", None),
}))
"""


def test_production_is_https_only(production_env):
    result = run_manage("shell", "-c", PROBE, env=production_env)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["redirect"] == [301, "https://coffre.example/login/"]
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert directives(seen["csp"]) == PAGE_CSP | {"upgrade-insecure-requests"}
    assert seen["frame"] == "DENY"
    csrf = seen["cookies"]["__Host-csrftoken"]
    assert csrf["secure"] is True and csrf["path"] == "/" and not csrf["domain"]
    assert seen["session_cookie"] == ["__Host-sessionid", True]
    # Only trusted when the operator names the header their proxy sets.
    assert seen["proxy_header"] is None


def test_production_trusts_the_proxy_header_it_is_told(production_env):
    env = {**production_env, "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}
    result = run_manage("shell", "-c", PROBE, env=env)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": ""}, "needs SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "needs SECRET_KEY"),
        ({"COFFRE_MASTER_KEY": ""}, "needs COFFRE_MASTER_KEY"),
        ({"DEBUG": "1"}, "DEBUG must be off"),
        ({"COFFRE_ENV": "prod"}, "COFFRE_ENV='prod'"),
    ],
)
def test_production_refuses_to_start_without_real_secrets(
    production_env, change, message, tmp_path
):
    result = run_manage("check", env={**production_env, "COFFRE_VAR_DIR": str(tmp_path), **change})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
    # Nothing was generated in place of the missing secrets.
    assert list(tmp_path.iterdir()) == []
