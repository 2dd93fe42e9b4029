"""The console's case pages: the list (overdue first), a case with everything in it, its forms, its audit trail."""

from chalicelib import services
from chalicelib.errors import Conflict, Invalid, NotAllowed
from chalicelib.platform import clock
from chalicelib.platform.logs import log
from chalicelib.platform.validation import validate
from chalicelib.vocabulary import AUDITORS, PUBLISHERS, READERS, STATUSES
from chalicelib.web import console
from chalicelib.web.console import forms, texts
from chalicelib.web.routing import csv_response, query_int

_RUNNING = ("overdue", "due", "paused")


def next_clock(clocks):
    """The clock to watch: an overdue one first, else the one due soonest, else a paused one."""
    running = [c for c in clocks if c["status"] in _RUNNING and c.get("due_on")]
    if not running:
        return None
    return min(running, key=lambda c: (_RUNNING.index(c["status"]) if c["status"] != "due" else 1, c["due_on"]))


def case_list(visit):
    """`GET /console`: the cases the person may see, overdue first, then by the next due date."""
    if not visit.identity.in_any(READERS):
        if visit.identity.in_any((PUBLISHERS,)):
            return console.redirect(visit, "/console/publications")
        return console.message(visit, 403, "forbidden")
    status = visit.param("status") or None
    if status is not None and status not in STATUSES:
        status = None
    rows = []
    for case in services.casework().board(visit.identity, visit.source_ip(), status):
        upcoming = next_clock(case["clocks"])
        rows.append(
            {
                **case,
                "next": upcoming,
                "overdue": any(c["status"] == "overdue" for c in case["clocks"]),
            }
        )
    rows.sort(key=lambda r: (not r["overdue"], (r["next"] or {}).get("due_on") or "9999", r["received_at"] or ""))
    return console.render(
        visit,
        "console/cases.html",
        title=texts.CASES_TITLE,
        section="/console",
        cases=rows,
        filter_status=status or "",
        statuses=STATUSES,
        may_audit=visit.identity.in_any(AUDITORS),
    )


def case_page(visit, reference, status=200, errors_for=None, posted=None, errors=(), banner=""):
    """`GET /console/referrals/{reference}`: the referral, its clocks, where it stands, its history and forms."""
    case = services.casework().detail(visit.identity, visit.source_ip(), reference)
    picture, sentences = _timeline(case)
    offered = forms.offered(case, visit.identity)
    shown_forms = [
        {
            "action": action,
            "fields": forms.present(
                action, *((posted, forms.field_errors(errors)) if errors_for == action.slug else ())
            ),
        }
        for action in offered
    ]
    done = visit.param("done")
    if not banner and done in forms.BY_SLUG:
        banner = forms.BY_SLUG[done].done
    ending = forms.BY_SLUG["proceeding-concluded"]
    concluding = []
    if visit.identity.in_any(ending.groups):
        for proceeding in case.get("proceedings") or []:
            if proceeding.get("status") == "active":
                posted_here = posted if errors_for == ending.slug else None
                found = forms.field_errors(errors) if errors_for == ending.slug else None
                concluding.append((proceeding, forms.present(ending, posted_here, found, suffix=proceeding["id"])))
    return console.render(
        visit,
        "console/case.html",
        status=status,
        title=texts.CASE_TITLE.format(reference=case["reference"]),
        section="/console",
        case=case,
        referral=_referral_rows(case),
        workflow=_workflow_rows(case),
        clocks=case["clocks"],
        timeline=picture,
        timeline_text=sentences,
        forms=shown_forms,
        errors=list(errors),
        banner=banner,
        concluding=concluding,
        concluding_button=ending.button,
        may_audit=visit.identity.in_any(AUDITORS),
        today=clock.today().isoformat(),
    )


def act(visit, reference, slug):
    """`POST /console/referrals/{reference}/{slug}`: one change, through the casework's own method."""
    action = forms.BY_SLUG.get(slug)
    if action is None:
        return console.message(visit, 404, "not_found")
    if not visit.identity.in_any(action.groups):
        log("forbidden", level="WARNING", actor=visit.identity.username, path="/console/referrals/{reference}/{action}")
        return console.message(visit, 403, "forbidden")
    text = (visit.request.raw_body or b"").decode("utf-8", "replace")
    document, control = forms.document(action, text)
    posted = {k: v for k, v in visit.form.items() if k not in forms.CONTROL}
    found = validate(action.schema, document)
    if found:
        return _again(visit, reference, action, posted, list(found))
    version = control.get("version")
    casework = services.casework().expecting(int(version) if str(version or "").isdigit() else None)
    args = (control.get("proceeding_id", ""),) if action.slug == "proceeding-concluded" else ()
    try:
        getattr(casework, action.method)(visit.identity, visit.source_ip(), reference, *args, document)
    except Invalid as invalid:
        return _again(visit, reference, action, posted, list(invalid.errors or []))
    except Conflict as conflict:
        stale = "version" in conflict.detail.lower() or conflict.slug == "version-conflict"
        detail = texts.STALE_CASE if stale else conflict.detail
        return case_page(visit, reference, status=409, errors=[{"anchor": "actions", "text": detail}])
    except NotAllowed as refused:
        return case_page(visit, reference, status=403, errors=[{"anchor": "actions", "text": refused.detail}])
    return console.redirect(visit, f"/console/referrals/{reference}?done={action.slug}")


