"""Pictures for the staff console, drawn on the server as SVG: a case's clocks as a timeline, and
one measure of the figures by month as a bar chart.

Each picture is a string to embed inline in a page: `role="img"` with a `<title>` and a `<desc>`
(the same facts as text, for screen readers), every interpolated value escaped, and no inline
`style` (the pages' Content-Security-Policy refuses inline styles): colours are presentation
attributes (`fill`, `stroke`) and every shape carries a class for the page's CSS to restyle.
A `viewBox` and `width="100%"` let the picture shrink to a 320 px screen. Nothing is shown by
colour alone: overdue is hatched and labelled, a pause is shaded and named in the legend.

`timeline_text` gives the timeline's facts as sentences, for a list next to (or instead of) it.
"""

import hashlib
from datetime import date, timedelta
from html import escape

from chalicelib.casework import timelines
from chalicelib.platform import clock
from chalicelib.vocabulary import WORKING_TOGETHER_2015, WORKING_TOGETHER_2023
from chalicelib.web.console.texts import CLOCK_NAMES  # the console's words for the clocks
from chalicelib.web.pages.texts import MONTHS

# GOV.UK Design System colours: blue, green, red, dark grey, mid grey, black.
_BLUE, _GREEN, _RED, _DARK_GREY, _MID_GREY, _BLACK = "#1d70b8", "#00703c", "#d4351c", "#505a5f", "#b1b4b6", "#0b0c0c"
_FILLS = {"met": _GREEN, "due": _BLUE, "overdue": _RED, "paused": _DARK_GREY}

# The drawing's own units (the viewBox): 400 wide, so that 13-unit text is still 10 px at 320 px.
WIDTH = 400
LEFT, RIGHT = 8, 392  # the timeline's date axis runs between these
ROW = 64  # one clock: its name and status, its bar, its dates
BAR_HEIGHT = 16
TOP = 36  # room for today's label


def long_date(value):
    """`2026-12-03` (or a date) -> `3 December 2026` (the pages' own formatter); "" for nothing."""
    from chalicelib.web.pages import london_date

    day = _date(value)
    return london_date(day.isoformat()) if day else ""


def period_label(period):
    """A period of the figures as people read it: `2026-11` -> `November 2026`; a year as it is."""
    if isinstance(period, str) and len(period) == 7 and period[4] == "-" and period[5:].isdigit():
        month = int(period[5:])
        if 1 <= month <= 12:
            return f"{MONTHS[month - 1]} {period[:4]}"
    return str(period)


# ---- a case's clocks ------------------------------------------------------------------


