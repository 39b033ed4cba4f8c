"""Lost password, end to end in the system Chromium (issue 4): by SMS, with the recovery code,
at a structure; refusal to a structure that does not follow the person; a locked account gets
out through recovery. Each checks the journal and that sessions opened before are dead."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts import throttle
from journal.models import JournalEntry
from notify.backends import locmem
from recovery.models import RecoveryCode
from tests.browser.helpers import check_a11y, fr, log_in, visit
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

PHONE = "+33612345678"
NEW_PASSWORD = "le vélo vert dort dans la cour"


@pytest.fixture(autouse=True)
def sms(settings):
    settings.SMS_BACKEND = "notify.backends.locmem.LocmemBackend"
    settings.COFFRE_RECOVERY_MIN_SECONDS = 0
    locmem.outbox.clear()
    yield locmem.outbox
    locmem.outbox.clear()


@pytest.fixture
def elsewhere(browser, live_server):
    """A second device, logged in before the reset: it must be logged out by it."""
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(10_000)
    other = context.new_page()
    yield other
    context.close()


def log_in_professional(page: Page, user) -> None:
    """Password, then the second factor (accounts.gates): the shared helper does both."""
    log_in(page, user.username)


def with_phone(beneficiary):
    user = beneficiary.user
    user.phone, user.phone_verified_at = PHONE, timezone.now()
    user.save()
    return beneficiary


def sms_digits() -> str:
    found = re.search(r"\b(\d{6})\b", locmem.outbox[-1].body)
    assert found, locmem.outbox[-1].body
    return found.group(1)


def field(page: Page, label: str):
    return page.get_by_label(re.compile("^" + re.escape(fr(label))))


def start_recovery(page: Page, identifier: str) -> None:
    visit(page, "/login/")
    page.get_by_role("link", name=fr("Password lost?")).click()
    expect(page.get_by_role("heading", name=fr("Password lost?"))).to_be_visible()
    check_a11y(page)
    field(page, "Your username, or your phone number").fill(identifier)
    page.get_by_role("button", name=fr("Continue")).click()
    expect(page.get_by_role("heading", name=fr("Choose a new password"))).to_be_visible()
    check_a11y(page)


def choose_new_password(page: Page) -> None:
    expect(page.get_by_role("heading", name=fr("Choose your new password"))).to_be_visible()
    check_a11y(page)
    field(page, "New password").fill(NEW_PASSWORD)
    field(page, "The same password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name=fr("Save my new password")).click()
    expect(page.locator(".message.success")).to_have_text(
        fr("Your new password is saved. Log in with it now.")
    )
    check_a11y(page)


def log_in_with_new_password(page: Page, username: str) -> None:
    # The login page comes back with the username filled in.
    expect(page.get_by_label(fr("Username or phone number"))).to_have_value(username)
    page.get_by_label(fr("Password"), exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name=fr("Log in"), exact=True).click()
    expect(page).to_have_url(re.compile(reverse("vault:home") + "$"))
    check_a11y(page)


def assert_logged_out(other: Page) -> None:
    other.goto(reverse("vault:home"))
    expect(other).to_have_url(re.compile(r"/login/"))


def actions(beneficiary) -> list[str]:
    return list(
        JournalEntry.objects.filter(beneficiary=beneficiary)
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_recovery_by_sms(page: Page, world, elsewhere, sms):
    person = with_phone(world.beneficiary)
    log_in(elsewhere, person.user.username)
    start_recovery(page, "06 12 34 56 78")  # the phone number works as well as the username
    page.get_by_role("button", name=fr("Send me a code by SMS")).click()
    expect(page.get_by_role("heading", name=fr("Type the code"))).to_be_visible()
    check_a11y(page)
    assert [m.to for m in sms] == [PHONE]
    field(page, "Code received by SMS (6 digits)").fill(sms_digits())
    page.get_by_role("button", name=fr("Continue")).click()
    choose_new_password(page)
    log_in_with_new_password(page, person.user.username)
    assert_logged_out(elsewhere)
    reset = JournalEntry.objects.get(beneficiary=person, action=JournalEntry.Action.PASSWORD_RESET)
    assert reset.actor == person.user and reset.details == {"path": "sms"}
    assert {"recovery_sms_sent", "password_reset"} <= set(actions(person))
    assert "a été changé" in sms[-1].body


def test_recovery_code(page: Page, world, elsewhere):
    person = world.beneficiary
    log_in(page, person.user.username)
    page.get_by_role("link", name=fr("Prepare my recovery")).click()
    expect(page.get_by_role("heading", name=fr("If I lose my password"))).to_be_visible()
    check_a11y(page)
    page.get_by_role("link", name=fr("Make my recovery code")).click()
    check_a11y(page)
    page.get_by_label(fr("Your password")).fill(PASSWORD)
    page.get_by_role("button", name=fr("Show my new code")).click()
    code = page.get_by_test_id("recovery-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}", code)
    expect(page.get_by_role("button", name=fr("Print"))).to_be_visible()
    check_a11y(page)
    page.get_by_role("button", name=fr("Log out")).click()

    log_in(elsewhere, person.user.username)
    start_recovery(page, person.user.username)
    page.get_by_role("link", name=fr("I have my recovery code")).click()
    check_a11y(page)
    field(page, "Your recovery code (16 letters and digits)").fill(code.lower())
    page.get_by_role("button", name=fr("Continue")).click()
    choose_new_password(page)
    log_in_with_new_password(page, person.user.username)
    assert_logged_out(elsewhere)
    assert not RecoveryCode.objects.filter(user=person.user).exists()  # used up
    assert {"recovery_code_issued", "password_reset"} <= set(actions(person))
    reset = JournalEntry.objects.get(beneficiary=person, action=JournalEntry.Action.PASSWORD_RESET)
    assert reset.details == {"path": "recovery_code"}


def test_assisted_reset_then_first_login(page: Page, world, elsewhere, sms):
    person = with_phone(world.beneficiary)
    log_in(elsewhere, person.user.username)
    log_in_professional(page, world.professional)
    visit(page, reverse("structures:beneficiary", args=[person.code]))
    page.get_by_role("link", name=fr("Password lost: give a new one")).click()
    expect(page.get_by_role("heading", name=fr("New password for this person"))).to_be_visible()
    check_a11y(page)
    field(page, "Identity document I saw").select_option("identity_card")
    field(
        page, "The person is in front of me, asks for a new password, and the document is theirs."
    ).check()
    page.get_by_role("button", name=fr("Continue")).click()
    expect(page.get_by_role("heading", name=fr("The person agrees"))).to_be_visible()
    check_a11y(page)
    field(page, "Code received by SMS (6 digits)").fill(sms_digits())  # read out by the person
    page.get_by_role("button", name=fr("Give a temporary password")).click()
    expect(page.get_by_role("heading", name=fr("Temporary password"))).to_be_visible()
    check_a11y(page)
    one_time = page.get_by_test_id("one-time-password").inner_text()
    person.user.refresh_from_db()
    assert person.user.must_change_password
    reset = JournalEntry.objects.get(beneficiary=person, action=JournalEntry.Action.PASSWORD_RESET)
    assert reset.actor == world.professional and reset.structure == world.structure
    assert reset.details == {
        "path": "assisted",
        "document": "identity_card",
        "sms_confirmed": True,
    }
    assert_logged_out(elsewhere)

    # The person logs in with it and must choose their own password (accounts.gates).
    log_in(elsewhere, person.user.username, one_time)
    expect(elsewhere.get_by_role("heading", name=fr("Choose your own password"))).to_be_visible()
    check_a11y(elsewhere)
    field(elsewhere, "New password").fill(NEW_PASSWORD)
    field(elsewhere, "The same password again").fill(NEW_PASSWORD)
    elsewhere.get_by_role("button", name=fr("Save my password")).click()
    expect(elsewhere).to_have_url(re.compile(reverse("vault:home") + "$"))
    person.user.refresh_from_db()
    assert not person.user.must_change_password and person.user.check_password(NEW_PASSWORD)


def test_assisted_reset_refused_outside_the_structures_that_follow_the_person(page: Page, world):
    log_in_professional(page, world.other_professional)
    visit(page, reverse("recovery:assisted", args=[world.beneficiary.code]), status=404)
    world.owner.refresh_from_db()
    assert world.owner.check_password(PASSWORD)
    assert not JournalEntry.objects.filter(action=JournalEntry.Action.PASSWORD_RESET).exists()


def test_a_locked_account_gets_out_through_recovery(page: Page, world, elsewhere, sms):
    person = with_phone(world.beneficiary)
    log_in(elsewhere, person.user.username)
    # Ten failures lock the name (the growing delays between them are accounts/tests' business).
    for _ in range(throttle.ACCOUNT_LOCK_AFTER):
        throttle.record_failure(person.user.username, "10.0.0.9")
    visit(page, "/login/")
    page.get_by_label(fr("Username or phone number")).fill(person.user.username)
    page.get_by_label(fr("Password"), exact=True).fill(PASSWORD)  # even the right one
    page.get_by_role("button", name=fr("Log in"), exact=True).click()
    expect(page.locator(".message.error")).to_contain_text("bloquée")
    check_a11y(page)

    start_recovery(page, person.user.username)
    page.get_by_role("button", name=fr("Send me a code by SMS")).click()
    field(page, "Code received by SMS (6 digits)").fill(sms_digits())
    page.get_by_role("button", name=fr("Continue")).click()
    choose_new_password(page)
    log_in_with_new_password(page, person.user.username)
    assert_logged_out(elsewhere)
    reset = JournalEntry.objects.get(beneficiary=person, action=JournalEntry.Action.PASSWORD_RESET)
    assert reset.details == {"path": "sms"}
