"""The public pages over HTTP, as a browser without JavaScript uses them: the form's own HTML is
read back (hidden fields and all) and posted, so what is tested is what a person's browser sends."""

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from urllib.parse import urlencode

from tests import sample

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
GROUP_STEPS = {"family": "family_members", "agencies": "agencies_involved"}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Form(HTMLParser):
    """The fields a browser would send from the page's form, and its buttons' values."""

    def __init__(self, html):
        super().__init__()
        self.fields, self.buttons, self.radios, self.boxes = {}, [], {}, {}
        self._textarea = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") in ("radio", "checkbox"):
            (self.radios if a["type"] == "radio" else self.boxes).setdefault(a["name"], []).append(a["value"])
            if "checked" in a:
                self.fields[a["name"]] = a["value"]
        elif tag == "input" and "name" in a:
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields[a["name"]] = ""
        elif tag == "button" and a.get("name") == "action":
            self.buttons.append(a["value"])

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def answers_for(document):
    """The sample referral as a person types it into the pages: dates in three boxes, yes/no radios."""
    typed = {}
    for name, value in _flat(document):
        if re.search(r"(date|date_of_birth|date_of_death)$", name) and isinstance(value, str):
            year, month, day = value.split("-")
            typed.update({f"{name}-day": str(int(day)), f"{name}-month": str(int(month)), f"{name}-year": year})
        elif isinstance(value, bool):
            typed[name] = "yes" if value else "no"
        else:
            typed[name] = value
    return typed


def _flat(document, prefix=""):
    if isinstance(document, dict):
        for key, value in document.items():
            yield from _flat(value, f"{prefix}{key}.")
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from _flat(value, f"{prefix}{index}.")
    else:
        yield prefix[:-1], document


class Browser:
    """Posts each page's form back as a browser does, with what a person typed on that page."""

    def __init__(self, client):
        self.client = client
        self.response = None
        self.step = None

    def start(self):
        self.post("about-you", {"action": "start"})
        return self

    def post(self, step, fields):
        self.response = self.client.http.post(f"/refer/{step}", body=urlencode(fields), headers=FORM)
        self.html = self.response.body.decode()
        match = re.search(r'<form method="post" action="/refer/([a-z-]+)"', self.html)
        self.step = match.group(1) if match else None
        return self.response

    def fill(self, typed, action="continue"):
        form = Form(self.html)
        fields = dict(form.fields)
        for name in list(fields) + list(form.radios) + list(form.boxes):
            if name in typed and name != "declaration":
                fields[name] = typed[name]
        if "declaration" in typed and "declaration" in form.boxes:
            fields["declaration"] = "yes"
        fields["action"] = action
        return self.post(self.step, fields)

    def add_items(self, typed, group):
        """Presses "Add" until the page has as many items as the answers do."""
        wanted = len({n.split(".")[1] for n in typed if n.startswith(group + ".")})
        while len({n.split(".")[1] for n in Form(self.html).fields if n.startswith(group + ".")}) < wanted:
            self.fill({}, action="add")


def referrals_in_table(aws):
    import boto3

    table = aws.physical["ReferralsTable"]
    return boto3.client("dynamodb", region_name="eu-west-2").scan(TableName=table)["Items"]


def test_a_referral_sent_through_the_pages_is_the_one_the_api_stores(client, aws):
    typed = answers_for(sample.referral())
    browser = Browser(client).start()
    assert browser.response.status_code == 200 and browser.step == "about-you"
    assert browser.response.headers["Cache-Control"] == "no-store"

    # One mistake on the way: the referrer's email is not an email. The page says so and keeps the typing.
    browser.fill({**typed, "referrer.email": "priya.raman"})
    assert browser.response.status_code == 422 and browser.step == "about-you"
    assert "<title>Error: About you" in browser.html
    assert 'role="alert"' in browser.html and "There is a problem" in browser.html
    assert '<a href="#referrer.email">Your work email address must be an email address</a>' in browser.html
    assert browser.html.count('<a href="#referrer.email">') == 1  # one message a field
    assert 'id="referrer.email-error"' in browser.html and 'aria-describedby="referrer.email-error"' in browser.html
    assert 'value="Senior Social Worker"' in browser.html and 'value="priya.raman"' in browser.html

    visited = []
    while browser.step != "check":
        visited.append(browser.step)
        if browser.step in GROUP_STEPS:
            browser.add_items(typed, GROUP_STEPS[browser.step])
        browser.fill(typed)
        assert browser.response.status_code == 200, (browser.step, browser.html[:3000])
    assert visited == ["about-you", "child", "incident", "review", "other-children", "family", "agencies"]
    assert "Send referral" in browser.html and "14 March 2019" in browser.html  # dates read as people write them

    before_send = browser.html
    browser.fill(typed, action="send")
    assert browser.response.status_code == 200
    assert browser.response.headers["Cache-Control"] == "no-store"
    reference = re.search(r'<strong id="reference">([A-Z0-9]{4}-[A-Z0-9]{4})</strong>', browser.html).group(1)
    assert "Referral sent" in re.search(r"<h1[^>]*>(.*?)</h1>", browser.html, re.S).group(1)

    # Pressing Send again (a double click, or Back and Send): the same referral, not a second one.
    browser.html = before_send
    browser.step = "check"
    browser.fill(typed, action="send")
    assert f'<strong id="reference">{reference}</strong>' in browser.html
    items = referrals_in_table(aws)
    assert len(items) == 1 and items[0]["reference"]["S"] == reference

    # The pages are a face of POST /referrals: the same answers as JSON make the same document.
    stored = json.loads(items[0]["document"]["S"])
    assert stored.pop("submission_id") == Form(before_send).fields["submission_id"]
    assert stored == sample.REFERRAL


