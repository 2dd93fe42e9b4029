"""Validation of submitted documents against the JSON Schemas in `schemas/`.

`validate()` reports every problem at once (like GOV.UK Notify), up to `LISTED` of them, each as
a JSON Pointer into the submitted document and a message that names the rule but never repeats
the submitted value: the values are about children. The messages for patterns and formats are
the schemas' own (`x-message`, beside each pattern in `defs.schema.json`); the rest are built
from the keyword and its number or words.

Two validators read the same schemas:
- the fast path (`_Compiled`, below): the schema turned once into nested checks that only
  answer "valid or not". It needs nothing beyond the standard library, so a valid document -
  nearly every referral - never imports jsonschema (its import was the whole of the cold
  start's excess over the floor). Lengths are checked before patterns, array sizes before
  items. It knows only the keywords our schemas use: a schema with another one (say `oneOf`)
  has no fast path and is checked by jsonschema alone, correct but slower to load (a test
  requires the referral's fast path).
- jsonschema, loaded only for a document the fast path refused, to list every error. Its
  pattern, format, items and uniqueItems are guarded the same way (a string over its
  maxLength is not matched, an array over its maxItems is not walked), so a hostile 256 KiB
  body costs linear time and answers small.
A property test (tests/test_validation_fast_path.py) checks that both accept exactly the same
documents.

Schemas refer to each other by `$ref` relative to their `$id`
(`"defs.schema.json#/$defs/line"`); jsonschema resolves them through a `referencing` registry of
every schema here, the fast path and the form reader through `resolve()`.
"""

import functools
import heapq
import json
import math
import os
import re
from datetime import date
from urllib.parse import unquote, urldefrag, urljoin
from uuid import UUID

# The schemas live inside chalicelib/ because `chalice package` ships only app.py,
# chalicelib/ and vendor/; the top-level `schemas` is a link to them for readers.
SCHEMA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "schemas")
BASE_URI = "https://case-review.example/schemas/"
DEFS = "defs"
# At most this many errors are listed; `Errors.more` counts the rest.
LISTED = 50


@functools.cache
def load_schema(name):
    with open(os.path.join(SCHEMA_DIR, f"{name}.schema.json"), encoding="utf-8") as handle:
        return json.load(handle)


def schema_names():
    return sorted(f[: -len(".schema.json")] for f in os.listdir(SCHEMA_DIR) if f.endswith(".schema.json"))


def bundled(name):
    """The schema with the shared definitions embedded (JSON Schema 2020-12 bundling), for clients.

    `GET /referrals/schema` serves this: the `$ref`s keep their relative form and resolve to the
    embedded resource by its `$id`, so a website's validator needs nothing else.
    """
    schema = load_schema(name)
    if name == DEFS:
        return schema
    return {**schema, "$defs": {**schema.get("$defs", {}), f"{DEFS}.schema.json": load_schema(DEFS)}}


# ---- references -------------------------------------------------------------------------------


def _document(uri):
    if not (uri.startswith(BASE_URI) and uri.endswith(".schema.json")):
        raise LookupError(f"no schema at {uri}")
    return load_schema(uri[len(BASE_URI) : -len(".schema.json")])


def _follow(ref, base):
    """The node a `$ref` names, and the base URI inside it."""
    target, fragment = urldefrag(urljoin(base, ref))
    node = _document(target)
    for part in unquote(fragment).split("/")[1:] if fragment else ():
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node, target


def resolve(node, base):
    """(`node` with its `$ref` chain merged in, base URI). Siblings of a `$ref` win: they are its refinements."""
    for _ in range(10):
        if not isinstance(node, dict) or "$ref" not in node:
            break
        target, base = _follow(node["$ref"], base)
        node = {**target, **{key: value for key, value in node.items() if key != "$ref"}}
    return node, base


