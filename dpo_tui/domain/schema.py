"""One schema per register: the fields drive the table, the form, validation, export and report.

A register's schema is a list of `Field`s. Values are plain Python (str, list, bool, int,
ISO date strings, UTC ISO instants) so they round-trip through JSON unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

# Field kinds. Each has one normaliser below and one widget in the TUI form.
TEXT = "text"  # one line
LONGTEXT = "longtext"  # several lines
CHOICE = "choice"  # one value from `choices`
MULTICHOICE = "multichoice"  # several values from `choices`
TAGS = "tags"  # several free values, suggested from a vocabulary
DATE = "date"  # ISO date, YYYY-MM-DD
DATETIME = "datetime"  # instant stored in UTC, typed in the organisation's time zone
BOOL = "bool"  # yes / no / not answered
INT = "int"  # whole number >= 0
LINK = "link"  # ids of records in another register
ROWS = "rows"  # a small table: one line per row, cells separated by "|"
EMAIL = "email"

MAX_TEXT = 500
MAX_LONGTEXT = 20_000
MAX_ITEMS = 200

# C0/C1 control characters other than tab and newline; ESC would let text drive the terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = TEXT
    section: str = ""
    required: bool = False
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    vocabulary: str | None = None  # data/vocabularies/<name>.json offers suggestions
    target: str | None = None  # for LINK: the register linked to
    # For LINK: read-only mirror of the target register's link field of this name, so one
    # relation is stored once and seen from both sides (e.g. an activity's breaches).
    reverse_of: str | None = None
    columns: tuple[str, ...] = ()  # for ROWS: the cell names
    max_items: int = 200  # for TAGS, MULTICHOICE, LINK and ROWS: how many entries at most
    ico_column: int | None = None  # 1..30 in the ICO controller template
    default: Any = None
    in_table: bool = False  # shown as a column in the register's table
    short: str = ""  # column heading when the label is too long for a table
    width: int = 0  # table column width (0 = auto)

    @property
    def heading(self) -> str:
        return self.short or self.label

    def choice_label(self, value: str) -> str:
        return dict(self.choices).get(value, value)

    def empty_value(self) -> Any:
        if self.kind in (MULTICHOICE, TAGS, LINK, ROWS):
            return []
        if self.kind in (BOOL, INT, DATE, DATETIME, CHOICE):
            return None
        return ""


@dataclass(frozen=True)
class RegisterSchema:
    name: str  # storage key, e.g. "activity"
    title: str  # "Processing activities"
    singular: str  # "processing activity"
    ref_prefix: str  # "PA"
    fields: tuple[Field, ...]
    title_field: str  # the field that names a record in lists
    # Cross-field rules: (values, context) -> {field: message}. Kept beside the schema.
    checks: tuple[Callable[[dict[str, Any], ValidationContext], dict[str, str]], ...] = ()
    warnings: tuple[Callable[[dict[str, Any], ValidationContext], dict[str, str]], ...] = ()
    # Values that follow from others, filled in whenever a record is read (e.g. "breach occurred"
    # once a breach links here). Pure; changes `values` in place.
    derive: Callable[[dict[str, Any]], None] | None = None

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field {name!r}")

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def table_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.in_table)

    @property
    def link_fields(self) -> tuple[Field, ...]:
        """Links this register stores."""
        return tuple(f for f in self.fields if f.kind == LINK and not f.reverse_of)

    @property
    def reverse_link_fields(self) -> tuple[Field, ...]:
        """Links stored by the other side, shown here."""
        return tuple(f for f in self.fields if f.kind == LINK and f.reverse_of)

    @property
    def editable_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.reverse_of)

    def sections(self) -> list[tuple[str, list[Field]]]:
        grouped: dict[str, list[Field]] = {}
        for f in self.fields:
            grouped.setdefault(f.section, []).append(f)
        return list(grouped.items())

    def defaults(self) -> dict[str, Any]:
        values = {}
        for f in self.fields:
            default = f.default() if callable(f.default) else f.default
            values[f.name] = default if default is not None else f.empty_value()
        return values


@dataclass(frozen=True)
class ValidationContext:
    """What validation may need beyond the values: the organisation's zone and today."""

    timezone: str = "Europe/London"
    today: date | None = None


