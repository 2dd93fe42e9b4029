"""Statutory timescales, one table per regime, so a board can follow either set of rules.

`working_together_2015` (LSCB Regulations 2006, Working Together 2015 ch. 4): the
decision normally within one month of the referral; an SCR completed within six
months of the decision to hold one.
`csprp_2018` (Working Together 2018): the national panel notified within 5 working
days, the rapid review within 15 working days, the review within six months.
Dates and working days come from `platform.clock` (Europe/London, England's bank holidays).
"""
from chalicelib.platform import clock

REGIMES = {
    "working_together_2015": {"decision": ("months", 1), "review": ("months", 6)},
    "csprp_2018": {"notification": ("working_days", 5), "decision": ("working_days", 15), "review": ("months", 6)},
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
