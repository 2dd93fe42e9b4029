"""The fast path (validation.fast_validator, no jsonschema) accepts exactly what jsonschema accepts.

Documents are drawn near each schema: the samples with one field replaced, and documents built
from the schema itself, whose strings sit around each pattern, format and length limit and
whose values are sometimes of the wrong type, missing, repeated or unknown.
"""

import copy
import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.platform.validation import fast_validator, full_validator, load_schema, resolve, schema_names
from tests import sample

with open(os.path.join(os.path.dirname(__file__), "data", "referral_v2.json"), encoding="utf-8") as _handle:
    V2 = json.load(_handle)

# 200 examples in `make test`; VALIDATION_EXAMPLES=2000 for a deeper run.
SETTINGS = settings(
    max_examples=int(os.environ.get("VALIDATION_EXAMPLES", "200")),
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# Characters that sit on the edges of the schemas' patterns: the email's atext and separators, digits and
# hyphens of dates, case of postcodes, whitespace, controls, invisible formatting, noncharacters, astral.
EDGE = "aZ09.-_+'@!~ \t\n\r\x00\x1b\x7f\x85\u00ad\u200b\u200c\u200d\u202e\u2028\ufeff\ufffe\U0001f600\U000e0041é"
ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(EDGE, max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text("ab", max_size=2), inner, max_size=3),
    max_leaves=6,
)


def strings(node):
    top = node.get("maxLength", 20)
    shaped = [
        st.text(EDGE, max_size=12),
        st.text("abc XYZ.'-", min_size=1, max_size=12),
        st.sampled_from(
            [
                "",
                " ",
                "2026-10-20",
                "2026-02-29",
                "2024-02-29",
                "2026-13-01",
                "26-10-2026",
                "2026-1-01",
                "priya.raman@social.example",
                "a@b.co",
                "a@b",
                "a..b@c.example",
                "a.@c.example",
                "x@xn--mnchen-3ya.de",
                "x@-a.example",
                "PE4 6QX",
                "pe46qx",
                "PE4  6QX",
                "01733 000111",
                "5b0c1f6e-8d2a-4c3b-9e7f-0a1b2c3d4e5f",
                "5b0c1f6e8d2a4c3b9e7f0a1b2c3d4e5f",
                "{5b0c1f6e-8d2a-4c3b-9e7f-0a1b2c3d4e5f}",
                "ABCD-2345",
                "ABCD-1234",
                "uploads/0123456789abcdef0123456789abcdef/child-j.pdf",
                "Child J",
                "2026-10-20\n",
            ]
        ),
        st.builds(lambda c, n: c * n, st.sampled_from("a.@ \x00\u202e"), st.sampled_from([top - 1, top, top + 1])),
        st.builds(
            lambda a, b, c: f"{a}@{b}.{c}",
            st.text(EDGE, max_size=5),
            st.text("ab.-_x", max_size=6),
            st.text("abxn-1", max_size=5),
        ),
    ]
    if "enum" in node:
        return st.one_of(*[st.sampled_from(node["enum"])] * len(shaped), *shaped)
    return st.one_of(shaped)


def near(node, base, depth=0):
    """Values near `node`: mostly of its shape, sometimes anything."""
    node, base = resolve(node, base)
    kind = node.get("type")
    if "const" in node:
        shaped = st.sampled_from([node["const"], 1, "true", False, None])
    elif kind == "string":
        shaped = strings(node)
    elif kind == "boolean":
        shaped = st.sampled_from([True, False, 1, 0, "on"])
    elif kind == "integer":
        shaped = st.integers(-2, 20) | st.sampled_from([4.0, 4.5, True, "4"])
    elif kind == "array":
        most = node.get("maxItems", 3)
        item = near(node.get("items", {}), base, depth + 1)
        shaped = st.one_of(
            st.lists(item, max_size=min(most, 3)),
            st.lists(item, min_size=most, max_size=most + 1),
            item.map(lambda value: [value, copy.deepcopy(value)]),
        )
    elif kind == "object":
        properties = {key: near(sub, base, depth + 1) for key, sub in node.get("properties", {}).items()}
        required = {key: value for key, value in properties.items() if key in node.get("required", ())}
        shaped = st.one_of(
            st.fixed_dictionaries({}, optional=properties),
            st.fixed_dictionaries(
                required, optional={key: value for key, value in properties.items() if key not in required}
            ),
        )
        shaped = st.one_of(
            shaped, shaped, shaped, st.builds(lambda d, x: {**d, "unknown_field": x}, shaped, st.integers(0, 1))
        )
    else:
        shaped = ANY_JSON
    return st.one_of(*[shaped] * 7, ANY_JSON) if depth < 6 else shaped


def leaf_paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaf_paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaf_paths(item, path + (index,))


