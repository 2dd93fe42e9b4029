"""Publications through chalice.test.Client on moto: uploads, publishing, Object Lock, public routes."""

import base64
import json
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlparse
from xml.etree import ElementTree as ET

import boto3
import pytest

from chalicelib.publications.store import available_until, safe_filename
from stack.lifecycle import UnsafeLifecycleRule, check_publication_rules, from_template
from stack.provision import load_template
from tests.test_staff import CHAIR, PUB, advance, call, new_referral
from tools.pdf import one_page

# A real PDF: version 2 parses what it publishes (five bytes of "%PDF-" no longer pass).
PDF = one_page("Highlighting lessons from Child J", ["Learning for practitioners."])
TODAY = date.today().isoformat()


def s3():
    return boto3.client("s3", region_name="eu-west-2")


def stage(client, tokens, content=PDF, filename="child-j.pdf"):
    """What a publisher's browser does: ask for a signed upload, then upload (here straight into moto)."""
    response = call(
        client, "POST", "/staff/uploads", tokens.bearer(PUB), {"filename": filename, "size_bytes": len(content)}
    )
    assert response.status_code == 200, response.body
    form = json.loads(response.body)
    s3().put_object(Bucket=_bucket("UploadsBucket"), Key=form["key"], Body=content, ContentType="application/pdf")
    return form["key"]


def stored_key(item):
    """Where a publication's file is kept: named by its kind and id, never by the file the publisher uploaded."""
    return f"reports/{item['id']}/{item['kind'].replace('_', '-')}-{item['id']}.pdf"


def _bucket(logical):
    from chalicelib.platform.settings import settings

    return {"UploadsBucket": settings().uploads_bucket, "PublicationsBucket": settings().publications_bucket}[logical]


