"""The information pages (CGU, how it works, privacy, guarantees, restitution) and the CSP, in the
system Chromium: reachable from every footer, readable at 360 px, axe-clean, nothing blocked."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser import helpers
from tests.browser.helpers import check_a11y, check_layout, fr, log_in, visit

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
PAGES = {
    "terms": ("Terms of use", "Conditions d’utilisation"),
    "how_it_works": ("How your safe works", "Comment marche votre coffre"),
    "privacy": ("Privacy", "Vos données personnelles"),
    "guarantees": ("Our guarantees", "Nos garanties"),
    "restitution": ("Get all your papers back", "Récupérer tous vos papiers"),
}


def footer(page: Page):
    return page.get_by_role("navigation", name=fr("About Coffre"))


def test_every_page_is_linked_from_the_footer_and_reads_well_on_a_phone(page: Page):
    SCREENSHOTS.mkdir(exist_ok=True)
    warnings: list[str] = []
    page.on(
        "console",
        lambda message: warnings.append(message.text) if message.type != "log" else None,
    )
    visit(page, "/login/")
    for name, (link, heading) in PAGES.items():
        footer(page).get_by_role("link", name=fr(link), exact=True).click()
        expect(page).to_have_url(re.compile(re.escape(reverse(f"pages:{name}")) + "$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.locator("article[lang=fr]")).to_be_visible()
        for width in (360, 1280):
            page.set_viewport_size({"width": width, "height": 800})
            check_a11y(page)
            check_layout(page)
            page.screenshot(path=SCREENSHOTS / f"info-{name}-{width}.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 800})
    # Nothing from the browser about our headers either (an unknown Permissions-Policy feature
    # is only a console warning).
    assert warnings == []


def test_the_restitution_page_leads_the_person_to_their_safe(page: Page, world):
    log_in(page, world.owner.username)
    visit(page, reverse("pages:restitution"))
    page.get_by_role("link", name="Aller à mon coffre").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("vault:home")) + "$"))
    check_a11y(page)


def test_account_creation_links_to_the_terms(page: Page, world):
    log_in(page, world.professional.username)
    visit(page, reverse("structures:beneficiary_create", args=[world.structure.code]))
    link = page.get_by_role("link", name=fr("Read the terms of use together (opens in a new tab)"))
    with page.context.expect_page() as new_tab:
        link.click()
    terms = new_tab.value
    expect(terms.get_by_role("heading", level=1)).to_have_text("Conditions d’utilisation")
    helpers.check_csp(terms)
    terms.close()
    # The form the professional was filling in is still there.
    expect(page.get_by_role("button", name=fr("Create the account"))).to_be_visible()


def test_a_csp_violation_fails_the_test(page: Page, live_server):
    """The check really sees what the CSP blocks: here, the <style> htmx injects by default."""
    url = live_server.url + reverse("pages:terms")

    def without_htmx_config(route):
        response = route.fetch()
        body = re.sub(r"<meta name=\"htmx-config\"[^>]*>", "", response.text())
        route.fulfill(response=response, body=body)

    errors: list[ConsoleMessage] = []
    page.on("console", lambda message: errors.append(message))
    page.route(url, without_htmx_config)
    page.goto(url)
    page.wait_for_function("window.htmx !== undefined")
    helpers.check_csp(page)
    found = [f for f in helpers.blocking_findings if "CSP violation" in f]
    helpers.blocking_findings.clear()
    assert found and "style-src" in found[0], found
    assert any("Content Security Policy" in message.text for message in errors)
