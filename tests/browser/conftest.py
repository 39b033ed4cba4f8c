"""One system Chromium per module, one French browser context per module, a fresh tab per test."""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM must still be usable
# from the test (fixtures, assertions on the database).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but no `chromium` on PATH: the CI image must install it.")
        pytest.skip("no system Chromium (`chromium` not on PATH): browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def browser_context(browser, live_server):
    # A French phone or PC: the Accept-Language header decides the language before login.
    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(browser_context, transactional_db):
    """A fresh tab (and no cookies) per test; JavaScript errors and axe findings fail the test."""
    from tests.browser import helpers

    helpers.blocking_findings.clear()
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    page.close()
    browser_context.clear_cookies()
    assert not errors, f"JavaScript errors: {errors}"
    findings = list(dict.fromkeys(helpers.blocking_findings))
    helpers.blocking_findings.clear()
    assert not findings, "axe-core critical/serious violations:\n" + "\n".join(findings)


def pytest_terminal_summary(terminalreporter):
    from tests.browser.helpers import minor_findings

    if not minor_findings:
        return
    terminalreporter.section("browser findings that do not fail: minor axe rules, small targets")
    for (kind, detail), paths in sorted(minor_findings.items()):
        terminalreporter.write_line(f"[{kind}] {detail} — {', '.join(sorted(paths))}")
