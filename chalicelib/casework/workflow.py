"""The statutory process on a stored case, under the case's own regime, with its audit trail.

`working_together_2023` (the default for new cases): notification -> rapid review ->
sign-off by each safeguarding partner's delegate -> the partners' decision (when all three
sign the same outcome) -> the Panel's answer -> the review (reviewer, terms of reference,
completion) -> publication. States: received -> rapid_reviewed -> decided -> in_progress ->
completed -> published.
`working_together_2015` (legacy cases): the sub-committee recommends, the chair decides.
States: received -> recommended -> decided -> in_progress -> completed -> published.

Every change reads the case, checks the rules, and writes ONE DynamoDB transaction: the
case's update (its new state, its history entry and any email for the outbox), guarded by
the version it read, and the audit entry. A concurrent change makes the version stale: 409,
nothing lost. Every read of a case writes its audit entry before any data is returned.
"""

import csv
import io
import json
import uuid

from chalicelib.casework import timelines
from chalicelib.errors import BadRequest, Conflict, NotAllowed, NotFound, invalid
from chalicelib.notifications.enqueue import enqueue
from chalicelib.platform import clock
from chalicelib.platform.clock import now_iso
from chalicelib.platform.items import plain, plain_item, query_all, query_page, typed, value_of
from chalicelib.vocabulary import (
    CLOCK_STATUSES,
    NO_REVIEW_OUTCOMES,
    PARTNERS,
    REVIEW_DECISIONS,
    REVIEW_OUTCOMES,
    STATUSES,
    WORKING_TOGETHER_2015,
    WORKING_TOGETHER_2023,
    is_reference,
)

LIST_FIELDS = ("reference", "status", "received_at", "review_requested", "referrer_agency", "decision_due")
# What the console's case list reads of each case: its row, and what its clocks are computed from.
BOARD_FIELDS = LIST_FIELDS + ("regime", "notification", "panel", "decision", "review", "proceedings", "published_at")
# Shown reshaped (sign_offs), or never shown (the outbox's bookkeeping, the stored document).
_INTERNAL = {"document", "notify_pending", "kind", "history", "sign_offs", "revisit"}
_V2_FIELDS = (
    "regime",
    "linked",
    "notification",
    "rapid_review",
    "decision",
    "panel",
    "review",
    "proceedings",
    "notices",
)