def metadata(key, **changes):
    body = {
        "upload_key": key,
        "kind": "professionals_leaflet",
        "title": "Highlighting lessons from Child J",
        "case_name": "Child J",
        "summary": "Neglect, missed appointments and agencies not sharing concerns.",
        "keywords": ["neglect", "information sharing"],
        "published_on": TODAY,
        "learning": "Escalate when appointments are repeatedly missed.",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def publish(client, tokens, **changes):
    """Create (one publisher) and certify (another): version 2 publishes nothing on one person's word."""
    response = call(
        client, "POST", "/staff/publications", tokens.bearer(PUB), metadata(stage(client, tokens), **changes)
    )
    assert response.status_code == 201, response.body
    return certify(client, tokens, json.loads(response.body)["id"])


def give_notice(reference, to, given_on):
    """A notice as the casework routes record it on the case (`notices`, a list of maps)."""
    from chalicelib.platform.settings import settings

    boto3.client("dynamodb", region_name="eu-west-2").update_item(
        TableName=settings().referrals_table,
        Key={"reference": {"S": reference}},
        UpdateExpression="SET notices = list_append(if_not_exists(notices, :empty), :n)",
        ExpressionAttributeValues={
            ":empty": {"L": []},
            ":n": {
                "L": [
                    {
                        "M": {
                            "id": {"S": f"{to}-{given_on}"},
                            "to": {"S": to},
                            "purpose": {"S": "final report"},
                            "given_on": {"S": given_on},
                        }
                    }
                ]
            },
        },
    )


def certify(client, tokens, publication_id):
    response = call(
        client,
        "POST",
        f"/staff/publications/{publication_id}/certification",
        tokens.bearer(PUB, username="second.publisher"),
        {"anonymisation_checked": True, "reporting_restrictions_checked": True},
    )
    assert response.status_code == 200, response.body
    return json.loads(response.body)


def test_the_signed_upload_fixes_key_type_and_size(client, tokens):
    response = call(
        client,
        "POST",
        "/staff/uploads",
        tokens.bearer(PUB),
        {"filename": "../../Child J report (final).PDF", "size_bytes": 123456},
    )
    assert response.status_code == 200
    form = json.loads(response.body)
    assert form["key"].startswith("uploads/") and form["key"].endswith("/Child-J-report-final.pdf")
    # Regional virtual-hosted style: a browser posting there is not redirected.
    assert urlparse(form["url"]).netloc == f"{_bucket('UploadsBucket')}.s3.eu-west-2.amazonaws.com"
    expires = datetime.fromisoformat(form["expires_at"].replace("Z", "+00:00"))
    assert timedelta(minutes=1) < expires - datetime.now(UTC) <= timedelta(minutes=15)

    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    conditions = policy["conditions"]
    assert {"key": form["key"]} in conditions
    assert {"bucket": _bucket("UploadsBucket")} in conditions
    assert {"Content-Type": "application/pdf"} in conditions
    assert ["content-length-range", 1, 50 * 1024 * 1024] in conditions
    assert form["fields"]["Content-Type"] == "application/pdf"

    too_big = call(
        client, "POST", "/staff/uploads", tokens.bearer(PUB), {"filename": "a.pdf", "size_bytes": 50 * 1024 * 1024 + 1}
    )
    assert too_big.status_code == 422
    assert (
        call(client, "POST", "/staff/uploads", tokens.bearer(PUB), {"filename": "a.pdf", "size_bytes": 0}).status_code
        == 422
    )
    assert (
        call(
            client, "POST", "/staff/uploads", tokens.bearer(CHAIR), {"filename": "a.pdf", "size_bytes": 10}
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    "name,expected",
    [
        ("child-j.pdf", "child-j.pdf"),
        ("Child A (2006).PDF", "Child-A-2006.pdf"),
        ("../../etc/passwd", "passwd.pdf"),
        ("résumé.pdf", "resume.pdf"),
        ("<script>.pdf", "script.pdf"),
        ("....pdf", "report.pdf"),
    ],
)
def test_filenames_are_made_safe(name, expected):
    assert safe_filename(name) == expected


def test_publishing_locks_the_report_for_twelve_months(client, tokens, aws):
    key = stage(client, tokens)
    response = call(client, "POST", "/staff/publications", tokens.bearer(PUB), metadata(key))
    assert response.status_code == 201, response.body
    assert json.loads(response.body)["status"] == "awaiting_certification"
    item = certify(client, tokens, json.loads(response.body)["id"])
    published = date.fromisoformat(item["published_on"])
    assert item["available_until"] == available_until(published).isoformat()
    assert item["available_until"][:4] == str(published.year + 1)
    assert item["size_bytes"] == len(PDF)

    head = s3().head_object(Bucket=_bucket("PublicationsBucket"), Key=stored_key(item), VersionId=item["file_version"])
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"].date() > date.fromisoformat(item["available_until"])
    assert head["ContentType"] == "application/pdf"
    with pytest.raises(s3().exceptions.ClientError):  # the staging copy is gone
        s3().head_object(Bucket=_bucket("UploadsBucket"), Key=key)

    # Nobody, not even a script with the bucket owner's rights, deletes it early.
    for extra in ({}, {"BypassGovernanceRetention": True}):
        with pytest.raises(s3().exceptions.ClientError) as refused:
            s3().delete_object(
                Bucket=_bucket("PublicationsBucket"),
                Key=stored_key(item),
                VersionId=item["file_version"],
                **extra,
            )
        assert refused.value.response["Error"]["Code"] == "AccessDenied"


@pytest.mark.parametrize(
    "content,changes,pointer",
    [
        (b"GIF89a not a pdf", {}, "/upload_key"),
        (PDF, {"kind": "gossip"}, "/kind"),
        (PDF, {"published_on": (date.today() + timedelta(days=3)).isoformat()}, "/published_on"),
        (PDF, {"published_on": "2026-02-30"}, "/published_on"),
        (PDF, {"title": "", "case_name": None}, "/title"),
        (PDF, {"keywords": ["a", "a"]}, "/keywords"),
    ],
)
def test_a_bad_publication_is_422_and_nothing_is_published(client, tokens, content, changes, pointer):
    key = stage(client, tokens, content)
    response = call(client, "POST", "/staff/publications", tokens.bearer(PUB), metadata(key, **changes))
    assert response.status_code == 422, response.body
    assert pointer in {e["pointer"] for e in json.loads(response.body)["errors"]}
    assert json.loads(call(client, "GET", "/publications").body)["items"] == []
    assert s3().list_object_versions(Bucket=_bucket("PublicationsBucket")).get("Versions", []) == []


def test_a_missing_or_oversized_upload_is_refused(client, tokens, monkeypatch):
    from chalicelib.platform import settings as config

    missing = metadata("uploads/0123456789abcdef0123456789abcdef/child-j.pdf")
    response = call(client, "POST", "/staff/publications", tokens.bearer(PUB), missing)
    assert response.status_code == 422
    assert json.loads(response.body)["errors"][0]["pointer"] == "/upload_key"

    key = stage(client, tokens, PDF + b"x" * 2000)
    monkeypatch.setenv("MAX_UPLOAD_BYTES", "1000")  # the browser ignored the policy's size limit
    config.reload()
    response = call(client, "POST", "/staff/publications", tokens.bearer(PUB), metadata(key))
    assert response.status_code == 422
    assert "bytes" in json.loads(response.body)["errors"][0]["message"]


def test_the_public_list_search_item_and_file(client, tokens):
    old = publish(
        client,
        tokens,
        title="Highlighting lessons from Child A",
        case_name="Child A",
        summary="Sexual exploitation and missing episodes.",
        keywords=["CSE"],
        published_on="2014-10-01",
    )
    leaflet = publish(client, tokens)
    report = publish(
        client,
        tokens,
        kind="serious_case_review",
        title="Serious Case Review: Child T",
        case_name="Child T",
        summary="Domestic abuse.",
        keywords=["domestic abuse"],
        published_on=(date.today() - timedelta(days=1)).isoformat(),
    )

    listing = json.loads(call(client, "GET", "/publications").body)
    assert [i["id"] for i in listing["items"]] == [leaflet["id"], report["id"], old["id"]]
    first = listing["items"][0]
    assert set(first) == {
        "id",
        "kind",
        "title",
        "case_name",
        "summary",
        "keywords",
        "published_on",
        "available_until",
        "file_url",
        "size_bytes",
    }
    assert listing["next"] is None

    def ids(query):
        response = call(client, "GET", "/publications" + query)
        assert response.status_code == 200, response.body
        return [i["id"] for i in json.loads(response.body)["items"]]

    assert ids("?kind=serious_case_review") == [report["id"]]
    assert ids("?q=child%20a") == [old["id"]]
    assert ids("?q=CSE") == [old["id"]]
    assert ids("?q=NEGLECT") == [leaflet["id"]]
    assert ids("?q=domestic+abuse&kind=serious_case_review") == [report["id"]]
    assert ids("?q=child") == [leaflet["id"], report["id"], old["id"]]
    assert ids("?q=nothing-like-this") == []
    assert call(client, "GET", "/publications?kind=rumour").status_code == 400

    page = json.loads(call(client, "GET", "/publications?limit=2").body)
    assert len(page["items"]) == 2 and page["next"]
    rest = json.loads(call(client, "GET", f"/publications?limit=2&cursor={page['next']}").body)
    assert [i["id"] for i in page["items"] + rest["items"]] == [leaflet["id"], report["id"], old["id"]]

    assert json.loads(call(client, "GET", f"/publications/{report['id']}").body)["title"] == report["title"]
    assert call(client, "GET", "/publications/0123456789ab").status_code == 404
    download = call(client, "GET", f"/publications/{report['id']}/file")
    assert download.status_code == 302
    location = urlparse(download.headers["Location"])
    query = parse_qs(location.query)
    assert query["versionId"] == [report["file_version"]] and int(query["X-Amz-Expires"][0]) <= 300
    assert location.netloc == f"{_bucket('PublicationsBucket')}.s3.eu-west-2.amazonaws.com"
    body = (
        s3()
        .get_object(Bucket=_bucket("PublicationsBucket"), Key=location.path[1:], VersionId=report["file_version"])[
            "Body"
        ]
        .read()
    )
    assert body == PDF


def test_the_feed_is_atom_with_the_repositorys_fields(client, tokens):
    publish(client, tokens, published_on="2015-07-01")
    newest = publish(client, tokens, title="Child T report", case_name="Child T")
    response = call(client, "GET", "/publications/feed.atom")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom", "cr": "https://case-review.example/ns/case-review-repository"}
    feed = ET.fromstring(response.body)
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    assert feed.find("a:title", ns).text and feed.find("a:updated", ns).text and feed.find("a:id", ns).text
    entries = feed.findall("a:entry", ns)
    assert len(entries) == 2
    assert entries[0].find("a:title", ns).text == "Child T report"
    assert entries[0].find("cr:pseudonym", ns).text == "Child T"
    assert entries[1].find("cr:year", ns).text == "2015"
    assert entries[0].find("cr:board", ns).text
    assert entries[0].find("cr:learning", ns).text.startswith("Escalate")
    assert {c.get("term") for c in entries[0].findall("a:category", ns)} >= {"neglect", "information sharing"}
    enclosure = entries[0].find("a:link[@rel='enclosure']", ns)
    assert enclosure.get("href").endswith(f"/publications/{newest['id']}/file")
    assert enclosure.get("type") == "application/pdf"


def test_withdrawal_inside_twelve_months_is_only_an_emergency_for_the_chair(client, tokens):
    item = publish(client, tokens)
    path = f"/staff/publications/{item['id']}/withdrawal"
    refused = call(client, "POST", path, tokens.bearer(PUB), {"reason": "Superseded"})
    assert refused.status_code == 409 and item["available_until"] in json.loads(refused.body)["detail"]
    assert call(client, "POST", path, tokens.bearer(PUB), {"reason": "x", "emergency": True}).status_code == 403
    assert call(client, "POST", path, tokens.bearer(("subcommittee",)), {"reason": "x"}).status_code == 403

    withdrawn = call(
        client, "POST", path, tokens.bearer(CHAIR, username="chris.chair"), {"reason": "Court order", "emergency": True}
    )
    assert withdrawn.status_code == 200
    assert json.loads(withdrawn.body)["emergency"] is True
    assert json.loads(call(client, "GET", "/publications").body)["items"] == []
    assert json.loads(call(client, "GET", "/publications?q=neglect").body)["items"] == []
    assert call(client, "GET", f"/publications/{item['id']}").status_code == 404
    assert call(client, "GET", f"/publications/{item['id']}/file").status_code == 404
    assert call(client, "POST", path, tokens.bearer(CHAIR), {"reason": "x", "emergency": True}).status_code == 409
    # The file is kept, locked.
    assert (
        s3().head_object(
            Bucket=_bucket("PublicationsBucket"),
            Key=stored_key(item),
            VersionId=item["file_version"],
        )["ObjectLockMode"]
        == "COMPLIANCE"
    )
    trail = json.loads(call(client, "GET", "/staff/audit", tokens.bearer(CHAIR)).body)["items"]
    assert ("chris.chair", "emergency_withdrawal", f"publication={item['id']}") in [
        (e["actor"], e["action"], e.get("detail")) for e in trail
    ]


def test_after_twelve_months_publishers_may_withdraw(client, tokens):
    from chalicelib.platform import clock

    # Version 2: the 12 months run from the day it went on the site, not from an old `published_on`.
    item = publish(client, tokens, published_on=(date.today() - timedelta(days=400)).isoformat())
    assert item["available_until"] == available_until(date.fromisoformat(item["went_public_on"])).isoformat()
    path = f"/staff/publications/{item['id']}/withdrawal"
    assert call(client, "POST", path, tokens.bearer(PUB), {"reason": "Old report"}).status_code == 409
    later = datetime.combine(
        date.fromisoformat(item["available_until"]) + timedelta(days=1), datetime.min.time(), tzinfo=UTC
    ) + timedelta(hours=12)
    with clock.frozen(later):
        response = call(
            client, "POST", path, tokens.bearer(PUB), {"reason": "Twelve months are up; available on request."}
        )
    assert response.status_code == 200
    assert json.loads(response.body)["availability"] == "on_request"
    assert call(client, "GET", f"/publications/{item['id']}").status_code == 404
    register = json.loads(call(client, "GET", "/publications/register").body)["items"]
    assert [(e["id"], e["availability"]) for e in register] == [(item["id"], "on_request")]


def test_a_corrected_report_replaces_the_file_and_keeps_the_old_one_locked(client, tokens):
    item = publish(client, tokens)
    corrected = PDF + b"% corrected\n"
    upload = {"upload_key": stage(client, tokens, corrected)}
    # Version 2: inside its 12 months a publisher alone cannot change a public report; the chair can.
    path = f"/staff/publications/{item['id']}/file"
    assert call(client, "POST", path, tokens.bearer(PUB), upload).status_code == 409
    response = call(client, "POST", path, tokens.bearer(CHAIR), upload)
    assert response.status_code == 200, response.body
    replaced = json.loads(response.body)
    assert replaced["file_version"] != item["file_version"]
    assert replaced["available_until"] == item["available_until"]
    assert replaced["retain_until"] >= item["retain_until"]
    assert replaced["size_bytes"] == len(corrected)
    key = stored_key(item)
    versions = s3().list_object_versions(Bucket=_bucket("PublicationsBucket"), Prefix=key)["Versions"]
    assert {v["VersionId"] for v in versions} == {item["file_version"], replaced["file_version"]}
    old = s3().head_object(Bucket=_bucket("PublicationsBucket"), Key=key, VersionId=item["file_version"])
    assert old["ObjectLockMode"] == "COMPLIANCE"
    with pytest.raises(s3().exceptions.ClientError):
        s3().delete_object(Bucket=_bucket("PublicationsBucket"), Key=key, VersionId=item["file_version"])


def test_a_completed_review_becomes_published(client, tokens, monkeypatch):
    from chalicelib.platform import settings as config

    monkeypatch.setenv("TIMELINE_REGIME", "working_together_2015")  # advance() walks the chair's process
    config.reload()
    reference = new_referral(client)
    advance(client, tokens, reference, "in_progress")
    early = call(
        client,
        "POST",
        "/staff/publications",
        tokens.bearer(PUB),
        metadata(stage(client, tokens), kind="serious_case_review", referral=reference),
    )
    assert early.status_code == 409
    assert (
        call(
            client, "POST", f"/staff/referrals/{reference}/progress", tokens.bearer(CHAIR), {"status": "completed"}
        ).status_code
        == 200
    )
    # Version 2: a serious case review goes to the Panel at least 5 working days (2015) before it is published.
    give_notice(reference, "panel", (date.today() - timedelta(days=14)).isoformat())
    item = publish(client, tokens, kind="serious_case_review", referral=reference)
    detail = json.loads(call(client, "GET", f"/staff/referrals/{reference}", tokens.bearer(CHAIR)).body)
    assert detail["status"] == "published" and detail["publication"] == item["id"]


@pytest.mark.parametrize(
    "rule",
    [
        {"ID": "r", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 30}},
        {"ID": "r", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 365}},
        {"ID": "r", "Status": "Enabled", "Filter": {}, "Expiration": {"Date": "2030-01-01T00:00:00Z"}},
        {"ID": "r", "Status": "Enabled", "Filter": {}, "NoncurrentVersionExpiration": {"NoncurrentDays": 90}},
        {"ID": "r", "Status": "Enabled", "Filter": {}, "Transitions": [{"Days": 30, "StorageClass": "GLACIER"}]},
        {
            "ID": "r",
            "Status": "Enabled",
            "Filter": {},
            "NoncurrentVersionTransitions": [{"NoncurrentDays": 1, "StorageClass": "DEEP_ARCHIVE"}],
        },
    ],
)
def test_the_lifecycle_check_refuses_a_rule_that_could_lose_a_report(rule):
    with pytest.raises(UnsafeLifecycleRule):
        check_publication_rules([rule])


