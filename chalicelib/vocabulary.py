"""The service's words, each defined once: the code, the JSON Schemas (a test checks that
their enums agree with this module), the emails and the pages all use these.

Plain tuples and a compiled pattern: this module is imported on the referral path, so it
must stay cheap.
"""

import re

# ---- references -----------------------------------------------------------------------
# 4+4 characters with no look-alikes (no 0/O, 1/I/L): references are read out over the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERENCE_PATTERN = re.compile(f"[{REFERENCE_ALPHABET}]{{4}}-[{REFERENCE_ALPHABET}]{{4}}")


def is_reference(value):
    return isinstance(value, str) and REFERENCE_PATTERN.fullmatch(value) is not None


# ---- regimes ----------------------------------------------------------------------------
# A case's regime is stored on the case; the board's setting is the default for new ones.
WORKING_TOGETHER_2023 = "working_together_2023"  # the partners decide after a rapid review
WORKING_TOGETHER_2015 = "working_together_2015"  # legacy: the LSCB chair decides
REGIMES = (WORKING_TOGETHER_2023, WORKING_TOGETHER_2015)
# Names a board may still have configured, and the regime they now mean: the 2018
# CSPRP regulations are the statutory process that Working Together 2023 carries on.
RETIRED_REGIMES = {"csprp_2018": WORKING_TOGETHER_2023}

# ---- referrals and cases --------------------------------------------------------------
# What a referrer may ask for: the 2015 reviews, the current process's review, or "not sure".
REVIEWS_REQUESTED = (
    "serious_case_review",
    "multi_agency_case_review",
    "child_safeguarding_practice_review",
    "not_sure",
)
# The child's legal status when referred, and the kinds of harm (as the NSPCC repository records them).
LEGAL_STATUSES = ("looked_after", "child_protection_plan", "child_in_need", "none", "not_known")
HARM_TYPES = ("physical", "sexual", "emotional", "neglect", "exploitation", "other")
# How a case entered by staff reached the partnership.
SOURCES = ("phone", "email", "notification")
# The 2015 workflow's states, in order.
STATUSES_2015 = ("received", "recommended", "decided", "in_progress", "completed", "published")
# The 2023 workflow's states, in order: `completed` and `published` mean the same under both.
STATUSES_2023 = ("received", "rapid_reviewed", "decided", "in_progress", "completed", "published")
STATUSES = ("received", "recommended", "rapid_reviewed", "decided", "in_progress", "completed", "published")
RECOMMENDATIONS = ("criteria_met", "criteria_not_met_learning_review", "criteria_not_met_no_review")
DECISIONS = ("serious_case_review", "multi_agency_case_review", "no_review")
# Decisions that start a review (and its six-month clock).
REVIEW_DECISIONS = ("serious_case_review", "multi_agency_case_review")
PROGRESS = ("in_progress", "completed")

# ---- the 2023 workflow ----------------------------------------------------------------
# Who is told of a notifiable incident (recorded with the notification).
NOTIFIED = ("panel", "ofsted", "secretary_of_state", "safeguarding_partners")
# The rapid review's recommendation and the partners' decision share these words.
OUTCOMES = ("local_review", "no_local_review", "national_review_suggested")
# Outcomes that start a local child safeguarding practice review (and its six-month clock).
REVIEW_OUTCOMES = ("local_review",)
NO_REVIEW_OUTCOMES = ("no_local_review", "no_review")  # the 2023 and 2015 words for "no review"
PANEL_RESPONSES = ("agrees", "disagrees", "national_review", "more_information")
REVIEW_STATUSES = ("in_progress", "completed")
PROCEEDING_KINDS = (
    "criminal_investigation",
    "criminal_trial",
    "inquest",
    "family_proceedings",
    "domestic_homicide_review",
    "safeguarding_adults_review",
    "child_death_review",
)
PROCEEDING_STATUSES = ("active", "concluded")
NOTICE_RECIPIENTS = ("panel", "ofsted", "secretary_of_state", "nspcc", "agencies", "family")

# ---- clocks ---------------------------------------------------------------------------
CLOCKS = ("notification", "rapid_review", "decision", "review", "publication")
CLOCK_STATUSES = ("not_started", "due", "met", "overdue", "paused")

# ---- publications ---------------------------------------------------------------------
PUBLICATION_KINDS = (
    "serious_case_review",
    "multi_agency_case_review",
    "professionals_leaflet",
    "overview_report",
    "board_response",
    "child_safeguarding_practice_review",
    "executive_summary",
    "partners_response",
    "learning_brief",
    "seven_minute_briefing",
    "thematic_review",
    "national_review_briefing",
)

# ---- staff groups (Cognito) -----------------------------------------------------------
SUBCOMMITTEE = "subcommittee"  # the case review group
CHAIR = "chair"  # the 2015 decision maker
PUBLISHERS = "publishers"
COORDINATOR = "coordinator"  # partnership business support: triage, notifications, clocks, proceedings, notices
PARTNER_LOCAL_AUTHORITY = "partner_local_authority"
PARTNER_HEALTH = "partner_health"
PARTNER_POLICE = "partner_police"
# The three safeguarding partners' delegates; each signs the rapid review decision for its own partner.
PARTNERS = (PARTNER_LOCAL_AUTHORITY, PARTNER_HEALTH, PARTNER_POLICE)
GROUPS = (SUBCOMMITTEE, CHAIR, PUBLISHERS, COORDINATOR) + PARTNERS

# ---- who may do what (the JSON API's routes and the console's forms both read these) ------
READERS = (SUBCOMMITTEE, CHAIR, COORDINATOR) + PARTNERS  # read cases
CASE_REVIEW_GROUP = (SUBCOMMITTEE, CHAIR, COORDINATOR)  # the 2015 recommendation
RAPID_REVIEWERS = (COORDINATOR, SUBCOMMITTEE)
AUDITORS = (CHAIR, COORDINATOR)  # a case's audit trail and the export, in the console
