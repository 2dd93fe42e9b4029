"""The referral's rules that a JSON Schema cannot say, checked with the schema in one pass."""

from chalicelib.platform import clock
from chalicelib.platform.validation import load_schema, node_at, validate


def _object(value):
    return value if isinstance(value, dict) else {}


def _items(document, field):
    """The objects of a list, unless it is over its maxItems: the schema reports that, and a hostile
    list of 80,000 items is not walked."""
    value = document.get(field)
    if not isinstance(value, list) or len(value) > node_at(load_schema("referral"), [field]).get("maxItems", 0):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, dict)]


def rules(document):
    """The domain's rules that a JSON Schema cannot say, as (path, message) pairs."""
    found = []
    child = _object(document.get("child"))
    incident = _object(document.get("incident"))
    if isinstance(document.get("child"), dict):
        # A child not yet named (or whose name the referrer does not know), and one whose date of
        # birth is not known or who was not yet born, can still be referred.
        if child.get("name_not_known") is not True:
            found += [(["child", field], "is required") for field in ("first_name", "last_name") if field not in child]
        if "date_of_birth" not in child and "age_estimate" not in child and child.get("unborn") is not True:
            found.append((["child", "date_of_birth"], "is required"))
    limit = clock.today()
    birth = clock.as_date(child.get("date_of_birth"))
    death = clock.as_date(child.get("date_of_death"))
    happened = clock.as_date(incident.get("date"))
    agreed = clock.as_date(_object(document.get("safeguarding_lead")).get("agreed_on"))
    dated = [
        (["child", "date_of_birth"], birth),
        (["child", "date_of_death"], death),
        (["incident", "date"], happened),
        (["safeguarding_lead", "agreed_on"], agreed),
    ]
    for field in ("family_members", "other_children"):
        for index, person in _items(document, field):
            dated.append(([field, index, "date_of_birth"], clock.as_date(person.get("date_of_birth"))))
    for path, value in dated:
        if value is not None and value > limit:
            found.append((path, "must not be in the future"))
    # A child unborn at the incident was harmed (or died) before the date of birth.
    if birth is not None and child.get("unborn") is not True:
        if death is not None and death < birth:
            found.append((["child", "date_of_death"], "must not be before the child's date of birth"))
        if happened is not None and happened < birth:
            found.append((["incident", "date"], "must not be before the child's date of birth"))
    if incident.get("outcome") == "died" and "date_of_death" not in child and isinstance(document.get("child"), dict):
        found.append((["child", "date_of_death"], "is required when the outcome is that the child died"))
    return found


def check(document):
    return validate("referral", document, rules)
