"""Hostile input to POST /referrals: every bad body is refused cleanly, and nothing is kept.

Every case below goes through the referral path's own steps (`chalicelib.web.bodies`, the schema
and rules of `chalicelib.referrals.rules.check`, the Idempotency-Key check) as plain unit tests,
with no AWS behind them: the store and the AWS clients fail the test if anything reaches them.
For each case:
- the status is the expected 4xx (400 unparseable, 413 too large, 415 wrong type, 422 invalid);
- the answer is RFC 9457 problem+json with `type`, `title`, `status` (= the HTTP status), `detail`;
  a 422 carries `errors` of `{pointer, message}`, each pointer a JSON Pointer into the document;
- the answer never repeats a submitted value (names, dates, the hostile strings themselves).

A few cases of each kind also go end to end through `POST /referrals` on the embedded AWS, which
proves the same answer comes back over HTTP (Chalice's own content-type check included) and that
nothing was written (neither table has an item), the table stream has nothing to deliver, and no
email went out.

The suite first found nine bugs (form roots and indexes, deep fields, lone surrogates, C1 controls,
a newline in Idempotency-Key); they are fixed, and their cases stay here.
"""

import copy
import json
import re
from urllib.parse import urlencode

import boto3
import pytest

from tests import sample
from tests.conftest import run_stream, sent_messages

JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PROBLEM = "application/problem+json"
LIMIT = 256 * 1024

# The schema's own words (enum values, field names) may appear in messages: never counted as an echo.
_SCHEMA_WORDS = {
    "serious_case_review",
    "multi_agency_case_review",
    "female",
    "male",
    "other",
    "not_known",
    "current",
    "previous",
    "never",
    "died",
    "seriously_harmed",
    "known",
    "suspected",
}


# ---- building hostile bodies -------------------------------------------------------------

NULL = object()  # a JSON null (sample.referral's None removes the key instead)


def document(**changes):
    """sample.referral(**changes), where NULL sets an explicit JSON null."""
    nulls = [path for path, value in changes.items() if value is NULL]
    result = sample.referral(**{path: value for path, value in changes.items() if value is not NULL})
    for path in nulls:
        node = result
        parts = path.split("__")
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node[part]
        node[parts[-1]] = None
    return result


def sample_text(**changes):
    return json.dumps(document(**changes))


def form_pairs(value, prefix=""):
    """The sample as an HTML form would send it: dotted names, numeric list segments."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(item, (dict, list)):
            yield from form_pairs(item, name)
        elif isinstance(item, bool):
            yield name, "on" if item else "false"
        else:
            yield name, str(item)


def form(**changes):
    """The sample as a url-encoded form; changes by double-underscore path (None removes a field)."""
    fields = dict(form_pairs(sample.REFERRAL))
    for path, value in changes.items():
        name = path.replace("__", ".")
        if value is None:
            fields.pop(name, None)
        else:
            fields[name] = value
    return urlencode(list(fields.items()))


def many(item, count):
    return [copy.deepcopy(item) for _ in range(count)]


def nested_lists(depth, leaf="1"):
    return "[" * depth + leaf + "]" * depth


def nested_objects(depth, leaf="1"):
    return '{"a":' * depth + leaf + "}" * depth


def with_first_name_raw(raw):
    """The sample as JSON text, with the child's first name replaced by raw JSON text."""
    text = json.dumps(sample.REFERRAL)
    assert text.count('"Zephyrine"') == 1
    return text.replace('"Zephyrine"', raw)


def case(case_id, body, status, pointers=(), needles=(), headers=JSON, doc=None, bug=None):
    marks = [pytest.mark.xfail(reason=bug, strict=True)] if bug else []
    return pytest.param(body, headers, status, tuple(pointers), tuple(needles), doc, id=case_id, marks=marks)


def json_case(case_id, doc, pointers=(), needles=(), status=422, headers=JSON, bug=None):
    """A JSON object body. Every distinctive value in it counts as something not to echo."""
    return case(
        case_id, json.dumps(doc, ensure_ascii=False).encode("utf-8"), status, pointers, needles, headers, doc, bug
    )


def form_case(case_id, body, status, pointers=(), needles=(), bug=None):
    return case(case_id, body, status, pointers, needles, FORM, None, bug)


