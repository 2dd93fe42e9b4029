"""The console's pictures: a case's clocks as an SVG timeline, and a measure by month as a bar chart.

Parsed back with xml.etree: positions are checked against the dates and values they stand for.
"""

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from chalicelib.web import charts

SVG = "{http://www.w3.org/2000/svg}"
TODAY = date(2027, 6, 1)
CLOCKS = [
    {
        "name": "notification",
        "starts_on": "2026-11-02",
        "due_on": "2026-11-09",
        "met_on": "2026-11-03",
        "status": "met",
    },
    {
        "name": "rapid_review",
        "starts_on": "2026-11-03",
        "due_on": "2026-11-24",
        "met_on": "2026-11-20",
        "status": "met",
    },
    {"name": "review", "starts_on": "2026-11-19", "due_on": "2027-05-19", "met_on": None, "status": "overdue"},
    {"name": "publication", "starts_on": None, "due_on": None, "met_on": None, "status": "not_started"},
]
PAUSE = {"from": "2026-12-01", "until": "2026-12-10"}


def parse(svg):
    return ET.fromstring(svg)


def classed(root, name):
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def all_text(root):
    return " ".join("".join(e.itertext()) for e in root.iter(f"{SVG}text"))


def scale(root):
    """The date axis the timeline drew: x of a date, from its first and last bars' ends."""
    bars = classed(root, "timeline__bar")
    points = []
    for bar in bars:
        x, width = float(bar.get("x")), float(bar.get("width"))
        points += [(date.fromisoformat(bar.get("data-from")), x), (date.fromisoformat(bar.get("data-to")), x + width)]
    (d0, x0), (d1, x1) = min(points), max(points)
    per_day = (x1 - x0) / (d1 - d0).days
    return lambda day: x0 + (day - d0).days * per_day


def test_each_clock_is_a_bar_from_its_start_to_its_due_date_in_proportion():
    root = parse(charts.timeline(CLOCKS, TODAY))
    bars = {b.get("data-from"): b for b in classed(root, "timeline__bar")}
    assert sorted(bars) == ["2026-11-02", "2026-11-03", "2026-11-19"]  # not started: no bar
    at = scale(root)
    for clock in CLOCKS[:3]:
        bar = bars[clock["starts_on"]]
        start, due = date.fromisoformat(clock["starts_on"]), date.fromisoformat(clock["due_on"])
        assert float(bar.get("x")) == pytest.approx(at(start), abs=0.02)
        assert float(bar.get("width")) == pytest.approx(at(due) - at(start), abs=0.02)
    # Lengths in proportion to the clocks' days: 7, 21 and 181.
    widths = [float(bars[c["starts_on"]].get("width")) for c in CLOCKS[:3]]
    assert widths[1] / widths[0] == pytest.approx(21 / 7, rel=0.01)
    assert widths[2] / widths[0] == pytest.approx(181 / 7, rel=0.01)
    # Everything drawn fits the viewBox, which the page scales to its width.
    assert root.get("width") == "100%" and root.get("viewBox").startswith("0 0 400 ")
    assert all(float(b.get("x")) >= 0 and float(b.get("x")) + float(b.get("width")) <= 400 for b in bars.values())


def test_today_is_a_line_where_today_is_and_is_labelled():
    root = parse(charts.timeline(CLOCKS, date(2027, 2, 1)))
    (line,) = classed(root, "timeline__today")
    assert float(line.get("x1")) == float(line.get("x2")) == pytest.approx(scale(root)(date(2027, 2, 1)), abs=0.02)
    (label,) = classed(root, "timeline__today-label")
    assert label.text == "Today, 1 February 2027" and float(label.get("x")) == float(line.get("x1"))


def test_the_met_date_is_marked_on_its_bar():
    root = parse(charts.timeline(CLOCKS, TODAY))
    marks = {m.get("data-on"): m for m in classed(root, "timeline__met")}
    assert sorted(marks) == ["2026-11-03", "2026-11-20"]
    at = scale(root)
    assert float(marks["2026-11-20"].get("x1")) == pytest.approx(at(date(2026, 11, 20)), abs=0.02)
    assert "Met on 20 November 2026" in "".join(marks["2026-11-20"].itertext())


