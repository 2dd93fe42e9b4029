"""Publications: signed uploads, publishing with 12 months' Object Lock, public listing, search.

A report is uploaded by a publisher's browser or tool straight to the private
`uploads` bucket with a presigned POST. Publishing checks the upload (it exists,
is a PDF, is within the limit: moto does not enforce the POST policy, and a
client may ignore it, so the check is here), writes it into the versioned,
Object-Locked `publications` bucket with COMPLIANCE retention until at least
`available_until`, removes the staging object and records the metadata.

Search is served from a word index kept beside the publications (one item per
word and publication), so a query reads only the items of its words, never the
whole table.
"""
import re
import unicodedata
import uuid
from datetime import date, datetime, timedelta, timezone

from chalicelib.platform import clock
from chalicelib.platform.clock import now_iso
from chalicelib.platform.items import plain_item, query_page
from chalicelib.errors import BadRequest, Conflict, Invalid, NotAllowed, NotFound
from chalicelib.vocabulary import PUBLICATION_KINDS, PUBLISHERS

LISTED = "public"
UPLOAD_SECONDS = 15 * 60
DOWNLOAD_SECONDS = 5 * 60
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset("a an and the of in on for to from by with at as or is are was be this that".split())
_LIST_FIELDS = ("id", "kind", "title", "case_name", "summary", "keywords", "published_on", "available_until",
                "size_bytes")


