"""A realistic referral, and the details from it that must never leave the store."""

import copy
import json

REFERRAL = {
    "referrer": {
        "name": "Priya Raman",
        "job_title": "Senior Social Worker",
        "agency": "Peterborough Children's Services",
        "email": "priya.raman@social.example",
        "phone": "01733 000111",
    },
    "safeguarding_lead": {"name": "Tom Hale", "agency": "Northfield Primary School", "email": "dsl@school.example"},
    "review_requested": "serious_case_review",
    "child": {
        "first_name": "Zephyrine",
        "last_name": "Quillfeather",
        "other_names": "Zeph",
        "date_of_birth": "2019-03-14",
        "gender": "female",
        "ethnicity": "White British",
        "address": "14 Larkspur Row\nWerrington",
        "postcode": "PE4 6QX",
        "date_of_death": "2026-10-02",
        "child_protection_plan": "previous",
        "known_to_childrens_social_care": True,
        "lead_professional": "Dana Okoro",
    },
    "incident": {
        "date": "2026-09-30",
        "outcome": "died",
        "abuse_or_neglect": "suspected",
        "description": "Admitted to hospital with unexplained head injuries; died two days later.",
    },
    "criteria": {
        "concerns_about_joint_working": True,
        "reasons": "GP and school raised concerns separately; no strategy discussion was held.",
    },
    "family_members": [
        {
            "name": "Marisol Quillfeather",
            "relationship": "mother",
            "date_of_birth": "1996-07-01",
            "address": "14 Larkspur Row",
        },
        {"name": "Gideon Brackwater", "relationship": "mother's partner"},
    ],
    "agencies_involved": [
        {"agency": "Thistlegate Medical Practice", "contact_name": "Dr Ames", "currently_involved": False},
        {"agency": "Northfield Primary School", "currently_involved": True},
    ],
    "declaration": True,
}

# What identifies the child, the family or the incident.
PERSONAL = [
    "Zephyrine",
    "Quillfeather",
    "Zeph",
    "2019-03-14",
    "Larkspur",
    "PE4 6QX",
    "2026-10-02",
    "2026-09-30",
    "Dana Okoro",
    "head injuries",
    "strategy discussion",
    "Marisol",
    "Gideon",
    "Brackwater",
    "1996-07-01",
    "Thistlegate",
]


def referral(**changes):
    """A copy of the sample; changes by dotted path, None removes."""
    document = copy.deepcopy(REFERRAL)
    for path, value in changes.items():
        node = document
        parts = path.split("__")
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is None:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = value
    return document


def assert_no_personal_detail(texts, what):
    for text in texts:
        text = text if isinstance(text, str) else json.dumps(text)
        for secret in PERSONAL:
            assert secret.lower() not in text.lower(), f"a {what} carries a personal detail: {secret!r}"
