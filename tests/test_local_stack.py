"""End to end: `make run` as a subprocess, driven over HTTP like the board's website."""

import concurrent.futures
import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlencode

import boto3
import pytest

from tests import sample
from tests.conftest import readable
from tests.test_referrals import REFERENCE, flatten

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def stack(local_stack):
    """`make run`, started once (tests/conftest.py) and shared by every module that asks."""
    return local_stack


def call(stack, method, path, body=None, headers=None):
    request = urllib.request.Request(stack["api_url"] + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def post_json(stack, document, headers=None):
    return call(
        stack,
        "POST",
        "/referrals",
        json.dumps(document).encode(),
        {"Content-Type": "application/json", **(headers or {})},
    )


def aws_client(stack, service):
    return boto3.client(
        service,
        region_name=stack["region"],
        endpoint_url=stack["aws_endpoint_url"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def sent_emails(stack):
    with urllib.request.urlopen(stack["aws_endpoint_url"] + "/moto-api/data.json", timeout=10) as response:
        return json.load(response).get("ses", {}).get("RawMessage", [])


def test_the_stack_describes_itself(stack):
    for key in (
        "api_url",
        "aws_endpoint_url",
        "region",
        "tables",
        "buckets",
        "user_pool_id",
        "user_pool_client_id",
        "users",
        "mail",
    ):
        assert key in stack
    assert {user["groups"][0] for user in stack["users"]} == {
        "subcommittee",
        "chair",
        "publishers",
        "coordinator",
        "partner_local_authority",
        "partner_health",
        "partner_police",
    }
    assert stack["api_url"] in stack["banner"] and "curl" in stack["banner"]
    table = aws_client(stack, "dynamodb").describe_table(TableName=stack["tables"]["referrals"])["Table"]
    assert table["StreamSpecification"]["StreamEnabled"] is True
    assert table["SSEDescription"]["SSEType"] == "KMS"


def test_demo_users_sign_in_with_a_password_then_their_app_code(stack, tmp_path):
    """Each demo user as the staff console signs in: the password, then the code of their authenticator app
    (`totp_secret`), which the embedded Cognito checks; the newcomer must choose a password first."""
    from stack.totp import code

    cognito = aws_client(stack, "cognito-idp")
    newcomers = [user["username"] for user in stack["users"] if user.get("must_change_password")]
    assert newcomers == ["demo-newcomer"]
    for user in stack["users"]:
        first = cognito.initiate_auth(
            ClientId=stack["user_pool_client_id"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user["username"], "PASSWORD": user["password"]},
        )
        if user.get("must_change_password"):
            assert first["ChallengeName"] == "NEW_PASSWORD_REQUIRED" and "totp_secret" not in user
            continue
        assert first["ChallengeName"] == "SOFTWARE_TOKEN_MFA" and "AuthenticationResult" not in first
        right = code(user["totp_secret"])
        with pytest.raises(cognito.exceptions.CodeMismatchException):
            cognito.respond_to_auth_challenge(
                ClientId=stack["user_pool_client_id"],
                ChallengeName="SOFTWARE_TOKEN_MFA",
                Session=first["Session"],
                ChallengeResponses={
                    "USERNAME": user["username"],
                    "SOFTWARE_TOKEN_MFA_CODE": f"{(int(right) + 1) % 1_000_000:06d}",
                },
            )
        result = cognito.respond_to_auth_challenge(
            ClientId=stack["user_pool_client_id"],
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=first["Session"],
            ChallengeResponses={"USERNAME": user["username"], "SOFTWARE_TOKEN_MFA_CODE": code(user["totp_secret"])},
        )
        assert result["AuthenticationResult"]["AccessToken"]

    # The README's way to a token for curl.
    stack_file = tmp_path / "stack.json"
    stack_file.write_text(json.dumps({k: v for k, v in stack.items() if k != "banner"}))
    printed = subprocess.run(
        [os.path.join(ROOT, ".venv", "bin", "python"), "-m", "stack.token", "demo-chair", "--stack", str(stack_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
    status, _ = staff_call(stack, "GET", "/staff/referrals", {"Authorization": f"Bearer {printed}"})
    assert status == 200


def test_a_website_submits_referrals_and_the_emails_arrive(stack):
    status, headers, body = post_json(stack, sample.referral(), {"Idempotency-Key": "e2e-json-0001"})
    assert status == 201 and headers["Content-Type"] == "application/json"
    first = json.loads(body)["reference"]
    status, _, body = post_json(stack, sample.referral(), {"Idempotency-Key": "e2e-json-0001"})
    assert status == 200 and json.loads(body)["reference"] == first

    status, _, body = call(
        stack,
        "POST",
        "/referrals",
        urlencode(flatten(sample.REFERRAL)).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 201
    second = json.loads(body)["reference"]

    status, headers, body = post_json(stack, sample.referral(child__date_of_birth="2019-02-30", declaration=False))
    assert status == 422 and headers["Content-Type"].startswith("application/problem+json")
    assert {e["pointer"] for e in json.loads(body)["errors"]} == {"/child/date_of_birth", "/declaration"}
    status, headers, _ = call(stack, "POST", "/referrals", b"hello", {"Content-Type": "text/plain"})
    assert status == 415 and headers["Content-Type"].startswith("application/problem+json")
    status, headers, body = call(stack, "GET", "/no/such/route")
    assert status == 404 and headers["Content-Type"].startswith("application/problem+json")
    assert json.loads(body)["status"] == 404

    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(
            pool.map(
                lambda i: post_json(
                    stack, sample.referral(), {"Idempotency-Key": f"e2e-many-{i:04d}"} if i % 2 else {}
                ),
                range(20),
            )
        )
    assert [a[0] for a in answers] == [201] * 20
    references = {json.loads(a[2])["reference"] for a in answers} | {first, second}
    assert len(references) == 22 and all(REFERENCE.match(r) for r in references)

    stored = aws_client(stack, "dynamodb").scan(TableName=stack["tables"]["referrals"])["Items"]
    demo = {case["reference"] for case in stack["demo_cases"]}
    assert {item["reference"]["S"] for item in stored} - demo >= references

    def ours():
        return [
            e
            for e in sent_emails(stack)
            if e["raw_data"].split("Subject: ", 1)[1].split("\n", 1)[0].strip().rsplit(" ", 1)[-1] in references
        ]

    deadline = time.time() + 60
    while time.time() < deadline and len(ours()) < 44:
        time.sleep(0.5)
    emails = ours()
    subjects = sorted(email["raw_data"].split("Subject: ", 1)[1].split("\n", 1)[0].strip() for email in emails)
    assert subjects == sorted(
        [f"New case review referral {r}" for r in references] + [f"Your case review referral {r}" for r in references]
    )
    sample.assert_no_personal_detail([text for email in emails for text in readable(email["raw_data"])], "email")

    # The stack prints the app's JSON log lines (checked for personal detail when it stops).
    def logged():
        return any(line.startswith("{") and '"referral_received"' in line for line in stack.printed)

    deadline = time.time() + 10
    while time.time() < deadline and not logged():
        time.sleep(0.2)
    assert logged()


def sign_in(stack, group):
    """A demo user of the group signed in (password, then their app's code): bearer headers for each token."""
    from stack.token import sign_in as signed_in

    user = next(u for u in stack["users"] if group in u["groups"] and not u.get("must_change_password"))
    result = signed_in(stack, user["username"])
    return {
        "access": {"Authorization": "Bearer " + result["AccessToken"]},
        "id": {"Authorization": "Bearer " + result["IdToken"]},
    }


def staff_call(stack, method, path, headers, body=None):
    data = json.dumps(body).encode() if body is not None else None
    status, response_headers, raw = call(
        stack, method, path, data, {**headers, **({"Content-Type": "application/json"} if data else {})}
    )
    return status, (json.loads(raw) if raw and response_headers.get("Content-Type", "").find("json") >= 0 else raw)


def test_demo_staff_walk_a_referral_to_a_decision_and_nobody_else_gets_in(stack):
    sub, chair, publisher = (sign_in(stack, g) for g in ("subcommittee", "chair", "publishers"))
    # The board's default is the 2023 process: the coordinator enters a legacy (2015) case taken by phone.
    status, entered = staff_call(
        stack,
        "POST",
        "/staff/referrals",
        sign_in(stack, "coordinator")["access"],
        {**sample.referral(), "source": "phone", "regime": "working_together_2015"},
    )
    assert status == 201, entered
    reference = entered["reference"]

    assert staff_call(stack, "GET", "/staff/referrals", {})[0] == 401
    assert staff_call(stack, "GET", "/staff/referrals", {"Authorization": "Bearer x.y.z"})[0] == 401
    assert staff_call(stack, "GET", f"/staff/referrals/{reference}", publisher["access"])[0] == 403

    status, listing = staff_call(stack, "GET", "/staff/referrals?status=received&limit=100", sub["access"])
    assert status == 200 and reference in [i["reference"] for i in listing["items"]]
    status, detail = staff_call(stack, "GET", f"/staff/referrals/{reference}", sub["id"])
    assert status == 200 and detail["child"]["first_name"] == sample.REFERRAL["child"]["first_name"]

    decision = {"decision": "multi_agency_case_review", "rationale": "Learning for the partnership."}
    assert staff_call(stack, "POST", f"/staff/referrals/{reference}/decision", chair["access"], decision)[0] == 409
    status, _ = staff_call(
        stack,
        "POST",
        f"/staff/referrals/{reference}/recommendation",
        sub["access"],
        {"recommendation": "criteria_not_met_learning_review", "rationale": "No death; learning."},
    )
    assert status == 200
    assert staff_call(stack, "POST", f"/staff/referrals/{reference}/decision", sub["access"], decision)[0] == 403
    status, decided = staff_call(stack, "POST", f"/staff/referrals/{reference}/decision", chair["access"], decision)
    assert status == 200 and decided["status"] == "decided"

    status, trail = staff_call(stack, "GET", f"/staff/audit?reference={reference}", chair["access"])
    assert status == 200
    assert [(e["actor"], e["action"]) for e in reversed(trail["items"])] == [
        ("demo-coordinator", "enter_referral"),
        ("demo-subcommittee", "read_referral"),
        ("demo-subcommittee", "recommend"),
        ("demo-chair", "decide"),
    ]
    assert all(e["source_ip"] == "127.0.0.1" for e in trail["items"])

    deadline = time.time() + 30
    subject = f"Outcome of your case review referral {reference}"
    while time.time() < deadline and not any(subject in e["raw_data"] for e in sent_emails(stack)):
        time.sleep(0.5)
    assert sum(subject in e["raw_data"] for e in sent_emails(stack)) == 1


def test_the_demo_cases_show_each_state_of_both_regimes(stack):
    coordinator, police = sign_in(stack, "coordinator"), sign_in(stack, "partner_police")
    shown = {}
    for case in stack["demo_cases"]:
        status, found = staff_call(stack, "GET", f"/staff/referrals/{case['reference']}", coordinator["access"])
        assert status == 200, found
        shown[case["shows"]] = found
    clock_states = {c["status"] for found in shown.values() for c in found["clocks"]}
    assert {"due", "met", "overdue", "paused"} <= clock_states
    assert {found["regime"] for found in shown.values()} == {"working_together_2023", "working_together_2015"}
    assert any(found["decision"] and len(found["sign_offs"]) == 3 for found in shown.values())
    legacy = next(found for shows, found in shown.items() if "previous release" in shows)
    assert legacy["regime"] == "working_together_2015" and legacy["decision"]["outcome"] == "serious_case_review"
    assert any(found["linked"] for found in shown.values())
    status, overdue = staff_call(stack, "GET", "/staff/referrals?clock=overdue", police["access"])
    assert status == 200 and overdue["items"]
    assert "demo-partner-police" in stack["banner"] and stack["demo_cases"][0]["reference"] in stack["banner"]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_the_demo_leaflets_are_listed(stack):
    status, _, body = call(stack, "GET", "/publications?kind=professionals_leaflet&limit=100")
    titles = [item["title"] for item in json.loads(body)["items"]]
    assert status == 200
    assert "Highlighting lessons from Child J (July 2015)" in titles
    assert len([t for t in titles if t.startswith("Highlighting lessons from")]) >= 7


def test_a_publisher_publishes_with_the_staff_tool_and_the_public_gets_the_same_bytes(stack, tmp_path):
    from tools.pdf import one_page

    pdf = tmp_path / "child-x-report.pdf"
    content = one_page("Serious Case Review: Child X", ["Overview report"] * 40) + b"%" + b"x" * 300_000 + b"\n"
    pdf.write_bytes(content)
    stack_file = tmp_path / "stack.json"
    stack_file.write_text(json.dumps({k: v for k, v in stack.items() if k != "banner"}))
    tool = subprocess.run(
        [
            os.path.join(ROOT, ".venv", "bin", "python"),
            "-m",
            "tools.publish",
            str(pdf),
            "--stack",
            str(stack_file),
            "--kind",
            "serious_case_review",
            "--title",
            "Serious Case Review: Child X",
            "--case-name",
            "Child X",
            "--summary",
            "Repeated bruising; agencies did not share what they knew.",
            "--keyword",
            "bruising",
            "--learning",
            "Share concerns early.",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert tool.returncode == 0, tool.stderr
    assert "100%" in tool.stderr  # the progress bar reached the end
    publication_id = tool.stdout.split()[1].rstrip(":")
    assert f"{stack['api_url']}/publications/{publication_id}" in tool.stdout
    assert json.loads(call(stack, "GET", "/publications?q=bruising")[2])["items"] == []  # a draft
    certified = subprocess.run(  # version 2: the second demo publisher certifies it
        [
            os.path.join(ROOT, ".venv", "bin", "python"),
            "-m",
            "tools.publish",
            "--certify",
            publication_id,
            "--stack",
            str(stack_file),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert certified.returncode == 0, certified.stderr
    assert "public" in certified.stdout

    status, _, body = call(stack, "GET", "/publications?q=bruising")
    assert [item["id"] for item in json.loads(body)["items"]] == [publication_id]
    item = json.loads(body)["items"][0]
    assert item["size_bytes"] == len(content)

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(item["file_url"], timeout=10)
        pytest.fail("expected a redirect")
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302
        signed = redirect.headers["Location"]
    assert signed.startswith(stack["aws_endpoint_url"])
    with urllib.request.urlopen(signed, timeout=30) as download:
        assert download.read() == content

    status, headers, feed = call(stack, "GET", "/publications/feed.atom")
    assert status == 200 and headers["Content-Type"].startswith("application/atom+xml")
    from xml.etree import ElementTree as ET

    ns = {"a": "http://www.w3.org/2005/Atom"}
    # The stack is shared with other tests (the console's publish too): find this publication's entry.
    titles = [entry.find("a:title", ns).text for entry in ET.fromstring(feed).findall("a:entry", ns)]
    assert "Serious Case Review: Child X" in titles

    s3 = aws_client(stack, "s3")
    versions = s3.list_object_versions(Bucket=stack["buckets"]["publications"], Prefix=f"reports/{publication_id}/")[
        "Versions"
    ]
    with pytest.raises(s3.exceptions.ClientError):
        s3.delete_object(
            Bucket=stack["buckets"]["publications"], Key=versions[0]["Key"], VersionId=versions[0]["VersionId"]
        )
    publisher = sign_in(stack, "publishers")
    assert (
        staff_call(
            stack,
            "POST",
            f"/staff/publications/{publication_id}/withdrawal",
            publisher["access"],
            {"reason": "Changed our mind"},
        )[0]
        == 409
    )


def test_the_signed_post_refuses_what_its_policy_forbids_only_in_our_own_check(stack):
    """moto stores whatever is posted; the publish step is what refuses a non-PDF."""
    publisher = sign_in(stack, "publishers")
    status, form = staff_call(
        stack, "POST", "/staff/uploads", publisher["access"], {"filename": "not-a-pdf.pdf", "size_bytes": 12}
    )
    assert status == 200
    boundary = uuid.uuid4().hex
    parts = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in form["fields"].items()
    )
    parts += (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.pdf"\r\n'
            f"Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + b"GIF89a-image"
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        form["url"], data=parts, method="POST", headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status in (200, 201, 204)
    status, problem = staff_call(
        stack,
        "POST",
        "/staff/publications",
        publisher["access"],
        {
            "upload_key": form["key"],
            "kind": "board_response",
            "title": "Response",
            "case_name": "Child X",
            "summary": "The board's response.",
            "published_on": "2026-01-05",
        },
    )
    assert status == 422 and problem["errors"][0]["pointer"] == "/upload_key"


def test_concurrent_changes_to_one_publication_on_the_stack_are_one_each(stack, tmp_path):
    """Threads against the running stack: of two emergency withdrawals one wins (200) and one is refused (409)."""
    from tools.pdf import one_page

    pdf = tmp_path / "race.pdf"
    pdf.write_bytes(one_page("Learning brief: racing", ["Learning."]))
    stack_file = tmp_path / "stack.json"
    stack_file.write_text(json.dumps({k: v for k, v in stack.items() if k != "banner"}))
    python = os.path.join(ROOT, ".venv", "bin", "python")
    made = subprocess.run(
        [
            python,
            "-m",
            "tools.publish",
            str(pdf),
            "--stack",
            str(stack_file),
            "--kind",
            "learning_brief",
            "--title",
            "Learning brief: racing",
            "--case-name",
            "Child R",
            "--summary",
            "Racing withdrawals.",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    publication_id = made.stdout.split()[1].rstrip(":")
    assert (
        subprocess.run(
            [python, "-m", "tools.publish", "--certify", publication_id, "--stack", str(stack_file)],
            cwd=ROOT,
            capture_output=True,
            timeout=120,
        ).returncode
        == 0
    )
    chair = sign_in(stack, "chair")["access"]
    answers = []
    barrier = threading.Barrier(2)

    def withdraw():
        barrier.wait()
        answers.append(
            staff_call(
                stack,
                "POST",
                f"/staff/publications/{publication_id}/withdrawal",
                chair,
                {"reason": "Court order", "emergency": True},
            )[0]
        )

    threads = [threading.Thread(target=withdraw) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 409]
    status, _, _ = call(stack, "GET", f"/publications/{publication_id}")
    assert status == 404


def test_four_concurrent_publishes_citing_one_completed_case_are_four_drafts_and_none_public(stack, tmp_path):
    """Threads against the running stack: each answer is what was stored; nothing goes public uncertified."""
    from tests import sample
    from tools.pdf import one_page

    reference = "KQ7R-" + uuid.uuid4().hex[:4].upper().translate(str.maketrans("01IL", "ABCD"))
    aws_client(stack, "dynamodb").put_item(
        TableName=stack["tables"]["referrals"],
        Item={
            "reference": {"S": reference},
            "status": {"S": "completed"},
            "received_at": {"S": "2026-01-05T10:00:00Z"},
            "document": {"S": json.dumps(sample.referral())},
        },
    )
    stack_file = tmp_path / "stack.json"
    stack_file.write_text(json.dumps({k: v for k, v in stack.items() if k != "banner"}))
    python = os.path.join(ROOT, ".venv", "bin", "python")
    results = [None] * 4

    def publish(n):
        pdf = tmp_path / f"brief-{n}.pdf"
        pdf.write_bytes(one_page(f"Learning brief {n}", ["Learning."]))
        results[n] = subprocess.run(
            [
                python,
                "-m",
                "tools.publish",
                str(pdf),
                "--stack",
                str(stack_file),
                "--kind",
                "learning_brief",
                "--title",
                f"Learning brief {n}",
                "--case-name",
                "Child Q",
                "--summary",
                "Learning for all agencies.",
                "--referral",
                reference,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=180,
        )

    threads = [threading.Thread(target=publish, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    made = [r.stdout.split()[1].rstrip(":") for r in results if r.returncode == 0]
    assert len(made) == 4, [r.stderr for r in results]
    publisher = sign_in(stack, "publishers")["access"]
    status, body = staff_call(stack, "GET", "/staff/publications?status=awaiting_certification&limit=100", publisher)
    waiting = {i["id"]: i for i in body["items"]}
    assert status == 200 and set(made) <= set(waiting)
    assert {waiting[i]["referral"] for i in made} == {reference}
    listed = json.loads(call(stack, "GET", "/publications?q=learning+brief&limit=100")[2])["items"]
    assert not set(made) & {i["id"] for i in listed}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 303 is the answer under test, not somewhere to go


def _browser_post(url, fields, content, origin=None):
    """What a browser sends for the upload form: multipart/form-data, the fields in order, the file last."""
    boundary = uuid.uuid4().hex
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="Report.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    body += content + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", **({"Origin": origin} if origin else {})}
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=30) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def _upload_forms(stack):
    """The service's own upload_form, signing with the stack's endpoint and settings as `make run` has them."""
    import dataclasses

    from botocore.config import Config

    from chalicelib.platform.settings import settings
    from chalicelib.publications.store import Publications

    conf = dataclasses.replace(
        settings(), uploads_bucket=stack["buckets"]["uploads"], public_url=stack["api_url"], region=stack["region"]
    )
    s3 = boto3.client(
        "s3",
        region_name=stack["region"],
        endpoint_url=stack["aws_endpoint_url"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    return Publications(s3, None, conf)


def test_a_plain_form_uploads_straight_to_the_bucket_and_comes_back_with_the_key(stack):
    """The console's flow without JavaScript: post to the bucket, S3 sends the browser back, then publish."""
    from urllib.parse import parse_qs, urlsplit

    from tools.pdf import one_page

    form = _upload_forms(stack).upload_form(None, None, "/console/publications/new?uploaded=1")
    pdf = one_page("The board's response", ["Learning for practitioners."])
    status, headers = _browser_post(form["url"], form["form_fields"], pdf)
    assert status == 303
    back = urlsplit(headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == stack["api_url"] + "/console/publications/new"
    query = parse_qs(back.query)
    assert query["uploaded"] == ["1"] and query["key"] == [form["key"]]

    s3 = aws_client(stack, "s3")
    stored = s3.get_object(Bucket=stack["buckets"]["uploads"], Key=form["key"])
    assert stored["ContentType"] == "application/pdf" and stored["Body"].read() == pdf

    # The second step: the publication is created from the key the redirect carried.
    publisher = sign_in(stack, "publishers")
    status, created = staff_call(
        stack,
        "POST",
        "/staff/publications",
        publisher["access"],
        {
            "upload_key": query["key"][0],
            "kind": "board_response",
            "title": "The board's response",
            "case_name": "Child X",
            "summary": "The board's response.",
            "published_on": "2026-01-05",
        },
    )
    assert status == 201, created


def test_the_script_posts_the_same_key_from_the_consoles_origin_and_gets_204(stack):
    """upload.js's request: the preflight (upload listeners make one) and the POST, from the API's origin."""
    from tools.pdf import one_page

    form = _upload_forms(stack).upload_form("report.pdf", None, "/console/publications/new?uploaded=1")
    origin = stack["api_url"]  # make run's console is the API's own origin
    preflight = urllib.request.Request(
        form["url"], method="OPTIONS", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    with urllib.request.urlopen(preflight, timeout=30) as response:
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == origin
        assert response.headers["Access-Control-Allow-Methods"] == "POST"
        assert response.headers["Access-Control-Max-Age"] == "600"
    other = urllib.request.Request(
        form["url"],
        method="OPTIONS",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(other, timeout=30)
    assert refused.value.code == 403

    pdf = one_page("A leaflet")
    status, headers = _browser_post(form["url"], form["fields"], pdf, origin=origin)
    assert status == 204 and "Location" not in headers
    assert headers["Access-Control-Allow-Origin"] == origin
    assert aws_client(stack, "s3").get_object(Bucket=stack["buckets"]["uploads"], Key=form["key"])["Body"].read() == pdf

    (rule,) = aws_client(stack, "s3").get_bucket_cors(Bucket=stack["buckets"]["uploads"])["CORSRules"]
    assert rule["AllowedOrigins"] == [origin] and rule["AllowedMethods"] == ["POST"]
