"""Publications: signed uploads, drafts certified by a second publisher, scheduled publishing,
12 months' Object Lock, the public listing, search and register.

A report is uploaded by a publisher's browser or tool straight to the private `uploads`
bucket with a presigned POST. Creating a publication checks the upload (it parses as a PDF
with no active content and carries nothing identifying from the linked cases), then copies
exactly the bytes it checked (`CopySourceIfMatch` on the ETag it read) server-side into the
versioned, Object-Locked `publications` bucket, and records a draft awaiting certification.
A second publisher certifies it; it goes public on its `publish_on` London date (at once, or
by the scheduled job), when its 12 months of availability start.

Every change of a publication (create, certify, go public, replace, withdraw) is one
DynamoDB transaction with its audit entry, conditional on the item's `version`: a stale
change is a 409 and changes nothing.

Listing reads the `listing` index; search reads the public partition of that index and
matches in memory (a board has tens to hundreds of publications: `make bench` measures
5,000), so there is no word index to drift from the items.
"""

import base64
import hashlib
import json
import re
import unicodedata
import uuid
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from chalicelib.errors import BadRequest, Conflict, Invalid, NotAllowed, NotFound
from chalicelib.platform import clock
from chalicelib.platform.clock import now_iso
from chalicelib.platform.items import plain_item, query_all, query_page, to_item, typed
from chalicelib.publications import kinds
from chalicelib.vocabulary import CHAIR, PUBLICATION_KINDS, PUBLISHERS

LISTED = "public"
UPLOAD_SECONDS = 15 * 60
DOWNLOAD_SECONDS = 5 * 60
_WORD = re.compile(r"[a-z0-9]+")
# A console page, with a plain query at most: S3 appends `bucket`, `key` and `etag` to it.
_CONSOLE_PATH = re.compile(r"/console/[A-Za-z0-9._~/-]*(\?[A-Za-z0-9._~=&%-]*)?")
_STOP = frozenset(
    [
        "an",
        "and",
        "the",
        "of",
        "in",
        "on",
        "for",
        "to",
        "from",
        "by",
        "with",
        "at",
        "as",
        "or",
        "is",
        "are",
        "was",
        "be",
        "this",
        "that",
    ]
)
_LIST_FIELDS = (
    "id",
    "kind",
    "title",
    "case_name",
    "summary",
    "keywords",
    "published_on",
    "available_until",
    "size_bytes",
)
_STAFF_FIELDS = (
    "status",
    "publish_on",
    "learning",
    "referral",
    "repository",
    "retain_until",
    "file_version",
    "created_by",
    "certified_by",
    "certified_at",
    "went_public_on",
    "replaced_at",
    "withdrawn_at",
    "withdrawal_reason",
    "emergency",
    "availability",
    "repository_sent_at",
    "version",
)
MAX_SEARCH_WORDS = 20


