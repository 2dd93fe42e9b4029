"""Demo content for the local stack: the leaflets listed on the board's own page."""

from chalicelib.web.auth import Identity
from tools.pdf import one_page

# Created by one demo publisher and certified by the other, as every publication is.
CREATOR = Identity("demo-publisher", "demo-publisher", frozenset({"publishers"}), "access")
CERTIFIER = Identity("demo-publisher-2", "demo-publisher-2", frozenset({"publishers"}), "access")

LEAFLETS = [
    ("Child J", "2015-07-01", "July 2015"),
    ("Child A", "2014-10-01", "Oct 2014"),
    ("Child T", "2012-05-01", "May 2012"),
    ("T Family", "2011-08-01", "August 2011"),
    ("Child P", "2009-06-01", "June 2009"),
    ("Child V", "2009-03-01", "March 2009"),
    ("Child A (2006)", "2006-11-01", "November 2006"),
]


def load(publications, s3, uploads_bucket):
    """Publishes each leaflet through the same path a publisher's upload takes."""
    loaded = []
    for case_name, published_on, month in LEAFLETS:
        title = f"Highlighting lessons from {case_name} ({month})"
        slug = case_name.lower().replace(" ", "-").replace("(", "").replace(")", "")
        key = f"uploads/{'0' * 31}{len(loaded)}/{slug}.pdf"
        s3.put_object(
            Bucket=uploads_bucket,
            Key=key,
            ContentType="application/pdf",
            Body=one_page(
                f"{case_name} Professionals Leaflet", [title, "A demo document generated for the local stack."]
            ),
        )
        draft = publications.create(
            {
                "upload_key": key,
                "kind": "professionals_leaflet",
                "title": title,
                "case_name": case_name.replace(" (2006)", ""),
                "summary": f"{case_name} Professionals Leaflet: lessons for practitioners from a serious case review.",
                "keywords": ["professionals leaflet", "learning"],
                "published_on": published_on,
            },
            CREATOR,
        )
        loaded.append(
            publications.certify(
                draft["id"], {"anonymisation_checked": True, "reporting_restrictions_checked": True}, CERTIFIER
            )
        )
    return loaded


# ---- demo cases: every state of both regimes, without typing ----------------------------------------


def _referral(first_name, died_on, incident_on, review_requested="serious_case_review", agency="Children's Services"):
    """A fictional referral (no real child, family or place)."""
    return {
        "referrer": {
            "name": "Demo Referrer",
            "job_title": "Social Worker",
            "agency": agency,
            "email": "referrer@demo.example",
        },
        "safeguarding_lead": {"name": "Demo Lead"},
        "review_requested": review_requested,
        "child": {
            "first_name": first_name,
            "last_name": "Demo",
            "date_of_birth": "2020-01-01",
            "gender": "not_known",
            "ethnicity": "Not known",
            "address": "1 Example Street",
            "postcode": "ZZ9 9ZZ",
            **({"date_of_death": died_on} if died_on else {}),
            "child_protection_plan": "not_known",
            "known_to_childrens_social_care": True,
            "lead_professional": "Demo Lead",
        },
        "incident": {
            "date": incident_on,
            "outcome": "died" if died_on else "seriously_harmed",
            "abuse_or_neglect": "suspected",
            "description": "A fictional incident for the demo.",
        },
        "criteria": {"concerns_about_joint_working": True, "reasons": "Fictional reasons for the demo."},
        "family_members": [],
        "agencies_involved": [],
        "declaration": True,
    }


