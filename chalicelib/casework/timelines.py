"""Statutory timescales, one table per regime, and the clocks of a case computed from them.

`working_together_2023` (Children and Social Work Act 2017; CSPR regulations 2018; Working
Together 2023 ch. 5): the Panel notified within 5 working days of the local authority becoming
aware; the rapid review within 15 working days of the notification; the review completed and
published within six months of the decision; the final report to the Panel and the Secretary
of State 7 working days before publication (the usual local procedure).
`working_together_2015` (LSCB Regulations 2006, Working Together 2015 ch. 4): Ofsted and the
LSCB notified within 5 working days; the chair's decision within one month of the notification
of the incident; an SCR completed within six months of the decision; the report to the
National Panel a week (5 working days) before publication.

Clocks are computed whenever a case is read, never stored: a due date is the start plus the
timescale, pushed back by the days a parallel proceeding that `pauses_review` was active while
the clock ran. Dates and working days come from `platform.clock` (Europe/London, England's
bank holidays with a board's own changes).
"""

from datetime import timedelta

from chalicelib.platform import clock
from chalicelib.vocabulary import REVIEW_DECISIONS, REVIEW_OUTCOMES, WORKING_TOGETHER_2015, WORKING_TOGETHER_2023

REGIMES = {
    WORKING_TOGETHER_2023: {
        "notification": ("working_days", 5),
        "rapid_review": ("working_days", 15),
        "review": ("months", 6),
        "publication": ("months", 6),
        "notice_before_publication": ("working_days", 7),
    },
    WORKING_TOGETHER_2015: {
        "notification": ("working_days", 5),
        "decision": ("months", 1),
        "review": ("months", 6),
        "notice_before_publication": ("working_days", 5),
    },
}
# The clocks each regime shows, in the order a case meets them.
CLOCKS = {
    WORKING_TOGETHER_2023: ("notification", "rapid_review", "review", "publication"),
    WORKING_TOGETHER_2015: ("notification", "decision", "review"),
}


def due(regime, step, start, holidays=None):
    """The date `step` is due for a clock that started on `start`; None if the regime has no such step.

    `holidays` is a `clock.BankHolidays`; the configured board's when not given.
    """
    rule = REGIMES[regime].get(step)
    if rule is None:
        return None
    unit, amount = rule
    if unit == "months":
        return clock.add_months(start, amount)
    return (holidays or clock.board_holidays()).add_working_days(start, amount)


def describe(regime, step):
    unit, amount = REGIMES[regime][step]
    if unit == "months":
        return "one month" if amount == 1 else f"{amount} months"
    return f"{amount} working days"


def clocks(case, today=None, holidays=None):
    """Every clock of a case (the plain values of its item) as the API shows them.

    [{"name", "starts_on", "due_on", "met_on", "status"}]; `status` is not_started, due, met,
    overdue or paused (an active proceeding that pauses the review, and the clock not met).
    """
    today = today or clock.today()
    holidays = holidays or clock.board_holidays()
    regime = case.get("regime", WORKING_TOGETHER_2015)
    notification = case.get("notification") or {}
    decision = case.get("decision") or {}
    received_on = clock.london_date(case["received_at"])
    became_aware = clock.as_date(notification.get("became_aware_on"))
    # The partnership knew of the case when the referral arrived, at the latest.
    aware = min(became_aware, received_on) if became_aware else received_on
    reviewing = decision.get("outcome") in REVIEW_OUTCOMES + REVIEW_DECISIONS
    decided_on = clock.as_date(decision.get("made_on"))
    starts_and_ends = {
        "notification": (aware, clock.as_date(notification.get("notified_on"))),
        "rapid_review": (
            clock.as_date(notification.get("notified_on")),
            clock.as_date((case.get("panel") or {}).get("sent_on")),
        ),
        "decision": (aware, decided_on),
        "review": (decided_on if reviewing else None, clock.as_date((case.get("review") or {}).get("completed_on"))),
        "publication": (
            decided_on if reviewing else None,
            clock.london_date(case["published_at"]) if case.get("published_at") else None,
        ),
    }
    pauses = _pauses(case.get("proceedings") or [], today)
    paused_now = any(until is None for _, until in pauses)
    shown = []
    for name in CLOCKS[regime]:
        if decided_on and not reviewing and name in ("review", "publication"):
            continue  # no review was decided: these clocks never run
        start, met = starts_and_ends[name]
        if start is None:
            shown.append({"name": name, "starts_on": None, "due_on": None, "met_on": None, "status": "not_started"})
            continue
        unit, _ = REGIMES[regime][name]
        due_on = due(regime, name, start, holidays)
        paused_days = _paused_days(pauses, start, met or today, today, unit, holidays)
        if paused_days:
            due_on = (
                holidays.add_working_days(due_on, paused_days)
                if unit == "working_days"
                else due_on + timedelta(days=paused_days)
            )
        if met:
            status = "met"
        elif paused_now:
            status = "paused"
        else:
            status = "overdue" if today > due_on else "due"
        shown.append(
            {
                "name": name,
                "starts_on": start.isoformat(),
                "due_on": due_on.isoformat(),
                "met_on": met.isoformat() if met else None,
                "status": status,
            }
        )
    return shown


def next_clock(case, today=None, holidays=None):
    """The first clock still running (due, overdue or paused), or None."""
    for found in clocks(case, today, holidays):
        if found["status"] in ("due", "overdue", "paused"):
            return found
    return None


def pauses(case, today=None):
    """When proceedings paused the case's clocks, for the timeline picture: [{"from", "until"}].

    `case` is the case's detail or plain item (its `proceedings`). `from` is the first paused
    date; `until` the first date no longer paused (the proceeding's `concluded_on`), or None
    while it is active. The same intervals the clocks are pushed back by.
    """
    today = clock.as_date(today) if isinstance(today, str) else (today or clock.today())
    return [
        {"from": first.isoformat(), "until": until.isoformat() if until else None}
        for first, until in sorted(_pauses(case.get("proceedings") or [], today))
    ]


def _pauses(proceedings, today):
    """(first paused date, first date no longer paused or None while active) of each pausing proceeding."""
    found = []
    for proceeding in proceedings:
        if not proceeding.get("pauses_review"):
            continue
        started = clock.as_date(proceeding.get("started_on"))
        if started is None or started > today:
            continue
        ended = clock.as_date(proceeding.get("concluded_on")) if proceeding.get("status") == "concluded" else None
        found.append((started, ended))
    return found


def _paused_days(pauses, start, end, today, unit, holidays):
    """Days after `start` up to and including `end` on which some pausing proceeding was active.

    Overlapping proceedings pause a day once. Working-day clocks count paused working days;
    calendar clocks count paused calendar days.
    """
    days = set()
    for first, until in pauses:
        last = (until - timedelta(days=1)) if until else today
        current = max(first, start + timedelta(days=1))
        while current <= min(last, end):
            days.add(current)
            current += timedelta(days=1)
    if unit == "working_days":
        return sum(1 for day in days if holidays.is_working_day(day))
    return len(days)