def test_overdue_is_hatched_from_the_due_date_to_today_and_says_so_in_words():
    root = parse(charts.timeline(CLOCKS, TODAY))
    (late,) = classed(root, "timeline__overdue")
    at = scale(root)
    assert float(late.get("x")) == pytest.approx(at(date(2027, 5, 19)), abs=0.02)
    assert float(late.get("x")) + float(late.get("width")) == pytest.approx(at(TODAY), abs=0.02)
    assert late.get("fill").startswith("url(#") and late.get("fill")[5:-1].endswith("-overdue")
    pattern_ids = {p.get("id") for p in root.iter(f"{SVG}pattern")}
    assert late.get("fill")[5:-1] in pattern_ids  # a pattern, not a colour alone
    text = all_text(root)
    assert "Overdue by 13 days" in text and "Overdue" in [e.text for e in classed(root, "timeline__legend")]
    review = next(g for g in classed(root, "timeline__clock") if g.get("data-clock") == "review")
    assert [t.text for t in review.iter(f"{SVG}text")][:2] == ["Local review", "Overdue by 13 days"]


def test_a_pause_is_shaded_over_its_interval_across_the_rows():
    root = parse(charts.timeline(CLOCKS, TODAY, [PAUSE]))
    (shade,) = classed(root, "timeline__pause")
    at = scale(root)
    assert float(shade.get("x")) == pytest.approx(at(date(2026, 12, 1)), abs=0.02)
    assert float(shade.get("x")) + float(shade.get("width")) == pytest.approx(at(date(2026, 12, 10)), abs=0.02)
    rows = classed(root, "timeline__clock")
    assert float(shade.get("height")) >= 64 * len(rows)  # behind every clock
    assert "Paused by proceedings" in [e.text for e in classed(root, "timeline__legend")]
    # A pause still running is shaded up to today; and the case detail's own intervals are accepted.
    root = parse(charts.timeline(CLOCKS, TODAY, [("2027-05-01", None)]))
    (shade,) = classed(root, "timeline__pause")
    end = float(shade.get("x")) + float(shade.get("width"))
    assert scale(root)(TODAY) < end <= scale(root)(date(2027, 6, 2)) + 0.02


def test_the_pause_intervals_come_from_the_cases_proceedings():
    from chalicelib.casework import timelines

    case = {
        "proceedings": [
            {"pauses_review": True, "status": "concluded", "started_on": "2026-12-01", "concluded_on": "2026-12-10"},
            {"pauses_review": False, "status": "active", "started_on": "2026-12-02"},
            {"pauses_review": True, "status": "active", "started_on": "2027-05-01"},
        ]
    }
    assert timelines.pauses(case, TODAY) == [PAUSE, {"from": "2027-05-01", "until": None}]


def test_a_hostile_string_is_text_never_markup():
    hostile = '</text><script>alert(1)</script><a href="javascript:x">&amp;'
    clocks = [{**CLOCKS[0], "name": hostile, "status": hostile}]
    svg = charts.timeline(clocks, TODAY)
    root = parse(svg)  # still well-formed XML
    assert not list(root.iter(f"{SVG}script")) and not list(root.iter(f"{SVG}a"))
    assert "<script>" not in svg
    (name,) = classed(root, "timeline__name")
    assert name.text == hostile  # shown as the words it is
    chart = charts.bar_chart(hostile, [(hostile, 3)], value_label=hostile, category_label=hostile)
    root = parse(chart)
    assert not list(root.iter(f"{SVG}script")) and not list(root.iter(f"{SVG}a"))
    assert root.find(f"{SVG}title").text == hostile


def test_no_inline_style_anywhere_and_the_picture_names_itself():
    for svg in (charts.timeline(CLOCKS, TODAY, [PAUSE]), charts.bar_chart("Notifications", [("2026-11", 2)])):
        root = parse(svg)
        assert all("style" not in e.attrib for e in root.iter()) and not list(root.iter(f"{SVG}style"))
        assert root.get("role") == "img"
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        assert title.text and desc.text


