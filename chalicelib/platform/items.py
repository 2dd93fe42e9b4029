"""DynamoDB items and pages: the shapes every table of the service shares."""
import base64
import json


def plain(value):
    """One of DynamoDB's typed values as a plain JSON value."""
    (kind, inner), = value.items()
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
    return None


def plain_item(item):
    return {key: plain(value) for key, value in item.items()}


def query_page(db, table, query, cursor, limit, key_names):
    """One page of a query, newest first, with an opaque cursor for the next page."""
    from chalicelib.platform.aws import error_code
    from chalicelib.errors import BadRequest

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
        valid = isinstance(key, dict) and set(key) == set(key_names) and all(
            isinstance(k, str) and isinstance(v, dict) and list(v) == ["S"] and isinstance(v["S"], str)
            for k, v in key.items())
    except ValueError:
        valid = False
    if not valid or len(cursor) > 1024:
        raise BadRequest("The cursor is not one this service gave out.")
    return key


def typed(value):
    """A plain JSON value as one of DynamoDB's typed values (the inverse of `plain`)."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if value is None:
        return {"NULL": True}
    if isinstance(value, (list, tuple)):
        return {"L": [typed(v) for v in value]}
    if isinstance(value, dict):
        return {"M": {k: typed(v) for k, v in value.items()}}
    raise TypeError(f"cannot store a {type(value).__name__}")
