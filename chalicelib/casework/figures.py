"""The figures for the partnership's yearly report: what the process did, counted by month and by year.

Counts only: nothing here reads or returns a child's, family's or referrer's detail (the cases
are read with only the workflow's fields, see `Casework.figures`), so the output and its CSV
can leave the service. Every date is the Europe/London date the service records; working
days are England's (with the board's changes), from `platform.clock`.

What each measure counts, and the date that puts it in a month:
- notifications: notifications to the Panel, on the date notified (`notification.notified_on`).
- rapid_reviews: rapid reviews completed, i.e. sent to the Panel (`panel.sent_on`), which is when
  the rapid review clock is met; 2023 cases only (2015 cases have no rapid review).
- rapid_reviews_within_15_working_days: of those, the ones sent within 15 working days of the
  notification (on or before the 15th working day after `notified_on`). Counted against the
  statutory 15 days as written: a pause for proceedings does not extend it here, although the
  console's clock does, because the Panel measures partnerships against the 15 days.
  `..._percent` is that share of `rapid_reviews` (whole per cent, rounded; none without any).
- decisions and decisions_<outcome>: the decisions in force on each case (a revisited decision
  counts once, with its new outcome and date), on the date made (`decision.made_on`).
- reviews_commissioned: decisions to hold a local review (2023 `local_review`; 2015
  `serious_case_review`, `multi_agency_case_review`), on the date of the decision: the
  partnership commissions the review by deciding to hold it. A suggested national review is
  not counted: the Panel, not the partnership, commissions that.
- reviews_completed: on the date the review was completed (`review.completed_on`).
- reports_published: cases whose report went public, on that date (`published_at`).
- reports_published_within_6_months: of those, the ones public within six calendar months of the
  DECISION to hold the review. From the decision, not from completion: Working Together 2023
  asks for the review to be completed and the report published within six months of the
  decision to initiate it, and the case's own publication clock (`timelines`) runs from the
  decision too, so the figure and the console agree. As with rapid reviews, the six months are
  the statutory ones, not pushed back by pauses.
"""

import csv
import io
from datetime import date

from chalicelib.platform import clock
from chalicelib.vocabulary import DECISIONS, OUTCOMES, REVIEW_DECISIONS, REVIEW_OUTCOMES, WORKING_TOGETHER_2023

RAPID_REVIEW_WORKING_DAYS = 15
PUBLICATION_MONTHS = 6
# Every outcome word, 2023's then 2015's, each once.
DECISION_OUTCOMES = tuple(dict.fromkeys(OUTCOMES + DECISIONS))
MEASURES = (
    ("notifications", "Notifications to the Panel", "count"),
    ("rapid_reviews", "Rapid reviews completed (sent to the Panel)", "count"),
    ("rapid_reviews_within_15_working_days", "Rapid reviews completed within 15 working days", "count"),
    ("rapid_reviews_within_15_working_days_percent", "Rapid reviews completed within 15 working days (%)", "percent"),
    ("decisions", "Decisions made", "count"),
    *((f"decisions_{outcome}", f"Decisions: {outcome.replace('_', ' ')}", "count") for outcome in DECISION_OUTCOMES),
    ("reviews_commissioned", "Reviews commissioned", "count"),
    ("reviews_completed", "Reviews completed", "count"),
    ("reports_published", "Reports published", "count"),
    ("reports_published_within_6_months", "Reports published within 6 months of the decision", "count"),
)
# The fields a case is read with: the workflow's, never the referral's own.
CASE_FIELDS = ("reference", "regime", "notification", "panel", "rapid_review", "decision", "decided_at", "review")
CASE_FIELDS += ("completed_at", "published_at")
_COUNTS = tuple(key for key, _, kind in MEASURES if kind == "count")


def compute(cases, today=None, holidays=None, year_starts=1):
    """The figures of `cases` (plain dicts with `CASE_FIELDS`), by month and by year.

    `year_starts`: the month a reporting year starts (1: calendar years "2026"; 4: April to
    March, "2026-27"). Returns {"as_of", "year_starts", "measures": [{"key", "label", "kind"}],
    "months": [{"period": "2026-11", "values": {key: n}}], "years": [{"period", "values"}]};
    every month from the first with anything to count to the last, zero-filled; a percent is
    None where there is nothing to take a share of.
    """
    if year_starts not in range(1, 13):
        raise ValueError("year_starts is a month, 1 to 12")
    holidays = holidays or clock.board_holidays()
    events = []  # (date, measure)
    for case in cases:
        events.extend(_events(case, holidays))
    months, years = {}, {}
    for day, measure in events:
        for table, period in ((months, _month(day)), (years, _year(day, year_starts))):
            table.setdefault(period, dict.fromkeys(_COUNTS, 0))[measure] += 1
    month_keys = _every_month(min(months), max(months)) if months else []
    year_keys = sorted({_year(date(int(m[:4]), int(m[5:]), 1), year_starts) for m in month_keys})
    return {
        "as_of": (today or clock.today()).isoformat(),
        "year_starts": year_starts,
        "measures": [{"key": key, "label": label, "kind": kind} for key, label, kind in MEASURES],
        "months": [{"period": m, "values": _with_shares(months.get(m))} for m in month_keys],
        "years": [{"period": y, "values": _with_shares(years.get(y))} for y in year_keys],
    }