def test_the_send_shows_every_remaining_error_on_its_own_step(client, aws):
    typed = answers_for(sample.referral())
    browser = Browser(client).start()
    browser.fill(typed)  # about you
    # A date of death before the date of birth: a rule beyond the schema, from the same rules module.
    browser.fill({**typed, "child.date_of_birth-year": "2019"})
    browser.fill({**typed, "child.date_of_death-year": "2018"})
    assert browser.response.status_code == 422 and browser.step == "incident"
    assert "Date of death must not be before the child&#39;s date of birth" in browser.html
    assert 'href="#child.date_of_death-day"' in browser.html
    assert referrals_in_table(aws) == []


def test_a_send_without_the_declaration_stores_nothing(client, aws):
    typed = answers_for(sample.referral())
    browser = Browser(client).start()
    while browser.step != "check":
        if browser.step in GROUP_STEPS:
            browser.add_items(typed, GROUP_STEPS[browser.step])
        browser.fill(typed)
    browser.fill({k: v for k, v in typed.items() if k != "declaration"}, action="send")
    assert browser.response.status_code == 422 and browser.step == "check"
    assert '<a href="#declaration">' in browser.html
    assert referrals_in_table(aws) == []


def test_repeating_groups_add_and_remove_without_javascript(client, aws):
    browser = Browser(client).start()
    browser.post("family", {"action": "add", "family_members.0.name": "Marisol Quillfeather"})
    assert 'name="family_members.1.name"' in browser.html and 'value="Marisol Quillfeather"' in browser.html
    browser.fill({"family_members.1.name": "Gideon Brackwater"}, action="remove:0")
    assert 'value="Gideon Brackwater"' in browser.html and "Marisol" not in browser.html
    assert 'name="family_members.0.name"' in browser.html and 'name="family_members.1.name"' not in browser.html


def test_the_pages_headers_and_nothing_typed_in_a_url_or_a_log(client, aws, captured_logs):
    browser = Browser(client).start()
    browser.fill(answers_for(sample.referral()))
    headers = browser.response.headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'self' https://www.board.example" in policy  # the WebsiteOrigin parameter
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"
    assert re.findall(r'action="([^"]*)"', browser.html) == ["/refer/child"]
    assert all('"path": "/refer/{step}"' in line for line in captured_logs if '"request"' in line and "refer" in line)


def test_a_form_the_pages_cannot_read_is_a_page_not_json(client, aws):
    response = client.http.post("/refer/child", body="a=1&a=2", headers=FORM)
    assert response.status_code == 400 and response.headers["Content-Type"].startswith("text/html")
    assert "Start a new referral" in response.body.decode()
    response = client.http.post("/refer/nowhere", body="action=continue", headers=FORM)
    assert response.status_code == 404 and response.headers["Content-Type"].startswith("text/html")


def test_every_field_of_the_schema_is_asked_on_a_step():
    from chalicelib.web.pages import steps

    def leaves(path):
        node = steps.node(".".join(path))
        if node.get("type") == "object":
            for name in node["properties"]:
                yield from leaves(path + [name])
        elif node.get("type") == "array" and (steps.node(".".join(path + ["0"])) or {}).get("type") == "object":
            yield from leaves(path + ["0"])
        else:
            yield ".".join(part for part in path if part != "0")  # list items are asked under the group's name

    in_schema = set(leaves([])) - {"submission_id", "website"}
    asked = {"declaration"}
    for step in steps.steps():
        asked |= {f"{step.group}.{f}" for f in step.fields} if step.group else set(step.fields)
    assert in_schema == asked


def test_the_case_reviews_page_lists_searches_and_filters(client, aws):
    import boto3

    from chalicelib import services
    from stack.demo import load

    load(
        services.publications("http://localhost"),
        boto3.client("s3", region_name="eu-west-2"),
        aws.physical["UploadsBucket"],
    )
    page = client.http.get("/case-reviews")
    html = page.body.decode()
    assert page.status_code == 200 and page.headers["Cache-Control"].startswith("public")
    assert "Professionals&#39; leaflets from previous reviews" in html
    assert html.index("Child J (July 2015)") < html.index("Child A (Oct 2014)")  # newest first
    assert re.search(r"PDF, \d+ KB", html)
    assert '<link rel="alternate" type="application/atom+xml"' in html and "national-case-review-repository" in html
    assert '<form method="get" action="/case-reviews"' in html and 'name="q"' in html and 'name="kind"' in html

    found = client.http.get("/case-reviews?q=child+j&kind=").body.decode()
    assert "1 result" in found and "Child J" in found and "Child T" not in found
    none = client.http.get("/case-reviews?kind=overview_report").body.decode()
    assert "0 results" in none and "Nothing matches your search." in none
    bad = client.http.get("/case-reviews?kind=nonsense")
    assert bad.status_code == 400 and bad.headers["Content-Type"].startswith("text/html")

    register = client.http.get("/case-reviews/register").body.decode()
    assert register.count('<tr class="govuk-table__row">') == 1 + 7 and "Online" in register


def test_assets_are_content_hashed_and_cached_for_a_year(client, aws):
    from chalicelib.web.pages import manifest

    for name in manifest().values():
        response = client.http.get(f"/assets/{name}")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.http.get("/assets/..%2Fsteps.py").status_code == 404
    assert client.http.get("/assets/theme.css").body.decode().startswith(":root{--govuk-brand-colour:#1d70b8}")


def test_the_json_path_never_imports_the_pages():
    code = (
        "import sys, app; assert 'jinja2' not in sys.modules and 'chalicelib.web.pages' not in sys.modules, "
        "'the pages are imported at cold start'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
