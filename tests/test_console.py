"""The staff console in process: sign-in against the embedded user pool, sessions, CSRF, roles and every form.

The browser walk (Chromium, axe, screenshots) is tests/test_console_browser.py; these tests read the
pages' HTML and the items in DynamoDB.
"""

import gzip
import html
import json
import os
import re
import time
from urllib.parse import urlencode

import pytest

from tests import sample
from tests.conftest import post_json

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def pool_keys(aws, monkeypatch, tmp_path):
    """The embedded pool signs its tokens with moto's own key: the app fetches that key's JWKS."""
    import moto.cognitoidp

    from chalicelib.platform import settings as config

    packed = os.path.join(os.path.dirname(moto.cognitoidp.__file__), "resources", "jwks-public.json.gz")
    target = tmp_path / "jwks.json"
    with open(packed, "rb") as handle:
        target.write_bytes(gzip.decompress(handle.read()))
    monkeypatch.setenv("COGNITO_JWKS_URL", target.as_uri())
    config.reload()


def staff_user(aws, username, groups, password="Console-Test-2026!"):
    import boto3

    cognito = boto3.client("cognito-idp", region_name="eu-west-2")
    pool = aws.physical["UserPool"]
    cognito.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool, Username=username, Password=password, Permanent=True)
    for group in groups:
        cognito.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=group)
    return password