def load_cases(casework, store, audit, dynamodb, table):
    """Fictional cases at different stages of both regimes; returns [(reference, what it shows)].

    Written through the same casework the API uses, each step at its own date (the clock is
    pinned), so the clocks, history and audit trail are what a real case would have. The legacy
    case is written as the release before version 2 stored it, for the migration to take on.
    """
    from datetime import timedelta

    from chalicelib.platform import clock
    from chalicelib.web.auth import Identity

    coordinator = Identity("demo-coordinator", "demo-coordinator", frozenset({"coordinator"}), "access")
    group = Identity("demo-subcommittee", "demo-subcommittee", frozenset({"subcommittee"}), "access")
    partners = [
        Identity(f"demo-{p}", f"demo-{p}", frozenset({p}), "access")
        for p in ("partner_local_authority", "partner_health", "partner_police")
    ]
    today = clock.today()

    def at(days_ago, hour=10):
        return f"{(today - timedelta(days=days_ago)).isoformat()}T{hour:02d}:00:00Z"

    def on(days_ago):
        return (today - timedelta(days=days_ago)).isoformat()

    def enter(document, days_ago, source="phone", regime="working_together_2023"):
        with clock.frozen(at(days_ago)):
            return store.enter(document, regime, source, audit, coordinator, "demo").reference

    def decided_2023(reference, days_ago, outcome="local_review"):
        with clock.frozen(at(days_ago - 1)):
            casework.notify(
                coordinator,
                "demo",
                reference,
                {
                    "became_aware_on": on(days_ago),
                    "notified_on": on(days_ago - 1),
                    "panel_reference": "CSPRP-DEMO",
                    "notified": ["panel", "safeguarding_partners"],
                },
            )
        with clock.frozen(at(days_ago - 10)):
            casework.rapid_review(
                group,
                "demo",
                reference,
                {
                    "criteria_met": outcome == "local_review",
                    "recommendation": outcome,
                    "meeting_on": on(days_ago - 10),
                    "rationale": "Demo: the rapid review's reasons.",
                },
            )
        for partner in partners:
            with clock.frozen(at(days_ago - 11)):
                casework.sign_off(partner, "demo", reference, {"outcome": outcome, "rationale": "Demo: agreed."})
        with clock.frozen(at(days_ago - 12)):
            casework.panel(coordinator, "demo", reference, {"sent_on": on(days_ago - 12)})

    cases = []
    fresh = enter(_referral("Ada", on(3), on(4)), 1, source="email")
    cases.append((fresh, "2023: received yesterday, the notification clock running"))

    overdue = enter(_referral("Ben", on(40), on(41)), 38)
    with clock.frozen(at(36)):
        casework.notify(
            coordinator,
            "demo",
            overdue,
            {"became_aware_on": on(38), "notified_on": on(36), "notified": ["panel", "ofsted"]},
        )
    cases.append((overdue, "2023: notified, the rapid review overdue"))
    with clock.frozen(at(1)):
        casework.link(coordinator, "demo", fresh, {"reference": overdue})
    cases[0] = (fresh, cases[0][1] + "; linked to the next case (one incident)")

    paused = enter(_referral("Cara", on(90), on(91)), 88, source="notification")
    decided_2023(paused, 88)
    with clock.frozen(at(70)):
        casework.review(
            coordinator,
            "demo",
            paused,
            {"reviewer": "Demo Independent Reviewer", "terms_of_reference_on": on(70), "status": "in_progress"},
        )
    with clock.frozen(at(60)):
        casework.add_proceeding(
            coordinator,
            "demo",
            paused,
            {
                "kind": "criminal_trial",
                "status": "active",
                "holds_publication": True,
                "pauses_review": True,
                "note": "Demo: trial listed.",
                "started_on": on(60),
            },
        )
    cases.append((paused, "2023: review in progress, paused and publication held by a criminal trial"))

    decided = enter(_referral("Dev", None, on(50), "multi_agency_case_review"), 45)
    decided_2023(decided, 45, "no_local_review")
    with clock.frozen(at(30)):
        casework.panel(coordinator, "demo", decided, {"response": "agrees", "received_on": on(30)})
        casework.add_notice(
            coordinator, "demo", decided, {"to": "family", "purpose": "Demo: outcome explained", "given_on": on(30)}
        )
    cases.append((decided, "2023: decided (no local review), the Panel agrees"))

    recommended = enter(_referral("Eve", on(20), on(21)), 19, regime="working_together_2015")
    with clock.frozen(at(15)):
        casework.recommend(
            group,
            "demo",
            recommended,
            {"recommendation": "criteria_met", "rationale": "Demo: both limbs of regulation 5 are met."},
        )
    cases.append((recommended, "2015: recommended, waiting for the chair"))

    legacy = "PREV-CASE"
    dynamodb.put_item(TableName=table, Item=_previous_release_case(legacy, at(200), at(170), on(200)))
    cases.append((legacy, "2015 (stored by the previous release, migrated at start): SCR decided, review due"))
    return cases


def _previous_release_case(reference, received_at, decided_at, died_on):
    import json

    return {
        "reference": {"S": reference},
        "kind": {"S": "referral"},
        "status": {"S": "decided"},
        "received_at": {"S": received_at},
        "review_requested": {"S": "serious_case_review"},
        "referrer_agency": {"S": "Demo Police"},
        "decision_due": {"S": decided_at[:10]},
        "document": {"S": json.dumps(_referral("Finn", died_on, died_on, agency="Demo Police"))},
        "recommendation": {"S": "criteria_met"},
        "recommendation_rationale": {"S": "Demo."},
        "recommended_at": {"S": decided_at},
        "recommended_by": {"S": "demo-subcommittee"},
        "decision": {"S": "serious_case_review"},
        "decision_rationale": {"S": "Demo."},
        "decided_at": {"S": decided_at},
        "decided_by": {"S": "demo-chair"},
        "email_committee_alert": {"S": "sent"},
        "email_referrer_ack": {"S": "sent"},
        "email_decision_notice": {"S": "sent"},
    }