def node_at(schema, path):
    """The (resolved) schema of the value at `path` (names and list indexes) in a document of `schema`."""
    node, base = resolve(schema, schema.get("$id", BASE_URI))
    for part in path:
        if not isinstance(node, dict):
            return {}
        if isinstance(part, int) or (part.isascii() and part.isdigit()):
            node, base = resolve(node.get("items", {}), base)
        else:
            node, base = resolve(node.get("properties", {}).get(part, {}), base)
    return node if isinstance(node, dict) else {}


# ---- the formats the schemas use, as jsonschema checks them ------------------------------------
# The same tests as jsonschema's FormatChecker (jsonschema/_format.py), so both paths agree.

_DATE_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def _is_date(value):
    try:
        return bool(_DATE_SHAPE.fullmatch(value) and date.fromisoformat(value))
    except ValueError:
        return False


def _is_uuid(value):
    try:
        UUID(value)
        return all(value[position] == "-" for position in (8, 13, 18, 23))
    except (ValueError, IndexError):
        return False


FORMATS = {"date": _is_date, "email": lambda value: "@" in value, "uuid": _is_uuid}


# ---- the fast path ----------------------------------------------------------------------------


def _is_integer(value):
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float) and value.is_integer())


_TYPES = {
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "integer": _is_integer,
    "number": lambda value: isinstance(value, (int, float)) and not isinstance(value, bool),
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "null": lambda value: value is None,
}


def _equal(one, two):
    """JSON equality, as jsonschema's: true is not 1, false is not 0."""
    if isinstance(one, bool) or isinstance(two, bool):
        return isinstance(one, bool) and isinstance(two, bool) and one == two
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(_equal(one[key], two[key]) for key in one)
    if isinstance(one, (list, dict)) or isinstance(two, (list, dict)):
        return False
    return one == two


def _unique(items):
    return not any(_equal(items[i], items[j]) for i in range(len(items)) for j in range(i + 1, len(items)))


# Keywords that say nothing about validity.
_ANNOTATIONS = {
    "$schema",
    "$id",
    "$defs",
    "$comment",
    "title",
    "description",
    "default",
    "examples",
    "x-message",
    "readOnly",
    "writeOnly",
    "deprecated",
}


