"""The public pages in a real browser: Debian's Chromium, driven by Playwright, against `make run`.

A person completes a referral with the keyboard alone, JavaScript off (at 320 px) and on (at 1280 px),
correcting one mistake on the way; the reference is then found in the staff case list. axe-core checks
every page; screenshots are written to build/screenshots/ for people to look at; every page's weight
(HTML, CSS, scripts, fonts, gzip-compressed) is measured against 100 KB.
"""

import gzip
import json
import os
import re
import urllib.request

import pytest

from tests import sample
from tests.test_local_stack import ROOT, sign_in, stack, staff_call  # noqa: F401  (stack: the fixture)
from tests.test_pages import answers_for

# Debian's headless build of its Chromium (package chromium-headless-shell, the same engine and version, without
# the desktop browser's layers; what Playwright itself runs for headless tests): a third less CPU than
# `chromium --headless` on these walks. Debian's `chromium` when only it is installed.
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"
CHROMIUM = HEADLESS_SHELL if os.path.exists(HEADLESS_SHELL) else "/usr/bin/chromium"
SHOTS = os.path.join(ROOT, "build", "screenshots")
AXE = os.path.join(ROOT, "node_modules", "axe-core", "axe.min.js")
BUDGET = 100 * 1024
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class Visit:
    """One person's tab: every request it makes, every console error, axe on each page it is shown."""

    def __init__(self, chromium, stack, javascript, width):
        self.base = stack["api_url"]
        self.context = chromium.new_context(java_script_enabled=javascript, viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.width = width
        self.javascript = javascript
        self.requests, self.console_errors = [], []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda message: message.type == "error" and self.console_errors.append(message.text))
        with open(AXE, encoding="utf-8") as handle:
            self.axe = handle.read()

    def check_page(self, name):
        """axe finds nothing; nothing is wider than the window; a screenshot for people to look at.

        axe runs where the page's JavaScript does (with it off, axe's timers never fire); the JavaScript-on
        walk shows it the same pages."""
        if self.javascript:
            # Evaluated through the browser's debugging protocol, not a <script>: the page's CSP stays as served.
            self.page.evaluate(self.axe)
            result = self.page.evaluate("""async () => {
                const r = await axe.run(document, {runOnly: {type: 'tag', values:
                    ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
                return r.violations.map(v => ({id: v.id, impact: v.impact,
                                               nodes: v.nodes.map(n => n.target.join(' '))}));
            }""")
            assert result == [], f"axe on {name}: {json.dumps(result, indent=1)}"
        overflow = self.page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= self.width, f"{name} is {overflow} px wide in a {self.width} px window"
        os.makedirs(SHOTS, exist_ok=True)
        self.page.screenshot(path=os.path.join(SHOTS, f"{self.width}-{name}.png"), full_page=True)

    def focused(self):
        return self.page.evaluate("""() => { const e = document.activeElement;
            return {tag: e.tagName.toLowerCase(), name: e.name || '', value: e.value || '', type: e.type || '',
                    checked: !!e.checked, text: (e.innerText || '').trim()}; }""")

    def tab_to(self, wanted, most=200):
        for _ in range(most):
            self.page.keyboard.press("Tab")
            here = self.focused()
            if wanted(here):
                return here
        raise AssertionError(
            f"the keyboard never reached the element on {self.page.title()!r}: "
            + self.page.locator(".govuk-error-summary").all_inner_texts().__repr__()
        )

    def press_and_wait(self, key):
        """A key that submits a form: wait for the next page to load."""
        with self.page.expect_navigation():
            self.page.keyboard.press(key)

    def close(self):
        self.context.close()


def fill_by_keyboard(visit, typed, fix=()):
    """Walks the page's controls with Tab, answering each as a person would, until Continue or Send."""
    filled = set()
    while True:
        here = visit.tab_to(lambda f: f["tag"] in ("input", "textarea", "button"))
        name = here["name"]
        if here["tag"] == "button":
            if here["value"] == "add" and _items_wanted(visit, typed):
                visit.press_and_wait("Enter")
                return "add"
            if here["value"] in ("continue", "send"):
                visit.press_and_wait("Enter")
                return here["value"]
            continue
        if name in filled or name not in typed:
            continue
        filled.add(name)
        if here["type"] == "radio":
            for _ in range(10):
                if visit.focused()["value"] == typed[name]:
                    break
                visit.page.keyboard.press("ArrowDown")  # moves to the next choice and selects it
            visit.page.keyboard.press("Space")
        elif here["type"] == "checkbox":
            if not here["checked"]:
                visit.page.keyboard.press("Space")
        elif here["value"] == "" or name in fix:
            visit.page.keyboard.press("ControlOrMeta+A")
            if visit.javascript and here["tag"] == "textarea":
                # Key by key in the long answers, with the page's scripts running: none may swallow a key.
                visit.page.keyboard.type(typed[name])
            else:
                # Pasted elsewhere (one input event, as Ctrl+V gives): no script of these pages listens to keys in a
                # field, so a key's only effect is its character, and typing each cost the browser as much as the
                # rest of the walk.
                visit.page.keyboard.insert_text(typed[name])


def _items_wanted(visit, typed):
    """More family members (or agencies) typed than the page shows yet."""
    group = {"family": "family_members", "agencies": "agencies_involved"}.get(_form_step(visit))
    if group is None:
        return False
    shown = visit.page.evaluate("[...document.querySelectorAll('input,textarea')].map(e => e.name)")
    items = lambda names: {n.split(".")[1] for n in names if n.startswith(group + ".")}  # noqa: E731
    return len(items(shown)) < len(items(typed))


