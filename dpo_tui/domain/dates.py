"""Calendar arithmetic shared by the registers.

Adding months follows python-dateutil's `relativedelta` (the rule the retention schedule
documents): the same day of the month, or the month's last day when it is shorter — 31 January
plus one month is 28 (or 29) February. Written out because the dashboard adds months for every
activity on start-up, and this is about ten times cheaper (tests/domain/test_dates.py checks it
against relativedelta).
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date


def months_after(day: date, months: int) -> date:
    """`day` plus a whole number of months (negative: before), clamped to the month's end."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))