def timeline(clocks, today, pauses=()):
    """The case's clocks as an SVG timeline (a string to embed inline in the page).

    `clocks`: the case detail's `clocks` ([{"name", "starts_on", "due_on", "met_on", "status"}]).
    `today`: a date or `YYYY-MM-DD` (London; today when None). `pauses`: the case detail's pause intervals,
    `timelines.pauses(case)` ([{"from", "until"}], `until` exclusive and None while still paused),
    or (from, until) pairs. One bar per clock from its start to its due date; today a vertical line;
    the met date a mark on the bar; an overdue clock's bar carries on, hatched, from its due date to
    today and says "Overdue by N days"; paused intervals are shaded across every row.
    """
    today = _date(today) or clock.today()
    rows = [_row(found) for found in clocks]
    intervals = _intervals(pauses, today)
    ident = "tl-" + hashlib.sha256(repr((clocks, today, intervals)).encode()).hexdigest()[:10]
    dates = [today] + [d for row in rows for d in (row["start"], row["due"], row["met"]) if d]
    dates += [d for interval in intervals for d in interval]
    low, high = min(dates), max(dates)
    if high <= low:
        high = low + timedelta(days=1)
    span = (high - low).days

    def x(day):
        return round(LEFT + (day - low).days * (RIGHT - LEFT) / span, 2)

    rows_bottom = TOP + ROW * max(len(rows), 1)
    axis_y = rows_bottom + 4
    legend_y = axis_y + 34
    height = legend_y + 20
    sentences = timeline_text(clocks, today, pauses)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc" class="timeline" '
        'font-family="Arial, sans-serif" font-size="13" focusable="false">',
        f'<title id="{ident}-title">The case\'s clocks, and today, {_e(long_date(today))}</title>',
        f'<desc id="{ident}-desc">{_e(" ".join(sentences))}</desc>',
        "<defs>",
        f'<pattern id="{ident}-overdue" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="8" height="8" fill="#ffffff"/><rect width="4" height="8" fill="{_RED}"/></pattern>',
        f'<pattern id="{ident}-paused" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(-45)">'
        f'<rect width="6" height="6" fill="#f3f2f1"/><rect width="2" height="6" fill="{_MID_GREY}"/></pattern>',
        "</defs>",
    ]
    # Pauses first, so that the bars are drawn over the shading.
    for first, until in intervals:
        out.append(
            f'<rect class="timeline__pause" x="{x(first)}" y="{TOP}" width="{round(x(until) - x(first), 2)}" '
            f'height="{rows_bottom - TOP}" fill="url(#{ident}-paused)" data-from="{first.isoformat()}" '
            f'data-until="{until.isoformat()}"><title>{_e(_pause_sentence(first, until, today))}</title></rect>'
        )
    for index, row in enumerate(rows):
        top = TOP + ROW * index
        out.append(f'<g class="timeline__clock timeline__clock--{_e(row["status"])}" data-clock="{_e(row["name"])}">')
        out.append(f'<text class="timeline__name" x="{LEFT}" y="{top + 15}" fill="{_BLACK}">{_e(row["label"])}</text>')
        out.append(
            f'<text class="timeline__status" x="{RIGHT}" y="{top + 15}" text-anchor="end" '
            f'fill="{_BLACK}" font-weight="bold">{_e(_status_words(row, today))}</text>'
        )
        bar_y = top + 22
        if row["start"] and row["due"]:
            fill = _FILLS.get(row["status"], _BLUE)
            out.append(
                f'<rect class="timeline__bar timeline__bar--{_e(row["status"])}" x="{x(row["start"])}" '
                f'y="{bar_y}" width="{round(x(row["due"]) - x(row["start"]), 2)}" height="{BAR_HEIGHT}" '
                f'fill="{fill}" data-from="{row["start"].isoformat()}" data-to="{row["due"].isoformat()}"/>'
            )
            if row["status"] == "overdue" and today > row["due"]:
                out.append(
                    f'<rect class="timeline__overdue" x="{x(row["due"])}" y="{bar_y}" '
                    f'width="{round(x(today) - x(row["due"]), 2)}" height="{BAR_HEIGHT}" '
                    f'fill="url(#{ident}-overdue)" stroke="{_RED}" data-from="{row["due"].isoformat()}" '
                    f'data-to="{today.isoformat()}"/>'
                )
            if row["met"]:
                out.append(
                    f'<line class="timeline__met" x1="{x(row["met"])}" x2="{x(row["met"])}" y1="{bar_y - 4}" '
                    f'y2="{bar_y + BAR_HEIGHT + 4}" stroke="{_BLACK}" stroke-width="3" '
                    f'data-on="{row["met"].isoformat()}"><title>Met on {_e(long_date(row["met"]))}</title></line>'
                )
            dates = f"{long_date(row['start'])} to {long_date(row['due'])}"
        else:
            dates = "Not started"
        out.append(
            f'<text class="timeline__dates" x="{LEFT}" y="{top + 54}" fill="{_DARK_GREY}" font-size="12">'
            f"{_e(dates)}</text>"
        )
        out.append("</g>")
    out.extend(_month_ticks(low, high, x, axis_y))
    today_x = x(today)
    anchor = "start" if today_x < WIDTH * 0.25 else "end" if today_x > WIDTH * 0.75 else "middle"
    out.append(
        f'<line class="timeline__today" x1="{today_x}" x2="{today_x}" y1="{TOP - 10}" y2="{rows_bottom}" '
        f'stroke="{_BLACK}" stroke-width="2" stroke-dasharray="4 3" data-on="{today.isoformat()}"/>'
    )
    out.append(
        f'<text class="timeline__today-label" x="{today_x}" y="{TOP - 14}" text-anchor="{anchor}" '
        f'fill="{_BLACK}" font-weight="bold">Today, {_e(long_date(today))}</text>'
    )
    out.extend(_legend(legend_y, ident, any(r["status"] == "overdue" for r in rows), bool(intervals)))
    out.append("</svg>")
    return "".join(out)