SCR = "a@b.example\r\nBcc: x@y.example"
FAMILY = sample.REFERRAL["family_members"][1]
AGENCY = sample.REFERRAL["agencies_involved"][1]
LONG_TEXT = "Hostile-overflow-" + "q" * 9984  # 10,001 characters


CASES = [
    # ---- wrong types ----------------------------------------------------------------------
    json_case("type-number-for-child-first-name", document(child__first_name=424242), ["/child/first_name"]),
    json_case(
        "type-string-for-boolean-known-to-csc",
        document(child__known_to_childrens_social_care="true"),
        ["/child/known_to_childrens_social_care"],
    ),
    json_case(
        "type-string-yes-for-boolean-joint-working",
        document(criteria__concerns_about_joint_working="yes"),
        ["/criteria/concerns_about_joint_working"],
    ),
    json_case(
        "type-number-for-boolean-currently-involved",
        document(agencies_involved__0__currently_involved=1),
        ["/agencies_involved/0/currently_involved"],
    ),
    json_case(
        "type-object-for-string-description",
        document(incident__description={"text": "Injected object description"}),
        ["/incident/description"],
    ),
    json_case(
        "type-object-for-string-email",
        document(referrer__email={"address": "priya.raman@social.example"}),
        ["/referrer/email"],
    ),
    json_case(
        "type-list-for-object-referrer", document(referrer=["Priya Raman", "Senior Social Worker"]), ["/referrer"]
    ),
    json_case("type-string-for-object-child", document(child="Zephyrine Quillfeather"), ["/child"]),
    json_case(
        "type-object-for-list-family-members",
        document(family_members={"name": "Marisol Quillfeather", "relationship": "mother"}),
        ["/family_members"],
    ),
    json_case(
        "type-string-for-object-agency-item",
        document(agencies_involved=["Thistlegate Medical Practice"]),
        ["/agencies_involved/0"],
    ),
    json_case("type-number-for-date", document(incident__date=20260930), ["/incident/date"]),
    json_case(
        "type-list-for-enum-review-requested", document(review_requested=["serious_case_review"]), ["/review_requested"]
    ),
    json_case("null-referrer", document(referrer=NULL), ["/referrer"]),
    json_case("null-referrer-email", document(referrer__email=NULL), ["/referrer/email"]),
    json_case("null-child-date-of-birth", document(child__date_of_birth=NULL), ["/child/date_of_birth"]),
    json_case("null-declaration", document(declaration=NULL), ["/declaration"]),
    json_case(
        "enum-markup-gender",
        document(child__gender="<script>alert(1)</script>"),
        ["/child/gender"],
        needles=["<script>"],
    ),
    # ---- missing required fields ----------------------------------------------------------
    json_case("missing-child-first-name", document(child__first_name=None), ["/child/first_name"]),
    json_case("missing-referrer", document(referrer=None), ["/referrer"]),
    json_case("missing-incident-description", document(incident__description=None), ["/incident/description"]),
    json_case("missing-declaration", document(declaration=None), ["/declaration"]),
    json_case(
        "missing-family-member-relationship",
        document(family_members__0__relationship=None),
        ["/family_members/0/relationship"],
    ),
    json_case(
        "empty-object",
        {},
        ["/referrer", "/safeguarding_lead", "/review_requested", "/child", "/incident", "/criteria", "/declaration"],
    ),
    # ---- unknown fields -------------------------------------------------------------------
    json_case("unknown-top-level-field", document(is_admin=True), ["/is_admin"]),
    json_case(
        "unknown-nested-field", document(child__nhs_number_hostile="943 476 5919"), ["/child/nhs_number_hostile"]
    ),
    json_case(
        "unknown-field-in-list-item",
        document(family_members__0__national_insurance="QQ123456C"),
        ["/family_members/0/national_insurance"],
    ),
    # A key that is not a plain field name could itself carry personal text: the error points
    # at the object holding it ("" is the whole document, RFC 6901) and does not repeat it.
    json_case(
        "unknown-field-needing-pointer-escapes",
        {**sample.referral(), "a/b~c": "slash and tilde"},
        [""],
        needles=["a~1b~0c", "a/b~c"],
    ),
    json_case(
        "unknown-nested-field-with-a-name-in-it",
        document(child__Jane_Doe_aged_4={"x": 1}),
        ["/child"],
        needles=["Jane_Doe"],
    ),
    json_case("unknown-nested-field-like-a-typo", document(child__frist_name="x"), ["/child/frist_name"]),
    json_case(
        "unknown-field-with-spaces",
        document(**{"child__Zephyrine Quillfeather": 1}),
        ["/child"],
        needles=["Zephyrine Quillfeather"],
    ),
    # ---- over the length limits -----------------------------------------------------------
    json_case("description-10001-chars", document(incident__description=LONG_TEXT), ["/incident/description"]),
    json_case("criteria-reasons-10001-chars", document(criteria__reasons=LONG_TEXT), ["/criteria/reasons"]),
    json_case(
        "child-first-name-101-chars", document(child__first_name="Zephyrinetoolong" + "z" * 85), ["/child/first_name"]
    ),
    json_case(
        "referrer-agency-201-chars", document(referrer__agency="Overlong Agency " + "A" * 185), ["/referrer/agency"]
    ),
    json_case("referrer-email-255-chars", document(referrer__email="p" * 242 + "@social.example"), ["/referrer/email"]),
    json_case(
        "family-member-address-501-chars",
        document(family_members__0__address="Overlong address " + "b" * 484),
        ["/family_members/0/address"],
    ),
    json_case("website-honeypot-is-not-a-string-when-empty", document(website=[]), ["/website"]),
    # ---- empty and blank required fields --------------------------------------------------
    json_case("empty-child-last-name", document(child__last_name=""), ["/child/last_name"]),
    json_case("whitespace-referrer-name", document(referrer__name=" \t  "), ["/referrer/name"]),
    json_case("newlines-only-description", document(incident__description="\n \r\n\t\n"), ["/incident/description"]),
    json_case("empty-safeguarding-lead-name", document(safeguarding_lead__name=""), ["/safeguarding_lead/name"]),
    json_case("whitespace-review-requested", document(review_requested="   "), ["/review_requested"]),
    # ---- control characters ---------------------------------------------------------------
    json_case("nul-in-child-first-name", document(child__first_name="Zeph\x00yrine"), ["/child/first_name"]),
    json_case("bel-in-child-last-name", document(child__last_name="Quill\x07feather"), ["/child/last_name"]),
    json_case(
        "esc-in-description",
        document(incident__description="Terminal \x1b[2J\x1b]0;pwned\x07 text"),
        ["/incident/description"],
    ),
    json_case(
        "nul-in-description", document(incident__description="Truncate here\x00hidden tail"), ["/incident/description"]
    ),
    json_case("del-in-referrer-name", document(referrer__name="Priya\x7fRaman"), ["/referrer/name"]),
    json_case(
        "esc-in-family-member-name",
        document(family_members__1__name="Gideon\x1b[31mBrackwater"),
        ["/family_members/1/name"],
    ),
    json_case("nul-in-criteria-reasons", document(criteria__reasons="Reasons\x00with a nul"), ["/criteria/reasons"]),
    json_case("c1-csi-in-child-first-name", document(child__first_name="Zeph\u009b31myrine"), ["/child/first_name"]),
    json_case(
        "c1-csi-in-description",
        document(incident__description="Text with \u009b2J a C1 escape"),
        ["/incident/description"],
    ),
    json_case(
        "c1-nel-in-referrer-agency", document(referrer__agency="Agency\u0085Bcc: x@y.example"), ["/referrer/agency"]
    ),
    # ---- line breaks in single-line fields (header injection) -----------------------------
    json_case("lf-in-child-first-name", document(child__first_name="Zeph\nBcc: x@y.example"), ["/child/first_name"]),
    json_case("crlf-in-referrer-agency", document(referrer__agency="Agency\r\nBcc: x@y.example"), ["/referrer/agency"]),
    json_case("crlf-header-injection-referrer-email", document(referrer__email=SCR), ["/referrer/email"]),
    json_case(
        "lf-header-injection-lead-email",
        document(safeguarding_lead__email="dsl@school.example\nSubject: spoofed"),
        ["/safeguarding_lead/email"],
    ),
    json_case("cr-in-job-title", document(referrer__job_title="Social\rWorker"), ["/referrer/job_title"]),
    json_case(
        "lf-in-agency-involved",
        document(agencies_involved__0__agency="Practice\nX-Header: 1"),
        ["/agencies_involved/0/agency"],
    ),
    # ---- emails, phones, postcodes --------------------------------------------------------
    json_case(
        "markup-in-email",
        document(referrer__email="<script>alert(1)</script>@x.example"),
        ["/referrer/email"],
        needles=["<script>", "alert(1)"],
    ),
    json_case("email-without-at", document(referrer__email="priya.raman.social.example"), ["/referrer/email"]),
    json_case("email-with-two-ats", document(referrer__email="priya@raman@social.example"), ["/referrer/email"]),
    json_case(
        "email-with-space", document(safeguarding_lead__email="dsl @school.example"), ["/safeguarding_lead/email"]
    ),
    json_case("phone-with-sql", document(referrer__phone="01733'; DROP TABLE referrals;--"), ["/referrer/phone"]),
    json_case("postcode-markup", document(child__postcode="<b>PE4</b>"), ["/child/postcode"]),
    # ---- dates ----------------------------------------------------------------------------
    json_case("date-month-13", document(child__date_of_birth="2020-13-01"), ["/child/date_of_birth"]),
    json_case("date-compact-basic-format", document(incident__date="20200101"), ["/incident/date"]),
    json_case("date-slashes", document(child__date_of_death="01/02/2020"), ["/child/date_of_death"]),
    json_case(
        "date-february-30", document(family_members__0__date_of_birth="1996-02-30"), ["/family_members/0/date_of_birth"]
    ),
    json_case("date-with-time", document(incident__date="2026-09-30T10:00:00Z"), ["/incident/date"]),
    json_case("future-incident-date", document(incident__date="2099-01-01"), ["/incident/date"]),
    json_case("future-date-of-birth", document(child__date_of_birth="2099-01-01"), ["/child/date_of_birth"]),
    json_case(
        "future-family-member-birth",
        document(family_members__0__date_of_birth="2098-05-05"),
        ["/family_members/0/date_of_birth"],
    ),
    json_case("death-before-birth", document(child__date_of_death="2018-01-01"), ["/child/date_of_death"]),
    json_case("incident-before-birth", document(incident__date="2018-01-01"), ["/incident/date"]),
    json_case("died-without-date-of-death", document(child__date_of_death=None), ["/child/date_of_death"]),
    # ---- declaration, counts, submission id -----------------------------------------------
    json_case("declaration-false", document(declaration=False), ["/declaration"]),
    json_case("declaration-yes-string", document(declaration="yes"), ["/declaration"]),
    json_case("declaration-number-1", document(declaration=1), ["/declaration"]),
    json_case("family-members-21", document(family_members=many(FAMILY, 21)), ["/family_members"]),
    json_case("agencies-involved-31", document(agencies_involved=many(AGENCY, 31)), ["/agencies_involved"]),
    json_case("submission-id-not-uuid", document(submission_id="not-a-uuid-at-all"), ["/submission_id"]),
    json_case("submission-id-sql", document(submission_id="' OR 1=1 --"), ["/submission_id"]),
    json_case("submission-id-number", document(submission_id=12345678), ["/submission_id"]),
    json_case(
        "invalid-body-with-valid-idempotency-key",
        document(declaration=False),
        ["/declaration"],
        headers={**JSON, "Idempotency-Key": "hostile-key-0001"},
    ),
    # ---- nesting --------------------------------------------------------------------------
    case("body-5000-nested-lists", nested_lists(5000), 400),
    case("field-5000-nested-objects", with_first_name_raw(nested_objects(5000)), 400),
    case(
        "field-40-nested-objects",
        with_first_name_raw(nested_objects(40, '"Deeply nested value"')),
        422,
        ["/child/first_name"],
        ["Deeply nested value"],
    ),
    case("field-700-nested-lists", with_first_name_raw(nested_lists(700)), 400),
    # ---- not a JSON object, not JSON, not UTF-8 -------------------------------------------
    case("body-json-array", json.dumps([sample.REFERRAL]), 400, needles=sample.PERSONAL),
    case("body-json-string", json.dumps("Zephyrine Quillfeather"), 400, needles=["Zephyrine Quillfeather"]),
    case("body-json-number", "424242424242", 400, needles=["424242424242"]),
    case("body-json-null", "null", 400),
    case("body-json-true", "true", 400),
    case("invalid-json-truncated", json.dumps(sample.REFERRAL)[:-20], 400, needles=sample.PERSONAL),
    case("invalid-json-single-quotes", "{'referrer': 'Hostile Quotes'}", 400, needles=["Hostile Quotes"]),
    case("invalid-json-trailing-garbage", json.dumps(sample.REFERRAL) + "<script>", 400, needles=["<script>"]),
    case("invalid-json-raw-control-char", json.dumps(sample.REFERRAL).replace("Zephyrine", "Zeph\x07yrine"), 400),
    case("duplicate-top-level-key", json.dumps(sample.REFERRAL)[:-1] + ', "declaration": true}', 400),
    case(
        "duplicate-nested-key",
        with_first_name_raw('"Zephyrine", "first_name": "Shadowname"'),
        400,
        needles=["Shadowname"],
    ),
    case("nan-value", sample_text(declaration=float("nan")), 400),
    case("infinity-value", sample_text(child__known_to_childrens_social_care=float("-inf")), 400),
    case("integer-5000-digits", with_first_name_raw("7" * 5000), 400, needles=["77777"]),
    case("lone-surrogate-in-name", with_first_name_raw('"Zeph\\ud800yrine"'), 400),
    case("non-utf8-utf16-bom", b"\xff\xfe" + json.dumps(sample.REFERRAL).encode("utf-16-le"), 400),
    case(
        "non-utf8-latin1-name",
        json.dumps(sample.referral(child__first_name="Z\u00e9phyrine"), ensure_ascii=False).encode("latin-1"),
        400,
    ),
    case("empty-body", b"", 400),
    case("whitespace-body", " \r\n\t \n", 400),
    # ---- size -----------------------------------------------------------------------------
    case(
        "json-body-over-256-kib",
        sample_text(incident__description="oversize " * 30000),
        413,
        needles=["oversize oversize"],
    ),
    case(
        "json-body-one-byte-over-256-kib",
        json.dumps(sample.REFERRAL) + " " * (LIMIT + 1 - len(json.dumps(sample.REFERRAL))),
        413,
    ),
    form_case(
        "form-body-over-256-kib", form(incident__description="oversize " * 30000), 413, needles=["oversize oversize"]
    ),
    # ---- content types --------------------------------------------------------------------
    case("content-type-text-plain", json.dumps(sample.REFERRAL), 415, headers={"Content-Type": "text/plain"}),
    case(
        "content-type-xml",
        "<referral><child>Zephyrine</child></referral>",
        415,
        headers={"Content-Type": "application/xml"},
    ),
    case(
        "content-type-multipart",
        '--XyZ\r\nContent-Disposition: form-data; name="child.first_name"\r\n\r\nZephyrine\r\n--XyZ--\r\n',
        415,
        headers={"Content-Type": "multipart/form-data; boundary=XyZ"},
    ),
    case("content-type-missing", json.dumps(sample.REFERRAL), 415, headers={}),
    case(
        "content-type-html-markup",
        "<script>alert(document.cookie)</script>",
        415,
        headers={"Content-Type": "text/html"},
        needles=["<script>", "document.cookie"],
    ),
    case(
        "content-type-json-lookalike",
        json.dumps(sample.REFERRAL),
        415,
        headers={"Content-Type": "application/json-patch+json"},
    ),
    # ---- HTML forms -----------------------------------------------------------------------
    form_case("form-field-sent-twice", form() + "&child.first_name=Shadowname", 400, needles=["Shadowname"]),
    form_case(
        "form-conflicting-shape-scalar-first",
        "child=Hostile+Scalar&child.first_name=y",
        400,
        needles=["Hostile Scalar"],
    ),
    form_case("form-conflicting-shape-object-first", form() + "&child=Hostile+Scalar", 400, needles=["Hostile Scalar"]),
    form_case(
        "form-conflicting-list-and-field",
        "family_members.0.name=a&family_members.name=Hostile+Member",
        400,
        needles=["Hostile Member"],
    ),
    form_case(
        "form-list-index-1000",
        form() + "&agencies_involved.1000.agency=Far+Away+Agency",
        400,
        needles=["Far Away Agency"],
    ),
    form_case("form-non-utf8-percent-escape", form(child__first_name=None) + "&child.first_name=%FF%FE", 400),
    form_case("form-non-utf8-raw-bytes", form(child__first_name=None).encode() + b"&child.first_name=Z\xe9ph", 400),
    form_case("form-pair-without-equals", form() + "&orphanfieldname", 400, needles=["orphanfieldname"]),
    form_case("form-name-too-deep", form() + "&a.b.c.d.e.f.g=deepvalue", 400, needles=["deepvalue"]),
    form_case("form-name-empty-segment", form() + "&child..first_name=gapvalue", 400, needles=["gapvalue"]),
    form_case("form-1001-fields", "&".join(f"f{i}=v{i}" for i in range(1001)), 400),
    form_case("form-top-level-numeric-name", "0=Numeric+Root+Value", 400, needles=["Numeric Root Value"]),
    form_case(
        "form-unicode-digit-index",
        form() + "&family_members.%C2%B2.name=Superscript+Member",
        400,
        needles=["Superscript Member"],
    ),
    form_case(
        "form-5000-digit-index",
        form() + "&family_members." + "9" * 5000 + ".name=Huge+Index",
        400,
        needles=["Huge Index"],
    ),
    form_case(
        "form-nul-in-first-name",
        form(child__first_name="Zeph\x00yrine"),
        422,
        ["/child/first_name"],
        needles=["Zeph\x00yrine"],
    ),
    form_case(
        "form-crlf-email-injection", form(referrer__email=SCR), 422, ["/referrer/email"], needles=["Bcc: x@y.example"]
    ),
    form_case(
        "form-declaration-maybe", form(declaration="maybe-later"), 422, ["/declaration"], needles=["maybe-later"]
    ),
    form_case(
        "form-boolean-not-boolean",
        form(child__known_to_childrens_social_care="perhaps"),
        422,
        ["/child/known_to_childrens_social_care"],
        needles=["perhaps"],
    ),
    form_case(
        "form-all-answers-blank",
        urlencode([(name, "  ") for name, _ in form_pairs(sample.REFERRAL)]),
        422,
        ["/referrer", "/child", "/incident", "/declaration"],
    ),
    form_case(
        "form-unknown-field",
        form() + "&child.nickname_hostile=Shadowname",
        422,
        ["/child/nickname_hostile"],
        needles=["Shadowname"],
    ),
    # ---- Idempotency-Key header -----------------------------------------------------------
    case(
        "idempotency-key-with-spaces",
        json.dumps(sample.REFERRAL),
        400,
        headers={**JSON, "Idempotency-Key": "key with spaces 123"},
        needles=["key with spaces"],
    ),
    case(
        "idempotency-key-500-chars",
        json.dumps(sample.REFERRAL),
        400,
        headers={**JSON, "Idempotency-Key": "k" * 500},
        needles=["kkkkkkkk"],
    ),
    case("idempotency-key-too-short", json.dumps(sample.REFERRAL), 400, headers={**JSON, "Idempotency-Key": "abc"}),
    case("idempotency-key-empty", json.dumps(sample.REFERRAL), 400, headers={**JSON, "Idempotency-Key": ""}),
    case(
        "idempotency-key-sql",
        json.dumps(sample.REFERRAL),
        400,
        headers={**JSON, "Idempotency-Key": "abc';DROP--TABLE"},
        needles=["DROP--TABLE"],
    ),
    case(
        "idempotency-key-trailing-newline",
        json.dumps(sample.REFERRAL),
        400,
        headers={**JSON, "Idempotency-Key": "abcdefgh12\n"},
    ),
]


