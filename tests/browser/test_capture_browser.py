"""Capture on a phone-sized screen, in the system Chromium: photos taken one after the other add
up as pages, can be put in order or removed, are sent as one paper, then read back as pictures;
an identity card's machine-readable zone is shown for the person to confirm."""

from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests import mrz_specimens, papers
from tests.browser.helpers import check_a11y, check_layout, fr, fr_plural, log_in, visit
from vault.capture import ocr
from vault.models import Document

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
ADDED = fr_plural("%(count)d paper added.", "%(count)d papers added.", 1)


def _photo(name: str, data: bytes) -> dict[str, object]:
    return {"name": name, "mimeType": "image/jpeg", "buffer": data}


def _text_photo(seed: int) -> bytes:
    page, _ = papers.text_page(seed, dpi=120)
    return papers.phone_photo(page, seed, megapixels=2)


def test_photos_become_the_pages_of_one_paper_in_the_chosen_order(page: Page, world):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 360, "height": 800})
    log_in(page, world.owner.username)
    visit(page, reverse("vault:home"))
    camera = page.locator("input[type=file][capture]")
    card = papers.as_jpeg(papers.identity_card(21, dpi=200))
    camera.set_input_files([_photo("page-a.jpg", _text_photo(20))])
    camera.set_input_files([_photo("card.jpg", card)])
    camera.set_input_files([_photo("page-b.jpg", _text_photo(22))])
    pages = page.locator(".chosen-page")
    expect(pages).to_have_count(3)
    expect(page.get_by_role("group", name=fr("Several photos:"))).to_be_visible()
    check_a11y(page)
    check_layout(page)
    page.screenshot(path=SCREENSHOTS / "capture-pages-360.png", full_page=True)

    # The card goes first; the last page is removed.
    pages.nth(1).get_by_role("button", name=fr("Move up")).click()
    expect(pages.nth(0)).to_contain_text("card.jpg")
    pages.nth(2).get_by_role("button", name=fr("Remove")).click()
    expect(pages).to_have_count(2)
    expect(pages.nth(1)).to_contain_text("page-a.jpg")

    page.get_by_role("button", name=fr("Send")).click()
    expect(page.get_by_text(ADDED)).to_be_visible(timeout=60_000)  # prepared in the request here
    document = Document.objects.get(owner=world.beneficiary)
    assert document.state == Document.State.READY, document.failure_reason
    assert document.page_count == 2
    assert [o.blob.size for o in document.originals.order_by("position")] == [
        len(card),
        len(_text_photo(20)),
    ]

    visit(page, reverse("vault:document", args=[document.code]))
    images = page.locator(".pages img")
    expect(images).to_have_count(2)
    first = images.nth(0)
    expect(first).to_be_visible()
    # The pictures really load (rendered from the PDF), landscape card first.
    size = first.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert size[0] > size[1] > 0
    check_a11y(page)
    check_layout(page)
    page.screenshot(path=SCREENSHOTS / "capture-viewer-360.png", full_page=True)


@pytest.mark.skipif(not ocr.available(), reason="Tesseract (fra+eng) is not installed")
def test_an_identity_card_shows_what_was_read_for_the_person_to_confirm(page: Page, world):
    lines = mrz_specimens.td1(
        "SPECIMEN", "CAMILLE", "X4RTBPFW4", "FRA", date(1990, 4, 12), "F", date(2031, 5, 30)
    )
    card = papers.as_jpeg(papers.identity_card(23, lines, dpi=300))
    log_in(page, world.owner.username)
    visit(page, reverse("vault:home"))
    page.locator("input[type=file][capture]").set_input_files([_photo("carte.jpg", card)])
    page.get_by_role("button", name=fr("Send")).click()
    expect(page.get_by_text(ADDED)).to_be_visible(timeout=60_000)  # prepared in the request here
    document = Document.objects.get(owner=world.beneficiary)
    visit(page, reverse("vault:document", args=[document.code]))
    section = page.get_by_role("region", name=fr("Read on the paper"))
    expect(section).to_contain_text("SPECIMEN")
    expect(section.get_by_label(fr("Valid until"))).to_have_value("2031-05-30")
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        check_a11y(page)
        check_layout(page)
        page.screenshot(path=SCREENSHOTS / f"capture-detected-{width}.png", full_page=True)
    section.get_by_role("button", name=fr("Yes, this is right")).click()
    expect(page.get_by_text(fr("Saved."))).to_be_visible()
    document.refresh_from_db()
    assert document.expires_on == date(2031, 5, 30)
    assert document.doc_type == Document.Type.IDENTITY_CARD
