"""Calendar days that recur every year, with 29 February kept on the 28th in other years."""

import calendar
from datetime import date


def occurrence(month, day, year):
    if month == 2 and day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


def next_occurrence(day, today):
    """The first recurrence of `day`'s calendar day on or after `today`."""
    this_year = occurrence(day.month, day.day, today.year)
    return this_year if this_year >= today else occurrence(day.month, day.day, today.year + 1)


def days_apart_in_year(a, b):
    """How far apart two calendar days are, ignoring the year (0–183)."""
    gap = abs(occurrence(a.month, a.day, 2001).toordinal() - occurrence(b.month, b.day, 2001).toordinal())
    return min(gap, 365 - gap)