# ---- checks ------------------------------------------------------------------------------


def leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item)
    else:
        yield value


def needles_of(doc):
    """The submitted values that a response must not repeat."""
    found = set()
    for leaf in leaves(doc):
        if isinstance(leaf, str):
            text = leaf.strip()
            if len(text) >= 5 and text not in _SCHEMA_WORDS:
                found.add(text if len(text) <= 200 else text[:200])
        elif isinstance(leaf, (int, float)) and not isinstance(leaf, bool) and len(str(leaf)) >= 5:
            found.add(str(leaf))
    return found


def header(response, name):
    return next((value for key, value in (response.headers or {}).items() if key.lower() == name.lower()), "")


def assert_pointer_into(doc, pointer):
    """A JSON Pointer (RFC 6901) whose parent exists in the submitted document."""
    if pointer == "":
        return  # the whole document
    assert pointer.startswith("/"), pointer
    assert not re.search(r"~(?![01])", pointer), f"bad escape in {pointer!r}"
    if doc is None:
        return
    node = doc
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    for part in parts[:-1]:
        if isinstance(node, dict):
            assert part in node, f"{pointer!r} does not point into the document"
            node = node[part]
        else:
            assert isinstance(node, list) and part.isdigit() and int(part) < len(node), (
                f"{pointer!r} does not point into the document"
            )
            node = node[int(part)]


