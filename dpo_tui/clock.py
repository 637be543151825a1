"""The one source of "now". Everything that computes a deadline asks a Clock.

`--as-of` and DPO_TUI_NOW fix the clock so runs (and tests) are reproducible.
Times are aware datetimes in UTC inside the app; screens convert to the organisation's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


class ClockError(ValueError):
    pass


def parse_instant(text: str) -> datetime:
    """ISO 8601 date or date-time; a naive value is taken as UTC. Raises ClockError."""
    text = text.strip()
    try:
        if len(text) == 10:
            value = datetime.combine(date.fromisoformat(text), time(12, 0))
        else:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ClockError(
            f"'{text}' is not an ISO 8601 date or date-time (e.g. 2026-11-22 or 2026-11-22T09:30+00:00)"
        ) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@dataclass(frozen=True)
class Clock:
    fixed: datetime | None = None

    def now(self) -> datetime:
        return self.fixed if self.fixed is not None else datetime.now(UTC)

    def today(self) -> date:
        return self.now().date()

    @classmethod
    def from_text(cls, text: str | None) -> Clock:
        return cls(parse_instant(text)) if text else cls()


def iso_utc(value: datetime) -> str:
    """Storage form of an instant: UTC, seconds precision, trailing Z."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def from_iso_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def to_zone(value: datetime | str | None, timezone: str) -> datetime | None:
    """A stored instant (UTC ISO text or datetime; naive means UTC) in the organisation's zone."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        moment = from_iso_utc(value)
    else:
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(timezone or "Europe/London"))


def shown_local(value: datetime | str | None, timezone: str) -> str:
    """'24/11/2026 10:15 GMT': how screens and reports show an instant (UK date order)."""
    local = to_zone(value, timezone)
    return local.strftime("%d/%m/%Y %H:%M %Z") if local else ""


def typed_local(value: datetime | str | None, timezone: str) -> str:
    """'2026-11-24 10:15': how a form offers an instant for editing (parse_datetime reads it)."""
    local = to_zone(value, timezone)
    return local.strftime("%Y-%m-%d %H:%M") if local else ""