def safe_filename(name):
    """A filename fit for an S3 key and a Content-Disposition header."""
    base = unicodedata.normalize("NFKD", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
    base = base.encode("ascii", "ignore").decode()
    stem = re.sub(r"\.pdf$", "", base, flags=re.IGNORECASE)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-_")[:80] or "report"
    return f"{stem}.pdf"


def words(*texts):
    """Search terms: words, and the pairs that give a one-letter word its meaning ("child a")."""
    found = set()
    for text in texts:
        tokens = _WORD.findall(unicodedata.normalize("NFKD", text or "").lower())
        found.update(t for t in tokens if t not in _STOP and len(t) > 1)
        found.update(f"{a} {b}" for a, b in zip(tokens, tokens[1:]) if min(len(a), len(b)) == 1)
    return found


def available_until(published_on):
    """`published_on` plus 12 calendar months: the last day the report must be readily available."""
    return clock.add_months(published_on, 12)


def retain_until(until, now=None):
    """The end of `until`'s day in London, as the Object Lock date; never less than 366 days from now."""
    end_of_day = clock.end_of_london_day(until)
    floor = (now or clock.now()) + timedelta(days=366)
    return max(end_of_day, floor).replace(microsecond=0)


class Publications:
    def __init__(self, s3, dynamodb, settings, base_url=""):
        self._s3 = s3
        self._db = dynamodb
        self._conf = settings
        self._base = base_url

    # -- staff: uploads ------------------------------------------------------------

    def upload_form(self, filename, size_bytes):
        limit = self._conf.max_upload_bytes
        if size_bytes > limit:
            raise Invalid([{"pointer": "/size_bytes", "message": f"must be at most {limit} bytes"}],
                          detail=f"The file is larger than the limit of {limit // (1024 * 1024)} MiB.")
        key = f"uploads/{uuid.uuid4().hex}/{safe_filename(filename)}"
        post = self._s3.generate_presigned_post(
            Bucket=self._conf.uploads_bucket, Key=key,
            Fields={"Content-Type": "application/pdf"},
            Conditions=[{"Content-Type": "application/pdf"}, ["content-length-range", 1, limit]],
            ExpiresIn=UPLOAD_SECONDS,
        )
        expires = clock.now() + timedelta(seconds=UPLOAD_SECONDS)
        return {"url": post["url"], "fields": post["fields"], "key": key,
                "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%SZ"), "max_bytes": limit}

    def _checked_upload(self, key):
        """The staged upload's size, once it is known to exist, to be a PDF and within the limit."""
        try:
            head = self._s3.head_object(Bucket=self._conf.uploads_bucket, Key=key)
        except self._s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise _invalid("/upload_key", "no file has been uploaded under this key (or it expired)") from None
            raise
        size = head["ContentLength"]
        if not 1 <= size <= self._conf.max_upload_bytes:
            raise _invalid("/upload_key", f"the file must be 1 byte to {self._conf.max_upload_bytes} bytes")
        start = self._s3.get_object(Bucket=self._conf.uploads_bucket, Key=key, Range="bytes=0-4")["Body"].read()
        if start != b"%PDF-":
            raise _invalid("/upload_key", "the file is not a PDF")
        return size

    # -- staff: publishing, replacing, withdrawing ---------------------------------------

    def publish(self, body, actor=None):
        published_on = date.fromisoformat(body["published_on"])
        if published_on > clock.today():
            raise _invalid("/published_on", "must not be in the future")
        size = self._checked_upload(body["upload_key"])
        publication_id = uuid.uuid4().hex[:12]
        until = available_until(published_on)
        stored_key = f"reports/{publication_id}/{body['upload_key'].rsplit('/', 1)[1]}"
        version = self._store_file(body["upload_key"], stored_key, until)
        item = {
            "id": publication_id, "kind": body["kind"], "title": body["title"], "case_name": body["case_name"],
            "summary": body["summary"], "keywords": body.get("keywords", []),
            "published_on": published_on.isoformat(), "available_until": until.isoformat(),
            "size_bytes": size, "file_key": stored_key, "file_version": version,
            "retain_until": self._retention_of(stored_key, version),
            "published_at": now_iso(), "published_by": getattr(actor, "username", "") or "system",
        }
        if body.get("learning"):
            item["learning"] = body["learning"]
        if body.get("referral"):
            item["referral"] = body["referral"]
        self._put(item)
        self._discard_upload(body["upload_key"])
        return item

    def replace_file(self, publication_id, body, actor=None):
        item = self._get(publication_id, include_withdrawn=True)
        size = self._checked_upload(body["upload_key"])
        until = date.fromisoformat(item["available_until"])  # never shrinks
        version = self._store_file(body["upload_key"], item["file_key"], until,
                                   keep_at_least=item.get("retain_until"))
        item.update({"size_bytes": size, "file_version": version,
                     "retain_until": self._retention_of(item["file_key"], version),
                     "replaced_at": now_iso(), "replaced_by": getattr(actor, "username", "") or "system"})
        self._put(item)
        self._discard_upload(body["upload_key"])
        return item

    def withdraw(self, publication_id, body, actor):
        item = self._get(publication_id, include_withdrawn=True)
        if item.get("withdrawn_at"):
            raise Conflict("The publication is already withdrawn.")
        emergency = bool(body.get("emergency"))
        in_window = clock.today() <= date.fromisoformat(item["available_until"])
        if emergency and "chair" not in actor.groups:
            raise NotAllowed("Only the chair may make an emergency withdrawal.")
        if not emergency and PUBLISHERS not in actor.groups:
            raise NotAllowed("Only publishers may withdraw a publication after its 12 months.")
        if in_window and not emergency:
            raise Conflict(f"The publication must stay available until {item['available_until']}. "
                               "Only the chair can withdraw it sooner, as an emergency.", slug="still-available")
        item.update({"withdrawn_at": now_iso(), "withdrawn_by": actor.username or actor.subject,
                     "withdrawal_reason": body["reason"], "emergency": emergency,
                     "availability": "on_request"})
        self._put(item)  # the file stays, locked; only the listing changes
        return item

    # -- public --------------------------------------------------------------------

    def listing(self, kind=None, q=None, cursor=None, limit=50):
        if kind is not None and kind not in PUBLICATION_KINDS:
            raise BadRequest("kind must be one of: " + ", ".join(PUBLICATION_KINDS))
        if q is not None:
            return {"items": self._search(q, kind)[:limit], "next": None}
        if kind:
            query = {"IndexName": "by-kind", "KeyConditionExpression": "kind_listed = :k",
                     "ExpressionAttributeValues": {":k": {"S": kind}}}
            keys = ("pk", "sk", "kind_listed", "order")
        else:
            query = {"IndexName": "listing", "KeyConditionExpression": "listed = :l",
                     "ExpressionAttributeValues": {":l": {"S": LISTED}}}
            keys = ("pk", "sk", "listed", "order")
        page = query_page(self._db, self._conf.publications_table, query, cursor, limit, keys)
        return {"items": [self.public(plain_item(i)) for i in page["Items"]], "next": page["next"]}

    def get(self, publication_id):
        return self.public(self._get(publication_id))

    # STAND-IN from branch h-pages, for the register page to be written against: the lead replaces it at
    # merge with the real register (withdrawn and delayed entries) from the publications branch.
    def register(self, cursor=None, limit=50):
        page = self.listing(None, None, cursor, limit)
        return {"items": [{"id": i["id"], "kind": i["kind"], "title": i["title"], "published_on": i["published_on"],
                           "availability": "online", "file_url": i["file_url"], "size_bytes": i["size_bytes"]}
                          for i in page["items"]], "next": page["next"]}

    def public(self, item):
        """What the public sees of a publication."""
        shown = {field: item.get(field) for field in _LIST_FIELDS}
        shown["file_url"] = f"{self._base}/publications/{item['id']}/file"
        return shown

    def download_url(self, publication_id):
        item = self._get(publication_id)
        return self._s3.generate_presigned_url("get_object", Params={
            "Bucket": self._conf.publications_bucket, "Key": item["file_key"], "VersionId": item["file_version"],
            "ResponseContentType": "application/pdf",
            "ResponseContentDisposition": f'inline; filename="{item["file_key"].rsplit("/", 1)[1]}"',
        }, ExpiresIn=DOWNLOAD_SECONDS)

    def feed_items(self, limit=100):
        """The newest publications, whole (the feed carries the learning too)."""
        page = query_page(self._db, self._conf.publications_table, {
            "IndexName": "listing", "KeyConditionExpression": "listed = :l",
            "ExpressionAttributeValues": {":l": {"S": LISTED}}}, None, limit, ("pk", "sk", "listed", "order"))
        return [plain_item(i) for i in page["Items"]]

    def _search(self, q, kind):
        wanted = sorted(words(q))[:20]
        if not wanted:
            return []
        matches = None
        for word in wanted:
            ids = set()
            kwargs = {"TableName": self._conf.publications_table, "KeyConditionExpression": "pk = :w",
                      "ExpressionAttributeValues": {":w": {"S": f"word#{word}"}}, "ProjectionExpression": "sk"}
            while True:
                page = self._db.query(**kwargs)
                ids.update(i["sk"]["S"] for i in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            matches = ids if matches is None else matches & ids
            if not matches:
                return []
        found = []
        for chunk in _chunks(sorted(matches), 100):
            response = self._db.batch_get_item(RequestItems={self._conf.publications_table: {
                "Keys": [{"pk": {"S": f"publication#{pid}"}, "sk": {"S": "meta"}} for pid in chunk]}})
            found += [plain_item(i) for i in response["Responses"].get(self._conf.publications_table, [])]
        visible = [i for i in found if not i.get("withdrawn_at") and (kind is None or i["kind"] == kind)]
        return [self.public(i) for i in sorted(visible, key=lambda i: (i["published_on"], i["id"]), reverse=True)]

    # -- storage -------------------------------------------------------------------

    def _store_file(self, upload_key, stored_key, until, keep_at_least=None):
        lock_until = retain_until(until)
        if keep_at_least:
            lock_until = max(lock_until, datetime.fromisoformat(keep_at_least.replace("Z", "+00:00")))
        # Read and put rather than copy_object: a put that sets Object Lock carries a
        # checksum, which S3 requires (and moto checks) for locked writes. 50 MiB at most.
        body = self._s3.get_object(Bucket=self._conf.uploads_bucket, Key=upload_key)["Body"].read()
        copied = self._s3.put_object(
            Bucket=self._conf.publications_bucket, Key=stored_key, Body=body,
            ContentType="application/pdf",
            ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=lock_until,
            ChecksumAlgorithm="SHA256",
        )
        return copied.get("VersionId") or "null"

    def _retention_of(self, key, version):
        # get_object_retention is missing from moto; head_object carries the same facts.
        head = self._s3.head_object(Bucket=self._conf.publications_bucket, Key=key, VersionId=version)
        when = head.get("ObjectLockRetainUntilDate")
        return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if when else None

    def _discard_upload(self, key):
        try:
            self._s3.delete_object(Bucket=self._conf.uploads_bucket, Key=key)
        except self._s3.exceptions.ClientError:
            pass  # the bucket's one-day lifecycle rule removes it anyway

    def _get(self, publication_id, include_withdrawn=False):
        if not isinstance(publication_id, str) or not re.fullmatch(r"[0-9a-f]{12}", publication_id):
            raise NotFound("There is no publication with that id.")
        found = self._db.get_item(TableName=self._conf.publications_table, ConsistentRead=True,
                                  Key={"pk": {"S": f"publication#{publication_id}"}, "sk": {"S": "meta"}}).get("Item")
        if found is None:
            raise NotFound("There is no publication with that id.")
        item = plain_item(found)
        if item.get("withdrawn_at") and not include_withdrawn:
            raise NotFound("There is no publication with that id.")
        return item

    def _put(self, item):
        listed = not item.get("withdrawn_at")
        record = {key: value for key, value in item.items() if key not in ("listed", "kind_listed")}
        record.update({"pk": f"publication#{item['id']}", "sk": "meta", "order": f"{item['published_on']}#{item['id']}"})
        if listed:
            record.update({"listed": LISTED, "kind_listed": item["kind"]})
        self._db.put_item(TableName=self._conf.publications_table, Item=_to_dynamo(record))
        terms = words(item["title"], item["case_name"], item["summary"], " ".join(item.get("keywords", [])))
        requests = [{"PutRequest": {"Item": {"pk": {"S": f"word#{term}"}, "sk": {"S": item["id"]}}}}
                    for term in sorted(terms)]
        for chunk in _chunks(requests, 25):
            pending = {self._conf.publications_table: chunk}
            for _ in range(5):
                pending = self._db.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                if not pending:
                    break


def _invalid(pointer, message):
    return Invalid([{"pointer": pointer, "message": message}], "publication")


def _chunks(items, size):
    return [items[i:i + size] for i in range(0, len(items), size)]


def _to_dynamo(record):
    out = {}
    for key, value in record.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = {"BOOL": value}
        elif isinstance(value, int):
            out[key] = {"N": str(value)}
        elif isinstance(value, list):
            out[key] = {"L": [{"S": v} for v in value]}
        else:
            out[key] = {"S": str(value)}
    return out
