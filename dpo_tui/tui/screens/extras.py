"""Computed lines at the top of a record's detail: the dates a person would otherwise work out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from rich.text import Text

from dpo_tui.domain.records import Record


def uk_date(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else "—"


def retention_lines(record: Record, org: Record, today: date) -> list[Text]:
    from dpo_tui.domain import retention
    from dpo_tui.domain.organisation import year_end

    month, day = year_end(org.values)
    dates = retention.rule_dates(record.values, today, (month, day))
    lines = [Text(f"Keep for: {retention.describe_period(record.values)}")]
    if dates.cutoff:
        lines.append(Text(f"Records whose trigger date is before {uk_date(dates.cutoff)} "
                          "are due for disposal.", style="bold"))
    if dates.next_disposal:
        lines.append(Text(f"Next disposal date: {uk_date(dates.next_disposal)}"))
    return lines


def processor_lines(record: Record, org: Record, today: date) -> list[Text]:
    from dpo_tui.domain import processors

    months = org.values.get("processor_review_months") or 12
    due = processors.next_review_due(record.values, months)
    if due is None:
        return [Text("Never reviewed: no review date set.", style="yellow")]
    style = "bold red" if due < today else ""
    return [Text(f"Next review due: {uk_date(due)}", style=style)]


EXTRAS: dict[str, Callable[[Record, Record, date], list[Text]]] = {
    "retention": retention_lines,
    "processor": processor_lines,
}


def detail_lines(record: Record, org: Record, today: date) -> list[Text]:
    extra = EXTRAS.get(record.register)
    return extra(record, org, today) if extra else []
