"""Turning a request body into a document: JSON, or a plain HTML form.

Everything here fails with a Problem (400, 413, 415) before any validation or
storage happens, and no message repeats what was sent.
"""

import json
import re
from urllib.parse import parse_qsl

from chalicelib.platform.validation import node_at
from chalicelib.web.problems import Problem

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

_MAX_FORM_FIELDS = 1000
_MAX_FORM_DEPTH = 6
_MAX_LIST_INDEX = 99
_TRUE = {"on", "true", "yes", "1"}
_FALSE = {"off", "false", "no", "0"}
# A list of these (not of objects) may be sent as one repeated name.
_VALUE_TYPES = ("string", "integer", "number", "boolean")


def media_type(headers):
    raw = headers.get("content-type") or ""
    return raw.split(";", 1)[0].strip().lower()


def read(request, max_bytes, accept=(JSON,), schema=None):
    """Returns (document, media type). `schema` (the dict) guides the coercion of form values."""
    kind = media_type(request.headers)
    if kind not in accept:
        raise Problem(415, "Send the body as " + " or ".join(accept) + ".")
    body = request.raw_body or b""
    if len(body) > max_bytes:
        raise Problem(413, f"The body is larger than {max_bytes // 1024} KiB.")
    if not body.strip():
        raise Problem(400, "The body is empty.")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Problem(400, "The body is not valid UTF-8.") from None
    if kind == FORM:
        return parse_form(text, schema or {}), kind
    return parse_json(text), kind


def _reject_constant(name):
    raise ValueError(name)


def _no_duplicates(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError("duplicate key")
        result[key] = value
    return result


def parse_json(text):
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
        if not isinstance(document, dict):
            raise Problem(400, "The body must be a JSON object.")
        document = strip_strings(document)
        # "\ud800" is valid JSON but not storable text: refuse it here, not in DynamoDB.
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except RecursionError:
        raise Problem(400, "The JSON is nested too deeply.") from None
    except UnicodeEncodeError:
        raise Problem(400, "The JSON holds an escaped character that is not valid Unicode.") from None
    except ValueError:
        raise Problem(400, "The body is not valid JSON (or repeats a key).") from None
    return document


# Our documents nest four levels deep. The limit is explicit rather than Python's recursion
# limit, which differs between versions (3.13's JSON decoder takes 700 nested lists).
_MAX_JSON_DEPTH = 64


def strip_strings(value, depth=0):
    """Trims surrounding whitespace, so a blank answer counts as missing."""
    if depth > _MAX_JSON_DEPTH:
        raise RecursionError("nested too deeply")
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return {key: strip_strings(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [strip_strings(item, depth + 1) for item in value]
    return value


# ---- HTML forms: "child.date_of_birth", "agencies_involved.0.agency" ---------------


def parse_form(text, schema):
    try:
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=_MAX_FORM_FIELDS,
        )
    except UnicodeDecodeError:
        raise Problem(400, "The form is not valid UTF-8.") from None
    except ValueError:
        raise Problem(400, "The form body is not valid application/x-www-form-urlencoded.") from None
    # A group of checkboxes sends one name once per ticked box (`incident.harm_types=physical&
    # incident.harm_types=neglect`); numbered names (`incident.harm_types.0`) work too.
    grouped = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value.strip())
    if schema:
        _join_dates(grouped, schema)
    root = {}
    for name, values in grouped.items():
        path = name.split(".")
        node = node_at(schema, path) if schema else {}
        item = node_at(schema, path + ["0"]) if node.get("type") == "array" else {}
        if item.get("type") in _VALUE_TYPES:
            values = [_coerce(value, item) for value in values if value != ""]
            if values:  # no box ticked is no answer
                _place(root, path, values)
        elif len(values) > 1:
            raise Problem(400, "A form field was sent more than once.")
        elif values[0] != "":  # empty answers are absent answers
            _place(root, path, _coerce(values[0], node))
    document = _lists(root)
    if not isinstance(document, dict):
        raise Problem(400, "The form's field names must start with a name, not a number.")
    return document


_DATE_PARTS = ("day", "month", "year")


def _join_dates(grouped, schema):
    """A GOV.UK date input's three fields (`child.date_of_birth-day`, `-month`, `-year`) become one date.

    Digits are zero-padded; anything else is joined as it came, so the schema refuses it in its own
    words. All three empty is no answer.
    """
    for name in [name for name in grouped if name.endswith(("-day", "-month", "-year"))]:
        base = name.rsplit("-", 1)[0]
        if name not in grouped or not _is_date_node(schema, base.split(".")):
            continue
        parts = [grouped.pop(f"{base}-{part}", [""]) for part in _DATE_PARTS]
        if any(len(values) > 1 for values in parts) or base in grouped:
            raise Problem(400, "A form field was sent more than once.")
        day, month, year = (values[0] for values in parts)
        if not (day or month or year):
            continue
        if all(part.isascii() and part.isdigit() and len(part) <= 4 for part in (day, month, year)):
            grouped[base] = [f"{year:0>4}-{month:0>2}-{day:0>2}"]
        else:
            grouped[base] = [f"{year}-{month}-{day}"]


def _is_date_node(schema, path):
    """A date, or a date that may be null (`anyOf: [date, null]`, as a notification's `notified_on`)."""
    node = node_at(schema, path)
    if node.get("format") == "date":
        return True
    from chalicelib.platform.validation import BASE_URI, resolve

    base = schema.get("$id", BASE_URI)
    return any(resolve(branch, base)[0].get("format") == "date" for branch in node.get("anyOf", []))


def _place(root, path, value):
    if len(path) > _MAX_FORM_DEPTH or any(part == "" for part in path):
        raise Problem(400, "A form field name is not in the expected dotted form.")
    node = root
    for position, part in enumerate(path):
        last = position == len(path) - 1
        if part.isdigit():
            if not (part.isascii() and len(part) <= 3) or int(part) > _MAX_LIST_INDEX:
                raise Problem(400, "A form field names a list item beyond the limit.")
            part = int(part)
        if not isinstance(node, dict):
            raise Problem(400, "Two form fields disagree about the shape of the form.")
        if last:
            if part in node:
                raise Problem(400, "Two form fields disagree about the shape of the form.")
            node[part] = value
        else:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise Problem(400, "Two form fields disagree about the shape of the form.")
            node = child


def _lists(node):
    """Dicts whose keys are all numbers become lists, in index order."""
    if not isinstance(node, dict):
        return node
    converted = {key: _lists(value) for key, value in node.items()}
    keys = list(converted)
    if keys and all(isinstance(key, int) for key in keys):
        return [converted[key] for key in sorted(keys)]
    if any(isinstance(key, int) for key in keys):
        raise Problem(400, "Two form fields disagree about the shape of the form.")
    return converted


# Digits only: Python's int() would also take "1_000", " 7" and other scripts' digits.
_INTEGER = re.compile(r"-?[0-9]{1,9}")


def _coerce(value, node):
    wanted = node.get("type")
    if wanted is None and node.get("const") is True:
        wanted = "boolean"
    if wanted == "boolean":
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    if wanted == "integer" and _INTEGER.fullmatch(value):
        return int(value)
    return value  # left as text, so the schema reports it in its own words
