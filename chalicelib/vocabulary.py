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


# ---- referrals and cases --------------------------------------------------------------
REVIEWS_REQUESTED = ("serious_case_review", "multi_agency_case_review")
# The 2015 workflow's states, in order.
STATUSES = ("received", "recommended", "decided", "in_progress", "completed", "published")
RECOMMENDATIONS = ("criteria_met", "criteria_not_met_learning_review", "criteria_not_met_no_review")
DECISIONS = ("serious_case_review", "multi_agency_case_review", "no_review")
# Decisions that start a review (and its six-month clock).
REVIEW_DECISIONS = ("serious_case_review", "multi_agency_case_review")
PROGRESS = ("in_progress", "completed")

# ---- publications ---------------------------------------------------------------------
PUBLICATION_KINDS = ("serious_case_review", "multi_agency_case_review", "professionals_leaflet", "overview_report",
                     "board_response", "child_safeguarding_practice_review", "executive_summary", "partners_response",
                     "learning_brief", "seven_minute_briefing", "thematic_review", "national_review_briefing")

# ---- staff groups (Cognito) -----------------------------------------------------------
SUBCOMMITTEE = "subcommittee"
CHAIR = "chair"
PUBLISHERS = "publishers"
GROUPS = (SUBCOMMITTEE, CHAIR, PUBLISHERS)
