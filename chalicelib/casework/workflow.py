"""The sub-committee's and the chair's work on a referral, with its audit trail.

States: received -> recommended -> decided -> (for reviews) in_progress ->
completed -> published. Every change is one DynamoDB transaction: the referral's
update, guarded by its expected state, and the audit entry. Every read of a
referral writes its audit entry before any data is returned.
"""
import csv
import io
import json

from chalicelib.casework import timelines
from chalicelib.platform import clock
from chalicelib.platform.clock import now_iso
from chalicelib.platform.items import plain, query_page
from chalicelib.errors import BadRequest, Conflict, NotFound
from chalicelib.vocabulary import REVIEW_DECISIONS, STATUSES, is_reference

LIST_FIELDS = ("reference", "status", "received_at", "review_requested", "referrer_agency", "decision_due")
_INTERNAL = {"document", "notify_pending", "kind", "history"}


class Casework:
    def __init__(self, dynamodb, settings, audit):
        self._db = dynamodb
        self._conf = settings
        self._audit = audit

    # -- reads -----------------------------------------------------------------

    def list(self, actor, source_ip, status=None, cursor=None, limit=50):
        if status is not None and status not in STATUSES:
            raise BadRequest("status must be one of: " + ", ".join(STATUSES))
        if status:
            query = {"IndexName": "status-received", "KeyConditionExpression": "#s = :s",
                     "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":s": {"S": status}}}
        else:
            query = {"IndexName": "all-received", "KeyConditionExpression": "#k = :k",
                     "ExpressionAttributeNames": {"#k": "kind"},
                     "ExpressionAttributeValues": {":k": {"S": "referral"}}}
        self._audit.record(actor, "list_referrals", source_ip=source_ip, detail=f"status={status or 'any'}")
        index_key = "status" if status else "kind"
        page = query_page(self._db, self._conf.referrals_table, query, cursor, limit,
                          ("reference", index_key, "received_at"))
        items = [{field: item.get(field, {}).get("S") for field in LIST_FIELDS} for item in page["Items"]]
        if status:
            for item in items:
                item["status"] = status
        return {"items": items, "next": page["next"]}

    def detail(self, actor, source_ip, reference):
        item = self._get(reference)
        self._audit.record(actor, "read_referral", reference, source_ip)
        document = json.loads(item["document"]["S"])
        facts = {key: plain(value) for key, value in item.items()
                 if key not in _INTERNAL and not key.startswith("email_")}
        history = [{"at": item["received_at"]["S"], "actor": "referrer", "action": "received"}]
        history += plain(item["history"]) if "history" in item else []
        return {**document, **facts, "history": history}

    def export_csv(self, actor, source_ip):
        self._audit.record(actor, "export_referrals", source_ip=source_ip)
        rows = []
        cursor = None
        while True:
            page = query_page(self._db, self._conf.referrals_table, {
                "IndexName": "all-received", "KeyConditionExpression": "#k = :k",
                "ExpressionAttributeNames": {"#k": "kind"}, "ExpressionAttributeValues": {":k": {"S": "referral"}},
            }, cursor, 100, ("reference", "kind", "received_at"))
            rows.extend(page["Items"])
            cursor = page["next"]
            if cursor is None:
                break
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["reference", "received_at", "review_requested", "status", "recommendation",
                         "recommended_at", "decision", "decided_at", "decision_due", "decision_on_time",
                         "review_due", "completed_at", "review_on_time"])
        for summary in sorted(rows, key=lambda r: r["received_at"]["S"]):
            item = self._get(summary["reference"]["S"])
            value = lambda name: item.get(name, {}).get("S", "")  # noqa: E731
            writer.writerow([
                value("reference"), value("received_at"), value("review_requested"), value("status"),
                value("recommendation"), value("recommended_at"), value("decision"), value("decided_at"),
                value("decision_due"), _on_time(value("decided_at"), value("decision_due")),
                value("review_due"), value("completed_at"), _on_time(value("completed_at"), value("review_due")),
            ])
        return out.getvalue()

    # -- changes ---------------------------------------------------------------

    def recommend(self, actor, source_ip, reference, body):
        now = now_iso()
        return self._transition(actor, source_ip, reference, "recommend", expected=("received",), to="recommended",
                                fields={"recommendation": body["recommendation"], "recommendation_rationale":
                                        body["rationale"], "recommended_at": now, "recommended_by": actor.username},
                                detail=f"recommendation={body['recommendation']}", now=now)

    def decide(self, actor, source_ip, reference, body):
        now = now_iso()
        fields = {"decision": body["decision"], "decision_rationale": body["rationale"], "decided_at": now,
                  "decided_by": actor.username}
        if body["decision"] in REVIEW_DECISIONS:
            review_due = timelines.due(self._conf.timeline_regime, "review", clock.london_date(now))
            fields["review_due"] = review_due.isoformat()
        # The referrer is told the outcome through the outbox, like the first emails.
        fields["email_decision_notice"] = "pending"
        fields["notify_pending"] = "yes"
        return self._transition(actor, source_ip, reference, "decide", expected=("recommended",), to="decided",
                                fields=fields, detail=f"decision={body['decision']}", now=now)

    def progress(self, actor, source_ip, reference, body):
        now = now_iso()
        if body["status"] == "in_progress":
            return self._transition(actor, source_ip, reference, "start_review", expected=("decided",),
                                    to="in_progress", fields={"review_started_at": now}, now=now,
                                    extra_condition=("#d IN (:r1, :r2)", {"#d": "decision"},
                                                     {":r1": {"S": REVIEW_DECISIONS[0]}, ":r2": {"S": REVIEW_DECISIONS[1]}}))
        return self._transition(actor, source_ip, reference, "complete_review", expected=("in_progress",),
                                to="completed", fields={"completed_at": now}, now=now)

    def check_publishable(self, reference):
        item = self._get(reference)
        if item["status"]["S"] != "completed":
            raise Conflict(f"The referral is {item['status']['S']}; only a completed review can be published.")

    def mark_published(self, actor, source_ip, reference, publication_id):
        now = now_iso()
        return self._transition(actor, source_ip, reference, "published", expected=("completed",), to="published",
                                fields={"published_at": now, "publication": publication_id}, now=now,
                                detail=f"publication={publication_id}")

    def _transition(self, actor, source_ip, reference, action, expected, to, fields, now, detail=None,
                    extra_condition=None):
        names = {"#status": "status", "#history": "history", "#ref": "reference"}
        values = {":to": {"S": to}, ":empty": {"L": []},
                  ":entry": {"L": [{"M": {"at": {"S": now}, "actor": {"S": actor.username or actor.subject},
                                          "action": {"S": action}, **({"detail": {"S": detail}} if detail else {})}}]}}
        sets = ["#status = :to", "#history = list_append(if_not_exists(#history, :empty), :entry)"]
        for index, (name, value) in enumerate(fields.items()):
            names[f"#f{index}"] = name
            values[f":f{index}"] = {"S": value}
            sets.append(f"#f{index} = :f{index}")
        allowed = []
        for index, state in enumerate(expected):
            values[f":e{index}"] = {"S": state}
            allowed.append(f":e{index}")
        condition = f"attribute_exists(#ref) AND #status IN ({', '.join(allowed)})"
        if extra_condition:
            condition += " AND " + extra_condition[0]
            names.update(extra_condition[1])
            values.update(extra_condition[2])
        update = {
            "TableName": self._conf.referrals_table, "Key": {"reference": {"S": reference}},
            "UpdateExpression": "SET " + ", ".join(sets), "ConditionExpression": condition,
            "ExpressionAttributeNames": names, "ExpressionAttributeValues": values,
        }
        try:
            self._db.transact_write_items(TransactItems=[
                {"Update": update},
                {"Put": self._audit.put_request(actor, action, reference, source_ip, detail)},
            ])
        except self._db.exceptions.TransactionCanceledException as exc:
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                current = self._get(reference)  # 404 when there is no such referral
                raise Conflict(f"The referral is {current['status']['S']}; it cannot {action.replace('_', ' ')} "
                                   "from there.") from None
            raise
        return self._summary(self._get(reference, consistent=True))

    # -- helpers ---------------------------------------------------------------

    def _get(self, reference, consistent=False):
        if not is_reference(reference):
            raise NotFound("There is no referral with that reference.")
        item = self._db.get_item(TableName=self._conf.referrals_table, Key={"reference": {"S": reference}},
                                 ConsistentRead=consistent).get("Item")
        if item is None:
            raise NotFound("There is no referral with that reference.")
        return item

    def _summary(self, item):
        keys = ("reference", "status", "received_at", "decision_due", "recommendation", "recommended_at",
                "decision", "decided_at", "review_due", "review_started_at", "completed_at")
        return {key: item[key]["S"] for key in keys if key in item}


def _on_time(done_at, due):
    if not due:
        return ""
    if not done_at:
        return "overdue" if clock.today().isoformat() > due else "pending"
    return "yes" if done_at[:10] <= due else "no"
