"""Statutory timelines, by regime, so a board can follow either set of rules.

`working_together_2015`: decision within one month of the referral, SCR completed
within six months of the decision. `csprp_2018`: rapid review within 15 working
days of the notification, review within six months of the decision.
"""
import calendar
from datetime import date, timedelta

REGIMES = {
    "working_together_2015": {"decision": ("months", 1), "review": ("months", 6)},
    "csprp_2018": {"decision": ("working_days", 15), "review": ("months", 6)},
}


def add_months(start, months):
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def add_working_days(start, days, holidays=frozenset()):
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            days -= 1
    return current


def due(regime, step, start, holidays=frozenset()):
    unit, amount = REGIMES[regime][step]
    if unit == "months":
        return add_months(start, amount)
    return add_working_days(start, amount, holidays)
