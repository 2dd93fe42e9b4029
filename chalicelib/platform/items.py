"""DynamoDB items and pages: the shapes every table of the service shares."""

import base64
import json

# One converter pair for every table: plain Python values <-> DynamoDB's typed values.
# (boto3's TypeSerializer does the same but needs Decimal for numbers and imports boto3,
# which the referral's cold path does without.)


def typed(value):
    """A plain value (str, int, float, bool, None, list, tuple, dict) as a DynamoDB typed value."""
    if isinstance(value, bool):  # before int: True is an int
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, float):
        return {"N": repr(value)}
    if value is None:
        return {"NULL": True}
    if isinstance(value, (list, tuple)):
        return {"L": [typed(item) for item in value]}
    if isinstance(value, dict):
        return {"M": {str(key): typed(item) for key, item in value.items()}}
    raise TypeError(f"cannot store a {type(value).__name__} in DynamoDB")


def plain(value):
    """One of DynamoDB's typed values as a plain JSON value."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return inner
    if kind == "N":
        return int(inner) if inner.lstrip("-").isdigit() else float(inner)
    if kind == "BOOL":
        return inner
    if kind == "NULL":
        return None
    if kind == "L":
        return [plain(v) for v in inner]
    if kind == "M":
        return {k: plain(v) for k, v in inner.items()}
    if kind == "SS":
        return sorted(inner)
    raise TypeError(f"unexpected DynamoDB type {kind}")


def value_of(item, name, default=None):
    """One attribute of a DynamoDB item as a plain value, or `default` when the item has none."""
    return plain(item[name]) if name in item else default


def to_item(mapping):
    """A dict of plain values as a DynamoDB item."""
    return {key: typed(value) for key, value in mapping.items()}


def plain_item(item):
    """A DynamoDB item as a dict of plain values."""
    return {key: plain(value) for key, value in item.items()}


def query_all(db, query):
    """Every item a query (its arguments, TableName included) finds, page after page: botocore's
    paginator follows LastEvaluatedKey."""
    for page in db.get_paginator("query").paginate(**query):
        yield from page.get("Items", [])


def scan_all(db, scan):
    """Every item of a scan (its arguments), page after page."""
    for page in db.get_paginator("scan").paginate(**scan):
        yield from page.get("Items", [])


def query_page(db, table, query, cursor, limit, key_names):
    """One page of a query, newest first, with an opaque cursor for the next page."""
    from chalicelib.errors import BadRequest
    from chalicelib.platform.aws import error_code

    args = {"TableName": table, "ScanIndexForward": False, "Limit": limit, **query}
    if cursor:
        args["ExclusiveStartKey"] = decode_cursor(cursor, key_names)
    try:
        page = db.query(**args)
    except db.exceptions.ClientError as exc:
        if cursor and error_code(exc) == "ValidationException":
            raise BadRequest("The cursor is not one this service gave out.") from None
        raise
    last = page.get("LastEvaluatedKey")
    return {"Items": page.get("Items", []), "next": encode_cursor(last) if last else None}


def encode_cursor(key):
    raw = json.dumps(key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor, key_names):
    from chalicelib.errors import BadRequest

    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
        valid = (
            isinstance(key, dict)
            and set(key) == set(key_names)
            and all(
                isinstance(k, str) and isinstance(v, dict) and list(v) == ["S"] and isinstance(v["S"], str)
                for k, v in key.items()
            )
        )
    except ValueError:
        valid = False
    if not valid or len(cursor) > 1024:
        raise BadRequest("The cursor is not one this service gave out.")
    return key