def assert_problem(response, status, doc=None):
    assert response.status_code == status, (response.status_code, response.body[:300])
    assert header(response, "content-type").startswith(PROBLEM)
    problem = json.loads(response.body)
    assert isinstance(problem, dict)
    for field in ("type", "title", "detail"):
        assert isinstance(problem.get(field), str) and problem[field], field
    assert problem["status"] == status
    if status == 422:
        errors = problem.get("errors")
        assert isinstance(errors, list) and errors
        for error in errors:
            assert isinstance(error.get("pointer"), str)
            assert isinstance(error.get("message"), str) and error["message"]
            assert_pointer_into(doc, error["pointer"])
    return problem


def assert_no_echo(response, needles):
    raw = response.body.decode("utf-8", "replace") if isinstance(response.body, bytes) else str(response.body)
    try:
        decoded = "\n".join(str(leaf) for leaf in leaves(json.loads(raw)))
    except ValueError:
        decoded = ""
    for needle in needles:
        assert needle not in raw and needle not in decoded, f"the answer repeats a submitted value: {needle!r}"
    sample.assert_no_personal_detail([raw, decoded], "error response")


def assert_nothing_kept(aws):
    db = boto3.client("dynamodb", region_name="eu-west-2")
    for logical in ("ReferralsTable", "IdempotencyTable"):
        items = db.scan(TableName=aws.physical[logical], ConsistentRead=True)["Items"]
        assert items == [], f"{logical} has {len(items)} item(s)"
    assert run_stream(aws) == 0, "the referrals stream has records to deliver"
    assert sent_messages() == []


