"""The one clock: every "now", "today", due date and cut-off of the service comes from here.

Times are stored in UTC; business dates are Europe/London dates (a referral sent at 23:30
UTC on a summer evening is dated the next day in London, and so is its clock). Working days
skip weekends and England's bank holidays: the official England-and-Wales list
(`bank_holidays_england_and_wales.json`, from gov.uk) for the years it covers, the regular
rules beyond them, and a board's own changes (an extra day, a day moved away).

Tests pin the time with `frozen(...)`; nothing else in the service reads the system clock
for a business date.
"""

import calendar
import contextlib
import functools
import json
import os
from datetime import UTC, date, datetime, timedelta

LONDON = "Europe/London"
_frozen = []  # a pinned UTC moment (tests), innermost last


def now():
    """Now, in UTC, to the second."""
    if _frozen:
        return _frozen[-1]
    return datetime.now(UTC).replace(microsecond=0)


def now_iso():
    """Now as the API writes times: 2026-11-25T21:04:05Z."""
    return iso(now())


def iso(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@functools.lru_cache(maxsize=1)
def _london():
    # zoneinfo reads the system's tz database, or the `tzdata` package where (as on
    # Lambda's Amazon Linux 2023 images) there is none.
    from zoneinfo import ZoneInfo

    return ZoneInfo(LONDON)


def london(moment):
    """A UTC moment (datetime or ISO string) as London local time."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return moment.astimezone(_london())


def london_date(moment):
    """The Europe/London date of a UTC moment (datetime or ISO string)."""
    return london(moment).date()


def today():
    """Today's date in London."""
    return london_date(now())


def end_of_london_day(day):
    """The first UTC moment after the London date `day` (for retention and cut-offs)."""
    start_next = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=_london())
    return start_next.astimezone(UTC)


@contextlib.contextmanager
def frozen(moment):
    """Pins `now()` (tests): a timezone-aware datetime or an ISO string in UTC."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    _frozen.append(moment.astimezone(UTC).replace(microsecond=0))
    try:
        yield _frozen[-1]
    finally:
        _frozen.pop()


def as_date(value):
    """A `YYYY-MM-DD` string as a date; None for anything else."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


# ---- calendar months ------------------------------------------------------------------


def add_months(start, months):
    """`start` plus whole calendar months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


# ---- bank holidays and working days ---------------------------------------------------


@functools.lru_cache(maxsize=1)
def _official():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bank_holidays_england_and_wales.json")
    with open(path, encoding="utf-8") as handle:
        days = {date.fromisoformat(day) for day in json.load(handle)["dates"]}
    return frozenset(days), frozenset(day.year for day in days)


def easter_sunday(year):
    """Gregorian Easter (the anonymous algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year, month):
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def _last_monday(year, month):
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=last.weekday())


def regular_bank_holidays(year):
    """England and Wales's regular bank holidays of `year`, with weekend substitutes."""
    days = set()
    new_year = date(year, 1, 1)
    days.add(new_year if new_year.weekday() < 5 else new_year + timedelta(days=7 - new_year.weekday()))
    easter = easter_sunday(year)
    days.update({easter - timedelta(days=2), easter + timedelta(days=1)})
    days.update({_first_monday(year, 5), _last_monday(year, 5), _last_monday(year, 8)})
    christmas, boxing = date(year, 12, 25), date(year, 12, 26)
    if christmas.weekday() == 5:  # Saturday: Monday and Tuesday
        days.update({christmas + timedelta(days=2), boxing + timedelta(days=2)})
    elif christmas.weekday() == 6:  # Sunday: Boxing Day Monday, Christmas on Tuesday
        days.update({boxing, christmas + timedelta(days=2)})
    elif boxing.weekday() == 5:  # Friday Christmas: Boxing Day on Monday
        days.update({christmas, boxing + timedelta(days=2)})
    else:
        days.update({christmas, boxing})
    return days


class BankHolidays:
    """England's bank holidays: the official list, the rules beyond it, and a board's own changes."""

    def __init__(self, extra=(), removed=()):
        self._extra = frozenset(_dates(extra))
        self._removed = frozenset(_dates(removed))
        self._years = {}

    def of_year(self, year):
        found = self._years.get(year)
        if found is None:
            official, covered = _official()
            base = {d for d in official if d.year == year} if year in covered else regular_bank_holidays(year)
            found = frozenset((base | {d for d in self._extra if d.year == year}) - self._removed)
            self._years[year] = found
        return found

    def __contains__(self, day):
        return day in self.of_year(day.year)

    def is_working_day(self, day):
        return day.weekday() < 5 and day not in self

    def add_working_days(self, start, days):
        """The date `days` working days after `start` (`start` itself does not count)."""
        current = start
        while days > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                days -= 1
        return current

    def working_days_between(self, start, end):
        """Working days after `start` up to and including `end` (0 when `end` <= `start`)."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count


def _dates(values):
    for value in values:
        yield value if isinstance(value, date) else date.fromisoformat(value)


@functools.lru_cache(maxsize=8)
def bank_holidays(extra=(), removed=()):
    """The calendar for a board's settings (`extra` and `removed` as tuples of YYYY-MM-DD)."""
    return BankHolidays(extra, removed)


def board_holidays():
    """The calendar of the configured board."""
    from chalicelib.platform.settings import settings

    conf = settings()
    return bank_holidays(conf.bank_holidays, conf.removed_bank_holidays)
