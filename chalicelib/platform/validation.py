"""Validation of submitted documents against the JSON Schemas in `schemas/`.

`validate()` reports every problem at once (like GOV.UK Notify), each as a JSON
Pointer into the submitted document and a message that names the rule but never
repeats the submitted value: the values are about children.
"""
import functools
import json
import os
import re

# The schemas live inside chalicelib/ because `chalice package` ships only app.py,
# chalicelib/ and vendor/; the top-level `schemas` is a link to them for readers.
SCHEMA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "schemas")


@functools.lru_cache(maxsize=None)
def load_schema(name):
    with open(os.path.join(SCHEMA_DIR, f"{name}.schema.json"), encoding="utf-8") as handle:
        return json.load(handle)


@functools.lru_cache(maxsize=None)
def _validator(name):
    # jsonschema is imported here, on the first submission, not at app import.
    from jsonschema import Draft202012Validator, FormatChecker

    # The schemas are checked against the metaschema by the tests, not on every cold start.
    return Draft202012Validator(load_schema(name), format_checker=FormatChecker(formats=_FORMATS))


# Unknown keys are named back only when they look like the forms' own field names
# (lower-case snake_case): a key such as "Jane_Doe" could carry the very detail we guard.
_PLAIN_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


def pointer(path):
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else ""


_FORMATS = ("date", "email", "uuid")
_FORMAT_MESSAGES = {
    "date": "must be a real date written YYYY-MM-DD",
    "email": "must be an email address",
    "uuid": "must be a UUID",
}


def _message(error):
    kind = error.validator
    value = error.validator_value
    if kind == "type":
        return f"must be {'an' if value in ('object', 'array', 'integer') else 'a'} {value}"
    if kind == "maxLength":
        return f"must be at most {value} characters"
    if kind == "minLength":
        return "must not be empty" if value == 1 else f"must be at least {value} characters"
    if kind == "maxItems":
        return f"must have at most {value} items"
    if kind == "enum":
        return "must be one of: " + ", ".join(str(v) for v in value)
    if kind == "const":
        return f"must be {json.dumps(value)}"
    if kind == "format":
        return _FORMAT_MESSAGES.get(value, f"must be a valid {value}")
    if kind == "pattern":
        if "\\u0000" in value:  # the schemas' line/text patterns
            if "\\u000E" in value:
                return "must not contain control characters"
            return "must be a single line without control characters"
        if "@" in value:
            return "must be an email address"
        return "is not in the expected format"
    return "is not valid"


def _schema_errors(name, document):
    found = []
    for error in _validator(name).iter_errors(document):
        path = list(error.absolute_path)
        if error.validator == "required":
            present = error.instance if isinstance(error.instance, dict) else {}
            for field in error.validator_value:
                if field not in present:
                    found.append((path + [field], "is required"))
        elif error.validator == "additionalProperties":
            known = set(error.schema.get("properties", {}))
            for field in error.instance:
                if field in known:
                    continue
                if _PLAIN_NAME.fullmatch(field):
                    found.append((path + [field], "is not a field of this form"))
                else:  # a key could itself carry personal text: do not repeat it
                    found.append((path, "has a field that is not part of this form"))
        else:
            found.append((path, _message(error)))
    return found


def validate(name, document, rules=None):
    """Every problem with `document`, as [{"pointer", "message"}], sorted, no duplicates."""
    found = _schema_errors(name, document)
    if rules is not None:
        found.extend(rules(document))
    unique = {}
    for path, message in found:
        unique.setdefault((pointer(path), message), None)
    return [{"pointer": p, "message": m} for p, m in sorted(unique)]


