"""The catalogue of publication kinds: the label the public sees, and whether the Panel (and, for
2023 cases, the Secretary of State) must have had the report before it is published.

One entry per kind in `vocabulary.PUBLICATION_KINDS`; a board adds a kind here and there.
"""

CATALOGUE = {
    "serious_case_review": {"label": "Serious case review", "notice": True},
    "child_safeguarding_practice_review": {"label": "Local child safeguarding practice review", "notice": True},
    "multi_agency_case_review": {"label": "Multi-agency case review", "notice": False},
    "overview_report": {"label": "Overview report", "notice": False},
    "executive_summary": {"label": "Executive summary", "notice": False},
    "board_response": {"label": "The board's response", "notice": False},
    "partners_response": {"label": "The safeguarding partners' response", "notice": False},
    "learning_brief": {"label": "Learning brief", "notice": False},
    "seven_minute_briefing": {"label": "7-minute briefing", "notice": False},
    "professionals_leaflet": {"label": "Professionals' leaflet", "notice": False},
    "thematic_review": {"label": "Thematic review", "notice": False},
    "national_review_briefing": {"label": "National review briefing", "notice": False},
}


def needs_notice(kind):
    return CATALOGUE[kind]["notice"]


def label(kind):
    return CATALOGUE[kind]["label"]
