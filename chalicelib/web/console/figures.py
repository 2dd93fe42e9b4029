"""The console's "Figures" page: the partnership's yearly report as charts, tables and a CSV (counts only)."""

from chalicelib import services
from chalicelib.web import console
from chalicelib.web.console import texts
from chalicelib.web.routing import csv_response

# The measures drawn as charts (every measure is in the tables and the CSV).
CHARTED = (
    "notifications",
    "rapid_reviews",
    "rapid_reviews_within_15_working_days_percent",
    "decisions",
    "reviews_commissioned",
    "reviews_completed",
    "reports_published",
    "reports_published_within_6_months",
)
_MONTHS_CHARTED = 12


def _year_starts(visit):
    return 4 if visit.param("year") == "financial" else 1


def page(visit):
    """`GET /console/figures`: each measure by month (the last 12) as a chart, and every measure by year."""
    from chalicelib.casework import figures as counting
    from chalicelib.web import charts

    found = services.casework().figures(visit.identity, visit.source_ip(), _year_starts(visit))
    recent = dict(found, months=found["months"][-_MONTHS_CHARTED:])
    measures = {m["key"]: m for m in found["measures"]}
    drawn = []
    for key in CHARTED:
        measure = measures[key]
        unit = "%" if measure["kind"] == "percent" else ""
        svg = charts.bar_chart(measure["label"], counting.series(recent, key), unit=unit)
        drawn.append({"key": key, "label": measure["label"], "svg": svg})
    return console.render(
        visit,
        "console/figures.html",
        title=texts.FIGURES_TITLE,
        section="/console/figures",
        figures=found,
        recent=recent["months"],
        charts=drawn,
        period_label=charts.period_label,
        financial=_year_starts(visit) == 4,
    )


def csv(visit):
    """`GET /console/figures.csv`: every measure by month and by year, for the report's own tables."""
    from chalicelib.casework import figures as counting

    found = services.casework().figures(visit.identity, visit.source_ip(), _year_starts(visit))
    return csv_response(counting.to_csv(found), "case-review-figures.csv")
