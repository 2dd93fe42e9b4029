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