def safe_filename(name):
    """A filename fit for an S3 key and a Content-Disposition header."""
    base = unicodedata.normalize("NFKD", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
    base = base.encode("ascii", "ignore").decode()
    stem = re.sub(r"\.pdf$", "", base, flags=re.IGNORECASE)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-_")[:80] or "report"
    return f"{stem}.pdf"


def tokens(text):
    return _WORD.findall(unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower())


def available_until(published_on, went_public_on=None):
    """The last day the report must be readily available: 12 calendar months from the later of its
    stated publication date and the day it went on the site."""
    start = max(published_on, went_public_on) if went_public_on else published_on
    return clock.add_months(start, 12)


def retain_until(until, now=None):
    """The end of `until`'s day in London, as the Object Lock date; never less than 366 days from now."""
    end_of_day = clock.end_of_london_day(until)
    floor = (now or clock.now()) + timedelta(days=366)
    return max(end_of_day, floor).replace(microsecond=0)


def upload_origin(conf=None):
    """The origin (scheme://host[:port]) that presigned POSTs go to, worked out from the settings
    without asking AWS: what a page posting to the uploads bucket names in its Content-Security-Policy
    (`form-action` and `connect-src`). It is where `aws.client("s3")` signs for: the regional
    virtual-hosted name on AWS, the local endpoint (path style) under `make run`."""
    from chalicelib.platform import aws

    conf = conf or _settings()
    local = aws.local_endpoint("s3")
    if local:
        parts = urlsplit(local)
        return f"{parts.scheme}://{parts.netloc}"
    return f"https://{conf.uploads_bucket}.s3.{conf.region}.amazonaws.com"


def _settings():
    from chalicelib.platform.settings import settings

    return settings()


class Publications:
    def __init__(self, s3, dynamodb, settings, base_url="", audit=None, cases=None, ses=None):
        self._s3 = s3
        self._ses = ses
        self._db = dynamodb
        self._conf = settings
        self._base = base_url
        self._audit = audit
        self._cases = cases
        # moto, like S3 for a put, wants a checksum header on any write that sets Object Lock;
        # botocore sends ChecksumAlgorithm on a copy as a request for the copy's checksum only.
        s3.meta.events.register("before-sign.s3.CopyObject", _declare_checksum, unique_id="copy-checksum")

    # -- staff: uploads ------------------------------------------------------------

    def upload_form(self, filename=None, size_bytes=None, redirect_path=None):
        """A presigned POST into the uploads bucket for one key: a PDF of 1 byte to the configured maximum.

        `filename` names the key (`report.pdf` when a page cannot know it yet); `size_bytes`, when
        known, is refused above the maximum before anything is signed (the policy's
        `content-length-range` bounds it anyway). `fields` are for a program or a script: S3 answers
        `204` on success. With `redirect_path` (a console path, `/console/...`) the answer also has
        `form_fields`, for a plain HTML form: the same key, `success_action_redirect` to that path
        under PUBLIC_URL in its own signed policy, so S3 sends the browser back with `303` and the
        key in the query. A script cannot use those: XMLHttpRequest would follow the redirect.
        """
        limit = self._conf.max_upload_bytes
        if size_bytes is not None and size_bytes > limit:
            raise Invalid(
                [{"pointer": "/size_bytes", "message": f"must be at most {limit} bytes"}],
                detail=f"The file is larger than the limit of {limit // (1024 * 1024)} MiB.",
            )
        redirect = self._upload_redirect(redirect_path) if redirect_path is not None else None
        key = f"uploads/{uuid.uuid4().hex}/{safe_filename(filename or '')}"
        signed = self._presigned_post(key, {})
        answer = {
            "url": signed["url"],
            "fields": signed["fields"],
            "key": key,
            "expires_at": (clock.now() + timedelta(seconds=UPLOAD_SECONDS)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "max_bytes": limit,
        }
        if redirect is not None:
            answer["redirect"] = redirect
            answer["form_fields"] = self._presigned_post(key, {"success_action_redirect": redirect})["fields"]
        return answer

    def _presigned_post(self, key, extra):
        """Signed by the API's role; every field a form may carry is fixed by a condition of its own."""
        return self._s3.generate_presigned_post(
            Bucket=self._conf.uploads_bucket,
            Key=key,
            Fields={"Content-Type": "application/pdf", **extra},
            Conditions=[
                {"Content-Type": "application/pdf"},
                ["content-length-range", 1, self._conf.max_upload_bytes],
                *({name: value} for name, value in extra.items()),
            ],
            ExpiresIn=UPLOAD_SECONDS,
        )

    def _upload_redirect(self, path):
        """Where S3 sends a plain form back: a console page of this service, never anywhere a caller names."""
        if not (isinstance(path, str) and _CONSOLE_PATH.fullmatch(path)) or "//" in path or "/." in path:
            raise ValueError("an upload's redirect is a plain path under /console/")
        base = self._conf.public_url
        if not base:
            raise RuntimeError("PUBLIC_URL is not set")
        return base + path

    def _checked_upload(self, key):
        """The staged upload read once: its bytes (a PDF with no active content, within the limit),
        parsed, and the ETag that pins exactly these bytes for the copy."""
        from chalicelib.publications import pdfcheck

        limit = self._conf.max_upload_bytes
        try:
            got = self._s3.get_object(Bucket=self._conf.uploads_bucket, Key=key)
        except self._s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise _invalid("/upload_key", "no file has been uploaded under this key (or it expired)") from None
            raise
        if not 1 <= got["ContentLength"] <= limit:
            got["Body"].close()
            raise _invalid("/upload_key", f"the file must be 1 byte to {limit} bytes")
        data = got["Body"].read(limit + 1)
        try:
            reader = pdfcheck.open_pdf(data)
        except pdfcheck.NotAPdf:
            raise _invalid("/upload_key", "the file is not a PDF that can be read") from None
        except pdfcheck.ActiveContent as active:
            raise _invalid("/upload_key", f"the PDF carries {active.what}; publish a version without it") from None
        return {
            "etag": got["ETag"],
            "size": len(data),
            "reader": reader,
            "sha256": base64.b64encode(hashlib.sha256(data).digest()).decode(),
        }

    # -- staff: the life of a publication ------------------------------------------------

    def create(self, body, actor, source_ip=None):
        today = clock.today()
        publish_on = date.fromisoformat(body["publish_on"]) if body.get("publish_on") else today
        published_on = date.fromisoformat(body["published_on"]) if body.get("published_on") else publish_on
        if publish_on < today:
            raise _invalid("/publish_on", "must not be in the past")
        if published_on > publish_on:
            raise _invalid("/published_on", "must not be in the future, nor after publish_on")
        facts, linked = self._cited_case(body.get("referral"), actor, source_ip)
        if facts is not None:
            self._refuse_blocked(facts, linked, body["kind"], publish_on, actor, source_ip)
        upload = self._checked_upload(body["upload_key"])
        self._refuse_identifying(body, [facts, *linked] if facts else [], upload["reader"])

        publication_id = uuid.uuid4().hex[:12]
        # Named by its kind and id, never by the uploaded file's name: the name is in every download link and
        # the saved file's name, and a publisher's "jane-smith-scr.pdf" must not carry the child's name there.
        stored_key = f"reports/{publication_id}/{body['kind'].replace('_', '-')}-{publication_id}.pdf"
        until = available_until(published_on, publish_on)
        version = self._store_file(body["upload_key"], upload, stored_key, retain_until(until))
        item = {
            "id": publication_id,
            "kind": body["kind"],
            "title": body["title"],
            "case_name": body["case_name"],
            "summary": body["summary"],
            "keywords": body.get("keywords", []),
            "status": "awaiting_certification",
            "publish_on": publish_on.isoformat(),
            "published_on": published_on.isoformat(),
            "available_until": until.isoformat(),
            "size_bytes": upload["size"],
            "sha256": upload["sha256"],
            "file_key": stored_key,
            "file_version": version,
            "retain_until": self._retention_of(stored_key, version),
            "created_at": now_iso(),
            "created_by": _who(actor),
            "version": 1,
        }
        for optional in ("learning", "referral", "repository"):
            if body.get(optional):
                item[optional] = body[optional]
        self._transact(
            {
                "Put": {
                    "TableName": self._conf.publications_table,
                    "Item": _to_dynamo(_record(item)),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            self._audit.put_request(
                actor, "create_publication", item.get("referral"), source_ip, f"publication={publication_id}"
            ),
            self._case_still(facts) if facts is not None else None,
        )
        self._discard_upload(body["upload_key"])
        return item

    def certify(self, publication_id, body, actor, source_ip=None):
        item = self._get(publication_id, staff=True)
        if item["status"] != "awaiting_certification":
            raise Conflict(f"The publication is {item['status']}; only one awaiting certification can be certified.")
        if item["created_by"] == _who(actor):
            raise NotAllowed("A second publisher, not the one who created it, certifies a publication.")
        facts, linked = self._cited_case(item.get("referral"), actor, source_ip)
        publish_on = date.fromisoformat(item["publish_on"])
        if facts is not None:
            self._refuse_blocked(facts, linked, item["kind"], publish_on, actor, source_ip)
            self._refuse_identifying(item, [facts, *linked], None)
        new = {**item, "certified_by": _who(actor), "certified_at": now_iso(), "version": item["version"] + 1}
        today = clock.today()
        if publish_on <= today:
            return self._go_public(item, new, facts, actor, source_ip, "certify_publication")
        new["status"] = "scheduled"
        self._transact(
            self._conditional_put(new, item["version"]),
            self._audit.put_request(
                actor, "certify_publication", item.get("referral"), source_ip, f"publication={publication_id}"
            ),
            self._case_still(facts) if facts is not None else None,
        )
        return new

    def publish_due(self, actor):
        """The scheduled job: make public every certified publication whose London date has come."""
        today = clock.today()
        query = {
            "TableName": self._conf.publications_table,
            "IndexName": "listing",
            "KeyConditionExpression": "listed = :l AND #o <= :t",
            "ExpressionAttributeNames": {"#o": "order"},
            "ExpressionAttributeValues": {":l": typed("scheduled"), ":t": typed(f"{today.isoformat()}#~")},
        }
        done = {"public": [], "delayed": [], "conflict": []}
        for found in query_all(self._db, query):
            item = plain_item(found)
            try:
                outcome = self._publish_one(item, actor, today)
            except Conflict:
                outcome = "conflict"  # changed meanwhile: the next run sees its new state
            if outcome:
                done[outcome].append(item["id"])
        return done

    def _publish_one(self, item, actor, today):
        facts, linked = self._cases.read_with_linked(item["referral"]) if item.get("referral") else (None, [])
        blocked = bool(item.get("referral")) and (
            facts is None
            or not facts.publishable
            or self._blocks(facts, linked, item["kind"], date.fromisoformat(item["publish_on"]))
        )
        new = {**item, "version": item["version"] + 1}
        if blocked:
            if item["status"] == "delayed":
                return None
            new["status"] = "delayed"
            self._transact(
                self._conditional_put(new, item["version"]),
                self._audit.put_request(
                    actor, "publication_delayed", item.get("referral"), None, f"publication={item['id']}"
                ),
            )
            return "delayed"
        self._go_public(item, new, facts, actor, None, "publication_public")
        return "public"

    def _go_public(self, item, new, facts, actor, source_ip, action):
        today = clock.today()
        until = available_until(date.fromisoformat(item["published_on"]), today)
        lock = retain_until(until)
        if lock > _parse_time(item["retain_until"]):
            # Extending a COMPLIANCE retention is allowed; do it first, so a report is never public unlocked.
            self._s3.put_object_retention(
                Bucket=self._conf.publications_bucket,
                Key=item["file_key"],
                VersionId=item["file_version"],
                Retention={"Mode": "COMPLIANCE", "RetainUntilDate": lock},
            )
            new["retain_until"] = _stamp(lock)
        new.update({"status": "public", "went_public_on": today.isoformat(), "available_until": until.isoformat()})
        self._transact(
            self._conditional_put(new, item["version"]),
            self._audit.put_request(actor, action, item.get("referral"), source_ip, f"publication={item['id']}"),
            self._case_published(facts, item["id"], actor) if facts is not None else None,
        )
        return new

    def replace_file(self, publication_id, body, actor, source_ip=None):
        item = self._get(publication_id, staff=True)
        if item["status"] == "withdrawn":
            raise Conflict("The publication is withdrawn; its file cannot be replaced.")
        in_period = item["status"] == "public" and clock.today() <= date.fromisoformat(item["available_until"])
        if in_period and CHAIR not in actor.groups:
            raise Conflict(
                f"The report must stay available as published until {item['available_until']}: "
                "only the chair can replace its file before then.",
                slug="still-available",
            )
        if not in_period and PUBLISHERS not in actor.groups:
            raise NotAllowed("Publishers replace the file of a publication that is not yet public.")
        facts, linked = self._cases.read_with_linked(item["referral"]) if item.get("referral") else (None, [])
        upload = self._checked_upload(body["upload_key"])
        self._refuse_identifying({}, [facts, *linked] if facts else [], upload["reader"])
        lock = max(retain_until(date.fromisoformat(item["available_until"])), _parse_time(item["retain_until"]))
        version = self._store_file(body["upload_key"], upload, item["file_key"], lock)
        new = {
            **item,
            "size_bytes": upload["size"],
            "sha256": upload["sha256"],
            "file_version": version,
            "retain_until": self._retention_of(item["file_key"], version),
            "replaced_at": now_iso(),
            "replaced_by": _who(actor),
            "version": item["version"] + 1,
        }
        if item["status"] in ("scheduled", "delayed"):
            # The certification was of the old file: the new one needs its own.
            new["status"] = "awaiting_certification"
            for field in ("certified_by", "certified_at"):
                new.pop(field, None)
        # The condition is what keeps a replacement racing a withdrawal from re-listing the report.
        self._transact(
            self._conditional_put(new, item["version"]),
            self._audit.put_request(
                actor, "replace_file", item.get("referral"), source_ip, f"publication={publication_id}"
            ),
        )
        self._discard_upload(body["upload_key"])
        return new

    def withdraw(self, publication_id, body, actor, source_ip=None):
        item = self._get(publication_id, staff=True)
        if item["status"] == "withdrawn":
            raise Conflict("The publication is already withdrawn.")
        emergency = bool(body.get("emergency"))
        if emergency and CHAIR not in actor.groups:
            raise NotAllowed("Only the chair may make an emergency withdrawal.")
        if not emergency and PUBLISHERS not in actor.groups:
            raise NotAllowed("Only publishers may withdraw a publication after its 12 months.")
        was_public = item["status"] == "public"
        in_period = was_public and clock.today() <= date.fromisoformat(item["available_until"])
        if in_period and not emergency:
            raise Conflict(
                f"The publication must stay available until {item['available_until']}. "
                "Only the chair can withdraw it sooner, as an emergency.",
                slug="still-available",
            )
        new = {
            **item,
            "status": "withdrawn",
            "withdrawn_at": now_iso(),
            "withdrawn_by": _who(actor),
            "withdrawal_reason": body["reason"],
            "emergency": emergency,
            "version": item["version"] + 1,
        }
        if was_public and not emergency:
            new["availability"] = "on_request"  # the register keeps it: the report is still had on request
        action = "emergency_withdrawal" if emergency else "withdrawal"
        self._transact(
            self._conditional_put(new, item["version"]),
            self._audit.put_request(actor, action, item.get("referral"), source_ip, f"publication={publication_id}"),
        )
        return new  # the file stays, locked; only the listing changes

    def submit_to_repository(self, publication_id, actor, source_ip=None):
        """Email the NSPCC national case review repository the report's catalogue fields and a link to the PDF
        (never the PDF itself), then record when it was sent."""
        from chalicelib.notifications.outbox import compose, send

        item = self._get(publication_id, staff=True)
        if item["status"] != "public":
            raise Conflict(f"The publication is {item['status']}; only a public report goes to the repository.")
        message = compose(
            self._conf,
            [self._conf.repository_email],
            f"Case review for the national repository: {item['title']}",
            self.repository_lines(item),
        )
        send(self._ses, self._conf, [self._conf.repository_email], message, (("email", "repository_submission"),))
        for _ in range(3):  # the email is out: what is left is to record it, whatever changed meanwhile
            new = {
                **item,
                "repository_sent_at": now_iso(),
                "repository_sent_by": _who(actor),
                "version": item["version"] + 1,
            }
            try:
                self._transact(
                    self._conditional_put(new, item["version"]),
                    self._audit.put_request(
                        actor, "repository_submission", item.get("referral"), source_ip, f"publication={publication_id}"
                    ),
                )
                return new
            except Conflict:
                item = self._get(publication_id, staff=True)
        raise Conflict("The email went to the repository, but the publication kept changing; record it again.")

    def repository_lines(self, item):
        """The repository's fields, one line each (the feed carries the same)."""
        repository = item.get("repository") or {}
        fields = [
            ("Title", item["title"]),
            ("Board", self._conf.board_name),
            ("Year", item["published_on"][:4]),
            ("Review type", repository.get("review_type") or kinds.label(item["kind"])),
            ("Child's pseudonym", repository.get("pseudonym") or item["case_name"]),
            ("Age band", repository.get("age_band")),
            ("Sex", repository.get("sex")),
            ("Type of harm", ", ".join(repository.get("harm_types") or []) or None),
            ("Summary", item["summary"]),
            ("Learning", item.get("learning")),
            ("Recommendations", repository.get("recommendations")),
            ("Author or reviewer", repository.get("author")),
            ("Keywords", ", ".join(item.get("keywords") or []) or None),
            ("Report (PDF)", f"{self._base}/publications/{item['id']}/file"),
        ]
        return [f"{label}: {value}" for label, value in fields if value]

    # -- the case a publication cites ---------------------------------------------------

    def _cited_case(self, reference, actor, source_ip):
        """The cited case and its linked cases. A publisher may not read cases: an unknown reference and
        a case not ready to publish get the same answer, and the attempt is audited against the case."""
        if not reference:
            return None, []
        facts, linked = self._cases.read_with_linked(reference)
        if facts is None or not facts.publishable:
            self._audit.record(actor, "publication_refused", reference, source_ip, "case not publishable")
            raise Conflict(
                "The case cited is not one whose review is recorded as completed; the case review "
                "coordinator records the completion, then it can be published.",
                slug="case-not-ready",
            )
        return facts, linked

    def _blocks(self, facts, linked, kind, publish_on):
        reasons = []
        if any(case.holds_publication for case in [facts, *linked]):
            reasons.append(
                "an active parallel proceeding holds publication of the case; it can be published when "
                "the proceeding is recorded as concluded"
            )
        if kinds.needs_notice(kind):
            days = (
                self._conf.notice_working_days_2015
                if facts.regime == "working_together_2015"
                else self._conf.notice_working_days
            )
            latest = _working_days_before(publish_on, days)
            wanted = ("panel",) if facts.regime == "working_together_2015" else ("panel", "secretary_of_state")
            for to in wanted:
                given = facts.notice_given_on(to)
                if given is None or given > latest:
                    who = {"panel": "the Panel", "secretary_of_state": "the Secretary of State"}[to]
                    reasons.append(
                        f"the report must go to {who} at least {days} working days before publication: "
                        f"record the notice given on or before {latest.isoformat()}, or choose a later "
                        "publish_on"
                    )
        return reasons

    def _refuse_blocked(self, facts, linked, kind, publish_on, actor, source_ip):
        reasons = self._blocks(facts, linked, kind, publish_on)
        if reasons:
            self._audit.record(actor, "publication_refused", facts.reference, source_ip, "publication blocked")
            raise Conflict("It cannot be published yet: " + "; ".join(reasons) + ".", slug="publication-blocked")

    def _refuse_identifying(self, body, cases, reader):
        from chalicelib.publications import anonymity, pdfcheck

        matcher = anonymity.Matcher([case.identifying for case in cases if case is not None])
        if not matcher:
            return
        fields = [(f"/{name}", body.get(name)) for name in ("title", "case_name", "summary", "learning")]
        fields += [(f"/keywords/{i}", word) for i, word in enumerate(body.get("keywords") or [])]
        repository = body.get("repository") or {}
        fields += [(f"/repository/{name}", repository.get(name)) for name in ("pseudonym", "recommendations")]
        errors = [
            {"pointer": pointer, "message": "carries a name, date of birth, address, postcode or school from the case"}
            for pointer, text in fields
            if isinstance(text, str) and matcher.matches(text)
        ]
        if reader is not None:
            for label, text in pdfcheck.metadata_fields(reader):
                if matcher.matches(text):
                    errors.append(
                        {
                            "pointer": "/upload_key",
                            "message": f"the PDF's {label} (document properties) "
                            "carries a name, date of birth, address, postcode or school from the case",
                        }
                    )
            for number, text in pdfcheck.page_texts(reader):
                if text is None:
                    errors.append(
                        {
                            "pointer": "/upload_key",
                            "message": f"the text of page {number} of the PDF "
                            "cannot be read to check it; export the PDF again",
                        }
                    )
                elif matcher.matches(text):
                    errors.append(
                        {
                            "pointer": "/upload_key",
                            "message": f"page {number} of the PDF carries a name, "
                            "date of birth, address, postcode or school from the case",
                        }
                    )
        if errors:
            raise Invalid(
                errors, "publication", detail="The publication is not anonymised; see errors. Nothing was published."
            )

    def _case_still(self, facts):
        """The case is as it was read: still publishable (and unchanged, where it keeps a version)."""
        names = {"#s": "status"}
        values = {":c": typed("completed"), ":p": typed("published")}
        condition = "#s IN (:c, :p)"
        if facts.version is not None:
            names["#v"], values[":v"] = "version", typed(facts.version)
            condition += " AND #v = :v"
        return {
            "ConditionCheck": {
                "TableName": self._conf.referrals_table,
                "Key": {"reference": typed(facts.reference)},
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }

    def _case_published(self, facts, publication_id, actor):
        """A completed case becomes published with its first public publication (the same transaction)."""
        if facts.status != "completed":
            return self._case_still(facts)
        now = now_iso()
        names = {"#s": "status", "#h": "history", "#p": "publication", "#at": "published_at"}
        values = {
            ":c": typed("completed"),
            ":to": typed("published"),
            ":id": typed(publication_id),
            ":now": typed(now),
            ":empty": typed([]),
            ":entry": {
                "L": [
                    {
                        "M": {
                            "at": typed(now),
                            "actor": typed(_who(actor)),
                            "action": typed("published"),
                            "detail": typed(f"publication={publication_id}"),
                        }
                    }
                ]
            },
        }
        sets = "#s = :to, #p = :id, #at = :now, #h = list_append(if_not_exists(#h, :empty), :entry)"
        condition = "#s = :c"
        if facts.version is not None:
            names["#v"] = "version"
            values.update({":v": typed(facts.version), ":one": typed(1)})
            sets += ", #v = #v + :one"
            condition += " AND #v = :v"
        return {
            "Update": {
                "TableName": self._conf.referrals_table,
                "Key": {"reference": typed(facts.reference)},
                "UpdateExpression": "SET " + sets,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }

    def _conditional_put(self, new, expected_version):
        """The whole item, written only over the version it was read at and never over a withdrawal."""
        if expected_version == 0:  # published by version 1, which kept no version
            return {
                "Put": {
                    "TableName": self._conf.publications_table,
                    "Item": _to_dynamo(_record(new)),
                    "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(#v) "
                    "AND attribute_not_exists(#w)",
                    "ExpressionAttributeNames": {"#v": "version", "#w": "withdrawn_at"},
                }
            }
        return {
            "Put": {
                "TableName": self._conf.publications_table,
                "Item": _to_dynamo(_record(new)),
                "ConditionExpression": "#v = :v AND attribute_not_exists(#w)",
                "ExpressionAttributeNames": {"#v": "version", "#w": "withdrawn_at"},
                "ExpressionAttributeValues": {":v": typed(expected_version)},
            }
        }

    def _transact(self, change, audit, case=None):
        """The publication's change, its audit entry and (if it cites one) the case's condition: all or nothing."""
        items = [change, {"Put": audit}, case] if case else [change, {"Put": audit}]
        try:
            self._db.transact_write_items(TransactItems=items)
        except self._db.exceptions.TransactionCanceledException as exc:
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if case and len(reasons) > 2 and reasons[2] == "ConditionalCheckFailed":
                raise Conflict("The case changed while this was being done; try again.", slug="case-changed") from None
            raise Conflict(
                "The publication was changed by someone else meanwhile; reload it and try again.", slug="stale"
            ) from None

    # -- public --------------------------------------------------------------------

    def listing(self, kind=None, q=None, cursor=None, limit=50):
        if kind is not None and kind not in PUBLICATION_KINDS:
            raise BadRequest("kind must be one of: " + ", ".join(PUBLICATION_KINDS))
        if q is not None:
            return self.search(q, kind, cursor, limit)
        if kind:
            query = {
                "IndexName": "by-kind",
                "KeyConditionExpression": "kind_listed = :k",
                "ExpressionAttributeValues": {":k": typed(kind)},
            }
            keys = ("pk", "sk", "kind_listed", "order")
        else:
            query = {
                "IndexName": "listing",
                "KeyConditionExpression": "listed = :l",
                "ExpressionAttributeValues": {":l": typed(LISTED)},
            }
            keys = ("pk", "sk", "listed", "order")
        page = query_page(self._db, self._conf.publications_table, query, cursor, limit, keys)
        return {"items": [self.public(plain_item(i)) for i in page["Items"]], "next": page["next"]}

    def search(self, q, kind=None, cursor=None, limit=50):
        """Every word of `q` matched by prefix (a one-letter word as a whole word, after the word before it:
        "child a"), case-insensitive; title matches first, then newest; a cursor that names the last item."""
        wanted = [w for w in tokens(q) if w not in _STOP][:MAX_SEARCH_WORDS]
        if not wanted:
            return {"items": [], "next": None}
        ranked = []
        for item in self._partition(LISTED):
            if kind and item["kind"] != kind:
                continue
            fields = [
                tokens(item.get("title")),
                tokens(item.get("case_name")),
                tokens(item.get("summary")),
                tokens(" ".join(item.get("keywords") or [])),
            ]
            if all(any(_has(f, wanted, i) for f in fields) for i in range(len(wanted))):
                in_title = all(_has(fields[0], wanted, i) for i in range(len(wanted)))
                ranked.append((0 if in_title else 1, item["order"], item))
        ranked.sort(key=lambda r: r[1], reverse=True)
        ranked.sort(key=lambda r: r[0])
        if cursor:
            after = _decode_position(cursor)
            ranked = [r for r in ranked if (r[0], _desc(r[1])) > (after[0], _desc(after[1]))]
        page = ranked[:limit]
        more = len(ranked) > limit
        return {
            "items": [self.public(r[2]) for r in page],
            "next": _encode_position(page[-1][0], page[-1][1]) if more else None,
        }

    def register(self, cursor=None, limit=50):
        """Everything ever published, newest first: online, on request (withdrawn after its period), or
        delayed (certified, held by parallel proceedings: title and kind only)."""
        entries = []
        for item in self._partition(LISTED):
            entries.append((item["order"], {**self.public(item), "availability": "online"}))
        for item in self._partition("withdrawn"):
            entries.append(
                (
                    item["order"],
                    {
                        "id": item["id"],
                        "kind": item["kind"],
                        "title": item["title"],
                        "case_name": item["case_name"],
                        "published_on": item["published_on"],
                        "available_until": item["available_until"],
                        "availability": "on_request",
                    },
                )
            )
        for item in self._partition("scheduled"):
            if item["status"] == "delayed":
                entries.append(
                    (item["order"], {"kind": item["kind"], "title": item["title"], "availability": "delayed"})
                )
        entries.sort(key=lambda e: e[0], reverse=True)
        if cursor:
            after = _decode_position(cursor)[1]
            entries = [e for e in entries if e[0] < after]
        page = entries[:limit]
        more = len(entries) > limit
        return {"items": [e[1] for e in page], "next": _encode_position(0, page[-1][0]) if more else None}

    def _partition(self, listed):
        """Every item of one partition of the listing index, read page by page to the end (never truncated)."""
        # Only what search and the register show: half the bytes to parse of a whole item.
        names = {f"#p{i}": name for i, name in enumerate(_LIST_FIELDS + ("order", "status"))}
        query = {
            "TableName": self._conf.publications_table,
            "IndexName": "listing",
            "KeyConditionExpression": "listed = :l",
            "ExpressionAttributeValues": {":l": typed(listed)},
            "ProjectionExpression": ", ".join(names),
            "ExpressionAttributeNames": names,
        }
        yield from (plain_item(i) for i in query_all(self._db, query))

    def staff_listing(self, status, cursor=None, limit=50):
        """What publishers work on: drafts awaiting certification, scheduled (and delayed), public, or withdrawn
        (on request) publications, newest date first."""
        partitions = {
            "awaiting_certification": "draft",
            "scheduled": "scheduled",
            "public": LISTED,
            "withdrawn": "withdrawn",
        }
        if status not in partitions:
            raise BadRequest("status must be one of: " + ", ".join(partitions))
        page = query_page(
            self._db,
            self._conf.publications_table,
            {
                "IndexName": "listing",
                "KeyConditionExpression": "listed = :l",
                "ExpressionAttributeValues": {":l": typed(partitions[status])},
            },
            cursor,
            limit,
            ("pk", "sk", "listed", "order"),
        )
        return {"items": [self.staff_view(plain_item(i)) for i in page["Items"]], "next": page["next"]}

    def get(self, publication_id):
        return self.public(self._get(publication_id))

    def staff_item(self, publication_id):
        """A publication in any state, as staff see it."""
        return self.staff_view(self._get(publication_id, staff=True))

    def public(self, item):
        """What the public sees of a publication."""
        shown = {field: item.get(field) for field in _LIST_FIELDS}
        shown["file_url"] = f"{self._base}/publications/{item['id']}/file"
        return shown

    def staff_view(self, item):
        shown = self.public(item)
        shown.update({field: item[field] for field in _STAFF_FIELDS if field in item})
        return shown

    def download_url(self, publication_id):
        item = self._get(publication_id)
        return self._s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self._conf.publications_bucket,
                "Key": item["file_key"],
                "VersionId": item["file_version"],
                "ResponseContentType": "application/pdf",
                "ResponseContentDisposition": f'inline; filename="{item["file_key"].rsplit("/", 1)[1]}"',
            },
            ExpiresIn=DOWNLOAD_SECONDS,
        )

    def feed_items(self, limit=100):
        """The newest publications, whole (the feed carries the learning and the repository's fields too)."""
        page = query_page(
            self._db,
            self._conf.publications_table,
            {
                "IndexName": "listing",
                "KeyConditionExpression": "listed = :l",
                "ExpressionAttributeValues": {":l": typed(LISTED)},
            },
            None,
            limit,
            ("pk", "sk", "listed", "order"),
        )
        return [plain_item(i) for i in page["Items"]]

    # -- storage -------------------------------------------------------------------

    def _store_file(self, upload_key, upload, stored_key, lock_until):
        """Copy the upload server-side, only if it is still the object that was checked, into the locked bucket."""
        try:
            copied = self._s3.copy_object(
                Bucket=self._conf.publications_bucket,
                Key=stored_key,
                CopySource={"Bucket": self._conf.uploads_bucket, "Key": upload_key},
                CopySourceIfMatch=upload["etag"],
                MetadataDirective="REPLACE",
                ContentType="application/pdf",
                ObjectLockMode="COMPLIANCE",
                ObjectLockRetainUntilDate=lock_until,
                ChecksumAlgorithm="SHA256",
            )
        except self._s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("PreconditionFailed", "412", "NoSuchKey"):
                raise Conflict(
                    "The upload changed while it was being checked; upload the file again.", slug="upload-changed"
                ) from None
            raise
        # moto ignores CopySourceIfMatch: the copy's own checksum proves the stored bytes are the checked bytes.
        # A mismatch leaves an unreferenced locked version that no item, listing or URL ever points to.
        if copied.get("CopyObjectResult", {}).get("ChecksumSHA256", upload["sha256"]) != upload["sha256"]:
            raise Conflict(
                "The upload changed while it was being checked; upload the file again.", slug="upload-changed"
            )
        return copied.get("VersionId") or "null"

    def _retention_of(self, key, version):
        # get_object_retention is missing from moto; head_object carries the same facts.
        head = self._s3.head_object(Bucket=self._conf.publications_bucket, Key=key, VersionId=version)
        when = head.get("ObjectLockRetainUntilDate")
        return _stamp(when) if when else None

    def _discard_upload(self, key):
        try:
            self._s3.delete_object(Bucket=self._conf.uploads_bucket, Key=key)
        except self._s3.exceptions.ClientError:
            pass  # the bucket's one-day lifecycle rule removes it anyway

    def _get(self, publication_id, staff=False):
        """The publication; the public see it only while it is public."""
        if not isinstance(publication_id, str) or not re.fullmatch(r"[0-9a-f]{12}", publication_id):
            raise NotFound("There is no publication with that id.")
        found = self._db.get_item(
            TableName=self._conf.publications_table,
            ConsistentRead=True,
            Key={"pk": typed(f"publication#{publication_id}"), "sk": typed("meta")},
        ).get("Item")
        if found is None:
            raise NotFound("There is no publication with that id.")
        item = plain_item(found)
        item.setdefault("status", "withdrawn" if item.get("withdrawn_at") else "public")  # version 1 items
        item.setdefault("version", 0)
        if item["status"] != "public" and not staff:
            raise NotFound("There is no publication with that id.")
        return item


def _record(item):
    """The stored item: the publication and the index keys its status puts it under."""
    record = {key: value for key, value in item.items() if key not in ("listed", "kind_listed", "order")}
    record.update({"pk": f"publication#{item['id']}", "sk": "meta"})
    status = item["status"]
    if status in ("awaiting_certification", "scheduled", "delayed"):
        record["listed"] = "draft" if status == "awaiting_certification" else "scheduled"
        record["order"] = f"{item['publish_on']}#{item['id']}"
    else:
        record["order"] = f"{item['published_on']}#{item['id']}"
        if status == "public":
            record.update({"listed": LISTED, "kind_listed": item["kind"]})
        elif item.get("availability") == "on_request":
            record["listed"] = "withdrawn"
    return record


def _has(field_tokens, wanted, index):
    word = wanted[index]
    if len(word) > 1:
        return any(t.startswith(word) for t in field_tokens)
    if index == 0:
        return word in field_tokens
    before = wanted[index - 1]
    return any(a.startswith(before) and b == word for a, b in zip(field_tokens, field_tokens[1:], strict=False))


def _desc(order):
    """A key that sorts `order` strings newest first."""
    return tuple(-ord(c) for c in order)


def _encode_position(rank, order):
    raw = json.dumps([rank, order], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_position(cursor):
    try:
        rank, order = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if rank in (0, 1) and isinstance(order, str) and len(order) < 100:
            return rank, order
    except (ValueError, TypeError):
        pass
    raise BadRequest("The cursor is not one this service gave out.")


def _working_days_before(day, days):
    """The latest date from which `days` working days still pass before `day`."""
    holidays = clock.board_holidays()
    candidate = day
    while holidays.add_working_days(candidate, days) > day:
        candidate -= timedelta(days=1)
    return candidate


def _declare_checksum(request, **_):
    if "x-amz-checksum-algorithm" in request.headers and "x-amz-sdk-checksum-algorithm" not in request.headers:
        request.headers["x-amz-sdk-checksum-algorithm"] = request.headers["x-amz-checksum-algorithm"]


def _who(actor):
    return getattr(actor, "username", "") or getattr(actor, "subject", "") or "system"


def _parse_time(value):
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else datetime.min.replace(tzinfo=UTC)


def _stamp(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _invalid(pointer, message):
    return Invalid([{"pointer": pointer, "message": message}], "publication")


def _to_dynamo(record):
    return to_item(_storable(record))


def _storable(value):
    """What a publication's record keeps: no None in a map, and anything but a bool, int, list or map as text."""
    if isinstance(value, (bool, int)):
        return value
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {k: _storable(v) for k, v in value.items() if v is not None}
    return str(value)
