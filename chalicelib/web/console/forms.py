"""The case page's forms: one per change the casework offers, each shown only to the roles that may make it.

A form's fields are named as its JSON Schema's properties (dates as GOV.UK date inputs, booleans as
Yes/No radios, lists as checkboxes), so a posted form becomes the same document the JSON API takes
(`web.bodies.parse_form`, guided by the schema) and is validated by the same schema, then handed to
the same casework method: one path, two faces.
"""

from dataclasses import dataclass, field, replace

from chalicelib.vocabulary import (
    CASE_REVIEW_GROUP,
    CHAIR,
    COORDINATOR,
    NOTICE_RECIPIENTS,
    NOTIFIED,
    OUTCOMES,
    PANEL_RESPONSES,
    PARTNERS,
    PROCEEDING_KINDS,
    PROCEEDING_STATUSES,
    RAPID_REVIEWERS,
    RECOMMENDATIONS,
    REVIEW_STATUSES,
    WORKING_TOGETHER_2015,
    WORKING_TOGETHER_2023,
)
from chalicelib.web.console import texts

# Fields that travel with every form and are never part of the document.
CONTROL = ("csrf_token", "version", "proceeding_id")


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text, textarea, date, yesno, radios, checkboxes
    label: str
    hint: str = ""
    optional: bool = False
    choices: tuple = ()
    # Filled in for one rendering:
    id: str = ""
    value: str = ""
    ticked: tuple = ()
    parts: dict = field(default_factory=lambda: {"day": "", "month": "", "year": ""})
    error: str = ""
    autocomplete: str = "off"


def _options(values):
    return tuple((value, texts.OPTIONS.get(value, value)) for value in values)


_YES_NO = (("yes", texts.YES), ("no", texts.NO))


@dataclass(frozen=True)
class Action:
    slug: str  # in the URL: /console/referrals/{reference}/{slug}
    method: str  # the Casework method
    schema: str
    groups: tuple
    title: str
    button: str
    fields: tuple
    regimes: tuple = (WORKING_TOGETHER_2023, WORKING_TOGETHER_2015)
    when: object = None  # case -> bool: whether the case's state offers it now
    done: str = "Saved."


def _status(*states):
    return lambda case: case["status"] in states


def _not_signed_by_me(case, identity):
    mine = [g for g in identity.groups if g in PARTNERS]
    signed = {s["partner"] for s in case.get("sign_offs") or []}
    return case["status"] == "rapid_reviewed" and any(partner not in signed for partner in mine)


