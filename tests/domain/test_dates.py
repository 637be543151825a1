from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from dpo_tui.domain.dates import months_after


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
       st.integers(min_value=-1200, max_value=1200))
def test_months_after_agrees_with_relativedelta(day, months):
    assert months_after(day, months) == day + relativedelta(months=months)


def test_month_ends_are_clamped():
    assert months_after(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert months_after(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert months_after(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert months_after(date(2026, 11, 22), 12) == date(2027, 11, 22)
