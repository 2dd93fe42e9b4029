"""The audit trail: who read or changed which referral, when, from where.

Append-only: entries are only ever put, under a condition that the key is new,
and the deployed policy grants the application PutItem and Query on this table
and nothing else. An entry holds no personal detail of the child: the reference,
the action, the actor, the time, the source address.
"""

import uuid
from datetime import UTC, datetime

from chalicelib.platform.items import plain, query_page, typed

NO_REFERENCE = "-"  # actions over many referrals (a listing, an export)


def entry_key(moment=None):
    moment = moment or datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ") + "#" + uuid.uuid4().hex[:12]


class AuditTrail:
    def __init__(self, dynamodb, table):
        self._db = dynamodb
        self._table = table

    def put_request(self, actor, action, reference=None, source_ip=None, detail=None):
        """The PutItem for one entry, for a transaction or on its own."""
        key = entry_key()
        item = {
            "reference": typed(reference or NO_REFERENCE),
            "entry": typed(key),
            "log": typed("audit"),
            "at": typed(key[:19] + "Z"),
            "actor": typed(actor.username or actor.subject),
            "actor_sub": typed(actor.subject),
            "action": typed(action),
            "source_ip": typed(source_ip or "unknown"),
        }
        if detail:
            item["detail"] = typed(detail)
        return {
            "TableName": self._table,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(#e)",
            "ExpressionAttributeNames": {"#e": "entry"},
        }

    def record(self, actor, action, reference=None, source_ip=None, detail=None):
        self._db.put_item(**self.put_request(actor, action, reference, source_ip, detail))

    def entries(self, reference=None, cursor=None, limit=50):
        if reference:
            query = {
                "KeyConditionExpression": "#r = :r",
                "ExpressionAttributeNames": {"#r": "reference"},
                "ExpressionAttributeValues": {":r": typed(reference)},
            }
        else:
            query = {
                "IndexName": "by-time",
                "KeyConditionExpression": "#l = :l",
                "ExpressionAttributeNames": {"#l": "log"},
                "ExpressionAttributeValues": {":l": typed("audit")},
            }
        keys = ("reference", "entry") if reference else ("reference", "entry", "log")
        page = query_page(self._db, self._table, query, cursor, limit, keys)
        items = [
            {
                "at": plain(item["at"]),
                "actor": plain(item["actor"]),
                "action": plain(item["action"]),
                "reference": None if plain(item["reference"]) == NO_REFERENCE else plain(item["reference"]),
                "source_ip": plain(item["source_ip"]),
                **({"detail": plain(item["detail"])} if "detail" in item else {}),
            }
            for item in page["Items"]
        ]
        return items, page["next"]
