"""Referral intake: references, and the durable write.

One write on the request path: the referral and, when the caller gave one, its
idempotency record go in a single DynamoDB transaction, each guarded by a
condition. The stream of the referrals table is the outbox for the emails.
"""

import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from chalicelib.casework import timelines
from chalicelib.notifications.enqueue import enqueue
from chalicelib.platform import clock
from chalicelib.platform.clock import iso
from chalicelib.platform.items import plain, to_item, typed
from chalicelib.vocabulary import REFERENCE_ALPHABET

EMAILS = ("committee_alert", "referrer_ack", "signoff_request", "decision_notice")
FIRST_EMAILS = ("committee_alert", "referrer_ack")


def new_reference():
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def fingerprint(document):
    """Stable hash of a submission, to tell a replay from a different body under the same key."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class Receipt:
    reference: str
    received_at: str
    replayed: bool = False

    def body(self):
        return {"reference": self.reference, "status": "received", "received_at": self.received_at}


class IdempotencyConflict(Exception):
    """The key was used within its window for a different body."""


class ReferralStore:
    def __init__(self, dynamodb, referrals_table, idempotency_table, regime, idempotency_hours=24, holidays=None):
        self._db = dynamodb
        self._table = referrals_table
        self._keys = idempotency_table
        self._regime = regime
        self._holidays = holidays
        self._window = timedelta(hours=idempotency_hours)

    def receive(self, document, idempotency_key=None, attempts=5):
        received = clock.now()
        digest = fingerprint(document)
        for _ in range(attempts):
            reference = new_reference()
            try:
                self._write(reference, received, document, idempotency_key, digest)
                return Receipt(reference, iso(received))
            except self._db.exceptions.TransactionCanceledException as exc:
                reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                    replay = self._replay(idempotency_key, digest)
                    if replay is not None:
                        return replay
                    continue  # the old key expired between our write and read: write again
                if reasons and reasons[0] != "ConditionalCheckFailed":
                    raise
            except self._db.exceptions.ConditionalCheckFailedException:
                pass  # the reference was taken; draw another
        raise RuntimeError("could not allocate a unique reference")

    def enter(self, document, regime, source, audit, actor, source_ip, attempts=5):
        """A case entered by staff: the case and its audit entry (`audit`, the audit trail) in one transaction."""
        received = clock.now()
        for _ in range(attempts):
            reference = new_reference()
            item = self._item(reference, received, document, regime)
            item["source"] = typed(source)
            item["entered_by"] = typed(actor.username or actor.subject)
            try:
                self._db.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": self._table,
                                "Item": item,
                                "ConditionExpression": "attribute_not_exists(#r)",
                                "ExpressionAttributeNames": {"#r": "reference"},
                            }
                        },
                        {
                            "Put": audit.put_request(
                                actor, "enter_referral", reference, source_ip, detail=f"source={source}"
                            )
                        },
                    ]
                )
                return Receipt(reference, iso(received))
            except self._db.exceptions.TransactionCanceledException as exc:
                reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                if not reasons or reasons[0] != "ConditionalCheckFailed":
                    raise  # anything but a taken reference
        raise RuntimeError("could not allocate a unique reference")

    def _item(self, reference, received, document, regime=None):
        regime = regime or self._regime
        item = {
            "reference": typed(reference),
            "kind": typed("referral"),
            "regime": typed(regime),
            "status": typed("received"),
            "version": typed(1),
            "received_at": typed(iso(received)),
            "review_requested": typed(document["review_requested"]),
            "referrer_agency": typed(document["referrer"]["agency"]),
            "document": typed(json.dumps(document, ensure_ascii=False)),
            "linked": typed([]),
            "notices": typed([]),
            "proceedings": typed([]),
            **to_item(enqueue(*FIRST_EMAILS)),
        }
        due = timelines.due(regime, "decision", clock.london_date(received), self._holidays)
        if due:  # the 2015 chair's decision: its date is what the listing shows
            item["decision_due"] = typed(due.isoformat())
        return item

    def _write(self, reference, received, document, key, digest):
        referral = {
            "TableName": self._table,
            "Item": self._item(reference, received, document),
            "ConditionExpression": "attribute_not_exists(#r)",
            "ExpressionAttributeNames": {"#r": "reference"},
        }
        if key is None:
            self._db.put_item(**referral)
            return
        expires = int((received + self._window).timestamp())
        self._db.transact_write_items(
            TransactItems=[
                {"Put": referral},
                {
                    "Put": {
                        "TableName": self._keys,
                        "Item": {
                            "key": typed(_key_id(key)),
                            "reference": typed(reference),
                            "received_at": typed(iso(received)),
                            "fingerprint": typed(digest),
                            "expires_at": typed(expires),
                        },
                        # DynamoDB's TTL deletes late, so an expired record is treated as gone.
                        "ConditionExpression": "attribute_not_exists(#k) OR expires_at < :now",
                        "ExpressionAttributeNames": {"#k": "key"},
                        "ExpressionAttributeValues": {":now": typed(int(time.time()))},
                    }
                },
            ]
        )

    def _replay(self, key, digest):
        found = self._db.get_item(TableName=self._keys, Key={"key": typed(_key_id(key))}, ConsistentRead=True).get(
            "Item"
        )
        if found is None or plain(found["expires_at"]) < time.time():
            return None
        if plain(found["fingerprint"]) != digest:
            raise IdempotencyConflict()
        return Receipt(plain(found["reference"]), plain(found["received_at"]), replayed=True)


def _key_id(key):
    # Keys are stored hashed: their length is bounded and they mean nothing to a reader.
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