class _Compiled:
    """Turns a schema into one function `valid(instance) -> bool`, once, at first use."""

    def __init__(self):
        self._refs = {}

    def compile(self, node, base):
        if node is True:
            return lambda value: True
        if node is False:
            return lambda value: False
        unknown = (
            set(node)
            - _ANNOTATIONS
            - {
                "$ref",
                "type",
                "enum",
                "const",
                "minLength",
                "maxLength",
                "pattern",
                "format",
                "minimum",
                "maximum",
                "maxItems",
                "uniqueItems",
                "items",
                "properties",
                "required",
                "additionalProperties",
            }
        )
        if unknown:
            raise Unsupported(f"the fast validator does not know {sorted(unknown)}")
        # In order of cost: a cheap check that fails spares the dearer ones (lengths before
        # patterns, sizes before items).
        checks = []
        if "type" in node:
            kinds = node["type"] if isinstance(node["type"], list) else [node["type"]]
            tests = [_TYPES[kind] for kind in kinds]
            checks.append(lambda value: any(test(value) for test in tests))
        if "const" in node:
            const = node["const"]
            checks.append(lambda value: _equal(value, const))
        if "enum" in node:
            options = node["enum"]
            checks.append(lambda value: any(_equal(value, option) for option in options))
        checks.extend(self._sizes(node))
        checks.extend(self._text(node))
        checks.extend(self._object(node, base))
        checks.extend(self._array(node, base))
        if "$ref" in node:
            checks.append(self._ref(node["$ref"], base))
        return lambda value: all(check(value) for check in checks)

    @staticmethod
    def _sizes(node):
        checks = []
        if "minLength" in node:
            least = node["minLength"]
            checks.append(lambda value: not isinstance(value, str) or len(value) >= least)
        if "maxLength" in node:
            most = node["maxLength"]
            checks.append(lambda value: not isinstance(value, str) or len(value) <= most)
        if "maxItems" in node:
            most_items = node["maxItems"]
            checks.append(lambda value: not isinstance(value, list) or len(value) <= most_items)
        if "minimum" in node:
            floor = node["minimum"]
            checks.append(lambda value: not _TYPES["number"](value) or value >= floor)
        if "maximum" in node:
            ceiling = node["maximum"]
            checks.append(lambda value: not _TYPES["number"](value) or value <= ceiling)
        return checks

    @staticmethod
    def _text(node):
        checks = []
        if "pattern" in node:
            search = re.compile(node["pattern"]).search
            checks.append(lambda value: not isinstance(value, str) or search(value) is not None)
        if "format" in node:
            if node["format"] not in FORMATS:
                raise Unsupported(f"format {node['format']}")
            test = FORMATS[node["format"]]
            checks.append(lambda value: not isinstance(value, str) or test(value))
        if node.get("uniqueItems"):
            checks.append(lambda value: not isinstance(value, list) or _unique(value))
        return checks

    def _object(self, node, base):
        checks = []
        if "required" in node:
            required = tuple(node["required"])
            checks.append(lambda value: not isinstance(value, dict) or all(field in value for field in required))
        properties = {key: self.compile(sub, base) for key, sub in node.get("properties", {}).items()}
        if "additionalProperties" in node:
            extra = self.compile(node["additionalProperties"], base)
            # bandit B610 takes the closure named `extra` for Django's QuerySet.extra: there is no SQL here.
            checks.append(
                lambda value: (
                    not isinstance(value, dict)
                    or all(extra(item) for key, item in value.items() if key not in properties)  # nosec B610
                )
            )
        if properties:
            checks.append(
                lambda value: (
                    not isinstance(value, dict)
                    or all(properties[key](item) for key, item in value.items() if key in properties)
                )
            )
        return checks

    def _array(self, node, base):
        if "items" not in node:
            return []
        each = self.compile(node["items"], base)
        return [lambda value: not isinstance(value, list) or all(each(item) for item in value)]

    def _ref(self, ref, base):
        uri = urljoin(base, ref)
        if uri not in self._refs:
            self._refs[uri] = None  # being compiled: a schema that refers to itself is not supported
            target, target_base = _follow(ref, base)
            self._refs[uri] = self.compile(target, target_base)
        compiled = self._refs[uri]
        if compiled is None:
            raise Unsupported(f"recursive $ref {uri}")
        return compiled


class Unsupported(ValueError):
    """A schema the fast path cannot check (a keyword it does not know, a recursive reference)."""


@functools.cache
def fast_validator(name, strict=False):
    """`valid(document) -> bool` without jsonschema; None for a schema it cannot check (`strict`: raise)."""
    schema = load_schema(name)
    try:
        return _Compiled().compile(schema, schema.get("$id", BASE_URI))
    except Unsupported:
        if strict:
            raise
        return None


# ---- the full listing (jsonschema) ------------------------------------------------------------


@functools.cache
def full_validator(name):
    # jsonschema is imported here, for the first document the fast path refused, never on the
    # path of a valid one.
    from jsonschema import Draft202012Validator, FormatChecker, validators
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    registry = Registry().with_resources(
        (load_schema(each)["$id"], DRAFT202012.create_resource(load_schema(each))) for each in schema_names()
    )
    keywords = Draft202012Validator.VALIDATORS

    def unless_too_long(keyword):
        def check(validator, value, instance, schema):
            if isinstance(instance, str) and len(instance) > schema.get("maxLength", math.inf):
                return  # maxLength has said it; a pattern is not run on an overlong string
            yield from keywords[keyword](validator, value, instance, schema)

        return check

    def unless_too_many(keyword):
        def check(validator, value, instance, schema):
            if isinstance(instance, list) and len(instance) > schema.get("maxItems", math.inf):
                return  # maxItems has said it; the items of an overlong list are not checked
            yield from keywords[keyword](validator, value, instance, schema)

        return check

    guarded = validators.extend(
        Draft202012Validator,
        {
            "pattern": unless_too_long("pattern"),
            "format": unless_too_long("format"),
            "items": unless_too_many("items"),
            "uniqueItems": unless_too_many("uniqueItems"),
        },
    )
    # The schemas are checked against the metaschema by the tests, not on every cold start.
    return guarded(load_schema(name), registry=registry, format_checker=FormatChecker(formats=tuple(FORMATS)))


