"""Acceptance: nobody gets past the login of a professional or staff account without the second
factor. In the system Chromium, in French, with axe and the CSP check on every page."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from accounts import otp
from tests.auth import totp_code
from tests.browser.helpers import check_a11y, fr, log_in, log_out, path_of, visit
from tests.factories import PASSWORD, make_document
from vault.models import Visibility

pytestmark = pytest.mark.browser

SETUP = reverse("accounts:otp_setup")
VERIFY = reverse("accounts:otp_verify")


def starting(text: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(text))


def main_pro_urls(world, document) -> list[str]:
    return [
        reverse("home"),
        reverse("structures:home"),
        reverse("structures:structure", args=[world.structure.code]),
        reverse("structures:beneficiary_create", args=[world.structure.code]),
        reverse("structures:team", args=[world.structure.code]),
        reverse("structures:beneficiary", args=[world.beneficiary.code]),
        reverse("vault:document", args=[document.code]),
        reverse("accounts:card_for", args=[world.beneficiary.code]),
        reverse("accounts:security"),
        reverse("pages:terms"),
        reverse("admin:index"),
    ]


def submit_password(page: Page, username: str, password: str = PASSWORD) -> None:
    visit(page, "/login/")
    page.get_by_label(fr("Username or phone number")).fill(username)
    page.get_by_label(fr("Password"), exact=True).fill(password)
    page.get_by_role("button", name=fr("Log in"), exact=True).click()


def enrol(page: Page, user) -> None:
    """On the enrolment page: check the shown secret, type the code computed from the device
    key, keep the backup codes."""
    expect(
        page.get_by_role("heading", name=fr("Protect your account with your phone"))
    ).to_be_visible()
    expect(page.get_by_role("img", name=fr("QR code to scan with the app"))).to_be_visible()
    check_a11y(page)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    shown = page.get_by_test_id("otp-secret").inner_text().strip()
    assert shown == otp.secret_text(device)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    page.get_by_label(fr("The 6-digit code the app shows")).fill(f"{code:06d}")
    page.get_by_role("button", name=fr("Confirm")).click()
    expect(page.get_by_role("heading", name=fr("Your backup codes"))).to_be_visible()
    expect(page.get_by_test_id("backup-codes").locator("li")).to_have_count(10)
    check_a11y(page)
    page.get_by_role("link", name=fr("I have kept them, continue")).click()


def test_a_professional_cannot_reach_any_page_without_the_second_factor(page: Page, world):
    document = make_document(world.beneficiary, visibility=Visibility.SHARED, title="Partagé")
    admin = world.admin
    submit_password(page, admin.username)
    expect(page).to_have_url(re.compile(re.escape(SETUP)))

    # Password only: every main professional page sends back to the second-factor step.
    for url in main_pro_urls(world, document):
        page.goto(url)
        assert path_of(page).startswith(SETUP), f"{url} opened without the second factor"
    page.goto(reverse("structures:home"))
    check_a11y(page)

    enrol(page, admin)  # then back to the page asked for
    expect(page.get_by_role("heading", name=world.structure.name)).to_be_visible()
    for url in main_pro_urls(world, document)[:-1]:  # the admin site is for staff only
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        assert not path_of(page).startswith("/account/two-step"), url
    log_out(page)

    # Next login: the code of the app (no enrolment again), then the pages open.
    submit_password(page, admin.username)
    expect(page.get_by_role("heading", name=fr("One more step"))).to_be_visible()
    page.goto(reverse("structures:team", args=[world.structure.code]))
    assert path_of(page).startswith(VERIFY)
    page.get_by_label(fr("Code from the app, or a backup code")).fill(
        totp_code(otp.confirmed_device(admin))
    )
    page.get_by_role("button", name=fr("Continue")).click()
    expect(page).to_have_url(re.compile(reverse("structures:team", args=[world.structure.code])))
    visit(page, reverse("structures:beneficiary", args=[world.beneficiary.code]))


def test_staff_need_it_for_the_admin_too(page: Page, world):
    submit_password(page, world.staff.username)
    expect(page).to_have_url(re.compile(re.escape(SETUP)))
    page.goto(reverse("admin:accounts_user_changelist"))
    assert path_of(page).startswith(SETUP)
    enrol(page, world.staff)
    # Django's own admin pages: not ours to audit with axe (their breadcrumbs fail it).
    response = page.goto(reverse("admin:accounts_user_changelist"))
    assert response is not None and response.status == 200
    expect(page.get_by_text(world.professional.username)).to_be_visible()


def test_an_invited_colleague_joins_and_enrols(page: Page, world, browser_context):
    log_in(page, world.admin.username)
    visit(page, reverse("structures:team", args=[world.structure.code]))
    form = page.locator("form", has=page.get_by_role("button", name=fr("Send the invitation")))
    form.get_by_label(starting(fr("First name"))).fill("Lou")
    form.get_by_label(starting(fr("Last name"))).fill("Neuf-Fictif")
    form.get_by_label(starting(fr("Work email"))).fill("lou.neuf@relais.example")
    form.get_by_role("button", name=fr("Send the invitation")).click()
    expect(page.locator(".message.success")).to_contain_text("lou.neuf@relais.example")
    expect(
        page.get_by_role("heading", name=fr("Invitations waiting for an answer"))
    ).to_be_visible()
    check_a11y(page)
    log_out(page)

    link = re.search(r"https?://\S+/invitation/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", name=fr("Welcome, %(name)s", name="Lou"))).to_be_visible()
    assert "/invitation/new-account/" in page.url  # the token left the address bar
    check_a11y(page)
    page.get_by_label(fr("Username")).fill("lou.neuf")
    page.get_by_label(starting(fr("Password"))).fill("une longue phrase de passe")
    page.get_by_label(fr("The same password again")).fill("une longue phrase de passe")
    page.get_by_role("button", name=fr("Create my account")).click()
    from accounts.models import User

    enrol(page, User.objects.get(username="lou.neuf"))
    expect(page.get_by_role("heading", name=world.structure.name)).to_be_visible()
    check_a11y(page)

    # The link worked once.
    log_out(page)
    visit(page, link, status=410)
    expect(page.get_by_role("heading", name=fr("This link does not work any more"))).to_be_visible()