def timeline_text(clocks, today, pauses=()):
    """The timeline's facts as sentences, in the clocks' order, then the pauses, then today.

    "Rapid review: from 3 November 2026 to 24 November 2026 (15 working days); met on 20 November 2026."
    """
    today = _date(today) or clock.today()
    sentences = []
    for found in clocks:
        row = _row(found)
        if not (row["start"] and row["due"]):
            sentences.append(f"{row['label']}: not started.")
            continue
        sentence = f"{row['label']}: from {long_date(row['start'])} to {long_date(row['due'])}"
        timescale = _timescale(row)
        if timescale:
            sentence += f" ({timescale})"
        sentences.append(f"{sentence}; {_state_words(row, today)}.")
    sentences += [_pause_sentence(first, until, today) + "." for first, until in _intervals(pauses, today)]
    sentences.append(f"Today is {long_date(today)}.")
    return sentences


def _row(found):
    name = str(found.get("name", ""))
    return {
        "name": name,
        "label": CLOCK_NAMES.get(name, name),
        "start": _date(found.get("starts_on")),
        "due": _date(found.get("due_on")),
        "met": _date(found.get("met_on")),
        "status": str(found.get("status") or "not_started"),
    }


def _status_words(row, today):
    """The few words beside a clock's name on the picture."""
    status = row["status"]
    if status == "met" and row["met"]:
        return f"Met {long_date(row['met'])}"
    if status == "overdue":
        return f"Overdue by {_days(row['due'], today)}"
    if status == "paused":
        return "Paused"
    if status == "due":
        return "Due today" if row["due"] == today else f"Due in {_days(today, row['due'])}"
    return "Not started" if status == "not_started" else status.replace("_", " ").capitalize()


def _state_words(row, today):
    status = row["status"]
    if status == "met" and row["met"]:
        late = row["met"] > row["due"]
        return f"met on {long_date(row['met'])}" + (f", {_days(row['due'], row['met'])} late" if late else "")
    if status == "overdue":
        return f"overdue by {_days(row['due'], today)}, not met"
    if status == "paused":
        return "paused while proceedings are active, not met"
    if status == "due":
        return "due today, not met yet" if row["due"] == today else f"not met yet, due in {_days(today, row['due'])}"
    return status.replace("_", " ")


def _timescale(row):
    """The clock's statutory timescale, and how far a pause pushed its due date back."""
    rule = REGIMES_BY_CLOCK.get(row["name"])
    if rule is None:
        return ""
    regime, (unit, amount) = rule
    words = timelines.describe(regime, row["name"])
    if unit == "working_days":
        holidays = clock.board_holidays()
        extra = holidays.working_days_between(row["start"], row["due"]) - amount
        extra_words = f"{extra} working day{'s' if extra != 1 else ''}"
    else:
        extra = (row["due"] - clock.add_months(row["start"], amount)).days
        extra_words = f"{extra} day{'s' if extra != 1 else ''}"
    if extra > 0:
        words += f", extended by {extra_words} while proceedings paused it"
    return words


