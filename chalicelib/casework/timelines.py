"""Statutory timelines, by regime, so a board can follow either set of rules.

`working_together_2015` (LSCB Regulations 2006, Working Together 2015 ch. 4): the
decision normally within one month of the referral; an SCR completed within six
months of the decision to hold one.
`csprp_2018` (Working Together 2018): the national panel notified within 5 working
days, the rapid review within 15 working days, the review within six months.
Working days skip weekends and England's bank holidays.
"""
import calendar
from datetime import date, timedelta

REGIMES = {
    "working_together_2015": {"decision": ("months", 1), "review": ("months", 6)},
    "csprp_2018": {"notification": ("working_days", 5), "decision": ("working_days", 15), "review": ("months", 6)},
}


def add_months(start, months):
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def easter_sunday(year):
    """Gregorian Easter (the anonymous algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the algorithm's own name
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year, month):
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def _last_monday(year, month):
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=last.weekday())


def england_bank_holidays(year):
    """The regular bank holidays of England and Wales, with weekend substitutes.

    One-off holidays (a jubilee, a coronation) and moved ones come from configuration.
    """
    days = set()
    new_year = date(year, 1, 1)
    days.add(new_year if new_year.weekday() < 5 else new_year + timedelta(days=7 - new_year.weekday()))
    easter = easter_sunday(year)
    days.update({easter - timedelta(days=2), easter + timedelta(days=1)})
    days.update({_first_monday(year, 5), _last_monday(year, 5), _last_monday(year, 8)})
    christmas, boxing = date(year, 12, 25), date(year, 12, 26)
    if christmas.weekday() == 5:    # Saturday: Monday and Tuesday
        days.update({christmas + timedelta(days=2), boxing + timedelta(days=2)})
    elif christmas.weekday() == 6:  # Sunday: Boxing Day Monday, Christmas on Tuesday
        days.update({boxing, christmas + timedelta(days=2)})
    elif boxing.weekday() == 5:     # Friday Christmas: Boxing Day on Monday
        days.update({christmas, boxing + timedelta(days=2)})
    else:
        days.update({christmas, boxing})
    return days


def add_working_days(start, days, extra_holidays=frozenset()):
    current = start
    holidays = england_bank_holidays(start.year) | england_bank_holidays(start.year + 1) | set(extra_holidays)
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            days -= 1
    return current


def due(regime, step, start, extra_holidays=()):
    """The date `step` is due for a clock that started on `start`; None if the regime has no such step."""
    rule = REGIMES[regime].get(step)
    if rule is None:
        return None
    unit, amount = rule
    if unit == "months":
        return add_months(start, amount)
    extras = {date.fromisoformat(day) for day in extra_holidays}
    return add_working_days(start, amount, extras)


def describe(regime, step):
    unit, amount = REGIMES[regime][step]
    if unit == "months":
        return "one month" if amount == 1 else f"{amount} months"
    return f"{amount} working days"
