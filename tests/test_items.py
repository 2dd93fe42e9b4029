"""The one converter pair between plain values and DynamoDB items, and the paginated reads."""

import pathlib
import re

import boto3
import pytest

from chalicelib.platform import items

STORED = {
    "reference": "K7QX-M4TP",
    "count": 3,
    "negative": -12,
    "ratio": 0.25,
    "flag": True,
    "off": False,
    "nothing": None,
    "history": [{"at": "2026-11-25T21:04:05Z", "actor": "chair", "action": "decide"}],
    "sign_offs": [],
    "decision": {"outcome": "local_review", "made_on": "2026-11-25", "override_reason": None},
    "nested": {"list": [1, "two", [3.5, False]], "map": {}},
    "text": "Ünïcödé — ‘quoted’",
}


def test_every_type_the_service_stores_round_trips():
    assert items.plain_item(items.to_item(STORED)) == STORED


def test_one_attribute_reads_as_its_plain_value_or_the_default():
    item = items.to_item(STORED)
    assert items.value_of(item, "decision") == STORED["decision"]
    assert items.value_of(item, "count", 0) == 3
    assert items.value_of(item, "absent", 0) == 0 and items.value_of(item, "absent") is None


# DynamoDB's typed values by hand: {"S": ...} written, ["S"] or .get("S") read.
HAND_TYPED = re.compile(r'\{"(S|N|BOOL|NULL|L|M|SS)": |\["(S|N|BOOL|NULL|L|M|SS)"\]|\.get\("(S|N|BOOL|NULL|L|M|SS)"')


def test_the_service_writes_and_reads_items_through_the_one_pair_only():
    root = pathlib.Path(__file__).resolve().parent.parent
    sources = [root / "app.py", *sorted((root / "chalicelib").rglob("*.py"))]
    by_hand = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for path in sources
        if path.name != "items.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HAND_TYPED.search(line)
    ]
    assert by_hand == [], (
        "use chalicelib/platform/items.py (typed, to_item, plain, plain_item, value_of):\n" + "\n".join(by_hand)
    )


@pytest.mark.parametrize("value", [b"bytes", {1, 2}, object()])
def test_what_cannot_be_stored_is_refused(value):
    with pytest.raises(TypeError):
        items.typed(value)


def test_query_all_reads_every_page(aws):
    db = boto3.client("dynamodb", region_name="eu-west-2")
    table = aws.physical["AuditTable"]
    for index in range(25):
        db.put_item(
            TableName=table,
            Item=items.to_item(
                {"reference": "K7QX-M4TP", "entry": f"2026-11-25T21:04:{index:02d}.000000Z#x", "log": "audit"}
            ),
        )
    found = list(
        items.query_all(
            db,
            {
                "TableName": table,
                "KeyConditionExpression": "#r = :r",
                "Limit": 4,
                "ExpressionAttributeNames": {"#r": "reference"},
                "ExpressionAttributeValues": {":r": {"S": "K7QX-M4TP"}},
            },
        )
    )
    assert len(found) == 25
    assert len(list(items.scan_all(db, {"TableName": table, "Limit": 7}))) == 25