def schema_path(schema, path):
    node, base = schema, schema["$id"]
    for part in path:
        node, base = resolve(node, base)
        node = node.get("items", {}) if isinstance(part, int) else node.get("properties", {}).get(part, {})
    return node, base


def agree(name, document):
    fast = fast_validator(name)(document)
    full = next(iter(full_validator(name).iter_errors(document)), None) is None
    assert fast == full, f"fast path says {'valid' if fast else 'invalid'}, jsonschema {'valid' if full else 'not'}"


# A valid document of each schema, to change a field or three of.
SEEDS = [
    ("referral", sample.REFERRAL),
    ("referral", V2),
    ("decision", {"decision": "no_review", "rationale": "The criteria are not met."}),
    ("recommendation", {"recommendation": "criteria_met", "rationale": "Serious harm; agencies did not share."}),
    ("progress", {"status": "completed", "note": "Report received."}),
    (
        "publication",
        {
            "upload_key": "uploads/0123456789abcdef0123456789abcdef/child-j.pdf",
            "kind": "board_response",
            "title": "Child J",
            "case_name": "Child J",
            "summary": "What happened.",
            "learning": "Share.",
            "keywords": ["neglect", "housing"],
            "published_on": "2026-10-01",
            "referral": "ABCD-2345",
        },
    ),
    ("replacement", {"upload_key": "uploads/0123456789abcdef0123456789abcdef/child-j.pdf", "note": "Typo."}),
    ("upload", {"filename": "child-j.pdf", "size_bytes": 1234}),
    ("withdrawal", {"reason": "Superseded.", "emergency": False}),
]


@st.composite
def mutated(draw):
    name, seed = draw(st.sampled_from(SEEDS))
    document = copy.deepcopy(seed)
    schema = load_schema(name)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(leaf_paths(document))[1:]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        node, base = schema_path(schema, path)
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        if draw(st.integers(0, 5)) == 0 and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(near(node, base, depth=len(path)))
    return name, document


@SETTINGS
@given(mutated())
def test_a_valid_document_with_fields_replaced_gets_the_same_verdict(named):
    agree(*named)


@SETTINGS
@given(st.data())
def test_documents_built_from_every_schema_get_the_same_verdict(data):
    # A schema with a keyword the fast path does not know (notification's anyOf) is jsonschema's alone.
    name = data.draw(st.sampled_from([name for name in schema_names() if name != "defs" and fast_validator(name)]))
    schema = load_schema(name)
    agree(name, data.draw(near(schema, schema["$id"])))


def test_the_seeds_are_valid_on_both_paths():
    for name, document in SEEDS:
        assert fast_validator(name)(document), name
        agree(name, document)


def edge_values(node):
    """Values on and just past each rule of `node` (resolved), and of the wrong type."""
    values = [None, True, False, 0, 1, -1, 4.0, 4.5, 17, 18, "", "4", "on", [], {}, [{}], ["physical", "physical"]]
    if node.get("type") != "string":
        return values
    top = node.get("maxLength", 20)
    values += [c * n for c in "a. @" for n in (top - 1, top, top + 1)]
    values += [f"a{c}b" for c in EDGE] + list(node.get("enum", []))
    values += [
        "2026-10-20",
        "2026-02-29",
        "2024-02-29",
        "2026-13-01",
        "2026-10-20\n",
        "priya.raman@social.example",
        "a@b",
        "a..b@c.example",
        "x@xn--mnchen-3ya.de",
        "PE4 6QX",
        "pe46qx",
        "01733 000111",
        "5b0c1f6e-8d2a-4c3b-9e7f-0a1b2c3d4e5f",
        "5b0c1f6e8d2a4c3b9e7f0a1b2c3d4e5f",
        "ABCD-2345",
        "ABCD-1234",
        "uploads/0123456789abcdef0123456789abcdef/child-j.pdf",
    ]
    return values


def test_every_field_of_every_seed_with_each_edge_value_gets_the_same_verdict():
    checked, fields = 0, set()
    for name, seed in SEEDS:
        schema = load_schema(name)
        for path in list(leaf_paths(seed))[1:]:
            # A list's later items are checked by the same rules as its first (the list's own rules, such as
            # uniqueItems, meet the first item's edge values too): a field is tried once, at its first index.
            field = (name, tuple(0 if isinstance(part, int) else part for part in path))
            if field in fields:
                continue
            fields.add(field)
            node, base = schema_path(schema, path)
            # One copy per field, its value swapped in place for each edge value (neither validator changes
            # the document): a fresh copy of the referral per value was a fifth of this test's time.
            document = copy.deepcopy(seed)
            parent = document
            for part in path[:-1]:
                parent = parent[part]
            for value in edge_values(resolve(node, base)[0]):
                parent[path[-1]] = value
                agree(name, document)
                checked += 1
    assert checked > 4500
