"""The presigned POST a browser uses: the plain form's redirect, the policy's conditions, the bucket's CORS.

moto stores whatever is posted to a presigned POST (it checks neither the signature, nor the policy's
conditions, nor the expiry): the rules S3 applies are asserted here on the signed policy document itself.
The upload as a browser makes it, against moto's server, is in tests/test_local_stack.py.
"""

import base64
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import boto3
import pytest

from chalicelib.errors import Invalid
from stack.provision import Stack, load_template
from tests.conftest import PUBLIC_URL

CONSOLE = "/console/publications/new?uploaded=1"
MAX = 50 * 1024 * 1024
# Fields S3 reads without a policy condition of their own (the signature's parts and the file).
UNCONDITIONED = {"policy", "x-amz-signature", "file"}


def publications():
    from chalicelib import services

    return services.publications()


def policy(fields):
    return json.loads(base64.b64decode(fields["policy"]))


def condition_names(conditions):
    """Each form field a condition admits: S3 refuses a field that no condition names."""
    names = set()
    for condition in conditions:
        if isinstance(condition, dict):
            names |= set(condition)
        elif condition[0] in ("eq", "starts-with"):
            names.add(condition[1].lstrip("$"))
    return names


def test_a_plain_form_is_signed_to_come_back_to_the_console(aws):
    form = publications().upload_form(None, None, CONSOLE)

    assert form["key"].startswith("uploads/") and form["key"].endswith("/report.pdf")
    assert form["redirect"] == PUBLIC_URL + CONSOLE
    plain = form["form_fields"]
    assert plain["success_action_redirect"] == PUBLIC_URL + CONSOLE
    assert plain["key"] == form["key"] and plain["Content-Type"] == "application/pdf"
    conditions = policy(plain)["conditions"]
    assert {"success_action_redirect": PUBLIC_URL + CONSOLE} in conditions  # exact: no other destination
    assert {"key": form["key"]} in conditions
    assert {"bucket": aws.physical["UploadsBucket"]} in conditions
    assert {"Content-Type": "application/pdf"} in conditions
    # The page cannot know the file's size: the configured maximum bounds it, and an empty file is refused.
    assert ["content-length-range", 1, MAX] in conditions
    assert not any(isinstance(c, list) and c[0] == "starts-with" for c in conditions)  # nothing left open
    assert set(plain) - UNCONDITIONED <= condition_names(conditions)

    expires = datetime.fromisoformat(policy(plain)["expiration"].replace("Z", "+00:00"))
    assert timedelta(minutes=14) < expires - datetime.now(UTC) <= timedelta(minutes=15)


def test_the_scripts_fields_sign_the_same_key_without_a_redirect(aws):
    """XMLHttpRequest follows a 303 cross-origin and fails; without the field S3 answers 204."""
    form = publications().upload_form("Child J report.PDF", 1000, CONSOLE)

    script = form["fields"]
    assert form["key"].endswith("/Child-J-report.pdf") and script["key"] == form["key"]
    assert "success_action_redirect" not in script and "success_action_status" not in script
    conditions = policy(script)["conditions"]
    assert {"key": form["key"]} in conditions
    assert ["content-length-range", 1, MAX] in conditions
    assert not any("success_action_redirect" in c for c in conditions if isinstance(c, dict))
    assert set(script) - UNCONDITIONED <= condition_names(conditions)
    assert script["x-amz-signature"] != form["form_fields"]["x-amz-signature"]


def test_without_a_redirect_the_answer_is_what_the_api_gives_out(aws):
    form = publications().upload_form("a.pdf", 10)
    assert set(form) == {"url", "fields", "key", "expires_at", "max_bytes"}
    assert "success_action_redirect" not in form["fields"]


def test_a_known_size_above_the_maximum_is_refused_before_signing(aws):
    with pytest.raises(Invalid):
        publications().upload_form("a.pdf", MAX + 1, CONSOLE)
    assert publications().upload_form("a.pdf", MAX, CONSOLE)["max_bytes"] == MAX


@pytest.mark.parametrize(
    "path",
    [
        "https://evil.example/console/",
        "//evil.example/console/",
        "/console//evil.example",
        "/console/../referrals",
        "/console/./x",
        "/referrals",
        "/console",
        "/console/x#top",
        "/console/x\r\nLocation: https://evil.example",
        "/console/x?next=https://evil.example",
        "/console/caf\u00e9",
        "",
        None,
    ],
)
def test_the_redirect_is_a_console_path_of_this_service_only(aws, path):
    with pytest.raises(ValueError):
        publications()._upload_redirect(path)


def test_the_upload_origin_is_where_the_presigned_post_goes(aws, monkeypatch):
    from chalicelib.platform import aws as clients
    from chalicelib.platform.settings import reload
    from chalicelib.publications.store import upload_origin

    url = urlsplit(publications().upload_form("a.pdf", 10)["url"])
    assert upload_origin() == f"{url.scheme}://{url.netloc}"
    assert upload_origin() == f"https://{aws.physical['UploadsBucket']}.s3.eu-west-2.amazonaws.com"

    # The local stack's endpoint: path style, so the origin is the endpoint's.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5999")
    reload()
    clients.reset(keep_session=True)
    try:
        url = urlsplit(publications().upload_form("a.pdf", 10)["url"])
        assert f"{url.scheme}://{url.netloc}" == upload_origin() == "http://127.0.0.1:5999"
    finally:
        monkeypatch.delenv("AWS_ENDPOINT_URL")
        reload()
        clients.reset(keep_session=True)


def test_the_uploads_bucket_allows_the_services_own_origin_to_post_only(aws):
    bucket = aws.physical["UploadsBucket"]
    (rule,) = boto3.client("s3", region_name="eu-west-2").get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert rule["AllowedOrigins"] == ["https://case-reviews.board.example"]  # PUBLIC_URL's origin, no path
    assert rule["AllowedMethods"] == ["POST"]
    assert rule["AllowedHeaders"] == ["Content-Type"]
    assert rule["MaxAgeSeconds"] == 600
    assert not rule.get("ExposeHeaders")


@pytest.mark.parametrize(
    ("public_url", "origin"),
    [
        ("https://case-reviews.board.example/api", "https://case-reviews.board.example"),
        (
            "https://abc123.execute-api.eu-west-2.amazonaws.com/prod",
            "https://abc123.execute-api.eu-west-2.amazonaws.com",
        ),
        ("https://reviews.board.example:8443/a/b", "https://reviews.board.example:8443"),
        ("https://reviews.board.example", "https://reviews.board.example"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),  # make run's API
    ],
)
def test_the_templates_cors_origin_is_public_urls_origin(public_url, origin):
    stack = Stack("t", "eu-west-2", {"PublicUrl": public_url})
    (rule,) = load_template()["Resources"]["UploadsBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert stack.resolve(rule["AllowedOrigins"]) == [origin]
    assert rule["AllowedMethods"] == ["POST"]
