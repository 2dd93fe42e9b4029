"""The JSON Schemas themselves: valid 2020-12, closed at every level, formats known to the validator."""
import json
import os

import pytest
from jsonschema import Draft202012Validator

from chalicelib.platform.validation import _FORMATS, SCHEMA_DIR

NAMES = sorted(f[:-len(".schema.json")] for f in os.listdir(SCHEMA_DIR) if f.endswith(".schema.json"))


def walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


@pytest.mark.parametrize("name", NAMES)
def test_each_schema_is_valid_and_closed(name):
    with open(os.path.join(SCHEMA_DIR, f"{name}.schema.json"), encoding="utf-8") as handle:
        schema = json.load(handle)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    for node in walk(schema):
        if node.get("type") == "object":
            assert node.get("additionalProperties") is False, f"{name}: an object that accepts unknown fields"
        if node.get("type") == "string" and "$ref" not in node:
            assert "maxLength" in node or "enum" in node or "format" in node, f"{name}: a string without a limit"
        if "format" in node:
            assert node["format"] in _FORMATS, f"{name}: the validator does not check format {node['format']}"
        if node.get("type") == "array":
            assert "maxItems" in node


def _schema(name):
    with open(os.path.join(SCHEMA_DIR, f"{name}.schema.json"), encoding="utf-8") as handle:
        return json.load(handle)


# Each enum of a schema that names one of the service's words, and where the vocabulary defines it.
ENUMS = [
    ("referral", ("properties", "review_requested", "enum"), "REVIEWS_REQUESTED"),
    ("recommendation", ("properties", "recommendation", "enum"), "RECOMMENDATIONS"),
    ("decision", ("properties", "decision", "enum"), "DECISIONS"),
    ("progress", ("properties", "status", "enum"), "PROGRESS"),
    ("publication", ("properties", "kind", "enum"), "PUBLICATION_KINDS"),
    ("staff_entry", ("properties", "source", "enum"), "SOURCES"),
    ("staff_entry", ("properties", "regime", "enum"), "REGIMES"),
    ("notification", ("properties", "notified", "items", "enum"), "NOTIFIED"),
    ("rapid_review", ("properties", "recommendation", "enum"), "OUTCOMES"),
    ("sign_off", ("properties", "outcome", "enum"), "OUTCOMES"),
    ("panel", ("properties", "response", "enum"), "PANEL_RESPONSES"),
    ("review", ("properties", "status", "enum"), "REVIEW_STATUSES"),
    ("proceeding", ("properties", "kind", "enum"), "PROCEEDING_KINDS"),
    ("proceeding", ("properties", "status", "enum"), "PROCEEDING_STATUSES"),
    ("proceeding_update", ("properties", "status", "enum"), "PROCEEDING_STATUSES"),
    ("notice", ("properties", "to", "enum"), "NOTICE_RECIPIENTS"),
]


@pytest.mark.parametrize("name,path,word", ENUMS, ids=[f"{e[0]}-{e[2]}" for e in ENUMS])
def test_the_schemas_enums_are_the_vocabulary(name, path, word):
    from chalicelib import vocabulary

    node = _schema(name)
    for part in path:
        node = node[part]
    assert tuple(node) == getattr(vocabulary, word)
