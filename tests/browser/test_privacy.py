"""The person's own data in the browser: everything in one ZIP, deleting the account and undoing
it, the deposit receipt — at phone width, with axe on every page."""

import hashlib
import io
import json
import os
import re
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from privacy.models import DeletionRequest
from tests.browser.helpers import check_a11y, check_layout, fr, log_in, visit
from tests.factories import make_document
from vault.specimens import text_pdf

pytestmark = pytest.mark.browser


def password_field(page: Page):
    return page.get_by_label(re.compile("^" + re.escape(fr("Your password"))))


def at_phone_width(page: Page, shots: Path, name: str) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    check_a11y(page)
    check_layout(page)
    page.screenshot(path=shots / f"{name}-360.png", full_page=True)


def test_export_then_delete_and_undo(page: Page, world, settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    shots = Path(os.environ.get("PRIVACY_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    owner = world.beneficiary
    pdf = text_pdf(["SPECIMEN", "Attestation CAF"])
    document = make_document(owner, title="Attestation CAF", content=pdf)

    log_in(page, world.owner.username)
    at_phone_width(page, shots, "home")

    # Everything in one ZIP, after typing the password again.
    page.get_by_role("link", name=fr("Get all my papers")).click()
    expect(page.get_by_role("heading", name=fr("Get all my papers"))).to_be_visible()
    at_phone_width(page, shots, "export")
    password_field(page).fill("not my password")
    page.get_by_role("button", name=fr("Download all my papers")).click()
    expect(page.get_by_text(fr("This is not your password. Try again."))).to_be_visible()
    check_a11y(page)
    password_field(page).fill("correct horse battery staple")
    with page.expect_download() as download_info:
        page.get_by_role("button", name=fr("Download all my papers")).click()
    download = download_info.value
    assert re.fullmatch(r"coffre-\d{4}-\d{2}-\d{2}\.zip", download.suggested_filename)
    archive = zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes()))
    assert archive.read("Attestation CAF.pdf") == pdf
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["papers"][0]["sha256"] == hashlib.sha256(pdf).hexdigest()

    # The deposit receipt, from the paper's page.
    visit(page, reverse("vault:document", args=[document.code]))
    with page.expect_download() as receipt_info:
        page.get_by_role("link", name=fr("Deposit receipt")).click()
    assert Path(receipt_info.value.path()).read_bytes().startswith(b"%PDF")

    # Deleting the account: password again, then a banner on the home page with undo.
    visit(page, reverse("vault:home"))
    page.get_by_role("link", name=fr("Delete my account and all my papers")).click()
    expect(page.get_by_role("heading", name=fr("Delete my account"))).to_be_visible()
    at_phone_width(page, shots, "delete")
    password_field(page).fill("correct horse battery staple")
    page.get_by_role("button", name=fr("Delete my account")).click()
    expect(page).to_have_url(re.compile(reverse("vault:home") + "$"))
    banner = page.locator(".deletion-banner")
    expect(banner.get_by_role("heading", name=fr("Your account will be deleted"))).to_be_visible()
    at_phone_width(page, shots, "home-deletion-pending")
    assert DeletionRequest.objects.get().state == "pending"
    banner.get_by_role("button", name=fr("Cancel the deletion")).click()
    expect(page.locator(".message.success")).to_have_text(
        fr("The deletion is cancelled. Your account and papers stay.")
    )
    expect(page.locator(".deletion-banner")).to_have_count(0)
    check_a11y(page)
    assert DeletionRequest.objects.get().state == "cancelled"