# ---- the tests ---------------------------------------------------------------------------


class Request:
    """What `intake.receive` reads of Chalice's request: the headers (any case) and the raw body."""

    def __init__(self, body, headers):
        from chalice.app import CaseInsensitiveMapping

        self.headers = CaseInsensitiveMapping({name.lower(): value for name, value in headers.items()})
        self.raw_body = body.encode("utf-8") if isinstance(body, str) else body


class NoStore:
    def receive(self, *args, **kwargs):
        raise AssertionError("a hostile body reached the referral store")


@pytest.fixture
def no_aws(monkeypatch):
    """The referral path with nothing behind it: reaching the store or any AWS client fails the test."""
    from chalicelib import services
    from chalicelib.platform import aws

    def no_client(service):
        raise AssertionError(f"a hostile body reached AWS ({service})")

    monkeypatch.setattr(services, "referral_store", NoStore)
    monkeypatch.setattr(aws, "client", no_client)


def refuse(body, headers):
    """POST /referrals's handling of a body, without HTTP and AWS: the problem it answers with."""
    from chalicelib.web import intake
    from chalicelib.web.problems import Problem

    try:
        intake.receive(Request(body, headers))
    except Problem as problem:  # the route's guard answers with exactly this (web/routing.py)
        return problem.to_response()
    raise AssertionError("the body was accepted")