class Browser:
    """A person's browser over the Chalice test client: it keeps cookies and reads forms' hidden fields."""

    def __init__(self, client):
        self.client = client
        self.cookies = {}
        self.last = None

    def _headers(self, extra=None):
        headers = dict(extra or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _keep(self, response):
        raw = response.headers.get("set-cookie") or response.headers.get("Set-Cookie")
        values = raw if isinstance(raw, list) else ([raw] if raw else [])
        for value in values:
            pair = value.split(";", 1)[0]
            name, _, content = pair.partition("=")
            if "Max-Age=0" in value or not content:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = content
        self.last = response
        return response

    def get(self, path):
        return self._keep(self.client.http.get(path, headers=self._headers()))

    def post(self, path, fields, csrf=True):
        fields = dict(fields)
        if csrf and "csrf_token" not in fields:
            fields["csrf_token"] = self.csrf()
        body = urlencode(fields, doseq=True)
        return self._keep(self.client.http.post(path, body=body, headers=self._headers({"Content-Type": FORM})))

    def csrf(self):
        found = re.search(r'name="csrf_token" value="([^"]*)"', self.text())
        return html.unescape(found.group(1)) if found else ""

    def text(self):
        body = self.last.body
        return body.decode("utf-8") if isinstance(body, bytes) else body

    def sign_in(self, username, password):
        self.get("/console")
        answer = self.post("/console/sign-in", {"username": username, "password": password, "next": "/console"})
        assert answer.status_code == 303, self.text()
        return answer


@pytest.fixture
def browser(client, pool_keys):
    return Browser(client)


def new_referral(client):
    answer = post_json(client, sample.referral())
    assert answer.status_code == 201
    return json.loads(answer.body)["reference"]


def test_signed_out_visitors_get_the_sign_in_page_and_no_case_detail(client, aws, browser):
    reference = new_referral(client)
    page = browser.get(f"/console/referrals/{reference}")
    assert page.status_code == 200
    text = browser.text()
    assert "<h1" in text and 'name="username"' in text and 'name="password"' in text
    assert reference not in text.replace(f'value="/console/referrals/{reference}"', "")
    assert sample.referral()["child"]["first_name"] not in text
    assert page.headers["Cache-Control"] == "no-store"
    # Never framed, not even by the board's website (which may frame the public pages).
    assert page.headers["Content-Security-Policy"].endswith("frame-ancestors 'none'")
    assert page.headers["X-Frame-Options"] == "DENY" and "unsafe-inline" not in page.headers["Content-Security-Policy"]


def test_a_coordinator_signs_in_sees_the_case_and_records_the_notification(client, aws, browser):
    reference = new_referral(client)
    password = staff_user(aws, "console-coordinator", ["coordinator"])
    browser.get(f"/console/referrals/{reference}")
    answer = browser.post(
        "/console/sign-in",
        {"username": "console-coordinator", "password": password, "next": f"/console/referrals/{reference}"},
    )
    assert answer.status_code == 303 and answer.headers["Location"] == f"/console/referrals/{reference}"
    cookie = [c for c in answer.headers["Set-Cookie"] if c.startswith("console_session=")][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = browser.get(f"/console/referrals/{reference}")
    assert page.status_code == 200, browser.text()
    text = browser.text()
    assert sample.referral()["child"]["first_name"] in text
    assert "Record the notification to the Panel" in text
    # The clocks as a picture, and the same facts as sentences.
    assert text.count("<svg") == 1 and 'class="timeline__today"' in text
    assert re.search(r'<ul class="govuk-list" id="clock-list">\s*<li>Notification to the Panel: ', text)
    version = re.search(r'name="version" value="(\d+)"', text).group(1)
    answer = browser.post(
        f"/console/referrals/{reference}/notification",
        {
            "version": version,
            "became_aware_on-day": "2",
            "became_aware_on-month": "11",
            "became_aware_on-year": "2026",
            "notified_on-day": "3",
            "notified_on-month": "11",
            "notified_on-year": "2026",
            "notified.0": "panel",
        },
    )
    assert answer.status_code == 303, browser.text()
    browser.get(answer.headers["Location"])
    assert "The notification is recorded." in browser.text()
    import boto3

    item = boto3.client("dynamodb", region_name="eu-west-2").get_item(
        TableName=aws.physical["ReferralsTable"], Key={"reference": {"S": reference}}
    )["Item"]
    assert item["notification"]["M"]["notified_on"]["S"] == "2026-11-03"


def test_a_form_without_its_csrf_token_changes_nothing(client, aws, browser):
    reference = new_referral(client)
    password = staff_user(aws, "console-coordinator", ["coordinator"])
    browser.sign_in("console-coordinator", password)
    answer = browser.post(
        f"/console/referrals/{reference}/notification",
        {"became_aware_on-day": "2", "became_aware_on-month": "11", "became_aware_on-year": "2026"},
        csrf=False,
    )
    assert answer.status_code == 403
    import boto3

    item = boto3.client("dynamodb", region_name="eu-west-2").get_item(
        TableName=aws.physical["ReferralsTable"], Key={"reference": {"S": reference}}
    )["Item"]
    assert "notification" not in item


def test_wrong_details_say_so_without_saying_which(client, aws, browser):
    staff_user(aws, "console-chair", ["chair"])
    browser.get("/console")
    wrong_password = browser.post("/console/sign-in", {"username": "console-chair", "password": "Nope-2026-nope!"})
    first = browser.text()
    browser.get("/console")
    unknown = browser.post("/console/sign-in", {"username": "nobody-at-all", "password": "Nope-2026-nope!"})
    assert wrong_password.status_code == unknown.status_code == 401
    assert "There is a problem" in first and "<title>Error: " in first
    message = re.search(r'<li><a href="#username">([^<]*)</a></li>', first).group(1)
    assert message in browser.text()
    assert "console_session" not in browser.cookies


def test_a_wrong_role_sees_a_403_page_and_no_case_detail(client, aws, browser):
    reference = new_referral(client)
    password = staff_user(aws, "console-publisher", ["publishers"])
    browser.sign_in("console-publisher", password)
    page = browser.get(f"/console/referrals/{reference}")
    assert page.status_code == 403
    assert sample.referral()["child"]["first_name"] not in browser.text()


def test_sign_out_ends_the_session(client, aws, browser):
    password = staff_user(aws, "console-chair", ["chair"])
    browser.sign_in("console-chair", password)
    kept = dict(browser.cookies)
    browser.get("/console")
    answer = browser.post("/console/sign-out", {})
    assert answer.status_code == 303
    browser.cookies = kept  # a copy of the old cookie is worth nothing now
    page = browser.get("/console")
    assert 'name="password"' in browser.text() and page.status_code == 200


def test_an_idle_session_ends_after_30_minutes(client, aws, browser, monkeypatch):
    password = staff_user(aws, "console-chair", ["chair"])
    browser.sign_in("console-chair", password)
    assert "Signed in as console-chair" in (browser.get("/console") and browser.text())
    later = time.time() + 31 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    browser.get("/console")
    assert 'name="password"' in browser.text() and "Your session has ended" in browser.text()


def _upload_page_key(browser):
    """Step 1's form, as the browser gets it: a signed POST straight to the uploads bucket, which sends it back."""
    text = browser.text()
    assert 'enctype="multipart/form-data"' in text and 'name="file"' in text and 'accept="application/pdf"' in text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', text))
    assert fields["Content-Type"] == "application/pdf" and "success_action_redirect" in fields
    key = html.unescape(fields["key"])
    from tests.test_publications import PDF, _bucket, s3

    # What storage does with the browser's POST (tested against make run in tests/test_local_stack.py).
    s3().put_object(Bucket=_bucket("UploadsBucket"), Key=key, Body=PDF, ContentType="application/pdf")
    return key


def test_a_publisher_uploads_creates_and_a_second_publisher_certifies(client, aws, browser, monkeypatch):
    monkeypatch.setenv("PUBLIC_URL", "http://localhost")
    from chalicelib.platform import settings as config

    config.reload()
    first = staff_user(aws, "console-publisher", ["publishers"])
    second = staff_user(aws, "console-publisher-2", ["publishers"])
    browser.sign_in("console-publisher", first)
    page = browser.get("/console/publications/new")
    assert page.status_code == 200, browser.text()
    policy = page.headers["Content-Security-Policy"]
    assert "form-action 'self' http" in policy and "connect-src http" in policy  # the bucket's origin only
    key = _upload_page_key(browser)
    browser.get(f"/console/publications/new?uploaded=1&key={key}")
    assert 'name="upload_key"' in browser.text()
    refused = browser.post("/console/publications", {"upload_key": key, "title": "Learning from Child J"})
    assert refused.status_code == 422 and "There is a problem" in browser.text()
    assert 'value="Learning from Child J"' in browser.text()  # what was typed is kept
    answer = browser.post(
        "/console/publications",
        {
            "upload_key": key,
            "kind": "learning_brief",
            "title": "Learning from Child J",
            "case_name": "Child J",
            "summary": "What agencies learned.",
            "keywords": "neglect, housing",
        },
    )
    assert answer.status_code == 303, browser.text()
    location = answer.headers["Location"]
    publication_id = location.split("/")[3].split("?")[0]
    browser.get(location)
    assert "A second publisher must certify it" in browser.text() and 'id="certify"' not in browser.text()

    other = Browser(client)
    other.sign_in("console-publisher-2", second)
    other.get(f"/console/publications/{publication_id}")
    assert 'id="certify"' in other.text()
    unchecked = other.post(f"/console/publications/{publication_id}/certification", {"anonymisation_checked": "yes"})
    assert unchecked.status_code == 422
    other.get(f"/console/publications/{publication_id}")
    done = other.post(
        f"/console/publications/{publication_id}/certification",
        {"anonymisation_checked": "yes", "reporting_restrictions_checked": "yes"},
    )
    assert done.status_code == 303, other.text()
    listed = json.loads(client.http.get("/publications").body)["items"]
    assert [p["id"] for p in listed] == [publication_id] and listed[0]["keywords"] == ["neglect", "housing"]


def test_the_figures_page_and_its_csv_count_without_personal_detail(client, aws, browser):
    new_referral(client)
    password = staff_user(aws, "console-partner", ["partner_health"])
    browser.sign_in("console-partner", password)
    page = browser.get("/console/figures")
    assert page.status_code == 200, browser.text()
    assert "<h1" in browser.text() and "Figures" in browser.text()
    csv_answer = browser.get("/console/figures.csv")
    assert csv_answer.status_code == 200 and csv_answer.headers["Content-Type"].startswith("text/csv")
    text = csv_answer.body.decode() if isinstance(csv_answer.body, bytes) else csv_answer.body
    assert text.startswith("period_type,period,measure,value")
    shown = page.body.decode() if isinstance(page.body, bytes) else page.body
    sample.assert_no_personal_detail([text, shown], "figures")


def _version(browser):
    return re.search(r'name="version" value="(\d+)"', browser.text()).group(1)


def _date(name, day):
    year, month, dd = day.split("-")
    return {f"{name}-day": dd, f"{name}-month": month, f"{name}-year": year}


def test_the_three_partners_sign_off_from_the_case_page_each_for_their_own_partner(client, aws, browser):
    from chalicelib.platform import clock

    today = clock.today().isoformat()
    reference = new_referral(client)
    coordinator = Browser(client)
    coordinator.sign_in("console-coordinator", staff_user(aws, "console-coordinator", ["coordinator"]))
    coordinator.get(f"/console/referrals/{reference}")
    answer = coordinator.post(
        f"/console/referrals/{reference}/rapid-review",
        {
            "version": _version(coordinator),
            **_date("meeting_on", today),
            "criteria_met": "yes",
            "recommendation": "local_review",
            "rationale": "Agencies did not share what they knew.",
        },
    )
    assert answer.status_code == 303, coordinator.text()
    for partner in ("partner_local_authority", "partner_health", "partner_police"):
        person = Browser(client)
        person.sign_in(f"console-{partner}", staff_user(aws, f"console-{partner}", [partner]))
        person.get(f"/console/referrals/{reference}")
        assert "Sign off the decision for your partner" in person.text()
        assert "Record the rapid review" not in person.text()  # only the forms the role allows
        answer = person.post(
            f"/console/referrals/{reference}/sign-off",
            {"version": _version(person), "outcome": "local_review", "rationale": "We agree."},
        )
        assert answer.status_code == 303, person.text()
        person.get(answer.headers["Location"])
        assert "Your sign-off is recorded." in person.text()
        assert "Sign off the decision for your partner" not in person.text()  # signed: no second form
    import boto3

    item = boto3.client("dynamodb", region_name="eu-west-2").get_item(
        TableName=aws.physical["ReferralsTable"], Key={"reference": {"S": reference}}
    )["Item"]
    assert item["status"]["S"] == "decided"
    assert item["decision"]["M"]["outcome"]["S"] == "local_review"


def test_a_stale_form_changes_nothing_and_says_so(client, aws, browser):
    reference = new_referral(client)
    browser.sign_in("console-coordinator", staff_user(aws, "console-coordinator", ["coordinator"]))
    browser.get(f"/console/referrals/{reference}")
    stale, token = _version(browser), browser.csrf()
    first = browser.post(
        f"/console/referrals/{reference}/notices",
        {
            "csrf_token": token,
            "version": stale,
            "to": "ofsted",
            "purpose": "First notice",
            **_date("given_on", "2026-11-02"),
        },
    )
    assert first.status_code == 303
    again = browser.post(
        f"/console/referrals/{reference}/notices",
        {
            "csrf_token": token,
            "version": stale,
            "to": "panel",
            "purpose": "Second notice",
            **_date("given_on", "2026-11-02"),
        },
    )
    assert again.status_code == 409 and "Nothing was saved" in browser.text()


def _session_item(aws):
    import boto3

    found = boto3.client("dynamodb", region_name="eu-west-2").scan(TableName=aws.physical["SessionsTable"])["Items"]
    return [item for item in found if item["state"]["S"] == "signed_in"]


def _tokens_lapse(aws):
    """The pool's tokens as if their 5 minutes were up: the next request refreshes them."""
    import boto3

    db = boto3.client("dynamodb", region_name="eu-west-2")
    for item in _session_item(aws):
        db.update_item(
            TableName=aws.physical["SessionsTable"],
            Key={"id": item["id"]},
            UpdateExpression="SET token_expires_at = :zero",
            ExpressionAttributeValues={":zero": {"N": "0"}},
        )


def test_a_newcomer_changes_their_password_then_sets_up_their_app(client, aws, browser, monkeypatch):
    import boto3

    from stack import totp

    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")  # moto checks codes only then
    cognito = boto3.client("cognito-idp", region_name="eu-west-2")
    pool = aws.physical["UserPool"]
    cognito.admin_create_user(
        UserPoolId=pool, Username="console-newcomer", TemporaryPassword="Temporary-2026-pass!", MessageAction="SUPPRESS"
    )
    cognito.admin_add_user_to_group(UserPoolId=pool, Username="console-newcomer", GroupName="subcommittee")
    browser.get("/console")
    browser.post("/console/sign-in", {"username": "console-newcomer", "password": "Temporary-2026-pass!"})
    assert "Choose a new password" in browser.text() and 'name="new_password"' in browser.text()
    differ = browser.post(
        "/console/sign-in/new-password", {"new_password": "Chosen-Password-2026!", "confirm_password": "Other-2026!"}
    )
    assert differ.status_code == 422 and "not the same" in browser.text()
    weak = browser.post("/console/sign-in/new-password", {"new_password": "weak", "confirm_password": "weak"})
    assert (
        weak.status_code == 422
        and "weak" not in re.sub(r"<[^>]+>", "", browser.text()).split("There is a problem")[1][:400]
    )
    chosen = browser.post(
        "/console/sign-in/new-password",
        {"new_password": "Chosen-Password-2026!", "confirm_password": "Chosen-Password-2026!"},
    )
    assert chosen.status_code == 200 and "Set up your authenticator app" in browser.text()
    secret = re.search(r'<code id="setup-secret">([A-Z2-7a-z]+)</code>', browser.text()).group(1)
    done = browser.post("/console/sign-in/code", {"code": totp.code(secret)})
    assert done.status_code == 303, browser.text()
    browser.get("/console")
    assert "Signed in as console-newcomer" in browser.text()


def test_a_disabled_users_session_ends_at_the_next_token_refresh(client, aws, browser):
    import boto3

    password = staff_user(aws, "console-chair", ["chair"])
    browser.sign_in("console-chair", password)
    browser.get("/console")
    assert "Signed in as console-chair" in browser.text()
    boto3.client("cognito-idp", region_name="eu-west-2").admin_disable_user(
        UserPoolId=aws.physical["UserPool"], Username="console-chair"
    )
    _tokens_lapse(aws)
    browser.get("/console")
    assert 'name="password"' in browser.text() and "Your session has ended" in browser.text()
    assert _session_item(aws) == []


def test_a_user_removed_from_a_group_loses_its_pages_at_the_next_refresh(client, aws, browser):
    import boto3

    reference = new_referral(client)
    password = staff_user(aws, "console-chair", ["chair"])
    browser.sign_in("console-chair", password)
    assert browser.get(f"/console/referrals/{reference}").status_code == 200
    boto3.client("cognito-idp", region_name="eu-west-2").admin_remove_user_from_group(
        UserPoolId=aws.physical["UserPool"], Username="console-chair", GroupName="chair"
    )
    _tokens_lapse(aws)
    page = browser.get(f"/console/referrals/{reference}")
    assert page.status_code == 403 and sample.referral()["child"]["first_name"] not in browser.text()


def test_every_console_route_asks_for_a_session_and_shows_nothing_without_one(client, aws):
    """Derived from the app's own route table: a new console route cannot forget its session check."""
    from app import app

    reference = new_referral(client)
    fill = {"reference": reference, "publication_id": "0123456789ab", "action": "notification"}
    open_routes = {"/console/sign-in", "/console/sign-in/code", "/console/sign-in/new-password", "/console/sign-out"}
    checked = 0
    for path, methods in app.routes.items():
        if not path.startswith("/console") or path in open_routes:
            continue
        concrete = re.sub(r"\{(\w+)\}", lambda m: fill[m.group(1)], path)
        for method in methods:
            if method == "GET":
                answer = client.http.get(concrete)
                assert answer.status_code == 200, path
            else:
                answer = client.http.post(concrete, body="csrf_token=x", headers={"Content-Type": FORM})
                assert answer.status_code == 401, path
            text = answer.body.decode() if isinstance(answer.body, bytes) else answer.body
            assert 'name="password"' in text and sample.referral()["child"]["first_name"] not in text, path
            assert answer.headers["Cache-Control"] == "no-store", path
            checked += 1
    assert checked >= 12


def test_an_unknown_case_is_a_404_page_with_the_navigation(client, aws, browser):
    browser.sign_in("console-chair", staff_user(aws, "console-chair", ["chair"]))
    page = browser.get("/console/referrals/AAAA-BBBB")
    assert page.status_code == 404 and "Sign out" in browser.text()
    assert page.headers["Content-Type"].startswith("text/html")


def test_the_case_list_reads_cases_a_hundred_at_a_time_and_misses_none(client, aws, browser):
    references = {new_referral(client) for _ in range(101)}
    browser.sign_in("console-chair", staff_user(aws, "console-chair", ["chair"]))
    browser.get("/console")
    listed = set(re.findall(r'data-reference="([A-Z0-9-]+)"', browser.text()))
    assert listed == references


def test_after_sign_in_only_a_console_path_is_followed():
    from chalicelib.web.console.access import safe_next

    assert safe_next("/console/referrals/K7QX-M4TP") == "/console/referrals/K7QX-M4TP"
    for elsewhere in (
        "//evil.example/console",
        "https://evil.example",
        "/console//evil",
        "/refer",
        "/console?x=1",
        None,
    ):
        assert safe_next(elsewhere) == "/console"


def test_a_form_from_another_origin_changes_nothing_even_with_the_token(client, aws, browser):
    import boto3

    reference = new_referral(client)
    browser.sign_in("console-coordinator", staff_user(aws, "console-coordinator", ["coordinator"]))
    browser.get(f"/console/referrals/{reference}")
    fields = {"csrf_token": browser.csrf(), "version": _version(browser), "to": "ofsted", "purpose": "Forged"}
    body = urlencode({**fields, **_date("given_on", "2026-11-02")})
    headers = browser._headers({"Content-Type": FORM, "Origin": "https://evil.example", "Host": "localhost"})
    answer = client.http.post(f"/console/referrals/{reference}/notices", body=body, headers=headers)
    assert answer.status_code == 403
    item = boto3.client("dynamodb", region_name="eu-west-2").get_item(
        TableName=aws.physical["ReferralsTable"], Key={"reference": {"S": reference}}
    )["Item"]
    assert "notices" not in item or item["notices"]["L"] == []


def test_a_2015_case_is_recommended_decided_and_reviewed_from_the_case_page(client, aws, pool_keys, monkeypatch):
    from chalicelib.platform import settings as config

    monkeypatch.setenv("TIMELINE_REGIME", "working_together_2015")
    config.reload()
    reference = new_referral(client)
    sub = Browser(client)
    sub.sign_in("console-subcommittee", staff_user(aws, "console-subcommittee", ["subcommittee"]))
    sub.get(f"/console/referrals/{reference}")
    assert f'action="/console/referrals/{reference}/recommendation"' in sub.text()
    assert "Record the rapid review" not in sub.text()  # the 2023 process's forms are not offered
    answer = sub.post(
        f"/console/referrals/{reference}/recommendation",
        {
            "version": _version(sub),
            "recommendation": "criteria_met",
            "rationale": "Serious harm; agencies did not share.",
        },
    )
    assert answer.status_code == 303, sub.text()
    chair = Browser(client)
    chair.sign_in("console-chair", staff_user(aws, "console-chair", ["chair"]))
    chair.get(f"/console/referrals/{reference}")
    missing_reason = chair.post(
        f"/console/referrals/{reference}/decision",
        {"version": _version(chair), "decision": "no_review", "rationale": "Not needed."},
    )
    # The domain's rule, shown beside its field: no review where the criteria are met needs a reason.
    assert missing_reason.status_code == 422 and 'id="decision-override_reason-error"' in chair.text()
    decided = chair.post(
        f"/console/referrals/{reference}/decision",
        {"version": _version(chair), "decision": "serious_case_review", "rationale": "Criteria met."},
    )
    assert decided.status_code == 303, chair.text()
    chair.get(decided.headers["Location"])
    started = chair.post(
        f"/console/referrals/{reference}/progress", {"version": _version(chair), "status": "in_progress"}
    )
    assert started.status_code == 303, chair.text()
    import boto3

    item = boto3.client("dynamodb", region_name="eu-west-2").get_item(
        TableName=aws.physical["ReferralsTable"], Key={"reference": {"S": reference}}
    )["Item"]
    assert item["status"]["S"] == "in_progress" and item["regime"]["S"] == "working_together_2015"