def audit_page(visit, reference):
    """`GET /console/referrals/{reference}/audit` (chair, coordinator): who read or changed the case, and when."""
    limit = query_int(visit.request, "limit", 100, 1, 100)
    services.casework().detail(visit.identity, visit.source_ip(), reference)  # 404 for no such case; itself audited
    items, cursor = services.audit_trail().entries(reference, visit.param("cursor"), limit)
    return console.render(
        visit,
        "console/audit.html",
        title=texts.AUDIT_TITLE.format(reference=reference),
        section="/console",
        reference=reference,
        entries=items,
        next_cursor=cursor,
    )


def export(visit):
    """`GET /console/export.csv` (chair, coordinator): every case as CSV, as the JSON API's export."""
    text = services.casework().export_csv(visit.identity, visit.source_ip())
    return csv_response(text, "case-review-referrals.csv")


def _again(visit, reference, action, posted, errors):
    """The case page again with the form as it was typed and every problem beside its field."""
    shown = forms.summary(action, errors, action.title)
    return case_page(visit, reference, status=422, errors_for=action.slug, posted=posted, errors=shown)


def _timeline(case):
    """The clocks as a picture and as sentences (the same facts, for screen readers and print)."""
    from chalicelib.casework import timelines
    from chalicelib.web import charts

    today = clock.today()
    pauses = timelines.pauses(case, today)
    return charts.timeline(case["clocks"], today, pauses), charts.timeline_text(case["clocks"], today, pauses)


def _referral_rows(case):
    """The referral's own fields as sections of (label, value) rows, in the public form's words."""
    from chalicelib.web.pages import texts as page_texts

    sections = []
    for key in ("referrer", "safeguarding_lead", "child", "incident", "criteria"):
        if isinstance(case.get(key), dict):
            rows = [(_label(f"{key}.{name}", name), _value(value)) for name, value in case[key].items()]
            sections.append({"title": _section_title(key), "rows": rows, "id": key})
    if case.get("review_requested"):
        sections.append(
            {
                "title": page_texts.STEP_TITLES["review"],
                "rows": [(_label("review_requested", "review_requested"), _value(case["review_requested"]))],
                "id": "review_requested",
            }
        )
    for group in ("other_children", "family_members", "agencies_involved"):
        for number, item in enumerate(case.get(group) or [], start=1):
            rows = [(_label(f"{group}.{name}", name), _value(value)) for name, value in item.items()]
            title = f"{page_texts.GROUPS[group]['item']} {number}"
            sections.append({"title": title, "rows": rows, "id": f"{group}-{number}"})
    return sections


def _workflow_rows(case):
    rows = [("Regime", texts.REGIME_WORDS.get(case.get("regime"), case.get("regime") or ""))]
    rows.append(("Status", texts.STATUS_WORDS.get(case["status"], case["status"])))
    if case.get("source"):
        rows.append(("How it arrived", _value(case["source"])))
    for key, title in (
        ("notification", "Notification"),
        ("rapid_review", "Rapid review"),
        ("decision", "Decision"),
        ("panel", "Panel"),
        ("review", "Review"),
    ):
        if case.get(key):
            rows.append((title, _value(case[key])))
    for signed in case.get("sign_offs") or []:
        partner = texts.OPTIONS.get(signed["partner"], signed["partner"])
        rows.append((f"Sign-off: {partner}", _value({k: v for k, v in signed.items() if k != "partner"})))
    for number, proceeding in enumerate(case.get("proceedings") or [], start=1):
        rows.append((f"Proceedings {number}", _value({k: v for k, v in proceeding.items() if k != "id"})))
    for number, notice in enumerate(case.get("notices") or [], start=1):
        rows.append((f"Notice {number}", _value(notice)))
    if case.get("linked"):
        rows.append(("Linked referrals", ", ".join(case["linked"])))
    return rows


def _section_title(key):
    from chalicelib.web.pages import texts as page_texts

    return {
        "referrer": "The referrer",
        "safeguarding_lead": page_texts.SECTIONS.get("safeguarding_lead", "Safeguarding lead"),
        "child": page_texts.STEP_TITLES["child"],
        "incident": page_texts.STEP_TITLES["incident"],
        "criteria": "Why a review",
    }.get(key, key.replace("_", " ").capitalize())


def _label(dotted, name):
    from chalicelib.web.pages import texts as page_texts

    return texts.STAFF_LABELS.get(dotted) or page_texts.LABELS.get(dotted) or name.replace("_", " ").capitalize()


def _value(value):
    """A stored value in words: dates as people write them, choices in the form's words, nested facts as lines."""
    from chalicelib.web.pages import london_date
    from chalicelib.web.pages import texts as page_texts

    if value is None or value == "" or value == []:
        return texts.EMPTY
    if isinstance(value, bool):
        return texts.YES if value else texts.NO
    if isinstance(value, list):
        return "; ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{name.replace('_', ' ')}: {_value(v)}" for name, v in value.items() if v not in (None, ""))
    text = str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.replace("-", "").isdigit():
        return london_date(text)
    if len(text) > 10 and text[4] == "-" and "T" in text[:11]:
        return london_date(text[:10])
    return texts.OPTIONS.get(text) or page_texts.OPTIONS.get(text) or text