ACTIONS = (
    Action(
        "notification",
        "notify",
        "notification",
        (COORDINATOR,),
        "Record the notification to the Panel",
        "Save the notification",
        (
            Field("became_aware_on", "date", "When the local authority became aware of the incident"),
            Field("notified_on", "date", "When the Panel was notified", optional=True),
            Field("panel_reference", "text", "The Panel's reference", optional=True),
            Field("notified", "checkboxes", "Who has been told", optional=True, choices=_options(NOTIFIED)),
        ),
        regimes=(WORKING_TOGETHER_2023,),
        done="The notification is recorded.",
    ),
    Action(
        "rapid-review",
        "rapid_review",
        "rapid_review",
        RAPID_REVIEWERS,
        "Record the rapid review",
        "Save the rapid review",
        (
            Field("meeting_on", "date", "When the rapid review met"),
            Field("criteria_met", "yesno", "Are the criteria for a local review met?", choices=_YES_NO),
            Field("recommendation", "radios", "The rapid review's recommendation", choices=_options(OUTCOMES)),
            Field("rationale", "textarea", "Why"),
        ),
        regimes=(WORKING_TOGETHER_2023,),
        when=_status("received", "rapid_reviewed"),
        done="The rapid review is recorded.",
    ),
    Action(
        "sign-off",
        "sign_off",
        "sign_off",
        PARTNERS,
        "Sign off the decision for your partner",
        "Sign off",
        (
            Field("outcome", "radios", "Your partner's decision", choices=_options(OUTCOMES)),
            Field("rationale", "textarea", "Why"),
            Field(
                "override_reason",
                "textarea",
                "Reason for no review although the criteria are met",
                hint="Only when you decide on no local review and the rapid review found the criteria met: "
                "the case is flagged to the Panel.",
                optional=True,
            ),
        ),
        regimes=(WORKING_TOGETHER_2023,),
        when="own_sign_off",
        done="Your sign-off is recorded.",
    ),
    Action(
        "panel-sent",
        "panel",
        "panel",
        (COORDINATOR,),
        "Record that the rapid review was sent to the Panel",
        "Save",
        (Field("sent_on", "date", "When the rapid review was sent to the Panel"),),
        regimes=(WORKING_TOGETHER_2023,),
        when=lambda case: bool(case.get("rapid_review")) and not (case.get("panel") or {}).get("sent_on"),
        done="The rapid review's sending to the Panel is recorded.",
    ),
    Action(
        "panel-response",
        "panel",
        "panel",
        (COORDINATOR,),
        "Record the Panel's response",
        "Save the response",
        (
            Field("response", "radios", "The Panel's response", choices=_options(PANEL_RESPONSES)),
            Field("received_on", "date", "When the response arrived"),
        ),
        regimes=(WORKING_TOGETHER_2023,),
        when=lambda case: bool((case.get("panel") or {}).get("sent_on")),
        done="The Panel's response is recorded.",
    ),
    Action(
        "recommendation",
        "recommend",
        "recommendation",
        CASE_REVIEW_GROUP,
        "Record the sub-committee's recommendation",
        "Save the recommendation",
        (
            Field("recommendation", "radios", "The recommendation", choices=_options(RECOMMENDATIONS)),
            Field("rationale", "textarea", "Why"),
        ),
        regimes=(WORKING_TOGETHER_2015,),
        when=_status("received"),
        done="The recommendation is recorded.",
    ),
    Action(
        "decision",
        "decide",
        "decision",
        (CHAIR,),
        "Record the chair's decision",
        "Save the decision",
        (
            Field(
                "decision",
                "radios",
                "The decision",
                choices=_options(("serious_case_review", "multi_agency_case_review", "no_review")),
            ),
            Field("rationale", "textarea", "Why"),
            Field(
                "override_reason",
                "textarea",
                "Reason for no review although the criteria are met",
                hint="Only when the decision is no review and the recommendation was that the criteria are met.",
                optional=True,
            ),
        ),
        regimes=(WORKING_TOGETHER_2015,),
        when=_status("recommended"),
        done="The decision is recorded.",
    ),
    Action(
        "progress",
        "progress",
        "progress",
        (CHAIR,),
        "Record the review's progress",
        "Save progress",
        (
            Field("status", "radios", "The review is", choices=_options(REVIEW_STATUSES)),
            Field("note", "textarea", "Note", optional=True),
        ),
        regimes=(WORKING_TOGETHER_2015,),
        when=_status("decided", "in_progress"),
        done="The review's progress is recorded.",
    ),
    Action(
        "review",
        "review",
        "review",
        (COORDINATOR,),
        "Record the local review's progress",
        "Save the review",
        (
            Field("status", "radios", "The review is", choices=_options(REVIEW_STATUSES)),
            Field("reviewer", "text", "Reviewer", optional=True),
            Field("terms_of_reference_on", "date", "When the terms of reference were agreed", optional=True),
            Field("completed_on", "date", "When the review was completed", optional=True),
        ),
        regimes=(WORKING_TOGETHER_2023,),
        when=_status("decided", "in_progress"),
        done="The review is recorded.",
    ),
    Action(
        "proceedings",
        "add_proceeding",
        "proceeding",
        (COORDINATOR,),
        "Record parallel proceedings",
        "Add the proceedings",
        (
            Field("kind", "radios", "Kind of proceedings", choices=_options(PROCEEDING_KINDS)),
            Field("status", "radios", "Are they active?", choices=_options(PROCEEDING_STATUSES)),
            Field("holds_publication", "yesno", "Do they hold publication?", choices=_YES_NO),
            Field("pauses_review", "yesno", "Do they pause the review?", choices=_YES_NO),
            Field("started_on", "date", "When they started", optional=True),
            Field("note", "textarea", "Note", optional=True),
        ),
        done="The proceedings are recorded.",
    ),
    Action(
        "proceeding-concluded",
        "update_proceeding",
        "proceeding_update",
        (COORDINATOR,),
        "Record that proceedings have concluded",
        "Mark concluded",
        (Field("concluded_on", "date", "When they concluded"),),
        done="The proceedings are marked concluded.",
    ),
    Action(
        "notices",
        "add_notice",
        "notice",
        (COORDINATOR,),
        "Record a notice given",
        "Save the notice",
        (
            Field("to", "radios", "Given to", choices=_options(NOTICE_RECIPIENTS)),
            Field("purpose", "text", "What it was about", hint="For example, the review's publication date"),
            Field("given_on", "date", "When it was given"),
        ),
        done="The notice is recorded.",
    ),
    Action(
        "link",
        "link",
        "link",
        (COORDINATOR,),
        "Link another referral about the same incident",
        "Link the referral",
        (Field("reference", "text", "The other referral's reference", hint="For example, K7QX-M4TP"),),
        done="The referrals are linked.",
    ),
)
BY_SLUG = {action.slug: action for action in ACTIONS}


