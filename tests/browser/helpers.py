"""Browser test helpers: French strings, logging in, accessibility and layout checks."""

import re
from collections import defaultdict

from axe_playwright_python.base import AxeResults
from axe_playwright_python.sync_playwright import Axe
from django.utils import translation
from playwright.sync_api import Page, Response, expect

from tests.factories import PASSWORD

BLOCKING_IMPACTS = {"critical", "serious"}
MIN_TARGET_PX = 44  # the project's own rule for controls (coffre.css), stricter than WCAG's 24

_axe = Axe()

# Blocking axe violations of the running test, asserted empty when its page is torn down
# (so that one accessibility problem does not hide what the rest of the journey checks).
blocking_findings: list[str] = []
# Reported at the end of the run, never failing: {(kind, detail): {page path, ...}}.
minor_findings: dict[tuple[str, str], set[str]] = defaultdict(set)

_SMALL_TARGETS_JS = """(min) => {
  const small = [];
  for (const el of document.querySelectorAll('a, button, input, select, summary, textarea')) {
    if (el.type === 'hidden' || el.closest('.visually-hidden')) continue;
    let box = el.getBoundingClientRect();
    if (!box.width || !box.height) continue;
    // A tick box or radio is tapped through its label too: count the larger of the two.
    for (const label of el.labels || []) {
      const around = label.getBoundingClientRect();
      if (around.width * around.height > box.width * box.height) box = around;
    }
    if (box.width < min || box.height < min) {
      const name = (el.innerText || el.getAttribute('name') || el.type || '').trim().slice(0, 40);
      const size = `${Math.round(box.width)}x${Math.round(box.height)}`;
      small.push(`<${el.tagName.toLowerCase()}> "${name}" ${size}`);
    }
  }
  return small;
}"""


# Content-Security-Policy violations of the current document, including those from before the call
# (a buffered ReportingObserver): inline code, eval, a style attribute, an outside resource.
_CSP_VIOLATIONS_JS = """() => new Promise((resolve) => {
  const seen = [];
  const describe = (r) => `${r.body.effectiveDirective}: ${r.body.blockedURL || 'inline'} `
    + `(${r.body.sourceFile || r.url}:${r.body.lineNumber || 0}) ${r.body.sample || ''}`.trim();
  const observer = new ReportingObserver((reports) => seen.push(...reports.map(describe)),
                                         {types: ['csp-violation'], buffered: true});
  observer.observe();
  setTimeout(() => {
    seen.push(...observer.takeRecords().map(describe));
    observer.disconnect();
    resolve(seen);
  }, 0);
})"""


def fr(message: str, **values: object) -> str:
    """The text the French UI shows for a msgid (the msgid itself while it is untranslated)."""
    with translation.override("fr"):
        text = translation.gettext(message)
    return text % values if values else text


def fr_plural(singular: str, plural: str, count: int) -> str:
    with translation.override("fr"):
        return translation.ngettext(singular, plural, count) % {"count": count}


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def check_csp(page: Page) -> None:
    """Fail the test if the browser blocked anything under our Content-Security-Policy."""
    for violation in page.evaluate(_CSP_VIOLATIONS_JS):
        blocking_findings.append(f"{path_of(page)}: CSP violation {violation}")


def check_a11y(page: Page) -> None:
    """Run axe-core on the page as shown: critical/serious fail the test, the rest is reported.

    Every page checked this way is also checked for CSP violations (check_csp).
    """
    page.wait_for_load_state("load")
    check_csp(page)
    # Axe().run(page) re-injects the 500 kB script every time; once per document is enough.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe.axe_script)
    results = AxeResults(page.evaluate("axe.run({resultTypes: ['violations']})"))
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING_IMPACTS:
            blocking_findings.append(
                f"{path_of(page)}: {results.generate_report(violation_id=violation['id'])}"
            )
        else:
            detail = f"{violation['id']} ({violation['impact']}): {violation['help']}"
            minor_findings[("axe", detail)].add(path_of(page))


def check_layout(page: Page) -> None:
    """Nothing may scroll sideways; controls smaller than the project's 44 px are reported."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    width = page.viewport_size["width"] if page.viewport_size else "?"
    assert overflow <= 0, f"{path_of(page)} scrolls sideways by {overflow}px at {width}px"
    for target in page.evaluate(_SMALL_TARGETS_JS, MIN_TARGET_PX):
        minor_findings[("small target", f"{target} at {width}px")].add(path_of(page))


def visit(page: Page, url: str, status: int = 200) -> Response:
    """Navigate, check the HTTP status and run axe on what the browser shows."""
    response = page.goto(url)
    assert response is not None
    assert response.status == status, f"{url}: HTTP {response.status}, expected {status}"
    check_a11y(page)
    return response


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Through the login form, as a person would; ends on the page the site sends them to.

    Professionals and staff then type the code of their phone app (a device is made for them,
    as if they had enrolled earlier, when they have none): the gate lets nobody further.
    """
    from accounts import otp
    from accounts.models import User
    from tests.auth import totp_code, totp_device

    user = User.objects.get(username=username)
    device = totp_device(user) if otp.needs_otp(user) else None
    visit(page, "/login/")
    page.get_by_label(fr("Username or phone number")).fill(username)
    page.get_by_label(fr("Password"), exact=True).fill(password)
    page.get_by_role("button", name=fr("Log in"), exact=True).click()
    if device is not None:
        expect(page.get_by_role("heading", name=fr("One more step"))).to_be_visible()
        check_a11y(page)
        page.get_by_label(fr("Code from the app, or a backup code")).fill(totp_code(device))
        page.get_by_role("button", name=fr("Continue")).click()
    expect(page.get_by_role("button", name=fr("Log out"))).to_be_visible()
    check_a11y(page)


def log_out(page: Page) -> None:
    page.get_by_role("button", name=fr("Log out")).click()
    expect(page.get_by_role("heading", name=fr("Open my safe"))).to_be_visible()
    check_a11y(page)