def series(figures, measure, by="months"):
    """One measure as [(period, value)], for `charts.bar_chart`."""
    return [(row["period"], row["values"][measure]) for row in figures[by]]


def to_csv(figures):
    """One row per period and measure: period_type (month, year), period, measure, value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["period_type", "period", "measure", "value"])
    for period_type, rows in (("month", figures["months"]), ("year", figures["years"])):
        for row in rows:
            for measure in figures["measures"]:
                value = row["values"].get(measure["key"])
                writer.writerow(
                    [
                        _cell(period_type),
                        _cell(row["period"]),
                        _cell(measure["key"]),
                        _cell("" if value is None else value),
                    ]
                )
    return out.getvalue()


def _events(case, holidays):
    """(date, measure) for everything one case counts towards."""
    found = []
    notification = case.get("notification") or {}
    notified_on = clock.as_date(notification.get("notified_on"))
    if notified_on:
        found.append((notified_on, "notifications"))
    sent_on = clock.as_date((case.get("panel") or {}).get("sent_on"))
    if case.get("regime") == WORKING_TOGETHER_2023 and case.get("rapid_review") and sent_on:
        found.append((sent_on, "rapid_reviews"))
        if notified_on and sent_on <= holidays.add_working_days(notified_on, RAPID_REVIEW_WORKING_DAYS):
            found.append((sent_on, "rapid_reviews_within_15_working_days"))
    outcome, decided_on = _decision(case)
    if decided_on and outcome in DECISION_OUTCOMES:
        found += [(decided_on, "decisions"), (decided_on, f"decisions_{outcome}")]
    reviewing = outcome in REVIEW_OUTCOMES + REVIEW_DECISIONS
    if decided_on and reviewing:
        found.append((decided_on, "reviews_commissioned"))
    review = case.get("review") or {}
    completed_on = clock.as_date(review.get("completed_on"))
    if completed_on is None and case.get("completed_at"):
        completed_on = clock.london_date(case["completed_at"])  # a 2015 case completed before `review` existed
    if completed_on:
        found.append((completed_on, "reviews_completed"))
    if case.get("published_at"):
        published_on = clock.london_date(case["published_at"])
        found.append((published_on, "reports_published"))
        if decided_on and reviewing and published_on <= clock.add_months(decided_on, PUBLICATION_MONTHS):
            found.append((published_on, "reports_published_within_6_months"))
    return found


def _decision(case):
    """(outcome, date made) of the decision in force; a string in items the version 2 migration has not seen."""
    decision = case.get("decision")
    if isinstance(decision, dict):
        return decision.get("outcome"), clock.as_date(decision.get("made_on"))
    if isinstance(decision, str) and case.get("decided_at"):
        return decision, clock.london_date(case["decided_at"])
    return None, None


def _with_shares(values):
    values = dict(values or dict.fromkeys(_COUNTS, 0))
    done = values["rapid_reviews"]
    within = values["rapid_reviews_within_15_working_days"]
    values["rapid_reviews_within_15_working_days_percent"] = round(100 * within / done) if done else None
    return values


def _month(day):
    return f"{day.year:04d}-{day.month:02d}"


def _year(day, starts):
    """The reporting year of a date: "2026", or "2026-27" when the year starts in another month than January."""
    if starts == 1:
        return f"{day.year:04d}"
    first = day.year if day.month >= starts else day.year - 1
    return f"{first:04d}-{(first + 1) % 100:02d}"


def _every_month(first, last):
    found, (year, month) = [], (int(first[:4]), int(first[5:]))
    while f"{year:04d}-{month:02d}" <= last:
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def _cell(value):
    """A CSV cell a spreadsheet will not run as a formula (OWASP's CSV injection advice): text starting
    with = + - @, a tab or a carriage return gets a leading apostrophe. The figures are counts and
    fixed words, so this never fires today; it keeps the export safe if a label ever carries text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