def _form_step(visit):
    return visit.page.evaluate(
        "(document.querySelector('form[method=post]') || document.body).getAttribute('action') || ''"
    ).rsplit("/", 1)[-1]


def complete_referral(visit, mode):
    """From the start page to the confirmation, by keyboard alone; one mistake corrected on the way."""
    typed = answers_for(sample.referral())
    typed["declaration"] = "yes"
    page = visit.page
    page.goto(visit.base + "/refer")
    visit.check_page(f"{mode}-start")
    visit.tab_to(lambda f: f["tag"] == "button" and f["value"] == "start")
    visit.press_and_wait("Enter")
    assert page.locator("h1").inner_text() == "About you"

    fill_by_keyboard(visit, {**typed, "referrer.email": "priya.raman"})
    assert page.title().startswith("Error: About you")
    summary = page.locator(".govuk-error-summary")
    assert summary.get_attribute("data-module") == "govuk-error-summary"
    assert "Your work email address must be an email address" in summary.inner_text()
    assert page.input_value("[name='referrer.job_title']") == "Senior Social Worker"  # kept
    visit.check_page(f"{mode}-error")
    fill_by_keyboard(visit, typed, fix=("referrer.email",))

    steps = []
    while page.locator("h1").inner_text() != "Check your answers before sending the referral":
        heading = page.locator("h1").inner_text()
        assert not page.title().startswith("Error"), page.locator(".govuk-error-summary").inner_text()
        if heading not in steps:
            steps.append(heading)
            visit.check_page(f"{mode}-step-{len(steps)}")
        fill_by_keyboard(visit, typed)
    assert steps == [
        "The child",
        "What happened",
        "The review you are asking for",
        "Other children",
        "The child's family",
        "Agencies involved",
    ]
    visit.check_page(f"{mode}-check")
    assert fill_by_keyboard(visit, typed) == "send"
    assert "Referral sent" in page.locator("h1").inner_text()
    visit.check_page(f"{mode}-sent")
    reference = page.locator("#reference").inner_text()
    assert re.fullmatch(r"[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{4}-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{4}", reference)
    assert "?" not in page.url and all("Quillfeather" not in url for url in visit.requests)
    return reference


def same_origin_only(visit):
    assert all(url.startswith(visit.base) for url in visit.requests), "a request left the service"
    # A Content-Security-Policy violation, or a script error, shows here (a 422 page's status does too).
    assert [e for e in visit.console_errors if not e.startswith("Failed to load resource")] == []


def in_case_list(stack, reference):
    status, body = staff_call(stack, "GET", "/staff/referrals", sign_in(stack, "chair")["access"])
    assert status == 200
    return reference in [item["reference"] for item in body["items"]]


def test_a_referral_by_keyboard_alone_with_javascript_off_at_320px(chromium, stack):
    visit = Visit(chromium, stack, javascript=False, width=320)
    reference = complete_referral(visit, "nojs")
    same_origin_only(visit)
    visit.close()
    assert in_case_list(stack, reference)


def test_a_referral_by_keyboard_alone_with_javascript_on_at_1280px(chromium, stack):
    visit = Visit(chromium, stack, javascript=True, width=1280)
    reference = complete_referral(visit, "js")
    assert visit.page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
    same_origin_only(visit)
    visit.close()
    assert in_case_list(stack, reference)


def test_a_search_finds_a_leaflet_at_1280_and_320_px(chromium, stack):
    visit = Visit(chromium, stack, javascript=True, width=1280)
    page = visit.page
    for width in (1280, 320):  # one tab, narrowed: the same pages checked as a phone shows them
        visit.width = width
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(stack["api_url"] + "/case-reviews")
        visit.check_page("case-reviews")
        assert "PDF, " in page.locator("main").inner_text()
        page.fill("#q", "Child J")
        visit.press_and_wait("Enter")
        assert "q=Child+J" in page.url
        results = page.locator("main ul li h3 a").all_inner_texts()
        assert len(results) == 1 and "Child J" in results[0]
        visit.check_page("case-reviews-search")
        page.goto(stack["api_url"] + "/case-reviews/register")
        visit.check_page("register")
    same_origin_only(visit)
    visit.close()


@pytest.mark.parametrize("path", ["/refer", "/case-reviews", "/case-reviews/register"])
def test_every_page_weighs_under_100_kb_compressed(stack, path):
    """HTML, stylesheets and scripts (the pages use no web fonts), each gzip-compressed as served."""
    base = stack["api_url"]
    html = urllib.request.urlopen(base + path, timeout=30).read()
    parts = re.findall(rb'<link rel="stylesheet" href="([^"]+)"', html)
    parts += re.findall(rb'<script type="module" src="([^"]+)"', html)
    total = len(gzip.compress(html))
    for part in parts:
        body = urllib.request.urlopen(base + part.decode(), timeout=30).read()
        total += len(gzip.compress(body))
        if b"pages-" in part and part.endswith(b".js"):  # our module imports govuk-frontend's
            for imported in re.findall(rb'from"\./([^"]+)"', body.replace(b" ", b"")):
                total += len(gzip.compress(urllib.request.urlopen(f"{base}/assets/{imported.decode()}").read()))
    print(f"page weight {path}: {total} bytes gzip-compressed")
    assert total < BUDGET