def test_the_same_facts_as_sentences():
    sentences = charts.timeline_text(CLOCKS, TODAY, [PAUSE])
    assert sentences == [
        "Notification to the Panel: from 2 November 2026 to 9 November 2026 (5 working days); met on 3 November 2026.",
        "Rapid review: from 3 November 2026 to 24 November 2026 (15 working days); met on 20 November 2026.",
        "Local review: from 19 November 2026 to 19 May 2027 (6 months); overdue by 13 days, not met.",
        "Publication: not started.",
        "Clocks paused by proceedings from 1 December 2026 until 10 December 2026.",
        "Today is 1 June 2027.",
    ]
    root = parse(charts.timeline(CLOCKS, TODAY, [PAUSE]))
    assert root.find(f"{SVG}desc").text == " ".join(sentences)


def test_the_sentences_say_when_a_pause_pushed_a_due_date_back_and_when_a_clock_is_due():
    # 15 working days from Tuesday 8 December 2026 is 31 December (Christmas's two bank holidays skipped);
    # a pause of three working days pushes it to 6 January 2027 (New Year's Day skipped).
    clocks = [
        {"name": "rapid_review", "starts_on": "2026-12-08", "due_on": "2027-01-06", "met_on": None, "status": "due"}
    ]
    (sentence, _) = charts.timeline_text(clocks, date(2026, 12, 21))
    assert sentence == (
        "Rapid review: from 8 December 2026 to 6 January 2027 (15 working days, extended by 3 working days "
        "while proceedings paused it); not met yet, due in 16 days."
    )
    (sentence, _) = charts.timeline_text([{**clocks[0], "due_on": "2026-12-31"}], date(2026, 12, 31))
    assert sentence.endswith("(15 working days); due today, not met yet.")


def test_a_bar_chart_of_one_measure_by_month_in_proportion_with_its_values_and_axes():
    series = [("2026-11", 3), ("2026-12", 0), ("2027-01", 7), ("2027-02", None)]
    root = parse(charts.bar_chart("Notifications to the Panel", series, value_label="Notifications"))
    bars = classed(root, "bar-chart__bar")
    assert [b.get("data-value") for b in bars] == ["3", "0", "7", ""]
    widths = [float(b.get("width")) for b in bars]
    assert widths[1] == widths[3] == 0 and widths[2] / widths[0] == pytest.approx(7 / 3, rel=0.001)
    assert len({b.get("x") for b in bars}) == 1  # one baseline
    # The axis: 0 at the baseline and the top tick at the end of a bar of that value.
    ticks = {t.text: float(t.get("x")) for t in classed(root, "bar-chart__tick")}
    assert ticks["0"] == float(bars[0].get("x"))
    top = max(ticks, key=int)
    assert float(bars[0].get("x")) + widths[2] == pytest.approx(
        ticks["0"] + (ticks[top] - ticks["0"]) * 7 / int(top), abs=0.02
    )
    assert [t.text for t in classed(root, "bar-chart__category")] == [
        "November 2026",
        "December 2026",
        "January 2027",
        "February 2027",
    ]
    assert [t.text for t in classed(root, "bar-chart__value")] == ["3", "0", "7", "no data"]
    assert [t.text for t in classed(root, "bar-chart__axis-label")] == ["Month", "Notifications"]
    desc = root.find(f"{SVG}desc").text
    assert "November 2026: 3" in desc and "February 2027: no data" in desc
    # A percentage keeps its unit.
    root = parse(charts.bar_chart("Within 15 working days", [("2027", 67)], unit="%"))
    assert [t.text for t in classed(root, "bar-chart__value")] == ["67%"]
    with pytest.raises(ValueError):
        charts.bar_chart("x", [("2026-11", -1)])


def test_dates_read_as_people_write_them():
    assert charts.long_date("2026-12-03") == "3 December 2026" and charts.long_date(None) == ""
    assert charts.period_label("2027-01") == "January 2027" and charts.period_label("2026-27") == "2026-27"