def assert_refused(response, status, pointers, needles, doc):
    problem = assert_problem(response, status, doc)
    if pointers:
        reported = {error["pointer"] for error in problem["errors"]}
        missing = set(pointers) - reported
        assert not missing, f"not reported: {sorted(missing)}; reported: {sorted(reported)}"
    assert_no_echo(response, set(needles) | (needles_of(doc) if doc is not None else set()))


def test_the_table_has_many_distinct_hostile_bodies():
    ids = [param.id for param in CASES]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 45
    assert set(END_TO_END) <= set(ids)


@pytest.mark.parametrize("body,headers,status,pointers,needles,doc", CASES)
def test_hostile_body_is_refused(no_aws, body, headers, status, pointers, needles, doc):
    assert_refused(refuse(body, dict(headers)), status, pointers, needles, doc)


# One or two of each kind: JSON that does not parse, too deep, not UTF-8, too large, a content
# type that Chalice itself refuses, an invalid document as JSON and as a form (with a key, so the
# idempotency table is checked too), a form that does not parse, a bad Idempotency-Key.
END_TO_END = [
    "invalid-json-truncated",
    "body-5000-nested-lists",
    "non-utf8-latin1-name",
    "json-body-over-256-kib",
    "content-type-html-markup",
    "crlf-header-injection-referrer-email",
    "invalid-body-with-valid-idempotency-key",
    "form-crlf-email-injection",
    "form-field-sent-twice",
    "idempotency-key-with-spaces",
]