def test_the_lifecycle_rules_in_the_template_and_the_bucket_are_safe(aws):
    rules = load_template()["Resources"]["PublicationsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert check_publication_rules([from_template(rule) for rule in rules])
    assert check_publication_rules(
        [
            {
                "ID": "ok",
                "Status": "Enabled",
                "Expiration": {"Days": 3650},
                "Transitions": [{"Days": 30, "StorageClass": "GLACIER_IR"}, {"Days": 400, "StorageClass": "GLACIER"}],
            },
            {"ID": "off", "Status": "Disabled", "Expiration": {"Days": 1}},
        ]
    )
    live = s3().get_bucket_lifecycle_configuration(Bucket=aws.physical["PublicationsBucket"])["Rules"]
    assert check_publication_rules(live)
    lock = s3().get_object_lock_configuration(Bucket=aws.physical["PublicationsBucket"])["ObjectLockConfiguration"]
    assert lock["Rule"]["DefaultRetention"]["Mode"] == "COMPLIANCE"
    assert lock["Rule"]["DefaultRetention"]["Days"] >= 366
    assert s3().get_bucket_versioning(Bucket=aws.physical["PublicationsBucket"])["Status"] == "Enabled"
    for bucket in ("UploadsBucket", "PublicationsBucket"):
        block = s3().get_public_access_block(Bucket=aws.physical[bucket])["PublicAccessBlockConfiguration"]
        assert all(block.values())


def test_a_provisioned_bucket_refuses_an_unsafe_rule(monkeypatch):
    from moto import mock_aws

    import stack.provision as provision

    template = load_template()
    rules = template["Resources"]["PublicationsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    rules.append({"Id": "oops", "Status": "Enabled", "Prefix": "", "ExpirationInDays": 30})
    monkeypatch.setattr(provision, "load_template", lambda: template)
    with mock_aws(), pytest.raises(UnsafeLifecycleRule):
        provision.provision(
            lambda service: boto3.client(service, region_name="eu-west-2"),
            prefix="unsafe",
            parameters={"PublicUrl": "https://case-reviews.board.example/api"},
        )


def test_the_uploaded_files_name_never_reaches_a_download_link(client, tokens, aws):
    """A publisher may name the file after the child: the stored file, its link and its saved name do not."""
    key = stage(client, tokens, filename="Zephyrine-Quillfeather-SCR.pdf")
    response = call(client, "POST", "/staff/publications", tokens.bearer(PUB), metadata(key))
    assert response.status_code == 201, response.body
    item = certify(client, tokens, json.loads(response.body)["id"])
    link = client.http.get(f"/publications/{item['id']}/file")
    assert link.status_code == 302
    from urllib.parse import unquote

    assert "quillfeather" not in unquote(link.headers["Location"]).lower()
    assert f"reports/{item['id']}/professionals-leaflet-{item['id']}.pdf" in unquote(link.headers["Location"])
