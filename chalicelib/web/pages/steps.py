"""The referral form's steps, built from the referral schema.

Each step names the schema's fields it asks (dotted names, as api.md's form encoding); what
kind of input a field gets, whether it is optional and its choices come from the schema. A
field the schema does not have (yet) is left out, so the form follows the schema.

Between steps the answers travel in the page itself (hidden fields of a `no-store` page posted
back): nothing is kept on the server until the referral is sent.
"""

import re
from dataclasses import dataclass

from chalicelib.platform.validation import BASE_URI, load_schema, resolve

CONTROL = ("action",)  # the buttons' field: never part of the referral
DATE_PARTS = ("day", "month", "year")


@dataclass(frozen=True)
class Step:
    slug: str
    fields: tuple = ()  # dotted names
    group: str | None = None  # a repeating group: `fields` are the item's own names


STEPS = (
    Step(
        "about-you",
        (
            "referrer.name",
            "referrer.job_title",
            "referrer.agency",
            "referrer.email",
            "referrer.phone",
            "safeguarding_lead.name",
            "safeguarding_lead.agency",
            "safeguarding_lead.email",
            "safeguarding_lead.agreed_on",
        ),
    ),
    Step(
        "child",
        (
            "child.name_not_known",
            "child.first_name",
            "child.last_name",
            "child.other_names",
            "child.date_of_birth",
            "child.age_estimate",
            "child.unborn",
            "child.gender",
            "child.ethnicity",
            "child.disability",
            "child.address",
            "child.postcode",
            "child.school",
            "child.local_authority",
            "child.legal_status",
            "child.child_protection_plan",
            "child.known_to_childrens_social_care",
            "child.lead_professional",
        ),
    ),
    Step(
        "incident",
        (
            "incident.date",
            "incident.place",
            "incident.outcome",
            "child.date_of_death",
            "incident.abuse_or_neglect",
            "incident.harm_types",
            "incident.description",
            "incident.police_involved",
            "incident.immediate_actions",
        ),
    ),
    Step("review", ("review_requested", "criteria.concerns_about_joint_working", "criteria.reasons")),
    Step(
        "other-children",
        ("name", "relationship", "date_of_birth", "age_estimate", "harmed", "at_risk"),
        group="other_children",
    ),
    Step("family", ("name", "relationship", "date_of_birth", "address", "alleged_perpetrator"), group="family_members"),
    Step("agencies", ("agency", "contact_name", "contact_details", "currently_involved"), group="agencies_involved"),
)
CHECK = Step("check", ("declaration",))
# The referrer's own details may be filled in by the browser (WCAG 1.3.5); nothing about the child is.
AUTOCOMPLETE = {
    "referrer.name": "name",
    "referrer.job_title": "organization-title",
    "referrer.agency": "organization",
    "referrer.email": "email",
    "referrer.phone": "tel",
}


def schema():
    return load_schema("referral")


def node(path):
    """The schema of a dotted path (numeric segments are list items), with its `$ref`s merged in; or None."""
    root = schema()
    current, base = resolve(root, root.get("$id", BASE_URI))
    for part in path.split(".") if path else ():
        if part.isdigit():
            current, base = resolve(current.get("items", {}), base)
        else:
            properties = current.get("properties", {})
            if part not in properties:
                return None
            current, base = resolve(properties[part], base)
    return current


def required(path):
    parent, _, name = path.rpartition(".")
    parent_node = node(parent)
    return name in (parent_node or {}).get("required", ())


def kind(path):
    """The input a field gets, from its schema."""
    spec = node(path) or {}
    if spec.get("type") == "array":
        return "checkboxes"
    if "enum" in spec:
        return "radios"
    if spec.get("type") == "boolean":
        return "yesno"
    if spec.get("type") == "integer":
        return "number"
    if spec.get("format") == "date":
        return "date"
    if spec.get("format") == "email":
        return "email"
    if "phone" in path.rsplit(".", 1)[-1]:
        return "tel"
    if spec.get("maxLength", 0) > 200 and "\\u000E" in spec.get("pattern", ""):
        return "textarea"
    return "text"


def choices(path):
    spec = node(path) or {}
    if spec.get("type") == "array":
        spec = node(f"{path}.0") or {}
    return list(spec.get("enum", ()))


def steps():
    """The steps, each with only the fields the schema has; a group step only when the schema has the group."""
    shown = []
    for step in STEPS:
        if step.group:
            if node(step.group) is None:
                continue
            shown.append(Step(step.slug, tuple(f for f in step.fields if node(f"{step.group}.0.{f}")), step.group))
        else:
            shown.append(Step(step.slug, tuple(f for f in step.fields if node(f) is not None)))
    return shown


