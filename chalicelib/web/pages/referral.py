"""The referral form: `GET /refer` (the start page), `POST /refer/{step}` (each step, the check, the send).

The answers travel between steps in the page (hidden fields of a `no-store` page posted back), so
nothing is kept on the server until the referral is sent. The send goes through `intake.accept`,
the same path as `POST /referrals`: the schema's and the rules' errors become the page's.
"""

import uuid
from urllib.parse import parse_qsl, urlencode

from chalicelib.errors import Conflict, Invalid
from chalicelib.platform.settings import settings
from chalicelib.platform.validation import load_schema
from chalicelib.referrals.rules import check
from chalicelib.web import bodies, intake
from chalicelib.web.pages import board, london_date, render, steps, texts
from chalicelib.web.problems import Problem


def start(request):
    regime = _regime()
    return render("start.html", title=texts.START_TITLE, criteria=texts.CRITERIA[regime], next_steps=texts.NEXT[regime])


def _regime():
    """The words for the board's regime for new cases (2015's LSCB process, or the current one)."""
    return "working_together_2015" if settings().timeline_regime == "working_together_2015" else "working_together_2023"


def step(request, slug):
    current = steps.find(slug)
    if current is None:
        return render("message.html", status=404, title=texts.NOT_FOUND_TITLE, text="")
    answers = read_answers(request)
    # One id for this referral from its first step, however often it is sent.
    answers.setdefault("submission_id", str(uuid.uuid4()))
    action = answers.pop("action", "continue")
    if action == "start":
        return show(steps.steps()[0], answers)
    if action == "back":
        return show(steps.following(current, -1), answers)
    if action.startswith("change:"):
        return show(steps.find(action.removeprefix("change:")) or current, answers)
    if current.group and action == "add":
        return show(current, steps.add_item(answers, current))
    if current.group and action.startswith("remove:") and action.removeprefix("remove:").isdigit():
        return show(current, steps.remove_item(answers, current.group, int(action.removeprefix("remove:"))))
    if current.group:
        answers = steps.drop_blank_items(answers, current.group)
    if action == "send" and current.slug == "check":
        return send(answers)
    errors = placed(check(document(answers)))
    mine = [error for error in errors if error["step"] == current.slug]
    if mine:
        return show(current, answers, mine)
    following = steps.following(current, 1)
    if following.slug == "check":
        # Everything but the declaration is right before the answers are shown for checking.
        first = next((s for s in steps.steps() if any(e["step"] == s.slug for e in errors)), None)
        if first is not None:
            return show(first, answers, [e for e in errors if e["step"] == first.slug])
    return show(following, answers)


def send(answers):
    referral = document(answers)
    try:
        receipt = intake.accept(referral, referral.get("submission_id"), bodies.FORM)
    except Invalid as error:
        errors = placed(error.errors)
        order = [s.slug for s in steps.steps()] + ["check"]
        first = min((e["step"] for e in errors), key=order.index)
        return show(steps.find(first), answers, [e for e in errors if e["step"] == first])
    except Conflict:
        return render(
            "message.html",
            status=409,
            private=True,
            title=texts.ALREADY_SENT_TITLE,
            text=texts.ALREADY_SENT.format(**board()["fill"]),
            restart=True,
        )
    return render(
        "sent.html", private=True, title=texts.SENT_TITLE, reference=receipt.reference, next_steps=texts.NEXT[_regime()]
    )


def read_answers(request):
    """The posted fields as text, by name. Anything unreadable is a 400 page, never a 500."""
    if bodies.media_type(request.headers) != bodies.FORM:
        raise Problem(415, texts.BAD_FORM)
    body = request.raw_body or b""
    if len(body) > settings().max_body_bytes:
        raise Problem(413, texts.BAD_FORM)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body), max_num_fields=1000)
    except (UnicodeDecodeError, ValueError):
        raise Problem(400, texts.BAD_FORM) from None
    answers = {}
    for name, value in pairs:
        if name in answers:
            raise Problem(400, texts.BAD_FORM)
        answers[name] = value
    return answers


def document(answers):
    """The referral exactly as `POST /referrals` reads a form: api.md's encoding, the schema's coercions."""
    return bodies.parse_form(urlencode(steps.form_pairs(answers)), load_schema("referral"))


def placed(errors):
    """The validation errors, each with its step, its field's id and the words the page shows."""
    shown = []
    for error in steps.expand_missing(errors):
        name = steps.dotted(error["pointer"])
        field = steps.field_of(name) if name else ""
        message = texts.MESSAGES.get(error["message"], error["message"])
        step = steps.step_of(field) if field else steps.CHECK
        if not field or step.slug == "check" and field != "declaration":
            shown.append({"step": "check", "field": "", "anchor": "main-content", "text": texts.UNPLACED_ERROR})
            continue
        shown.append({"step": step.slug, "field": field, "anchor": anchor(field), "text": f"{label(field)} {message}"})
    return shown


def label(field):
    parts = field.split(".")
    if len(parts) >= 3 and parts[1].isdigit():
        group = texts.GROUPS[parts[0]]["item"]
        own = texts.LABELS.get(f"{parts[0]}.{parts[2]}", parts[2])
        return f"{group} {int(parts[1]) + 1}: {own[0].lower()}{own[1:]}"
    return texts.LABELS.get(field, field)


