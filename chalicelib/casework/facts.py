"""What publishing needs to know about a case, read from the referrals table and nothing more.

A case is the referrals-table item keyed `reference`. Items written before version 2
carry no `regime` (they are `working_together_2015`) and none of the lists (empty).
The facts are read for a decision inside the service: they are never returned to a
publisher, who may not read cases.
"""

import json
from dataclasses import dataclass, field
from datetime import date

from chalicelib.platform.items import plain_item, typed

LEGACY_REGIME = "working_together_2015"
# The review is finished: a publication may cite the case (a case with one report out may have more).
PUBLISHABLE_STATUSES = ("completed", "published")


@dataclass(frozen=True)
class CaseFacts:
    reference: str
    regime: str
    status: str
    version: int | None
    linked: tuple = ()
    notices: tuple = ()
    proceedings: tuple = ()
    identifying: dict = field(default_factory=dict)

    @property
    def publishable(self):
        return self.status in PUBLISHABLE_STATUSES

    @property
    def holds_publication(self):
        """An active proceeding that holds publication (a criminal trial, an inquest...)."""
        return any(p.get("status") == "active" and p.get("holds_publication") for p in self.proceedings)

    def notice_given_on(self, to):
        """The latest date a notice went to `to` (`panel`, `secretary_of_state`...), or None."""
        dates = [
            date.fromisoformat(n["given_on"])
            for n in self.notices
            if n.get("to") == to and isinstance(n.get("given_on"), str)
        ]
        return max(dates) if dates else None


class CaseFactsReader:
    def __init__(self, dynamodb, referrals_table):
        self._db = dynamodb
        self._table = referrals_table

    def read(self, reference):
        """The case's facts, or None when there is no such case."""
        found = self._db.get_item(TableName=self._table, Key={"reference": typed(reference)}, ConsistentRead=True).get(
            "Item"
        )
        if found is None:
            return None
        item = plain_item(found)
        try:
            document = json.loads(item.get("document") or "{}")
        except ValueError:
            document = {}
        version = item.get("version")
        return CaseFacts(
            reference=reference,
            regime=item.get("regime") or LEGACY_REGIME,
            status=item.get("status", ""),
            version=int(version) if isinstance(version, (int, float)) else None,
            linked=tuple(r for r in item.get("linked") or () if isinstance(r, str)),
            notices=tuple(n for n in item.get("notices") or () if isinstance(n, dict)),
            proceedings=tuple(p for p in item.get("proceedings") or () if isinstance(p, dict)),
            identifying=identifying_details(document),
        )

    def read_with_linked(self, reference):
        """The case and the cases linked to it (one incident, several records), or None."""
        facts = self.read(reference)
        if facts is None:
            return None, []
        linked = [f for f in (self.read(r) for r in facts.linked[:10] if r != reference) if f is not None]
        return facts, linked


def identifying_details(document):
    """The names, dates of birth, addresses, postcodes and schools in a referral, by kind."""
    found = {"name": [], "date_of_birth": [], "address": [], "postcode": [], "school": []}
    if not isinstance(document, dict):
        return found
    child = document.get("child") if isinstance(document.get("child"), dict) else {}
    names = [child.get("first_name"), child.get("last_name"), child.get("other_names")]
    found["name"] += [" ".join(n for n in names[:2] if isinstance(n, str))] + names
    found["date_of_birth"].append(child.get("date_of_birth"))
    found["address"].append(child.get("address"))
    found["postcode"].append(child.get("postcode"))
    found["school"].append(child.get("school"))
    for group in ("family_members", "other_children"):
        for person in document.get(group) or ():
            if isinstance(person, dict):
                found["name"].append(person.get("name"))
                found["date_of_birth"].append(person.get("date_of_birth"))
                found["address"].append(person.get("address"))
    return {kind: [v for v in values if isinstance(v, str) and v.strip()] for kind, values in found.items()}
