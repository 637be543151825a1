"""Records, findings and the in-memory snapshot of one organisation that rules work on."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

# Finding severities, most serious first. Shown as badges; the report sorts by them.
HIGH, MEDIUM, LOW = "high", "medium", "low"
SEVERITY_ORDER = {HIGH: 0, MEDIUM: 1, LOW: 2}


@dataclass
class Record:
    register: str
    values: dict[str, Any]
    id: str | None = None
    org_id: str | None = None
    ref: str = ""
    created_at: str = ""
    updated_at: str = ""
    archived_at: str | None = None
    archive_reason: str = ""

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def get(self, name: str, default: Any = None) -> Any:
        value = self.values.get(name)
        return default if value is None else value


@dataclass(frozen=True)
class Finding:
    severity: str
    code: str
    message: str
    register: str = ""
    record_id: str | None = None
    ref: str = ""
    field: str | None = None

    @property
    def sort_key(self) -> tuple[int, str, str]:
        return (SEVERITY_ORDER.get(self.severity, 9), self.ref, self.code)


@dataclass
class Snapshot:
    """One organisation's live (not archived) records, as findings and deadlines need them."""

    org: Record
    records: dict[str, list[Record]] = field(default_factory=dict)
    as_of: datetime | None = None

    def of(self, register: str) -> list[Record]:
        return self.records.get(register, [])

    def by_id(self) -> dict[str, Record]:
        return {r.id: r for recs in self.records.values() for r in recs if r.id}

    def all(self) -> Iterator[Record]:
        for recs in self.records.values():
            yield from recs

    @property
    def today(self) -> date:
        assert self.as_of is not None
        return self.as_of.date()

    def setting(self, name: str, default: Any) -> Any:
        value = self.org.values.get(name)
        return default if value in (None, "") else value