# A clock's timescale is the same under every regime that has it (notification: 5 working days;
# review: 6 months); the clock list does not carry the regime, so look the name up in either.
REGIMES_BY_CLOCK = {
    name: (regime, timelines.REGIMES[regime][name])
    for regime in (WORKING_TOGETHER_2015, WORKING_TOGETHER_2023)
    for name in timelines.CLOCKS[regime]
}


def _pause_sentence(first, until, today):
    if until > today:
        return f"Clocks paused by proceedings from {long_date(first)}, still paused"
    return f"Clocks paused by proceedings from {long_date(first)} until {long_date(until)}"


def _intervals(pauses, today):
    """(first paused date, first date not paused) pairs; a pause still running ends after today."""
    found = []
    for pause in pauses or ():
        if isinstance(pause, dict):
            first, until = _date(pause.get("from")), _date(pause.get("until"))
        else:
            first, until = (_date(v) for v in pause)
        if first is None or first > today:
            continue
        found.append((first, until or today + timedelta(days=1)))
    return sorted(found)


def _month_ticks(low, high, x, y):
    """A date axis: a tick at the first of each month (every second or third when there are many)."""
    firsts = []
    current = date(low.year, low.month, 1)
    while current <= high:
        if current >= low:
            firsts.append(current)
        current = clock.add_months(current, 1)
    step = max(1, -(-len(firsts) // 6))
    out = [f'<line class="timeline__axis" x1="{LEFT}" x2="{RIGHT}" y1="{y}" y2="{y}" stroke="{_DARK_GREY}"/>']
    previous_year = None
    for first in firsts[::step]:
        tick = x(first)
        label = MONTHS[first.month - 1][:3]
        if first.year != previous_year:
            label += f" {first.year}"
            previous_year = first.year
        out.append(f'<line x1="{tick}" x2="{tick}" y1="{y}" y2="{y + 5}" stroke="{_DARK_GREY}"/>')
        anchor = "start" if tick < LEFT + 30 else "end" if tick > RIGHT - 30 else "middle"
        out.append(
            f'<text class="timeline__tick" x="{tick}" y="{y + 18}" text-anchor="{anchor}" font-size="11" '
            f'fill="{_DARK_GREY}">{_e(label)}</text>'
        )
    return out


def _legend(y, ident, overdue, paused):
    out, left = [], LEFT
    if overdue:
        out.append(
            f'<rect x="{left}" y="{y - 11}" width="14" height="14" fill="url(#{ident}-overdue)" stroke="{_RED}"/>'
        )
        out.append(f'<text class="timeline__legend" x="{left + 20}" y="{y}" fill="{_BLACK}">Overdue</text>')
        left += 90
    if paused:
        out.append(f'<rect x="{left}" y="{y - 11}" width="14" height="14" fill="url(#{ident}-paused)"/>')
        out.append(
            f'<text class="timeline__legend" x="{left + 20}" y="{y}" fill="{_BLACK}">Paused by proceedings</text>'
        )
    return out


def _days(start, end):
    days = (end - start).days
    return f"{days} day{'s' if days != 1 else ''}"


# ---- one measure by month -------------------------------------------------------------

CHART_LEFT = 118  # bars start here; the period labels sit to their left
CHART_RIGHT = 352  # the longest bar ends here, leaving room for its value
BAR_ROW = 26


def bar_chart(title, series, value_label="Number", category_label="Month", unit=""):
    """One measure by period as an accessible horizontal bar chart (a string to embed inline).

    `series`: [(label, value)] in the order to show them; a label like `2026-11` reads
    `November 2026`; a value is a number, or None for "no data" (a share of nothing).
    Horizontal bars, so that every month's name fits at 320 px; each bar carries its value.
    """
    rows = [(period_label(label), _number(value)) for label, value in series]
    top = 40
    height = top + BAR_ROW * max(len(rows), 1) + 56
    axis_max, step = _nice_scale(max((v for _, v in rows if v is not None), default=0))
    width = CHART_RIGHT - CHART_LEFT
    ident = "bc-" + hashlib.sha256(repr((title, rows, value_label, unit)).encode()).hexdigest()[:10]
    facts = "; ".join(f"{label}: {_value_words(value, unit)}" for label, value in rows) or "No data."
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc" class="bar-chart" '
        'font-family="Arial, sans-serif" font-size="13" focusable="false">',
        f'<title id="{ident}-title">{_e(title)}</title>',
        f'<desc id="{ident}-desc">{_e(f"{value_label} by {category_label.lower()}. {facts}")}</desc>',
        f'<text class="bar-chart__axis-label" x="{CHART_LEFT - 6}" y="{top - 12}" text-anchor="end" '
        f'font-weight="bold" fill="{_BLACK}">{_e(category_label)}</text>',
    ]
    for index, (label, value) in enumerate(rows):
        y = top + BAR_ROW * index
        out.append(
            f'<text class="bar-chart__category" x="{CHART_LEFT - 6}" y="{y + 17}" text-anchor="end" '
            f'fill="{_BLACK}">{_e(label)}</text>'
        )
        length = round((value or 0) * width / axis_max, 2)
        out.append(
            f'<rect class="bar-chart__bar" x="{CHART_LEFT}" y="{y + 4}" width="{length}" height="{BAR_ROW - 8}" '
            f'fill="{_BLUE}" data-value="{_e(_plain(value))}"/>'
        )
        out.append(
            f'<text class="bar-chart__value" x="{CHART_LEFT + length + 4}" y="{y + 17}" fill="{_BLACK}">'
            f"{_e(_value_words(value, unit))}</text>"
        )
    axis_y = top + BAR_ROW * max(len(rows), 1) + 2
    out.append(
        f'<line class="bar-chart__axis" x1="{CHART_LEFT}" x2="{CHART_LEFT}" y1="{top}" y2="{axis_y}" '
        f'stroke="{_BLACK}"/>'
    )
    out.append(
        f'<line class="bar-chart__axis" x1="{CHART_LEFT}" x2="{CHART_RIGHT}" y1="{axis_y}" y2="{axis_y}" '
        f'stroke="{_BLACK}"/>'
    )
    tick = 0
    while tick <= axis_max + 1e-9:
        tx = round(CHART_LEFT + tick * width / axis_max, 2)
        out.append(f'<line x1="{tx}" x2="{tx}" y1="{axis_y}" y2="{axis_y + 5}" stroke="{_BLACK}"/>')
        out.append(
            f'<text class="bar-chart__tick" x="{tx}" y="{axis_y + 18}" text-anchor="middle" font-size="11" '
            f'fill="{_DARK_GREY}">{_e(_plain(tick) + unit)}</text>'
        )
        tick = round(tick + step, 9)
    out.append(
        f'<text class="bar-chart__axis-label" x="{(CHART_LEFT + CHART_RIGHT) / 2}" y="{axis_y + 40}" '
        f'text-anchor="middle" font-weight="bold" fill="{_BLACK}">{_e(value_label)}</text>'
    )
    out.append("</svg>")
    return "".join(out)


def _nice_scale(largest):
    """An axis maximum and tick step: 1, 2 or 5 times a power of ten, at most five steps."""
    if largest <= 0:
        return 1, 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            candidate = step * factor
            if largest / candidate <= 5:
                return candidate * -(-largest // candidate), candidate
        step *= 10


def _number(value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or value != value:
        raise ValueError("a bar's value is a number of at least 0, or None")
    return value


def _plain(value):
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _value_words(value, unit):
    return "no data" if value is None else _plain(value) + unit


# ---- helpers ----------------------------------------------------------------------------


def _date(value):
    if isinstance(value, date):
        return value
    return clock.as_date(value)


def _e(text):
    """Escaped for an SVG element's text or a double-quoted attribute (XML: no HTML-only entities)."""
    return escape(str(text), quote=True)