def anchor(field):
    generic = ".".join(p for p in field.split(".") if not p.isdigit())
    kind = steps.kind(field) if steps.node(field) is not None else steps.kind(generic)
    return f"{field}-day" if kind == "date" else field


# ---- rendering ------------------------------------------------------------------------------


def show(current, answers, errors=()):
    # One message a field, as the design system asks: the last of the schema's (its format after its pattern).
    by_field = {}
    for error in errors:
        by_field[error["field"]] = error["text"]
    unique = {}
    for error in errors:
        unique.setdefault(error["field"], {**error, "text": by_field[error["field"]]})
    errors = sorted(unique.values(), key=lambda e: _position(current, e["field"]))
    ordered = steps.steps()
    context = {
        "step": current,
        "errors": errors,
        "total": len(ordered),
        "number": [s.slug for s in ordered].index(current.slug) + 1 if current.slug != "check" else None,
        "first": current.slug == ordered[0].slug,
    }
    if current.slug == "check":
        context["sections"] = [(s, summary(s, answers)) for s in ordered]
        context["declaration"] = field("declaration", answers, by_field)
        visible = {"declaration"}
    elif current.group:
        count = steps.group_count(answers, current.group)
        context["items"] = [
            [field(f"{current.group}.{i}.{name}", answers, by_field) for name in current.fields] for i in range(count)
        ]
        context["words"] = texts.GROUPS[current.group]
        visible = {n for item in context["items"] for f in item for n in f["names"]}
    else:
        context["fields"] = [field(name, answers, by_field) for name in current.fields]
        visible = {n for f in context["fields"] for n in f["names"]}
    context["hidden"] = [
        (name, value) for name, value in answers.items() if name not in visible and not _checkbox_of(name, visible)
    ]
    title = texts.STEP_TITLES[current.slug]
    return render(
        "step.html",
        status=422 if errors else 200,
        private=True,
        title=(texts.ERROR_PREFIX if errors else "") + title,
        heading=title,
        **context,
    )


def _position(current, name):
    """Where a field comes on its page, so the error summary reads in the page's order."""
    if current.group:
        parts = name.split(".")
        own = parts[2] if len(parts) > 2 else ""
        return (
            int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0,
            current.fields.index(own) if own in current.fields else len(current.fields),
        )
    return (0, current.fields.index(name) if name in current.fields else len(current.fields))


def _checkbox_of(name, visible):
    """A ticked box of a list shown on this page (`incident.harm_types.2`) is sent by the page itself."""
    stem, _, last = name.rpartition(".")
    return last.isdigit() and stem in visible


def field(name, answers, errors):
    generic = ".".join(p for p in name.split(".") if not p.isdigit())
    kind = steps.kind(name)
    spec = {
        "name": name,
        "id": name,
        "kind": kind,
        "label": texts.LABELS.get(generic, generic),
        "hint": texts.HINTS.get(generic),
        "optional": not steps.required(name) and name != "declaration",
        "error": errors.get(name),
        "value": answers.get(name, ""),
        "names": [name],
        "autocomplete": steps.AUTOCOMPLETE.get(name, "off"),
    }
    if kind in ("radios", "checkboxes"):
        spec["choices"] = [(value, texts.OPTIONS.get(value, value)) for value in steps.choices(name)]
        if kind == "checkboxes":
            ticked = {v for n, v in answers.items() if n.rpartition(".")[0] == name}
            spec["ticked"] = ticked
    elif kind == "yesno":
        spec["choices"] = [("yes", texts.YES), ("no", texts.NO)]
    elif kind == "date":
        spec["parts"] = {part: answers.get(f"{name}-{part}", "") for part in steps.DATE_PARTS}
        spec["names"] = [f"{name}-{part}" for part in steps.DATE_PARTS]
    return spec


def summary(current, answers):
    """The check page's rows for one step: (label, answer as read)."""
    rows = []
    if current.group:
        for index in range(steps.group_count(answers, current.group)):
            for name in current.fields:
                full = f"{current.group}.{index}.{name}"
                rows.append((label(full), shown_value(full, answers)))
        return rows
    return [(texts.LABELS.get(name, name), shown_value(name, answers)) for name in current.fields]


def shown_value(name, answers):
    kind = steps.kind(name)
    if kind == "date":
        pairs = dict(steps.form_pairs({k: v for k, v in answers.items() if k.startswith(name + "-")}))
        value = pairs.get(name, "")
        try:
            return london_date(value) if value else texts.NOT_ANSWERED
        except (ValueError, IndexError):
            return value
    if kind == "checkboxes":
        ticked = [texts.OPTIONS.get(v, v) for n, v in answers.items() if n.rpartition(".")[0] == name]
        return ", ".join(ticked) or texts.NOT_ANSWERED
    value = answers.get(name, "").strip()
    if not value:
        return texts.NOT_ANSWERED
    if kind == "yesno":
        return {"yes": texts.YES, "no": texts.NO}.get(value, value)
    if kind == "radios":
        return texts.OPTIONS.get(value, value)
    return value
