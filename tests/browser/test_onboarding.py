"""Opening an account at the desk, in the system Chromium, as a social worker does it with the
person in front of them (issue 4): the form, the one-time password, the member card, the first
login; and the person who already has an account."""

import datetime
import re
import time
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from journal.models import JournalEntry
from structures.models import Affiliation, AffiliationRequest
from tests.browser.helpers import check_a11y, check_layout, fr, log_in, log_out
from tests.factories import BeneficiaryFactory

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
NEW_PASSWORD = "le vélo bleu est sous le pont"


def field(page: Page, label: str):
    """A form field by the start of its French label (Django adds " :" after labels in French)."""
    return page.get_by_label(re.compile("^" + re.escape(fr(label))))


def shoot(page: Page, name: str) -> None:
    """Phone-width and desktop screenshots, with axe and the layout check at each width."""
    SCREENSHOTS.mkdir(exist_ok=True)
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        check_a11y(page)
        check_layout(page)
        page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def fill_identity(page: Page, first: str, last: str, birth: str) -> None:
    field(page, "First name").fill(first)
    field(page, "Last name").fill(last)
    field(page, "Birth date").fill(birth)


def test_onboarding_at_the_desk(page: Page, world):
    log_in(page, world.professional.username)  # with the app code
    page.get_by_role("link", name=fr("Create an account for someone")).click()
    expect(page.get_by_role("heading", name=fr("Create an account for someone"))).to_be_visible()
    check_a11y(page)

    shoot(page, "onboarding-form")

    # The form part, timed: what the professional types with the person in front of them.
    started = time.monotonic()
    fill_identity(page, "Aïcha", "Benali-Fictif", "1990-03-12")
    field(page, "Mobile phone (optional)").fill("06 12 34 56 78")
    field(page, "The person's language").select_option("fr")
    password = page.locator(".typed-password")
    expect(password).to_be_visible()
    page.get_by_label(
        fr("Print a one-time password: the person chooses their own at their first login")
    ).check()
    expect(password).to_be_hidden()  # nothing to type when the password is printed
    field(
        page,
        "The person accepts the terms of use and agrees that this structure sees the papers "
        "they share.",
    ).check()
    page.get_by_role("button", name=fr("Create the account")).click()
    expect(page.get_by_role("heading", name=fr("The account is ready"))).to_be_visible()
    elapsed = time.monotonic() - started
    # A person is slower than Playwright: the keystroke-level model (Card, Moran & Newell) gives
    # 0.28 s a key for an average typist, and 1.35 s to think + 1.1 s to point + 0.2 s to click
    # per control. Typed: first name, last name, birth date (8 digits), phone; controls: those
    # four, the language (2 clicks), the password choice, the consent, the button.
    keys = len("Aïcha") + len("Benali-Fictif") + len("12031990") + len("06 12 34 56 78")
    controls = 9
    human = keys * 0.28 + controls * (1.35 + 1.1 + 0.2)
    print(
        f"\n[onboarding] form part: {elapsed:.2f} s in the browser; for a person at the desk, "
        f"about {human:.0f} s ({keys} keys, {controls} controls; budget 120 s)"
    )
    check_a11y(page)

    username = page.get_by_test_id("new-username").inner_text().strip()
    one_time = page.get_by_test_id("one-time-password").inner_text().strip()
    assert re.fullmatch(r"aicha\.benali-fictif\.\d{3}", username)
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", one_time)
    user = User.objects.get(username=username)
    assert user.must_change_password is True
    assert user.phone == "+33612345678"
    assert user.beneficiary.birth_date == datetime.date(1990, 3, 12)
    affiliation = Affiliation.objects.get(beneficiary=user.beneficiary)
    assert (affiliation.structure, affiliation.created_by) == (world.structure, world.professional)
    shoot(page, "account-created")

    # The sheet prints from the page itself (no copy of the password is kept anywhere): on paper,
    # the username, the password and where to log in; no menus, no buttons.
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", name=fr("Your Coffre account"))).to_be_visible()
    expect(page.get_by_role("heading", name=fr("The account is ready"))).to_be_hidden()
    expect(page.get_by_test_id("one-time-password")).to_have_text(one_time)
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.get_by_role("link", name=fr("Print the member card"))).to_be_hidden()
    page.screenshot(path=SCREENSHOTS / "account-created-print.png", full_page=True)
    page.emulate_media(media="screen")
    # The sheet prints from the page itself (no copy of the password is kept anywhere).
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.get_by_role("button", name=fr("Print this sheet")).click()
    assert page.evaluate("window.__printed") is True

    # The member card: a PDF, for the new person.
    card = page.get_by_role("link", name=fr("Print the member card"))
    expect(card).to_have_attribute("target", "_blank")
    response = page.request.get(card.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
    log_out(page)

    # The person's first login: the one-time password works once, then they choose their own.
    log_in(page, username, one_time)
    expect(page.get_by_role("heading", name=fr("Choose your own password"))).to_be_visible()
    check_a11y(page)
    shoot(page, "first-login-password")
    field(page, "New password").fill(NEW_PASSWORD)
    field(page, "The same password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name=fr("Save my password")).click()
    expect(page).to_have_url(re.compile(reverse("vault:home") + "$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Aïcha")
    check_a11y(page)
    user.refresh_from_db()
    assert user.must_change_password is False
    assert user.check_password(NEW_PASSWORD) and not user.check_password(one_time)


def test_someone_who_already_has_an_account(page: Page, world):
    zoe = BeneficiaryFactory(
        user__first_name="Zoé",
        user__last_name="N'Diaye-Fictif",
        first_name="Zoé",
        last_name="N'Diaye-Fictif",
        birth_date=datetime.date(1988, 11, 2),
    )
    log_in(page, world.professional.username)  # with the app code
    page.goto(reverse("structures:beneficiary_create", args=[world.structure.code]))
    fill_identity(page, "ZOE", "n diaye fictif", "1988-11-02")
    page.get_by_label(fr("The person types their password now")).check()
    field(page, "Password chosen by the person").fill("un parapluie rouge au soleil")
    field(
        page,
        "The person accepts the terms of use and agrees that this structure sees the papers "
        "they share.",
    ).check()
    page.get_by_role("button", name=fr("Create the account")).click()

    warning = page.get_by_test_id("duplicate-warning")
    expect(warning.get_by_role("heading")).to_have_text(
        fr("This person may already have an account")
    )
    expect(warning).not_to_contain_text(zoe.user.username)
    expect(page.locator("main")).not_to_contain_text("Zoé")
    shoot(page, "account-create-duplicate")
    warning.get_by_role("button", name=fr("Ask to follow their account")).click()
    expect(page.get_by_role("heading", name=fr("Request sent"))).to_be_visible()
    check_a11y(page)
    assert User.objects.filter(last_name="N'Diaye-Fictif").count() == 1
    request = AffiliationRequest.objects.get(beneficiary=zoe)
    log_out(page)

    # Zoé logs in: the request is the first thing she sees; she accepts.
    log_in(page, zoe.user.username)
    banner = page.locator(".affiliation-request")
    expect(banner.get_by_role("heading")).to_have_text(
        fr("%(name)s asks to follow you", name=world.structure.name)
    )
    shoot(page, "affiliation-request")
    banner.get_by_role("button", name=fr("Accept")).click()
    expect(page.locator(".message.success")).to_have_text(
        fr(
            "%(name)s now follows you: its social workers see the papers you share.",
            name=world.structure.name,
        )
    )
    expect(page.locator(".affiliation-request")).to_have_count(0)
    check_a11y(page)
    request.refresh_from_db()
    assert request.state == AffiliationRequest.State.ACCEPTED
    assert Affiliation.objects.active().filter(beneficiary=zoe, structure=world.structure).exists()
    assert JournalEntry.objects.filter(
        beneficiary=zoe, action=JournalEntry.Action.AFFILIATION_ACCEPTED
    ).exists()
