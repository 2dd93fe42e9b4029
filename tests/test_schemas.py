"""The JSON Schemas themselves: valid 2020-12, closed at every level, formats known to the validator,
a message beside every pattern and format, and no text field that takes an invisible character."""

import json
import os

import pytest
from jsonschema import Draft202012Validator

from chalicelib.platform.validation import BASE_URI, FORMATS, SCHEMA_DIR, resolve, schema_names

NAMES = schema_names()


def walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def _schema(name):
    with open(os.path.join(SCHEMA_DIR, f"{name}.schema.json"), encoding="utf-8") as handle:
        return json.load(handle)


@pytest.mark.parametrize("name", NAMES)
def test_each_schema_is_valid_and_closed(name):
    schema = _schema(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"{BASE_URI}{name}.schema.json"
    for node in walk(schema):
        if node.get("type") == "object":
            assert node.get("additionalProperties") is False, f"{name}: an object that accepts unknown fields"
        if node.get("type") == "string" and "$ref" not in node:
            assert "maxLength" in node or "enum" in node or "format" in node, f"{name}: a string without a limit"
        if "format" in node:
            assert node["format"] in FORMATS, f"{name}: the validator does not check format {node['format']}"
        if node.get("type") == "array":
            assert "maxItems" in node
        if "pattern" in node or "format" in node:
            # The message lives beside the rule; the length is checked (and the pattern skipped) first.
            assert isinstance(node.get("x-message"), str) and node["x-message"], f"{name}: a rule without x-message"
            assert "maxLength" in node, f"{name}: a pattern or format without a maxLength beside it"
        if "$ref" in node:
            assert node["$ref"].startswith(("defs.schema.json#/$defs/", "#/$defs/")), node["$ref"]


@pytest.mark.parametrize("name", [name for name in NAMES if name != "defs"])
def test_every_schema_takes_its_strings_from_the_shared_definitions(name):
    """Only defs.schema.json spells out a pattern; every other schema refers to it."""
    schema = _schema(name)
    assert "$defs" not in schema
    assert not [node for node in walk(schema) if "pattern" in node or "format" in node]


def _string_leaves(node, base, path=()):
    node, base = resolve(node, base)
    if node.get("type") == "string" and "enum" not in node:
        yield path, node, base
    for key, sub in node.get("properties", {}).items():
        yield from _string_leaves(sub, base, path + (key,))
    if "items" in node:
        yield from _string_leaves(node["items"], base, path + ("0",))


# Bidi overrides and isolates, zero-width space, word joiner, BOM, soft hyphen, a tag character,
# noncharacters (BMP, astral, Arabic block), C0 and C1 controls, line and paragraph separators.
INVISIBLE = [
    "\u202e",
    "\u2066",
    "\u200b",
    "\u2060",
    "\ufeff",
    "\u00ad",
    "\U000e0041",
    "\ufffe",
    "\U0010ffff",
    "\ufdd0",
    "\x00",
    "\x1b",
    "\x85",
    "\u2028",
    "\u2029",
    "\u061c",
    "\u200e",
]


@pytest.mark.parametrize("name", NAMES)
def test_no_text_field_of_any_schema_takes_an_invisible_or_control_character(name):
    schema = _schema(name)
    leaves = (
        list(_string_leaves(schema, schema["$id"]))
        if name != "defs"
        else [((key,), *resolve(node, schema["$id"])) for key, node in schema["$defs"].items()]
    )
    for path, node, _ in leaves:
        if node.get("type") != "string":
            continue
        for character in INVISIBLE:
            value = "Plain" + character + "text"
            errors = list(Draft202012Validator(node).iter_errors(value))
            if "format" in node:  # uuid has no pattern: its format refuses
                errors += [] if FORMATS[node["format"]](value) else ["format"]
            assert errors, f"{name} {'/'.join(path)} takes U+{ord(character):04X}"


def test_the_referral_has_a_fast_path():
    """POST /referrals must not import jsonschema for a valid referral (make bench): its schema may use only
    the keywords validation._Compiled knows. A staff schema without one falls back to jsonschema."""
    from chalicelib.platform.validation import fast_validator

    with open(os.path.join(os.path.dirname(__file__), "data", "referral_v2.json"), encoding="utf-8") as handle:
        assert fast_validator("referral", strict=True)(json.load(handle))


# Each enum of a schema that names one of the service's words, and where the vocabulary defines it.
ENUMS = [
    ("referral", ("properties", "review_requested", "enum"), "REVIEWS_REQUESTED"),
    ("referral", ("properties", "child", "properties", "legal_status", "enum"), "LEGAL_STATUSES"),
    ("referral", ("properties", "incident", "properties", "harm_types", "items", "enum"), "HARM_TYPES"),
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


def test_the_publication_catalogue_names_every_kind():
    from chalicelib.publications.kinds import CATALOGUE
    from chalicelib.vocabulary import PUBLICATION_KINDS

    assert set(CATALOGUE) == set(PUBLICATION_KINDS)
    assert all(entry["label"] and isinstance(entry["notice"], bool) for entry in CATALOGUE.values())