def find(slug):
    return next((step for step in steps() + [CHECK] if step.slug == slug), None)


def following(step, offset):
    ordered = steps()
    index = [s.slug for s in ordered].index(step.slug) if step.slug != "check" else len(ordered)
    target = index + offset
    if target >= len(ordered):
        return CHECK
    return ordered[max(target, 0)]


# ---- answers: the form's raw text, by field name -----------------------------------------


def group_count(answers, group):
    indexes = {int(m.group(1)) for name in answers for m in [re.match(rf"^{re.escape(group)}\.(\d+)\.", name)] if m}
    return max(indexes) + 1 if indexes else 0


def add_item(answers, step):
    number = group_count(answers, step.group)
    for field in step.fields:
        for name in _input_names(f"{step.group}.{number}.{field}"):
            answers[name] = ""
    return answers


def remove_item(answers, group, index):
    """Drops item `index` and renumbers the later ones, so the names stay 0..n-1."""
    prefix = re.compile(rf"^{re.escape(group)}\.(\d+)\.(.*)$")
    kept = {}
    for name, value in answers.items():
        match = prefix.match(name)
        if not match:
            kept[name] = value
            continue
        number = int(match.group(1))
        if number == index:
            continue
        kept[f"{group}.{number - 1 if number > index else number}.{match.group(2)}"] = value
    return kept


def drop_blank_items(answers, group):
    """An item left wholly blank is not an answer: remove it before validating."""
    count = group_count(answers, group)
    for index in reversed(range(count)):
        names = [n for n in answers if n.startswith(f"{group}.{index}.")]
        if all(not answers[n].strip() for n in names):
            answers = remove_item(answers, group, index)
    return answers


def _input_names(path):
    k = kind(path)
    if k == "date":
        return [f"{path}-{part}" for part in DATE_PARTS]
    if k == "checkboxes":
        return []  # unticked boxes send nothing
    return [path]


def form_pairs(answers):
    """The answers as api.md's form encoding: three date boxes become one YYYY-MM-DD value."""
    pairs = []
    dates = {}
    for name, value in answers.items():
        match = re.match(r"^(.+)-(day|month|year)$", name)
        if match:
            dates.setdefault(match.group(1), {})[match.group(2)] = value.strip()
        elif name not in CONTROL:
            pairs.append((name, value.replace("\r\n", "\n")))  # browsers send a text area's lines as CRLF
    for name, parts in dates.items():
        day, month, year = (parts.get(p, "") for p in DATE_PARTS)
        if not (day or month or year):
            continue
        if day.isdigit() and month.isdigit() and year.isdigit():
            pairs.append((name, f"{int(year):04d}-{int(month):02d}-{int(day):02d}"))
        else:
            pairs.append((name, f"{year}-{month}-{day}"))  # not a date: the schema says so, in its words
    return pairs


# ---- errors: the schema's [{"pointer", "message"}] placed on the form -----------------------


def dotted(pointer):
    return ".".join(part.replace("~1", "/").replace("~0", "~") for part in pointer.lstrip("/").split("/"))


def expand_missing(errors):
    """`/child is required` (every answer of a section left blank) becomes each required field's own error."""
    expanded = []
    for error in errors:
        name = dotted(error["pointer"])
        spec = node(name) if name else None
        if error["message"] == "is required" and spec and spec.get("type") == "object":
            expanded += [
                {"pointer": f"{error['pointer']}/{field}", "message": "is required"}
                for field in spec.get("required", ())
            ]
        else:
            expanded.append(error)
    return expanded


def step_of(name):
    """The step that asks the field `name` (dotted), or CHECK."""
    for step in steps():
        if step.group:
            if name == step.group or name.startswith(step.group + "."):
                return step
        elif any(name == f or name.startswith(f + ".") for f in step.fields):
            return step
    return CHECK


def field_of(name):
    """The form field (its dotted name) an error at `name` belongs to: a list item's box, a date's name."""
    for step in steps():
        if step.group and name.startswith(step.group + "."):
            parts = name.split(".")
            return ".".join(parts[:3])
    spec = node(name)
    if spec is None:
        parts = name.split(".")
        while parts and node(".".join(parts)) is None:
            parts.pop()
        return ".".join(parts)
    if name.split(".")[-1].isdigit():  # one of a list of checkboxes
        return name.rsplit(".", 1)[0]
    return name