class Casework:
    def __init__(self, dynamodb, settings, audit):
        self._db = dynamodb
        self._conf = settings
        self._audit = audit
        self._expected_version = None

    def expecting(self, version):
        """The version the caller last saw (`If-Match`): a change of any other version is a 409."""
        self._expected_version = version
        return self

    # -- reads -----------------------------------------------------------------

    def list(self, actor, source_ip, status=None, cursor=None, limit=50, clock_filter=None):
        if status is not None and status not in STATUSES:
            raise BadRequest("status must be one of: " + ", ".join(STATUSES))
        if clock_filter is not None and clock_filter not in CLOCK_STATUSES:
            raise BadRequest("clock must be one of: " + ", ".join(CLOCK_STATUSES))
        query = _listing(status)
        detail = f"status={status or 'any'}" + (f" clock={clock_filter}" if clock_filter else "")
        self._audit.record(actor, "list_referrals", source_ip=source_ip, detail=detail)
        index_key = "status" if status else "kind"
        if clock_filter:
            return {"items": self._with_clock(query, clock_filter), "next": None}
        page = query_page(
            self._db, self._conf.referrals_table, query, cursor, limit, ("reference", index_key, "received_at")
        )
        items = [{name: value_of(item, name) for name in LIST_FIELDS} for item in page["Items"]]
        if status:
            for item in items:
                item["status"] = status
        return {"items": items, "next": page["next"]}

    def board(self, actor, source_ip, status=None):
        """Every case (of `status`) with its clocks computed: the console's case list, which puts the overdue first.

        Each case is read whole (clocks are computed from the case, not stored); a partnership has tens of
        open cases, not thousands."""
        if status is not None and status not in STATUSES:
            raise BadRequest("status must be one of: " + ", ".join(STATUSES))
        self._audit.record(actor, "list_referrals", source_ip=source_ip, detail=f"status={status or 'any'} console")
        references = [
            plain(s["reference"])
            for s in query_all(self._db, {"TableName": self._conf.referrals_table, **_listing(status)})
        ]
        found = []
        for item in self._read_many(references, BOARD_FIELDS):
            case = plain_item(item)
            found.append(
                {
                    **{field: case.get(field) for field in LIST_FIELDS},
                    "regime": case.get("regime", WORKING_TOGETHER_2015),
                    "clocks": timelines.clocks(case),
                }
            )
        return found

    def _read_many(self, references, fields):
        """The cases named, with only `fields` (a projection), 100 to a BatchGetItem: one read per hundred
        cases, not one per case. Keys DynamoDB leaves unprocessed (throttling) are asked for again."""
        import time

        names = {f"#f{index}": name for index, name in enumerate(fields)}
        found = []
        for start in range(0, len(references), 100):
            wanted = {
                self._conf.referrals_table: {
                    "Keys": [{"reference": typed(r)} for r in references[start : start + 100]],
                    "ProjectionExpression": ", ".join(names),
                    "ExpressionAttributeNames": names,
                }
            }
            for attempt in range(6):
                answer = self._db.batch_get_item(RequestItems=wanted)
                found.extend(answer.get("Responses", {}).get(self._conf.referrals_table, []))
                wanted = answer.get("UnprocessedKeys") or {}
                if not wanted:
                    break
                time.sleep(0.05 * 2**attempt)
            else:
                raise Conflict("The cases could not all be read just now; try again in a moment.")
        return found

    def _with_clock(self, query, wanted):
        """Every case with a clock in the `wanted` state, oldest first: clocks are computed, so each case is read."""
        found = []
        for summary in query_all(self._db, {"TableName": self._conf.referrals_table, **query}):
            case = plain_item(self._get(plain(summary["reference"])))
            matching = [c for c in timelines.clocks(case) if c["status"] == wanted]
            if matching:
                found.append(
                    {
                        **{field: case.get(field) for field in LIST_FIELDS},
                        "regime": case["regime"],
                        "clocks": matching,
                    }
                )
        return sorted(found, key=lambda c: c["received_at"])

    def detail(self, actor, source_ip, reference):
        item = self._get(reference)
        self._audit.record(actor, "read_referral", reference, source_ip)
        document = json.loads(plain(item["document"]))
        facts = {
            key: plain(value) for key, value in item.items() if key not in _INTERNAL and not key.startswith("email_")
        }
        return {**document, **facts, **self.view(item)}

    def view(self, item):
        """The case's workflow as the API shows it: its state, who signed what, its clocks and its history."""
        case = plain_item(item)
        shown = {
            "reference": case["reference"],
            "status": case["status"],
            "received_at": case["received_at"],
            "version": case.get("version", 0),
        }
        for field in _V2_FIELDS:
            shown[field] = case.get(field, [] if field in ("linked", "proceedings", "notices") else None)
        shown["regime"] = case.get("regime", WORKING_TOGETHER_2015)
        shown["sign_offs"] = [
            {"partner": partner, **case["sign_offs"][partner]}
            for partner in PARTNERS
            if partner in case.get("sign_offs", {})
        ]
        if case.get("revisit"):
            shown["revisit"] = case["revisit"]
        shown["clocks"] = timelines.clocks(case)
        history = [{"at": case["received_at"], "actor": case.get("entered_by", "referrer"), "action": "received"}]
        shown["history"] = history + case.get("history", [])
        return shown

    def figures(self, actor, source_ip, year_starts=1):
        """The yearly report's figures over every case (`casework.figures`): counts only.

        Each case is read with only the workflow's fields (a projection), so no referral,
        child or family detail is even fetched.
        """
        from chalicelib.casework import figures

        self._audit.record(actor, "read_figures", source_ip=source_ip)
        references = [
            plain(summary["reference"])
            for summary in query_all(
                self._db,
                {
                    "TableName": self._conf.referrals_table,
                    "IndexName": "all-received",
                    "KeyConditionExpression": "#k = :k",
                    "ExpressionAttributeNames": {"#k": "kind", "#r": "reference"},
                    "ExpressionAttributeValues": {":k": typed("referral")},
                    "ProjectionExpression": "#r",
                },
            )
        ]
        cases = [plain_item(item) for item in self._read_many(references, figures.CASE_FIELDS)]
        return figures.compute(cases, holidays=clock.board_holidays(), year_starts=year_starts)

    def export_csv(self, actor, source_ip):
        self._audit.record(actor, "export_referrals", source_ip=source_ip)
        rows = list(
            query_all(
                self._db,
                {
                    "TableName": self._conf.referrals_table,
                    "IndexName": "all-received",
                    "KeyConditionExpression": "#k = :k",
                    "ExpressionAttributeNames": {"#k": "kind"},
                    "ExpressionAttributeValues": {":k": typed("referral")},
                },
            )
        )
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(
            [
                "reference",
                "received_at",
                "review_requested",
                "status",
                "recommendation",
                "recommended_at",
                "decision",
                "decided_at",
                "decision_due",
                "decision_on_time",
                "review_due",
                "completed_at",
                "review_on_time",
            ]
        )
        for summary in sorted(rows, key=lambda r: plain(r["received_at"])):
            item = self._get(plain(summary["reference"]))

            def value(name, item=item):
                return value_of(item, name, "")

            writer.writerow(
                [
                    value("reference"),
                    value("received_at"),
                    value("review_requested"),
                    value("status"),
                    value("recommendation"),
                    value("recommended_at"),
                    _outcome(item) or "",
                    value("decided_at"),
                    value("decision_due"),
                    _on_time(value("decided_at"), value("decision_due")),
                    value("review_due"),
                    value("completed_at"),
                    _on_time(value("completed_at"), value("review_due")),
                ]
            )
        return out.getvalue()

    # -- the 2015 workflow: the sub-committee recommends, the chair decides ------------------------

    def recommend(self, actor, source_ip, reference, body):
        item = self._get(reference, consistent=True)
        _regime(
            item,
            WORKING_TOGETHER_2015,
            "under working_together_2023 the case review group records the rapid review (/rapid-review)",
        )
        _expect(item, ("received",), "recommend")
        now = now_iso()
        item = self._change(
            actor,
            source_ip,
            item,
            "recommend",
            status="recommended",
            detail=(f"recommendation={body['recommendation']}"),
            now=now,
            sets={
                "recommendation": body["recommendation"],
                "recommendation_rationale": body["rationale"],
                "recommended_at": now,
                "recommended_by": actor.username,
            },
        )
        return self._summary(item)

    def decide(self, actor, source_ip, reference, body):
        item = self._get(reference, consistent=True)
        _regime(
            item,
            WORKING_TOGETHER_2015,
            "under working_together_2023 the three safeguarding partners decide (/sign-off)",
        )
        revisit = _revisiting(item, body, "decide")
        if not revisit:
            _expect(item, ("recommended",), "decide")
        recommendation = value_of(item, "recommendation")
        _guard_criteria(body["decision"], recommendation == "criteria_met", body.get("override_reason"))
        now = now_iso()
        sets = {
            "decision_rationale": body["rationale"],
            "decided_at": now,
            "decided_by": actor.username,
            "decision": _decision(body["decision"], now, body.get("override_reason"), actor.username),
        }
        if body["decision"] in REVIEW_DECISIONS:
            sets["review_due"] = timelines.due(WORKING_TOGETHER_2015, "review", clock.london_date(now)).isoformat()
        sets.update(_superseding(item, revisit, body.get("reason"), actor, now))
        # The referrer is told the outcome through the outbox, like the first emails.
        item = self._change(
            actor,
            source_ip,
            item,
            "revisit_decision" if revisit else "decide",
            status="decided",
            sets=sets,
            now=now,
            emails=("decision_notice",),
            detail=f"decision={body['decision']}",
        )
        return self._summary(item)

    def progress(self, actor, source_ip, reference, body):
        item = self._get(reference, consistent=True)
        now = now_iso()
        if body["status"] == "in_progress":
            _expect(item, ("decided",), "start review")
            if _outcome(item) not in REVIEW_DECISIONS + REVIEW_OUTCOMES:
                raise Conflict("The decision was not to hold a review; there is no review to start.")
            item = self._change(
                actor,
                source_ip,
                item,
                "start_review",
                status="in_progress",
                now=now,
                sets={"review_started_at": now, "review": {**_review(item), "status": "in_progress"}},
            )
        else:
            _expect(item, ("in_progress",), "complete review")
            item = self._change(
                actor,
                source_ip,
                item,
                "complete_review",
                status="completed",
                now=now,
                sets={
                    "completed_at": now,
                    "review": {
                        **_review(item),
                        "status": "completed",
                        "completed_on": clock.london_date(now).isoformat(),
                    },
                },
            )
        return self._summary(item)

    # -- cases and links ---------------------------------------------------------------------------

    def link(self, actor, source_ip, reference, body):
        other = body["reference"]
        if other == reference:
            raise invalid("/reference", "must be another case's reference")
        item = self._get(reference, consistent=True)
        try:
            linked = self._get(other, consistent=True)
        except NotFound:
            raise invalid("/reference", "there is no case with that reference") from None
        if other in value_of(item, "linked", []):
            return self.view(item)
        self._transact(
            actor,
            source_ip,
            [
                _Change(item, "link", {"linked": value_of(item, "linked", []) + [other]}, detail=f"linked={other}"),
                _Change(
                    linked,
                    "link",
                    {"linked": value_of(linked, "linked", []) + [reference]},
                    detail=f"linked={reference}",
                ),
            ],
            now_iso(),
        )
        return self.view(self._get(reference, consistent=True))

    # -- the 2023 workflow ----------------------------------------------------------------------------

    def notify(self, actor, source_ip, reference, body):
        item = self._get(reference, consistent=True)
        _not_after_today(body, ("became_aware_on", "notified_on"))
        if body.get("notified_on") and body["notified_on"] < body["became_aware_on"]:
            raise invalid("/notified_on", "must not be before the date the local authority became aware")
        notification = {
            key: body[key]
            for key in ("became_aware_on", "notified_on", "panel_reference", "notified")
            if body.get(key) is not None
        }
        return self.view(
            self._change(
                actor,
                source_ip,
                item,
                "notification",
                sets={"notification": notification},
                detail="notified" if body.get("notified_on") else "aware",
            )
        )

    def rapid_review(self, actor, source_ip, reference, body):
        item = self._get(reference, consistent=True)
        _regime(
            item, WORKING_TOGETHER_2023, "under working_together_2015 the sub-committee recommends (/recommendation)"
        )
        _expect(item, ("received", "rapid_reviewed"), "record a rapid review")
        if value_of(item, "sign_offs"):
            raise Conflict("Partners have signed off this rapid review; it can no longer be changed.")
        _not_after_today(body, ("meeting_on",))
        for index, summary in enumerate(body.get("agency_summaries", [])):
            _not_after_today(summary, ("requested_on", "returned_on"), f"/agency_summaries/{index}")
        now = now_iso()
        record = {**body, "recorded_by": actor.username, "recorded_at": now}
        # Each partner's delegate is told that a sign-off is waiting.
        return self.view(
            self._change(
                actor,
                source_ip,
                item,
                "rapid_review",
                status="rapid_reviewed",
                now=now,
                sets={"rapid_review": record},
                emails=("signoff_request",),
                detail=f"recommendation={body['recommendation']}",
            )
        )

    def sign_off(self, actor, source_ip, reference, body):
        partner = _own_partner(actor)
        item = self._get(reference, consistent=True)
        _regime(item, WORKING_TOGETHER_2023, "under working_together_2015 the chair decides (/decision)")
        status = plain(item["status"])
        round_open = "revisit" in item
        if status == "decided" and not round_open:
            revisit = _revisiting(item, body, "sign off")
        elif status == "decided" or status == "rapid_reviewed":
            revisit = False
        else:
            raise Conflict(
                f"The case is {status}; partners sign off a recorded rapid review, before the review starts."
            )
        criteria_met = plain(item["rapid_review"])["criteria_met"]
        _guard_criteria(body["outcome"], criteria_met, body.get("override_reason"))
        now = now_iso()
        signed = {key: body[key] for key in ("outcome", "rationale", "override_reason") if key in body}
        signed.update({"by": actor.username, "at": now})
        sign_offs = {} if revisit else value_of(item, "sign_offs", {})
        sign_offs[partner] = signed
        sets = {"sign_offs": sign_offs}
        if revisit:
            sets["revisit"] = {"reason": body["reason"], "by": actor.username, "at": now}
        history = [("sign_off", f"partner={partner} outcome={body['outcome']}")]
        outcomes = {sign_offs[p]["outcome"] for p in PARTNERS if p in sign_offs}
        # A revisit asks every delegate to sign again.
        emails, new_status = ("signoff_request",) if revisit else (), None
        if len(sign_offs) == len(PARTNERS) and len(outcomes) == 1:
            reasons = [
                f"{p}: {sign_offs[p]['override_reason']}" for p in PARTNERS if sign_offs[p].get("override_reason")
            ]
            sets["decision"] = _decision(body["outcome"], now, "\n".join(reasons) or None, "safeguarding_partners")
            sets.update(_superseding(item, round_open, None, actor, now))
            history.append(("revisit_decision" if round_open else "decide", f"decision={body['outcome']}"))
            emails, new_status = ("decision_notice",), "decided"
        return self.view(
            self._change(
                actor,
                source_ip,
                item,
                history,
                status=new_status,
                sets=sets,
                now=now,
                emails=emails,
                remove=("revisit",) if new_status and round_open else (),
            )
        )

    def panel(self, actor, source_ip, reference, body):
        item = self._get(reference, consistent=True)
        if value_of(item, "regime") == WORKING_TOGETHER_2023 and "rapid_review" not in item:
            raise Conflict("Record the rapid review before it is sent to the Panel.")
        if "sent_on" in body and len(body) > 1:
            raise invalid("", "send either sent_on, or the Panel's response with received_on")
        for field in ("response", "received_on"):
            if "sent_on" not in body and field not in body:
                raise invalid(f"/{field}", "is required with the Panel's answer")
        _not_after_today(body, ("sent_on", "received_on"))
        record = {**value_of(item, "panel", {}), **body}
        action = "panel_response" if "response" in body else "panel_sent"
        return self.view(
            self._change(
                actor,
                source_ip,
                item,
                action,
                sets={"panel": record},
                detail=f"response={body['response']}" if "response" in body else None,
            )
        )

    def review(self, actor, source_ip, reference, body):
        item = self._get(reference, consistent=True)
        _expect(item, ("decided", "in_progress"), "record the review")
        if _outcome(item) not in REVIEW_OUTCOMES + REVIEW_DECISIONS:
            raise Conflict("The decision was not to hold a review; there is no review to record.")
        _not_after_today(body, ("terms_of_reference_on", "completed_on"))
        if body["status"] == "completed" and "completed_on" not in body:
            raise invalid("/completed_on", "is required when the review is completed")
        if body["status"] == "in_progress" and "completed_on" in body:
            raise invalid("/completed_on", "is only given when the review is completed")
        now = now_iso()
        record = {**_review(item), **body}
        sets = {"review": record}
        if body["status"] == "completed":
            sets["completed_at"] = now
        return self.view(
            self._change(actor, source_ip, item, f"review_{body['status']}", status=body["status"], sets=sets, now=now)
        )

    def add_proceeding(self, actor, source_ip, reference, body):
        item = self._get(reference, consistent=True)
        _not_after_today(body, ("started_on", "concluded_on"))
        today = clock.today().isoformat()
        proceeding = {
            "id": uuid.uuid4().hex[:12],
            "kind": body["kind"],
            "status": body["status"],
            "holds_publication": body["holds_publication"],
            "pauses_review": body["pauses_review"],
            "note": body.get("note", ""),
            "started_on": body.get("started_on", today),
        }
        if body["status"] == "concluded":
            proceeding["concluded_on"] = body.get("concluded_on", today)
        elif "concluded_on" in body:
            raise invalid("/concluded_on", "is only given when the proceeding has concluded")
        _in_order(proceeding)
        proceedings = value_of(item, "proceedings", []) + [proceeding]
        self._change(
            actor,
            source_ip,
            item,
            "proceeding_added",
            sets={"proceedings": proceedings},
            detail=f"proceeding={proceeding['id']} kind={body['kind']}",
        )
        return proceeding

    def update_proceeding(self, actor, source_ip, reference, proceeding_id, body):
        item = self._get(reference, consistent=True)
        proceedings = value_of(item, "proceedings", [])
        found = next((p for p in proceedings if p["id"] == proceeding_id), None)
        if found is None:
            raise NotFound("There is no such proceeding on this case.")
        _not_after_today(body, ("concluded_on",))
        if found["status"] == "concluded" and body.get("status") == "active":
            raise Conflict("The proceeding has concluded; record a new one if it has started again.")
        found.update({key: value for key, value in body.items() if key != "concluded_on"})
        if found["status"] == "concluded":
            found.setdefault("concluded_on", body.get("concluded_on", clock.today().isoformat()))
        elif "concluded_on" in body:
            raise invalid("/concluded_on", "is only given when the proceeding has concluded")
        _in_order(found)
        self._change(
            actor,
            source_ip,
            item,
            "proceeding_updated",
            sets={"proceedings": proceedings},
            detail=f"proceeding={proceeding_id} status={found['status']}",
        )
        return found

    def add_notice(self, actor, source_ip, reference, body):
        item = self._get(reference, consistent=True)
        _not_after_today(body, ("given_on",))
        notice = {"id": uuid.uuid4().hex[:12], **body}
        notices = value_of(item, "notices", []) + [notice]
        self._change(
            actor,
            source_ip,
            item,
            "notice_given",
            sets={"notices": notices},
            detail=f"notice={notice['id']} to={body['to']}",
        )
        return notice

    # -- one change, one transaction -----------------------------------------------------------------

    def _change(self, actor, source_ip, item, history, sets, status=None, now=None, emails=(), detail=None, remove=()):
        """Writes one change of one case: `history` is an action name, or [(action, detail)] for several entries."""
        self._transact(
            actor, source_ip, [_Change(item, history, sets, status, detail, emails, remove)], now or now_iso()
        )
        return self._get(plain(item["reference"]), consistent=True)

    def _transact(self, actor, source_ip, changes, now):
        """One transaction: each case's update, guarded by the version read, and each one's audit entry."""
        seen = value_of(changes[0].item, "version", 0)
        if self._expected_version is not None and seen != self._expected_version:
            raise Conflict(
                f"The case is at version {seen}, not {self._expected_version}: someone changed it since "
                "you read it; reload it and try again.",
                slug="stale-version",
            )
        if len(changes) == 1:
            (only,) = changes
            writes = [{"Update": self._update(actor, only, now)}, {"Put": self._audit_entry(actor, source_ip, only)}]
        else:  # a link: both cases change together
            first, second = changes
            writes = [
                {"Update": self._update(actor, first, now)},
                {"Put": self._audit_entry(actor, source_ip, first)},
                {"Update": self._update(actor, second, now)},
                {"Put": self._audit_entry(actor, source_ip, second)},
            ]
        try:
            self._db.transact_write_items(TransactItems=writes)
        except self._db.exceptions.TransactionCanceledException as exc:
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if "ConditionalCheckFailed" in reasons:
                raise Conflict(
                    "The case was changed by someone else since it was read; reload it and try again.",
                    slug="stale-version",
                ) from None
            raise

    def _audit_entry(self, actor, source_ip, change):
        details = "; ".join(detail for _, detail in change.history if detail) or None
        return self._audit.put_request(
            actor, change.history[-1][0], plain(change.item["reference"]), source_ip, details
        )

    def _update(self, actor, change, now):
        item, history, sets, status, emails, remove = (
            change.item,
            change.history,
            change.sets,
            change.status,
            change.emails,
            change.remove,
        )
        version = value_of(item, "version", 0)
        who = actor.username or actor.subject
        entries = [{"at": now, "actor": who, "action": action, **({"detail": d} if d else {})} for action, d in history]
        names = {"#ref": "reference", "#version": "version", "#history": "history"}
        values = {":entries": typed(entries), ":empty": typed([]), ":next": typed(version + 1)}
        assignments = ["#history = list_append(if_not_exists(#history, :empty), :entries)", "#version = :next"]
        fields = dict(sets)
        if status:
            fields["status"] = status
        fields.update(enqueue(*emails))
        for index, (name, value) in enumerate(fields.items()):
            names[f"#f{index}"] = name
            values[f":f{index}"] = typed(value)
            assignments.append(f"#f{index} = :f{index}")
        expression = "SET " + ", ".join(assignments)
        if remove:
            for index, name in enumerate(remove):
                names[f"#r{index}"] = name
            expression += " REMOVE " + ", ".join(f"#r{index}" for index in range(len(remove)))
        if version:
            condition = "attribute_exists(#ref) AND #version = :seen"
            values[":seen"] = typed(version)
        else:  # a case written before versions (the migration gives every case one)
            condition = "attribute_exists(#ref) AND attribute_not_exists(#version)"
        return {
            "TableName": self._conf.referrals_table,
            "Key": {"reference": item["reference"]},
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    # -- helpers ---------------------------------------------------------------

    def _get(self, reference, consistent=False):
        if not is_reference(reference):
            raise NotFound("There is no referral with that reference.")
        item = self._db.get_item(
            TableName=self._conf.referrals_table, Key={"reference": typed(reference)}, ConsistentRead=consistent
        ).get("Item")
        if item is None:
            raise NotFound("There is no referral with that reference.")
        return item

    def _summary(self, item):
        keys = (
            "reference",
            "status",
            "received_at",
            "decision_due",
            "recommendation",
            "recommended_at",
            "decided_at",
            "review_due",
            "review_started_at",
            "completed_at",
            "regime",
        )
        summary = {key: plain(item[key]) for key in keys if key in item}
        if "decision" in item:
            summary["decision"] = _outcome(item)
        summary["version"] = value_of(item, "version", 0)
        return summary


def _listing(status):
    """The query of the cases of one status, or of every case, newest received last."""
    if status:
        return {
            "IndexName": "status-received",
            "KeyConditionExpression": "#s = :s",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {":s": typed(status)},
        }
    return {
        "IndexName": "all-received",
        "KeyConditionExpression": "#k = :k",
        "ExpressionAttributeNames": {"#k": "kind"},
        "ExpressionAttributeValues": {":k": typed("referral")},
    }


class _Change:
    """One case's part of a transaction: its new values, status, history entries and emails."""

    def __init__(self, item, history, sets, status=None, detail=None, emails=(), remove=()):
        self.item, self.sets, self.status, self.emails, self.remove = item, sets, status, emails, remove
        self.history = [(history, detail)] if isinstance(history, str) else history


def _outcome(item):
    """The recorded decision's outcome (a map since version 2; a plain string in items the migration has not seen)."""
    decision = item.get("decision")
    if decision is None:
        return None
    decision = plain(decision)
    return decision["outcome"] if isinstance(decision, dict) else decision


def _review(item):
    return plain(item["review"]) if "review" in item else {}


def _decision(outcome, now, override_reason, by):
    decision = {
        "outcome": outcome,
        "made_on": clock.london_date(now).isoformat(),
        "by": by,
        "flagged_for_panel": bool(override_reason),
    }
    if override_reason:
        decision["override_reason"] = override_reason
    return decision


def _superseding(item, revisiting, reason, actor, now):
    """A revisited decision keeps the one it replaces, with why and by whom."""
    if not revisiting or "decision" not in item:
        return {}
    old = plain(item["decision"])
    old = old if isinstance(old, dict) else {"outcome": old}
    revisit = plain(item["revisit"]) if "revisit" in item else {"reason": reason, "by": actor.username, "at": now}
    superseded = value_of(item, "superseded_decisions", [])
    return {
        "superseded_decisions": superseded
        + [
            {
                **old,
                "superseded_on": clock.london_date(now).isoformat(),
                "revisit_reason": revisit["reason"],
                "revisited_by": revisit["by"],
            }
        ]
    }


def _regime(item, wanted, otherwise):
    regime = value_of(item, "regime", WORKING_TOGETHER_2015)
    if regime != wanted:
        raise Conflict(f"This case follows {regime}: {otherwise}.")


def _expect(item, states, action):
    status = plain(item["status"])
    if status not in states:
        raise Conflict(f"The referral is {status}; it cannot {action} from there.")


def _revisiting(item, body, action):
    """True when a decision is already recorded and the body revisits it; 409 when it does not say so."""
    if "decision" not in item:
        if body.get("revisit"):
            raise Conflict("There is no decision to revisit yet.")
        return False
    if plain(item["status"]) != "decided":
        raise Conflict(f"The case is {item['status']['S']}; a decision can be revisited only before the review starts.")
    if not body.get("revisit"):
        raise Conflict(f'A decision is already recorded; to {action} again, send "revisit": true with a reason.')
    if not body.get("reason"):
        raise invalid("/reason", "is required when a decision is revisited")
    return True


def _guard_criteria(outcome, criteria_met, override_reason):
    """No review where the criteria are met needs a written override reason (it is flagged to the Panel)."""
    if outcome in NO_REVIEW_OUTCOMES and criteria_met and not override_reason:
        raise invalid("/override_reason", "is required: the recorded criteria for a review are met")
    if override_reason and not (outcome in NO_REVIEW_OUTCOMES and criteria_met):
        raise invalid("/override_reason", "is only given for no review where the criteria are met")


def _own_partner(actor):
    """The one safeguarding partner the actor signs for: a delegate signs for their own partner only."""
    partners = [group for group in PARTNERS if group in actor.groups]
    if len(partners) != 1:
        raise NotAllowed(
            f"A sign-off is made by one partner's delegate; this account is in {len(partners)} partner groups."
        )
    return partners[0]


def _not_after_today(body, fields, prefix=""):
    today = clock.today().isoformat()
    for field in fields:
        if body.get(field) and body[field] > today:
            raise invalid(f"{prefix}/{field}", "must not be in the future")


def _in_order(proceeding):
    if proceeding.get("concluded_on") and proceeding["concluded_on"] < proceeding["started_on"]:
        raise invalid("/concluded_on", "must not be before the proceeding started")


def _on_time(done_at, due):
    if not due:
        return ""
    if not done_at:
        return "overdue" if clock.today().isoformat() > due else "pending"
    return "yes" if done_at[:10] <= due else "no"