@dataclass
class Validation:
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


class FieldError(ValueError):
    """A value that cannot be accepted, with a message fit to show next to the field."""


# ---------------------------------------------------------------- normalisers


def clean_text(value: Any, *, multiline: bool, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    if not multiline and "\n" in value.strip():
        raise FieldError("must be a single line")
    bad = _CONTROL.search(value)
    if bad:
        raise FieldError(f"contains a control character (U+{ord(bad.group()):04X}); remove it")
    value = value.strip()
    if len(value) > limit:
        raise FieldError(f"is too long: {len(value):,} characters, at most {limit:,}")
    return value


def parse_date(value: Any) -> str | None:
    """ISO (2026-11-22) or UK (22/11/2026) date -> ISO string; empty -> None."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if not text:
        return None
    uk = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", text)
    try:
        if uk:
            return date(int(uk.group(3)), int(uk.group(2)), int(uk.group(1))).isoformat()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise FieldError(f"'{text}' is not a real date") from exc
    raise FieldError(f"'{text}' is not a date: use YYYY-MM-DD or DD/MM/YYYY")


def parse_datetime(value: Any, timezone: str = "Europe/London") -> str | None:
    """An instant -> UTC ISO string with Z. Text without an offset is read in `timezone`."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        if not text:
            return None
        uk = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2}))?", text)
        iso = re.fullmatch(
            r"\d{4}-\d{2}-\d{2}([ T]\d{1,2}:\d{2}(:\d{2})?(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?", text)
        if not (uk or iso):
            raise FieldError(
                f"'{text}' is not a date and time: use YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM")
        try:
            if uk:
                d, m, y, hh, mm = uk.groups()
                moment = datetime(int(y), int(m), int(d), int(hh or 0), int(mm or 0))
            else:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise FieldError(f"'{text}' is not a real date and time") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def split_items(value: Any, limit: int = MAX_ITEMS) -> list[str]:
    """A multi-value field typed as text: one item per line or separated by semicolons."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        parts = re.split(r"[\n;]", value)
    elif isinstance(value, Iterable):
        parts = list(value)
    else:
        parts = [value]
    items: list[str] = []
    for part in parts:
        text = clean_text(part, multiline=False, limit=MAX_TEXT)
        if text and text not in items:
            items.append(text)
    if len(items) > limit:
        raise FieldError(f"has {len(items)} entries, at most {limit}")
    return items


def _match_choice(f: Field, item: str) -> str:
    wanted = item.casefold()
    for value, label in f.choices:
        # "(b) Contract" also answers to "Contract": people rarely type the letter.
        bare = re.sub(r"^\([a-z]{1,2}\)\s*", "", label).casefold()
        if wanted in (value.casefold(), label.casefold(), bare):
            return value
    allowed = ", ".join(label for _, label in f.choices)
    raise FieldError(f"'{item}' is not one of: {allowed}")


def parse_rows(f: Field, value: Any) -> list[dict[str, str]]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        rows = []
        for line in value.replace("\r\n", "\n").split("\n"):
            if not line.strip():
                continue
            cells = [c.strip() for c in line.split("|")]
            if len(cells) > len(f.columns):
                raise FieldError(
                    f"line '{line.strip()[:40]}' has {len(cells)} parts; expected at most "
                    f"{len(f.columns)}: {' | '.join(f.columns)}"
                )
            cells += [""] * (len(f.columns) - len(cells))
            rows.append(dict(zip(f.columns, cells, strict=True)))
        value = rows
    if not isinstance(value, list | tuple):
        raise FieldError("must be a list of rows")
    result = []
    for row in value:
        if not isinstance(row, Mapping):
            raise FieldError("each row must have " + ", ".join(f.columns))
        clean = {c: clean_text(row.get(c, ""), multiline=False, limit=MAX_TEXT) for c in f.columns}
        if any(clean.values()):
            result.append(clean)
    if len(result) > f.max_items:
        raise FieldError(f"has {len(result)} rows, at most {f.max_items}")
    return result


def rows_to_text(f: Field, rows: list[dict[str, str]]) -> str:
    return "\n".join(" | ".join(row.get(c, "") for c in f.columns).rstrip(" |") for row in rows)


def parse_bool(value: Any) -> bool | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in ("yes", "y", "true", "1", "x", "✓"):
        return True
    if text in ("no", "n", "false", "0"):
        return False
    raise FieldError(f"'{value}' is not yes or no")


def parse_int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise FieldError("must be a whole number")
    try:
        number = int(str(value).strip().replace(",", ""))
    except ValueError as exc:
        raise FieldError(f"'{value}' is not a whole number") from exc
    if number < 0:
        raise FieldError("cannot be negative")
    if number > 10**12:
        raise FieldError("is implausibly large")
    return number


def normalise(f: Field, value: Any, ctx: ValidationContext) -> Any:
    kind = f.kind
    if kind in (TEXT, EMAIL):
        text = clean_text(value, multiline=False, limit=MAX_TEXT)
        if kind == EMAIL and text and not _EMAIL.match(text):
            raise FieldError(f"'{text}' does not look like an email address")
        return text
    if kind == LONGTEXT:
        return clean_text(value, multiline=True, limit=MAX_LONGTEXT)
    if kind == CHOICE:
        text = clean_text(value, multiline=False, limit=MAX_TEXT)
        return _match_choice(f, text) if text else None
    if kind == MULTICHOICE:
        return [_match_choice(f, item) for item in split_items(value, f.max_items)]
    if kind == TAGS:
        return split_items(value, f.max_items)
    if kind == DATE:
        return parse_date(value)
    if kind == DATETIME:
        return parse_datetime(value, ctx.timezone)
    if kind == BOOL:
        return parse_bool(value)
    if kind == INT:
        return parse_int(value)
    if kind == LINK:
        return split_items(value, f.max_items)
    if kind == ROWS:
        return parse_rows(f, value)
    raise AssertionError(f"unknown field kind {kind}")


def validate(
    schema: RegisterSchema, raw: Mapping[str, Any], ctx: ValidationContext | None = None
) -> Validation:
    """Normalise every field, then apply required and cross-field rules.

    Unknown keys are ignored; missing keys take the field's empty value. Errors are keyed by
    field name so a form can show each next to its field.
    """
    ctx = ctx or ValidationContext()
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in schema.fields:
        try:
            values[f.name] = normalise(f, raw.get(f.name), ctx)
        except FieldError as exc:
            errors[f.name] = f"{f.label} {exc}"
            values[f.name] = f.empty_value()
    for f in schema.fields:
        if f.required and f.name not in errors and is_empty(values[f.name]):
            errors[f.name] = f"{f.label} is required"
    if not errors:
        for check in schema.checks:
            errors.update(check(values, ctx))
    warnings: dict[str, str] = {}
    for warn in schema.warnings:
        warnings.update(warn(values, ctx))
    return Validation(values, errors, warnings)


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def display(f: Field, value: Any) -> str:
    """Plain text of a value for tables, history and reports (links are resolved elsewhere)."""
    if is_empty(value):
        return ""
    if f.kind == CHOICE:
        return f.choice_label(value)
    if f.kind == MULTICHOICE:
        return "; ".join(f.choice_label(v) for v in value)
    if f.kind in (TAGS, LINK):
        return "; ".join(value)
    if f.kind == BOOL:
        return "Yes" if value else "No"
    if f.kind == ROWS:
        return rows_to_text(f, value)
    return str(value)


def search_text(values: Mapping[str, Any]) -> str:
    """Everything a filter should match, case-folded once at save time (Unicode-aware)."""
    parts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, Mapping):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif value is not None and not isinstance(value, bool):
            parts.append(str(value))

    walk(values)
    return " ".join(parts).casefold()
