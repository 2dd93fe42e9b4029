"""The referral's rules that a JSON Schema cannot say, checked with the schema in one pass."""
from chalicelib.platform import clock
from chalicelib.platform.validation import validate


def rules(document):
    """The domain's rules that a JSON Schema cannot say, as (path, message) pairs."""
    found = []
    child = document.get("child") if isinstance(document.get("child"), dict) else {}
    incident = document.get("incident") if isinstance(document.get("incident"), dict) else {}
    limit = clock.today()
    birth = clock.as_date(child.get("date_of_birth"))
    death = clock.as_date(child.get("date_of_death"))
    happened = clock.as_date(incident.get("date"))
    dated = [(["child", "date_of_birth"], birth), (["child", "date_of_death"], death),
             (["incident", "date"], happened)]
    members = document.get("family_members")
    if isinstance(members, list):
        for index, member in enumerate(members):
            if isinstance(member, dict):
                dated.append((["family_members", index, "date_of_birth"], clock.as_date(member.get("date_of_birth"))))
    for path, value in dated:
        if value is not None and value > limit:
            found.append((path, "must not be in the future"))
    if birth is not None:
        if death is not None and death < birth:
            found.append((["child", "date_of_death"], "must not be before the child's date of birth"))
        if happened is not None and happened < birth:
            found.append((["incident", "date"], "must not be before the child's date of birth"))
    if incident.get("outcome") == "died" and "date_of_death" not in child and isinstance(document.get("child"), dict):
        found.append((["child", "date_of_death"], "is required when the outcome is that the child died"))
    return found


def check(document):
    return validate("referral", document, rules)