@pytest.mark.parametrize(
    "body,headers,status,pointers,needles,doc", [param for param in CASES if param.id in END_TO_END]
)
def test_hostile_body_over_http_is_refused_and_nothing_is_kept(
    client, aws, body, headers, status, pointers, needles, doc
):
    response = client.http.post("/referrals", body=body, headers=dict(headers))

    assert_refused(response, status, pointers, needles, doc)
    assert_nothing_kept(aws)


def test_every_problem_in_one_body_is_reported(client, aws):
    doc = document(
        child__first_name="Zephyrine" * 12,  # too long
        child__date_of_birth="2020-13-01",  # not a date
        child__gender="<script>",  # not in the enum
        referrer__email=SCR,  # header injection
        referrer__agency="Agency\x1b[2J",  # control character
        incident__description=None,  # missing
        incident__date="2099-01-01",  # in the future
        declaration="yes",  # not true
        family_members=many(FAMILY, 21),  # too many
        submission_id="not-a-uuid-at-all",  # not a UUID
        is_admin=True,  # unknown
    )
    expected = {
        "/child/first_name",
        "/child/date_of_birth",
        "/child/gender",
        "/referrer/email",
        "/referrer/agency",
        "/incident/description",
        "/incident/date",
        "/declaration",
        "/family_members",
        "/submission_id",
        "/is_admin",
    }
    response = client.http.post("/referrals", body=json.dumps(doc), headers=JSON)

    problem = assert_problem(response, 422, doc)
    reported = {error["pointer"] for error in problem["errors"]}
    assert expected <= reported, sorted(expected - reported)
    assert len(reported) >= 5
    assert_no_echo(response, needles_of(doc) | {"<script>", "Bcc: x@y.example"})
    assert_nothing_kept(aws)


@pytest.mark.parametrize(
    "body,headers",
    [
        pytest.param(json.dumps(sample.REFERRAL), JSON, id="json"),
        pytest.param(form(), FORM, id="form"),
    ],
)
def test_the_unaltered_bodies_are_accepted(client, aws, body, headers):
    """Control: the builders make valid referrals, so each case fails only for its hostile part."""
    response = client.http.post("/referrals", body=body, headers=headers)
    assert response.status_code == 201, response.body[:300]


@pytest.mark.parametrize(
    "body,headers",
    [
        pytest.param(json.dumps(sample.REFERRAL), JSON, id="json"),
        pytest.param(form(), FORM, id="form"),
        pytest.param(json.dumps(sample.REFERRAL), {**JSON, "Idempotency-Key": "hostile-key-0001"}, id="json-with-key"),
    ],
)
def test_the_unaltered_bodies_get_past_every_check(no_aws, body, headers):
    """Control for the unit cases: without HTTP too, only the hostile part of a case stops it."""
    with pytest.raises(AssertionError, match="reached the referral store"):
        refuse(body, headers)