def offered(case, identity):
    """The actions the signed-in person may take on this case now, in the order the process runs."""
    shown = []
    for action in ACTIONS:
        if action.slug == "proceeding-concluded" or not identity.in_any(action.groups):
            continue
        if case.get("regime") not in action.regimes:
            continue
        if action.when == "own_sign_off":
            if not _not_signed_by_me(case, identity):
                continue
        elif action.when is not None and not action.when(case):
            continue
        shown.append(action)
    return shown


def document(action, text):
    """The posted form as the JSON document of `action`'s schema, with the control fields taken out."""
    from chalicelib.platform.validation import load_schema
    from chalicelib.web.bodies import parse_form

    parsed = parse_form(text, load_schema(action.schema)) if text.strip() else {}
    control = {name: parsed.pop(name) for name in CONTROL if name in parsed}
    if action.slug == "proceeding-concluded":
        parsed["status"] = "concluded"
    return parsed, control


def present(action, posted=None, errors=None, suffix=""):
    """The action's fields ready to render: ids unique on the page, what was typed kept, errors beside fields."""
    posted = posted or {}
    errors = errors or {}
    shown = []
    for f in action.fields:
        values = posted.get(f.name, [])
        numbered = sorted((k for k in posted if k.startswith(f.name + ".")), key=lambda k: k.rsplit(".", 1)[-1])
        ticked = tuple(v for k in numbered for v in posted[k]) + tuple(values)
        parts = {part: (posted.get(f"{f.name}-{part}") or [""])[0] for part in ("day", "month", "year")}
        shown.append(
            replace(
                f,
                id=f"{action.slug}-{f.name}" + (f"-{suffix}" if suffix else ""),
                value=values[0] if values else "",
                ticked=ticked,
                parts=parts,
                error=errors.get(f.name, ""),
            )
        )
    return shown


def label_of(action, name):
    for f in action.fields:
        if f.name == name:
            return f.label
    return name.replace("_", " ").capitalize()


def summary(action, found, fallback_label):
    """Problems as the error summary lists them: each linked to its field (`{action}-{name}`), in the field's words.

    `found` are the schema's or the domain's errors ({"pointer", "message"}); one with no field (or the upload's
    key, which has no field on the page) links to the page's actions, under `fallback_label`."""
    shown = []
    for error in found:
        name = error["pointer"].lstrip("/").split("/")[0]
        on_page = bool(name) and any(f.name == name for f in action.fields)
        label = label_of(action, name) if on_page else fallback_label
        anchor = f"{action.slug}-{name}" if on_page else "actions"
        shown.append({"anchor": anchor, "text": f"{label}: {error['message']}", "name": name if on_page else ""})
    return shown


def field_errors(errors):
    """The first message for each field, for the field's own error line."""
    found = {}
    for error in errors:
        if error.get("name"):
            found.setdefault(error["name"], error["text"])
    return found
