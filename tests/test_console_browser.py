"""The staff console in a real browser: Debian's Chromium, driven by Playwright, against `make run`.

Each role signs in with its password and its authenticator app's code; the coordinator follows the alert
email's link to the case and records the notification and the rapid review; each partner signs off for
their own partner; a publisher uploads a PDF with the file input (straight to the uploads bucket, with
the progress bar) and a second publisher certifies it. axe-core checks every console page, and
screenshots go to build/screenshots/console-*.png. A signed-out visitor and a wrong role see no case
detail; a form posted without its CSRF token changes nothing.
"""

import json
import re
import time

import pytest

from stack import totp
from tests import sample
from tests.test_browser import Visit
from tests.test_local_stack import call, post_json, sent_emails, stack, staff_call  # noqa: F401  (stack: the fixture)
from tools.pdf import one_page

CHILD = sample.referral()["child"]["first_name"]


def user(stack, group):
    return next(u for u in stack["users"] if group in u["groups"] and not u.get("must_change_password"))


class Person(Visit):
    """One member of staff's browser."""

    def sign_in(self, stack, group, path="/console", who=None, look=False, tries=2):
        """Password, then the authenticator app's code: the page the person asked for.

        moto takes a code in its own 30-second step only: a code made in one step and checked, on a loaded
        machine, in the next is refused (the console then starts again at the password, as it should), so
        that one case gets a second try; every other refusal fails the test."""
        who = who or user(stack, group)
        self.page.goto(self.base + path)
        self.page.fill("#username", who["username"])
        self.page.fill("#password", who["password"])
        with self.page.expect_navigation():
            self.page.click("button:has-text('Sign in')")
        assert self.page.locator("#code").count() == 1, "the demo users have an authenticator app"
        if look:
            self.check_page("console-code")
        step = int(time.time() // totp.STEP)
        self.page.fill("#code", totp.code(who["totp_secret"]))
        step = max(step, int(time.time() // totp.STEP))
        with self.page.expect_navigation():
            self.page.click("button:has-text('Sign in')")
        if not self.page.locator("#signed-in-as").count() and tries > 1 and int(time.time() // totp.STEP) != step:
            refused = "Failed to load resource: the server responded with a status of 401 (Unauthorized)"
            if refused in self.console_errors:
                self.console_errors.remove(refused)
            return self.sign_in(stack, group, path, who, look=False, tries=tries - 1)
        assert self.page.locator("#signed-in-as").count(), self.page.title()
        return who

    def open_form(self, slug):
        self.page.click(f"#form-{slug} summary")

    def fill_date(self, name, day):
        year, month, dd = day.split("-")
        for part, value in (("day", dd), ("month", month), ("year", year)):
            self.page.fill(f"#{name}-{part}", value)

    def submit(self, form_selector):
        with self.page.expect_navigation():
            self.page.click(f"{form_selector} button[type=submit]")

    def banner(self):
        return self.page.locator("#banner").inner_text()


@pytest.fixture
def person(chromium, stack):  # noqa: F811  (stack: the fixture)
    opened = []

    def open_one(javascript=True, width=1280):
        visit = Person(chromium, stack, javascript, width)
        opened.append(visit)
        return visit

    yield open_one
    for visit in opened:
        assert visit.console_errors == [], visit.console_errors
        visit.close()


def email_link(stack, reference, deadline=30):
    """The staff alert's link to the case, as the email carries it."""
    ends = time.time() + deadline
    while time.time() < ends:
        for email in sent_emails(stack):
            found = re.search(r"(https?://\S+/console/referrals/" + reference + ")", email["raw_data"])
            if found:
                return found.group(1)
        time.sleep(0.5)
    raise AssertionError("no staff email with the case's link arrived")


def item(stack, reference):
    from tests.test_local_stack import aws_client

    return aws_client(stack, "dynamodb").get_item(
        TableName=stack["tables"]["referrals"], Key={"reference": {"S": reference}}
    )["Item"]


def test_staff_work_a_case_from_the_email_link_to_the_partners_decision(stack, person):  # noqa: F811
    status, _, raw = post_json(stack, sample.referral())
    assert status == 201
    reference = json.loads(raw)["reference"]
    link = email_link(stack, reference)
    assert link.startswith(stack["api_url"] + "/console/referrals/")

    # Signed out, the link shows the sign-in page and nothing of the case.
    coordinator = person()
    coordinator.page.goto(link)
    assert coordinator.page.locator("#password").count() == 1
    assert CHILD not in coordinator.page.content()
    coordinator.check_page("console-sign-in")
    coordinator.sign_in(stack, "coordinator", path=link[len(stack["api_url"]) :], look=True)
    assert coordinator.page.url == link  # back where the email pointed
    assert CHILD in coordinator.page.content()
    coordinator.check_page("console-case")

    today = time.strftime("%Y-%m-%d", time.gmtime())
    coordinator.open_form("notification")
    coordinator.fill_date("notification-became_aware_on", today)
    coordinator.fill_date("notification-notified_on", today)
    coordinator.page.check("#notification-notified")
    coordinator.submit("#form-notification")
    assert coordinator.banner() == "The notification is recorded."
    coordinator.open_form("rapid-review")
    coordinator.fill_date("rapid-review-meeting_on", today)
    coordinator.page.check("#rapid-review-criteria_met")  # Yes
    coordinator.page.check("#rapid-review-recommendation")  # a local review
    coordinator.page.fill("#rapid-review-rationale", "Agencies did not share what they knew.")
    coordinator.submit("#form-rapid-review")
    assert coordinator.banner() == "The rapid review is recorded."
    coordinator.check_page("console-case-recorded")
    assert item(stack, reference)["status"]["S"] == "rapid_reviewed"

    coordinator.page.goto(stack["api_url"] + "/console")
    assert coordinator.page.locator(f"tr[data-reference='{reference}']").count() == 1
    coordinator.check_page("console-cases")
    coordinator.page.goto(stack["api_url"] + f"/console/referrals/{reference}/audit")
    assert "read referral" in coordinator.page.content()
    coordinator.check_page("console-audit")
    coordinator.page.goto(stack["api_url"] + "/console/figures")
    coordinator.check_page("console-figures")

    # The three partners take turns at one browser: each signs out before the next signs in, so a session
    # left behind would show here as the wrong partner's form.
    partner = person()
    for group in ("partner_local_authority", "partner_health", "partner_police"):
        partner.sign_in(stack, group, path=f"/console/referrals/{reference}")
        assert partner.page.locator("#signed-in-as").inner_text().endswith(user(stack, group)["username"])
        assert partner.page.locator("#form-rapid-review").count() == 0  # only the forms the role allows
        partner.open_form("sign-off")
        partner.page.check("#sign-off-outcome")  # a local review
        partner.page.fill("#sign-off-rationale", "We agree with the rapid review.")
        partner.submit("#form-sign-off")
        assert partner.banner() == "Your sign-off is recorded."
        if group == "partner_police":
            partner.check_page("console-case-decided")
        with partner.page.expect_navigation():
            partner.page.click("#sign-out")
    decided = item(stack, reference)
    assert decided["status"]["S"] == "decided" and decided["decision"]["M"]["outcome"]["S"] == "local_review"

    # A form posted without its CSRF token changes nothing (the browser's own cookies, no token).
    before = item(stack, reference)["version"]["N"]
    answer = coordinator.page.request.post(
        stack["api_url"] + f"/console/referrals/{reference}/notices",
        form={"to": "ofsted", "purpose": "Forged", "given_on-day": "1", "given_on-month": "1", "given_on-year": "2026"},
        max_redirects=0,
    )
    assert answer.status == 403
    assert item(stack, reference)["version"]["N"] == before

    # A wrong role sees a 403 page and nothing of the case.
    publisher = person()
    publisher.sign_in(stack, "publishers")
    answer = publisher.page.goto(stack["api_url"] + f"/console/referrals/{reference}")
    assert answer.status == 403 and CHILD not in publisher.page.content()
    publisher.check_page("console-forbidden")
    publisher.console_errors.remove("Failed to load resource: the server responded with a status of 403 (Forbidden)")

    # Sign out: the session is gone, the case is not shown again.
    coordinator.page.goto(stack["api_url"] + "/console")
    with coordinator.page.expect_navigation():
        coordinator.page.click("#sign-out")
    coordinator.page.goto(link)
    assert coordinator.page.locator("#password").count() == 1 and CHILD not in coordinator.page.content()


def test_a_publisher_uploads_a_pdf_and_a_second_publisher_certifies_it(stack, person, tmp_path):  # noqa: F811
    pdf = tmp_path / "learning-brief.pdf"
    pdf.write_bytes(one_page("Learning brief: working together", ["What agencies learned."]))
    first = person()
    first.sign_in(stack, "publishers")
    first.page.goto(stack["api_url"] + "/console/publications")
    first.check_page("console-publications")
    first.page.goto(stack["api_url"] + "/console/publications/new")
    first.check_page("console-upload")
    first.page.set_input_files("#file", str(pdf))
    with first.page.expect_navigation(url=re.compile(r".*/console/publications/new\?.*key=uploads.*")):
        first.page.click("form[data-upload] button")
    first.check_page("console-publication-fields")
    first.page.check("input[name=kind][value=learning_brief]")
    first.page.fill("#new-title", "Learning brief: working together")
    first.page.fill("#new-case_name", "Thematic")
    first.page.fill("#new-summary", "What agencies learned about working together.")
    first.page.fill("#new-keywords", "multi-agency, information sharing")
    with first.page.expect_navigation():
        first.page.click("button:has-text('Create the publication')")
    assert "A second publisher must certify it" in first.banner()
    first.check_page("console-publication")
    publication_url = first.page.url.split("?")[0]
    publication_id = publication_url.rsplit("/", 1)[1]

    # The second publisher, on a phone with JavaScript off.
    second = person(javascript=False, width=320)
    other = [u for u in stack["users"] if "publishers" in u["groups"]][1]
    second.sign_in(stack, "publishers", path=publication_url[len(stack["api_url"]) :], who=other)
    second.page.check("#certification-anonymisation_checked")
    second.page.check("#certification-reporting_restrictions_checked")
    with second.page.expect_navigation():
        second.page.click("#certify")
    assert second.page.locator("#banner").inner_text() == "The publication is certified."
    second.check_page("console-publication-certified")
    status, _, raw = call(stack, "GET", "/publications")
    assert status == 200 and publication_id in [p["id"] for p in json.loads(raw)["items"]]


def test_the_console_at_320_px_without_javascript_signs_in_and_shows_the_case_list(stack, person):  # noqa: F811
    visit = person(javascript=False, width=320)
    who = user(stack, "chair")
    visit.page.goto(stack["api_url"] + "/console")
    visit.page.fill("#username", who["username"])
    visit.page.fill("#password", "not-the-password")
    with visit.page.expect_navigation():
        visit.page.click("button:has-text('Sign in')")
    assert visit.page.title().startswith("Error: ") and visit.page.locator(".govuk-error-summary").count() == 1
    visit.check_page("console-sign-in-error")
    visit.console_errors.remove("Failed to load resource: the server responded with a status of 401 (Unauthorized)")
    visit.page.fill("#password", who["password"])
    with visit.page.expect_navigation():
        visit.page.click("button:has-text('Sign in')")
    visit.page.fill("#code", "000000")  # a wrong code: back to the start, with the same one message
    with visit.page.expect_navigation():
        visit.page.click("button:has-text('Sign in')")
    assert visit.page.locator(".govuk-error-summary").inner_text().count("not right") == 1
    visit.console_errors.remove("Failed to load resource: the server responded with a status of 401 (Unauthorized)")
    visit.page.fill("#username", who["username"])
    visit.page.fill("#password", who["password"])
    with visit.page.expect_navigation():
        visit.page.click("button:has-text('Sign in')")
    visit.page.fill("#code", totp.code(who["totp_secret"]))
    with visit.page.expect_navigation():
        visit.page.click("button:has-text('Sign in')")
    assert visit.page.locator("#cases").count() == 1
    visit.check_page("console-cases")


def test_a_newcomer_chooses_a_password_and_sets_up_an_app(stack, person):  # noqa: F811
    # A newcomer of this test's own (the demo newcomer belongs to the stack's tests, which share the stack).
    from tests.test_local_stack import aws_client

    newcomer = {"username": f"console-newcomer-{int(time.time() * 1000)}", "password": "Temporary-Console-2026!"}
    cognito = aws_client(stack, "cognito-idp")
    cognito.admin_create_user(
        UserPoolId=stack["user_pool_id"],
        Username=newcomer["username"],
        TemporaryPassword=newcomer["password"],
        MessageAction="SUPPRESS",
    )
    cognito.admin_add_user_to_group(
        UserPoolId=stack["user_pool_id"], Username=newcomer["username"], GroupName="subcommittee"
    )
    visit = person()
    visit.page.goto(stack["api_url"] + "/console")
    visit.page.fill("#username", newcomer["username"])
    visit.page.fill("#password", newcomer["password"])
    with visit.page.expect_navigation():
        visit.page.click("button:has-text('Sign in')")
    visit.check_page("console-new-password")
    visit.page.fill("#new_password", "Chosen-Console-2026!")
    visit.page.fill("#confirm_password", "Chosen-Console-2026!")
    with visit.page.expect_navigation():
        visit.page.click("button:has-text('Save password and continue')")
    visit.check_page("console-app-setup")
    secret = visit.page.locator("#setup-secret").inner_text()
    visit.page.fill("#code", totp.code(secret))
    with visit.page.expect_navigation():
        visit.page.click("button:has-text('Sign in')")
    assert visit.page.locator("#signed-in-as").inner_text().endswith(newcomer["username"])
    assert visit.page.locator("#cases").count() == 1  # a subcommittee member's first page (the chair's: at 320 px)