# Unknown keys are named back only when they look like the forms' own field names
# (lower-case snake_case): a key such as "Jane_Doe" could carry the very detail we guard.
_PLAIN_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


def pointer(path):
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else ""


def _message(error):
    """The message for one jsonschema error: the schema's own for a pattern or a format."""
    kind = error.validator
    value = error.validator_value
    if kind in ("pattern", "format"):
        return error.schema.get("x-message") or "is not in the expected format"
    if kind == "type":
        return f"must be {'an' if value in ('object', 'array', 'integer') else 'a'} {value}"
    if kind == "maxLength":
        return f"must be at most {value} characters"
    if kind == "minLength":
        return "must not be empty" if value == 1 else f"must be at least {value} characters"
    if kind == "maxItems":
        return f"must have at most {value} items"
    if kind == "uniqueItems":
        return "must not repeat an item"
    if kind == "minimum":
        return f"must be at least {value}"
    if kind == "maximum":
        return f"must be at most {value}"
    if kind == "enum":
        return "must be one of: " + ", ".join(str(v) for v in value)
    if kind == "const":
        return f"must be {json.dumps(value)}"
    return "is not valid"


def _schema_errors(name, document):
    """[(path, message)] for the document's schema errors, and how many more were left out.

    An object's unknown fields are listed in name order, at most LISTED of them (a pointer of
    each, sorted, is the same order): a hostile body of 24,000 unknown fields is counted, not
    listed.
    """
    found, left_out = [], 0
    for error in full_validator(name).iter_errors(document):
        path = list(error.absolute_path)
        if error.validator == "required":
            present = error.instance if isinstance(error.instance, dict) else {}
            for field in error.validator_value:
                if field not in present:
                    found.append((path + [field], "is required"))
        elif error.validator == "additionalProperties":
            known = set(error.schema.get("properties", {}))
            unknown = [field for field in error.instance if field not in known]
            plain = [field for field in unknown if _PLAIN_NAME.fullmatch(field)]
            if len(plain) < len(unknown):  # a key could itself carry personal text: do not repeat it
                found.append((path, "has a field that is not part of this form"))
            listed = heapq.nsmallest(LISTED, plain)
            found.extend((path + [field], "is not a field of this form") for field in listed)
            left_out += len(plain) - len(listed)
        else:
            found.append((path, _message(error)))
    return found, left_out


class Errors(list):
    """The listed errors ([{"pointer", "message"}], at most LISTED); `more` counts those not listed."""

    def __init__(self, listed=(), more=0):
        super().__init__(listed)
        self.more = more

    @property
    def total(self):
        return len(self) + self.more


def validate(name, document, rules=None):
    """Every problem with `document` (up to LISTED), as Errors of {"pointer", "message"}, sorted, no duplicates.

    `rules(document)` gives the problems a schema cannot say, as (path, message) pairs.
    """
    fast = fast_validator(name)
    found, left_out = ([], 0) if fast is not None and fast(document) else _schema_errors(name, document)
    if rules is not None:
        found.extend(rules(document))
    unique = sorted({(pointer(path), message) for path, message in found})
    more = max(0, len(unique) - LISTED) + left_out
    return Errors(({"pointer": p, "message": m} for p, m in unique[:LISTED]), more=more)
