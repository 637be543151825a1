"""What the report says, as plain text in plain dataclasses: no I/O, no Jinja, no markup.

Every value a user typed leaves here as a `str`; the templates only place it (autoescaped), so
nothing a user writes can become HTML or CSS. Dates are written the UK way (DD/MM/YYYY) and
instants in the organisation's time zone. Registers are read through their schemas, so a field
added to a register appears in the report without touching this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta

from dpo_tui.domain import registers
from dpo_tui.domain import schema as s
from dpo_tui.domain.records import HIGH, LOW, MEDIUM, Finding, Record, Snapshot
from dpo_tui.domain.vocab import constants
from dpo_tui.report.sections import SECTIONS, TITLES

# The report's sections, in order. The table of contents is made from whichever are chosen.
SEVERITY_LABEL = {HIGH: "High", MEDIUM: "Medium", LOW: "Low"}
DEFAULT_TIMEZONE = "Europe/London"
BREACH_PERIOD_MONTHS = 12  # "breaches in the period": the year to the report date
MAX_DEADLINES = 40  # the summary stays a summary; the registers hold the rest
EMPTY = "—"
MISSING = "Missing"
NOT_RECORDED = "Not recorded"



def regulator() -> str:
    """The regulator's short name, kept in data/constants.json (the ICO is to be renamed)."""
    return str(constants().get("regulator_short", "ICO"))


def clock_label() -> str:
    """'72-hour clock' (UK GDPR Art 33(1)), the hours from data/constants.json."""
    return f"{constants()['breach_notification_hours']}-hour clock"


_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


class TimelineLike(Protocol):
    """A breach timeline entry (storage.repository.TimelineEntry has these attributes)."""

    uid: str
    at: str
    kind: str
    text: str
    actor: str
    data: dict[str, Any]


# ---------------------------------------------------------------- structures


@dataclass
class Cell:
    text: str
    cls: str = ""  # "missing", "overdue", "muted", "ok", "warn"
    anchor: str = ""  # the cell's text links to this record in the report


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Cell]]
    widths: list[str] = field(default_factory=list)  # CSS widths, e.g. "12%"
    cls: str = ""
    caption: str = ""
    empty: str = ""  # said instead of the table when it has no rows


@dataclass
class Line:
    """One field (or ICO column) of a record: label and value, both plain text."""

    label: str
    text: str
    number: int | None = None  # ICO template column
    cls: str = ""  # "missing" or "empty"
    short: str = ""  # shown instead of the label where the full one is given once elsewhere


@dataclass
class Group:
    title: str
    lines: list[Line]


@dataclass
class FindingRow:
    severity: str  # label: High, Medium, Low
    cls: str  # high, medium, low
    ref: str
    message: str
    register: str = ""


@dataclass
class TimelineRow:
    at: str
    kind: str
    text: str
    actor: str


@dataclass
class AssessmentView:
    at: str
    actor: str
    outcome: str
    answers: list[Line]


@dataclass
class Block:
    """One record in full, under its register's section headings."""

    anchor: str
    ref: str
    title: str
    status: str = ""
    groups: list[Group] = field(default_factory=list)
    not_recorded: list[str] = field(default_factory=list)
    empty_columns: list[int] = field(default_factory=list)  # ICO columns with nothing recorded
    findings: list[FindingRow] = field(default_factory=list)
    notes: list[Line] = field(default_factory=list)  # computed facts shown after the fields
    clock: str = ""  # breaches: where it stands against the 72 hours
    assessments: list[AssessmentView] = field(default_factory=list)
    timeline: list[TimelineRow] = field(default_factory=list)


@dataclass
class Section:
    id: str
    title: str
    number: int = 0
    available: bool = True
    empty: str = ""  # said instead of the content when there is nothing to show
    intro: str = ""
    tables: list[Table] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tables_after: list[Table] = field(default_factory=list)  # shown after the records

    @property
    def anchor(self) -> str:
        return f"sec-{self.id}"

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.title}" if self.number else self.title


@dataclass
class Cover:
    organisation: str
    report_date: str
    prepared_by: str
    registration_number: str
    registration_expiry: str
    role: str
    lines: list[Line]


@dataclass
class ReportContext:
    organisation: str
    report_date: str  # DD/MM/YYYY
    report_date_iso: str  # YYYY-MM-DD (file names, metadata)
    created: str  # W3C date-time for the PDF metadata
    title: str
    subject: str
    author: str
    keywords: list[str]
    cover: Cover | None
    sections: list[Section]
    app_version: str = ""

    @property
    def toc(self) -> list[Section]:
        return [section for section in self.sections if section.id != "cover"]

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)


# ---------------------------------------------------------------- formatting


def uk_date(value: date | str | None) -> str:
    """'2026-11-22' -> '22/11/2026' (the UK order); empty stays empty."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y")


def _zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def _instant(value: datetime | str) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def uk_datetime(value: datetime | str | None, tz: str | None = DEFAULT_TIMEZONE) -> str:
    """A stored UTC instant as the organisation reads it: '24/11/2026 10:15 GMT'."""
    if value in (None, ""):
        return ""
    return _instant(value).astimezone(_zone(tz)).strftime("%d/%m/%Y %H:%M %Z")


def uk_dates_in(text: str) -> str:
    """ISO dates inside a sentence (finding messages) written the UK way."""
    return _ISO_DATE.sub(lambda m: f"{m.group(3)}/{m.group(2)}/{m.group(1)}", text)


def first_line(text: str, limit: int = 90) -> str:
    """The first line, shortened at a word boundary to `limit` characters (for headings)."""
    line = (text or "").strip().split("\n", 1)[0].strip()
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + "…"


def field_text(f: s.Field, value: Any, *, tz: str | None = DEFAULT_TIMEZONE,
               names: Mapping[str, str] | None = None) -> str:
    """A value as plain text for the report. Lists of links and table rows go one per line."""
    if s.is_empty(value):
        return ""
    if f.kind == s.DATE:
        return uk_date(value)
    if f.kind == s.DATETIME:
        return uk_datetime(value, tz)
    if f.kind == s.LINK:
        names = names or {}
        return "\n".join(names.get(i, "(a record no longer available)") for i in value)
    if f.kind == s.ROWS:
        return "\n".join(" | ".join(cell for cell in (row.get(c, "") for c in f.columns) if cell)
                         for row in value)
    if f.kind == s.INT:
        return f"{value:,}"
    return s.display(f, value)


def record_title(schema: s.RegisterSchema, record: Record, limit: int = 80) -> str:
    value = record.values.get(schema.title_field)
    text = s.display(schema.field(schema.title_field), value) if value else ""
    return first_line(text, limit) or record.ref


def record_names(snapshot: Snapshot) -> dict[str, str]:
    """id -> 'REF title' for every live record, to show links by name."""
    names = {}
    for register, records in snapshot.records.items():
        try:
            schema = registers.schema(register)
        except (KeyError, ImportError):
            continue
        for record in records:
            if record.id:
                names[record.id] = f"{record.ref} {record_title(schema, record, 60)}".strip()
    return names


def _finding_row(finding: Finding, register_titles: Mapping[str, str] | None = None) -> FindingRow:
    return FindingRow(
        severity=SEVERITY_LABEL.get(finding.severity, finding.severity.title()),
        cls=finding.severity,
        ref=finding.ref,
        message=uk_dates_in(finding.message),
        register=(register_titles or {}).get(finding.register, finding.register),
    )


def _as_date(value: Any) -> date | None:
    if not value:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# ---------------------------------------------------------------- record blocks


class _Builder:
    """Builds every section from one snapshot; holds the lookups the sections share."""

    def __init__(self, snapshot: Snapshot, findings: Sequence[Finding], *,
                 timelines: Mapping[str, Sequence[TimelineLike]] | None = None,
                 names: Mapping[str, str] | None = None, actor: str = ""):
        if snapshot.as_of is None:
            raise ValueError("the snapshot needs as_of (the report date comes from the clock)")
        self.snap = snapshot
        self.org = snapshot.org.values
        self.today = snapshot.today
        self.tz = snapshot.setting("timezone", DEFAULT_TIMEZONE)
        self.findings = sorted(findings, key=lambda f: f.sort_key)
        self.timelines = timelines or {}
        self.names = {**record_names(snapshot), **(names or {})}
        self.actor = actor
        self.by_record: dict[str, list[Finding]] = {}
        for finding in self.findings:
            if finding.record_id:
                self.by_record.setdefault(finding.record_id, []).append(finding)
        self.anchors: dict[str, str] = {}
        self.linked_from: dict[str, list[str]] = {}  # target id -> ids of activities linking it
        for activity in snapshot.of("activity"):
            for f in self._link_fields("activity"):
                for target in activity.values.get(f.name) or []:
                    self.linked_from.setdefault(target, []).append(activity.id or "")

    # ------------------------------------------------------------ helpers

    def _link_fields(self, register: str) -> tuple[s.Field, ...]:
        try:
            return registers.schema(register).link_fields
        except (KeyError, ImportError):
            return ()

    def available(self, register: str) -> bool:
        return register in self.snap.records

    def anchor(self, record: Record) -> str:
        key = record.id or record.ref
        if key not in self.anchors:
            self.anchors[key] = f"r{len(self.anchors) + 1}"
        return self.anchors[key]

    def text(self, f: s.Field, value: Any) -> str:
        return field_text(f, value, tz=self.tz, names=self.names)

    def setting_int(self, name: str, default: int) -> int:
        try:
            return int(self.snap.setting(name, default))
        except (TypeError, ValueError):
            return default

    def used_by(self, record: Record) -> str:
        ids = self.linked_from.get(record.id or "", [])
        return "\n".join(self.names.get(i, i) for i in dict.fromkeys(ids))

    def block(self, schema: s.RegisterSchema, record: Record, *, ico: bool = False) -> Block:
        """A record under its schema's section headings; empty fields a rule needs are 'Missing'.

        A field is marked missing when it is required by the schema or a finding names it: the
        register's own rules say what matters, so this module need not know them.
        """
        found = self.by_record.get(record.id or "", [])
        flagged = {f.field for f in found if f.field}
        status = ""
        if "status" in schema.field_names:
            status = self.text(schema.field("status"), record.values.get("status"))
        block = Block(anchor=self.anchor(record), ref=record.ref,
                      title=record_title(schema, record), status=status,
                      findings=[_finding_row(f) for f in found])
        columns = self._ico_columns(schema) if ico else {}
        for title, fields in schema.sections():
            lines: list[Line] = []
            for f in fields:
                if f.name == "status":
                    continue  # shown beside the title
                if ico and f.ico_column is not None:
                    column = columns[f.ico_column]
                    if column[0] is f:
                        line = self._ico_line(record, column, flagged)
                        if line is None:
                            block.empty_columns.append(f.ico_column)
                        else:
                            lines.append(line)
                    continue
                text = self.text(f, record.values.get(f.name))
                if text:
                    lines.append(Line(f.label, text))
                elif f.required or f.name in flagged:
                    lines.append(Line(f.label, MISSING, cls="missing"))
                else:
                    block.not_recorded.append(f.label)
            if lines:
                block.groups.append(Group(title, lines))
        return block

    @staticmethod
    def _ico_columns(schema: s.RegisterSchema) -> dict[int, list[s.Field]]:
        columns: dict[int, list[s.Field]] = {}
        for f in schema.fields:
            if f.ico_column is not None:
                columns.setdefault(f.ico_column, []).append(f)
        return columns

    def _ico_line(self, record: Record, column: list[s.Field], flagged: set[str]) -> Line | None:
        """One ICO template column: its own label, and every field that fills it.

        None for an empty column nothing requires ("if applicable", good practice): the block
        lists those by number instead, which keeps each activity short.
        """
        main, *extra = column
        parts = []
        text = self.text(main, record.values.get(main.name))
        if text:
            parts.append(text)
        for f in extra:
            more = self.text(f, record.values.get(f.name))
            if more:
                parts.append(f"{f.label}: {more}")
        number = main.ico_column
        short = ICO_SHORT_LABELS.get(number or 0, "")
        if parts:
            return Line(main.label, "\n".join(parts), number=number, short=short)
        if any(f.required or f.name in flagged for f in column) or _ico_mandatory(number):
            return Line(main.label, MISSING, number=number, cls="missing", short=short)
        return None

    # ------------------------------------------------------------ sections

    def build(self, wanted: Sequence[str], *, app_version: str = "") -> ReportContext:
        sections: list[Section] = []
        number = 0
        for section_id in wanted:
            if section_id == "cover":
                continue
            section = getattr(self, f"section_{section_id}")()
            if section is None:
                continue
            number += 1
            section.number = number
            sections.append(section)
        cover = self.cover() if "cover" in wanted else None
        if cover is not None:
            sections.insert(0, Section("cover", TITLES["cover"]))
        organisation = self.org.get("name") or "Organisation"
        report_date = uk_date(self.today)
        return ReportContext(
            organisation=organisation,
            report_date=report_date,
            report_date_iso=self.today.isoformat(),
            created=_instant(self.snap.as_of).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            title=f"Data protection report: {organisation}, {report_date}",
            subject=("UK GDPR record of processing and accountability report "
                     f"(Art 5(2), Art 30) as of {report_date}"),
            author=self.prepared_by(),
            keywords=["UK GDPR", "Article 30", "record of processing", "data protection"],
            cover=cover,
            sections=sections,
            app_version=app_version,
        )

    def prepared_by(self) -> str:
        return self.org.get("prepared_by") or self.org.get("dpo_name") or self.actor or ""

    def role(self) -> str:
        from dpo_tui.domain.organisation import SCHEMA

        return self.text(SCHEMA.field("role"), self.org.get("role")) or "Controller"

    def cover(self) -> Cover:
        from dpo_tui.domain.organisation import SCHEMA

        expiry = self.org.get("registration_expiry")
        expiry_text = uk_date(expiry)
        expiry_date = _as_date(expiry)
        if expiry_date and expiry_date < self.today:
            expiry_text += " (expired)"
        number = self.org.get("ico_registration_number") or NOT_RECORDED
        lines = [
            Line("Report date", uk_date(self.today)),
            Line("Prepared by", self.prepared_by() or NOT_RECORDED),
            Line("Role", self.role()),
            Line(f"{regulator()} registration number", number,
                 cls="" if self.org.get("ico_registration_number") else "missing"),
            Line("Registration expires", expiry_text or NOT_RECORDED,
                 cls="" if expiry else "missing"),
        ]
        tier = self.org.get("fee_tier")
        if tier:
            lines.append(Line("Fee tier", self.text(SCHEMA.field("fee_tier"), tier)))
        return Cover(
            organisation=self.org.get("name") or "Organisation",
            report_date=uk_date(self.today),
            prepared_by=self.prepared_by(),
            registration_number=number,
            registration_expiry=expiry_text,
            role=self.role(),
            lines=lines,
        )

    # ---- summary

    def section_summary(self) -> Section:
        section = Section("summary", TITLES["summary"])
        section.intro = (f"The state of the records on {uk_date(self.today)}: what is recorded, "
                         "what needs attention, and what falls due next.")
        section.tables.append(self._register_status())
        section.tables.append(self._severity_counts())
        section.tables.append(self._breaches_in_period())
        section.tables.append(self._deadlines())
        return section

    def _register_status(self) -> Table:
        rows = []
        titles = [("organisation", "Organisation profile")]
        for name in registers.MODULES:
            try:
                titles.append((name, registers.schema(name).title))
            except (KeyError, ImportError):
                titles.append((name, name.replace("_", " ").capitalize()))
        for name, title in titles:
            found = [f for f in self.findings if f.register == name]
            counts = {sev: sum(1 for f in found if f.severity == sev) for sev in SEVERITY_LABEL}
            if name == "organisation":
                records = "1"
            elif not self.available(name):
                rows.append([Cell(title), Cell(EMPTY, "muted"), Cell(""), Cell(""), Cell(""),
                             Cell("Not available in this version", "muted")])
                continue
            else:
                records = f"{len(self.snap.of(name)):,}"
            if counts[HIGH]:
                status = Cell("Needs attention", "high")
            elif counts[MEDIUM]:
                status = Cell("Gaps to fill", "medium")
            elif counts[LOW]:
                status = Cell("Minor gaps", "low")
            elif records == "0":
                status = Cell("No records", "muted")
            else:
                status = Cell("No findings", "ok")
            rows.append([Cell(title), Cell(records, "num"),
                         *[Cell(str(counts[sev]) if counts[sev] else EMPTY, "num") for sev in
                           SEVERITY_LABEL], status])
        return Table(["Register", "Records", "High", "Medium", "Low", "Status"], rows,
                     widths=["34%", "11%", "9%", "10%", "9%", "27%"], cls="status",
                     caption="Registers and their findings")

    def _severity_counts(self) -> Table:
        counts = {sev: sum(1 for f in self.findings if f.severity == sev) for sev in SEVERITY_LABEL}
        meaning = {
            HIGH: "A legal requirement is not met or a deadline has passed: act now",
            MEDIUM: "Required information is missing or a review is overdue",
            LOW: "Good practice to complete",
        }
        rows = [[Cell(SEVERITY_LABEL[sev], sev), Cell(str(counts[sev]), "num"), Cell(meaning[sev])]
                for sev in SEVERITY_LABEL]
        rows.append([Cell("Total"), Cell(str(sum(counts.values())), "num"), Cell("")])
        return Table(["Priority", "Number", "Meaning"], rows,
                     widths=["20%", "12%", "68%"], cls="severity",
                     caption="Open findings by priority")

    def _breaches_in_period(self) -> Table:
        start = self.today - relativedelta(months=BREACH_PERIOD_MONTHS)
        table = Table(["Breach", "Aware at", "Outcome", clock_label().capitalize()], [],
                      widths=["34%", "20%", "20%", "26%"], cls="breaches-period",
                      caption=f"Breaches in the {BREACH_PERIOD_MONTHS} months to "
                              f"{uk_date(self.today)}, and any still open",
                      empty="No breaches or near misses were logged in the period.")
        if not self.available("breach"):
            table.empty = "The breach log is not available in this version."
            return table
        from dpo_tui.domain import breaches

        for record in sorted(self.snap.of("breach"), key=lambda r: r.ref):
            values = record.values
            aware = values.get("aware_at")
            in_period = aware and _instant(aware).date() >= start
            if not (in_period or breaches.status(values) == breaches.OPEN):
                continue
            state = breaches.clock_state(values, self.snap.as_of)
            title = f"{record.ref} {first_line(values.get('what_happened') or '', 60)}"
            table.rows.append([Cell(title, anchor=self.anchor(record)),
                               Cell(uk_datetime(aware, self.tz)),
                               Cell(breaches.outcome_label(values.get("outcome"))),
                               _clock_cell(breaches, state)])
        return table

    def deadlines(self) -> list[tuple[date, str, str, str]]:
        """(date, what, ref, register title) for dates that fall due up to the next review."""
        items: list[tuple[date, str, str, str]] = []

        def add(when: Any, what: str, record: Record | None, register: str) -> None:
            due = _as_date(when)
            if due is not None:
                items.append((due, what, record.ref if record else "", register))

        add(self.org.get("registration_expiry"),
            f"{regulator()} registration (data protection fee) expires",
            None, "Organisation")
        activity_months = self.setting_int("activity_review_months", 12)
        processor_months = self.setting_int("processor_review_months", 12)
        if self.available("activity"):
            for record in self.snap.of("activity"):
                if record.get("status") == "retired":
                    continue
                due = _review_due(record.values, activity_months, "last_reviewed")
                add(due, f"Review activity: {record_title(registers.schema('activity'), record)}",
                    record, "Activities")
        if self.available("processor"):
            from dpo_tui.domain import processors

            for record in self.snap.of("processor"):
                if not processors.is_live(record.values):
                    continue
                name = record.get("legal_name", record.ref)
                add(record.get("contract_end"), f"Contract ends or renews: {name}", record,
                    "Processors")
                add(processors.next_review_due(record.values, processor_months),
                    f"Review processor: {name}", record, "Processors")
        if self.available("retention"):
            from dpo_tui.domain import retention
            from dpo_tui.domain.organisation import year_end

            fy_end = year_end(self.org)
            for record in self.snap.of("retention"):
                dates = retention.rule_dates(record.values, self.today, fy_end)
                category = record.get("category", record.ref)
                if dates.disposal is not None:
                    add(dates.disposal.date,
                        f"Disposal due: {category} of the year ended "
                        f"{uk_date(dates.disposal.year_end)}", record, "Retention")
                add(retention.next_review_due(record.values), f"Review retention rule: {category}",
                    record, "Retention")
        if self.available("action"):
            from dpo_tui.domain import actions

            for record in self.snap.of("action"):
                if actions.is_open(record.values):
                    add(record.get("due"), f"Action due: {record.get('what', '')}", record,
                        "Actions")
        if self.available("breach"):
            from dpo_tui.domain import breaches

            for record in self.snap.of("breach"):
                if breaches.needs_countdown(record.values):
                    state = breaches.clock_state(record.values, self.snap.as_of)
                    if state.deadline is not None:
                        add(state.deadline.astimezone(_zone(self.tz)).date(),
                            f"Report breach to the {regulator()} by "
                            f"{uk_datetime(state.deadline, self.tz)}",
                            record, "Breaches")
        if self.available("review"):
            from dpo_tui.domain import reviews

            add(reviews.review_due(self.snap, self.today).due, "Quarterly review due", None,
                "Reviews")
        horizon = self.next_review_date()
        return sorted((i for i in items if i[0] <= horizon), key=lambda i: (i[0], i[2]))

    def next_review_date(self) -> date:
        months = self.setting_int("review_interval_months", 3) or 3
        return self.today + relativedelta(months=months)

    def _deadlines(self) -> Table:
        items = self.deadlines()
        horizon = uk_date(self.next_review_date())
        table = Table(["Date", "What falls due", "Record", "Register"], [],
                      widths=["15%", "57%", "13%", "15%"], cls="deadlines",
                      caption=f"Deadlines to the next quarterly review ({horizon}), and overdue ones",
                      empty=f"Nothing falls due before {horizon}.")
        for due, what, ref, register in items[:MAX_DEADLINES]:
            overdue = due < self.today
            table.rows.append([Cell(uk_date(due) + (" overdue" if overdue else ""),
                                    "overdue" if overdue else ""),
                               Cell(what), Cell(ref), Cell(register)])
        if len(items) > MAX_DEADLINES:
            table.rows.append([Cell(""), Cell(f"… and {len(items) - MAX_DEADLINES:,} more: see "
                                              "the registers", "muted"), Cell(""), Cell("")])
        return table

    # ---- organisation

    def section_organisation(self) -> Section:
        from dpo_tui.domain.organisation import SCHEMA, SET

        section = Section("organisation", TITLES["organisation"])
        section.intro = ("The organisation's name and contact details, its data protection "
                         "officer and representative (UK GDPR Art 30(1)(a)).")
        block = self.block(SCHEMA, self.snap.org)
        block.groups = [g for g in block.groups if g.title != SET]
        block.not_recorded = []
        flagged = {f.field for f in self.by_record.get(self.snap.org.id or "", []) if f.field}
        # The Art 30(1)(a) block in full: every name and contact field, recorded or not.
        groups = []
        for title, fields in SCHEMA.sections():
            if title == SET:
                continue
            lines = []
            for f in fields:
                text = self.text(f, self.org.get(f.name))
                if text:
                    lines.append(Line(f.label, text))
                elif f.required or f.name in flagged:
                    lines.append(Line(f.label, MISSING, cls="missing"))
                else:
                    lines.append(Line(f.label, NOT_RECORDED, cls="empty"))
            groups.append(Group(title, lines))
        block.groups = groups
        block.title = self.org.get("name") or ""
        block.ref = ""  # the organisation has no register reference
        section.blocks.append(block)
        return section

    # ---- registers shown as an overview table then each record

    def _unavailable(self, section: Section, register: str) -> Section | None:
        if not self.available(register):
            section.available = False
            section.empty = f"The {section.title.lower()} is not available in this version."
            return section
        return None

    def section_activities(self) -> Section:
        section = Section("activities", TITLES["activities"])
        if self._unavailable(section, "activity"):
            return section
        schema = registers.schema("activity")
        section.intro = ("The record of processing activities kept under UK GDPR Art 30(1), in "
                         "the layout of the ICO's documentation template: an overview, then each "
                         "activity with the template's numbered columns. 'Missing' marks "
                         "information the law or the ICO template requires that is not recorded.")
        records = self.snap.of("activity")
        if not records:
            section.empty = ("No processing activities are recorded. UK GDPR Art 30(1) requires "
                             "a record of each processing activity.")
            return section
        lawful = _field_or_none(schema, "lawful_bases")
        function = _field_or_none(schema, "business_function")
        table = Table(["Ref", "Purpose of processing", "Business function", "Lawful basis",
                       "Status", "Gaps"], [],
                      widths=["9%", "36%", "17%", "20%", "10%", "8%"], cls="overview",
                      caption="Overview")
        for record in records:
            block = self.block(schema, record, ico=True)
            table.rows.append([
                Cell(record.ref, anchor=block.anchor),
                Cell(block.title),
                Cell(self.text(function, record.values.get(function.name)) if function else ""),
                Cell(self.text(lawful, record.values.get(lawful.name)).replace("; ", "\n")
                     if lawful else ""),
                Cell(block.status),
                Cell(str(len(block.findings)) if block.findings else EMPTY,
                     "num " + ("warn" if block.findings else "")),
            ])
            section.blocks.append(block)
        section.tables.append(table)
        section.tables.append(self._ico_legend(schema))
        return section

    def _ico_legend(self, schema: s.RegisterSchema) -> Table:
        """The ICO template's columns once, so each activity can name empty ones by number."""
        marks = {number: mark for number, _label, mark in _ico_columns_reference()}
        meaning = {"M": "Required (Art 30(1))", "R": "ICO good practice",
                   "S": "Required where DPA 2018 Sch 1 is relied on"}
        table = Table(["Col.", "ICO template column", "Status in the template"], [],
                      widths=["7%", "65%", "28%"], cls="legend",
                      caption="The ICO template's columns (numbers and short names used below)")
        for number, fields in sorted(self._ico_columns(schema).items()):
            table.rows.append([Cell(str(number), "num"), Cell(fields[0].label),
                               Cell(meaning.get(marks.get(number, ""), ""))])
        return table

    def section_client_processing(self) -> Section | None:
        from dpo_tui.domain.organisation import is_processor

        section = Section("client_processing", TITLES["client_processing"])
        has_records = bool(self.snap.of("client_processing"))
        if not is_processor(self.org) and not has_records:
            return None  # Art 30(2) applies only to an organisation acting as a processor
        if self._unavailable(section, "client_processing"):
            return section
        section.intro = ("The organisation also processes personal data on behalf of other "
                         "organisations (controllers). UK GDPR Art 30(2) requires this record: "
                         "each controller, the categories of processing carried out for it, "
                         "transfers and security measures.")
        schema = registers.schema("client_processing")
        records = self.snap.of("client_processing")
        if not records:
            section.empty = ("No processing for clients is recorded, though the organisation's "
                             "role includes acting as a processor.")
            return section
        section.tables.append(self._overview(schema, records))
        section.blocks.extend(self.block(schema, r) for r in records)
        return section

    def _overview(self, schema: s.RegisterSchema, records: list[Record],
                  extra: Sequence[tuple[str, Any]] = ()) -> Table:
        """Ref, the schema's table columns and the page each record is on."""
        fields = [f for f in schema.table_fields]
        columns = ["Ref", *[f.label for f in fields], *[label for label, _ in extra]]
        share = f"{90 / max(1, len(columns) - 1):.1f}%"
        table = Table(columns, [], widths=["10%", *[share] * (len(columns) - 1)], cls="overview",
                      caption="Overview")
        for record in records:
            row = [Cell(record.ref, anchor=self.anchor(record))]
            row += [Cell(self.text(f, record.values.get(f.name))) for f in fields]
            row += [Cell(fn(record)) for _, fn in extra]
            table.rows.append(row)
        return table

    def section_processors(self) -> Section:
        section = Section("processors", TITLES["processors"])
        if self._unavailable(section, "processor"):
            return section
        section.intro = ("Organisations that process personal data on our behalf, the contracts "
                         "with them (UK GDPR Art 28) and where the data goes.")
        records = self.snap.of("processor")
        if not records:
            section.empty = "No processors are recorded."
            return section
        from dpo_tui.domain import processors

        schema = registers.schema("processor")
        table = Table(["Ref", "Processor and service", "Status", "Contract ends", "Next review",
                       "Locations", "Used by"], [],
                      widths=["8%", "33%", "9%", "12%", "12%", "17%", "9%"], cls="overview",
                      caption="Overview")
        months = self.setting_int("processor_review_months", 12)
        for record in records:
            values = record.values
            block = self.block(schema, record)
            used = self.linked_from.get(record.id or "", [])
            name = values.get("legal_name") or record.ref
            service = values.get("service") or ""
            next_review = processors.next_review_due(values, months)
            overdue = next_review is not None and next_review < self.today
            table.rows.append([
                Cell(record.ref, anchor=block.anchor),
                Cell(f"{name}\n{service}".strip()),
                Cell(block.status),
                Cell(uk_date(values.get("contract_end")) or EMPTY),
                Cell(uk_date(next_review) or EMPTY, "overdue" if overdue else ""),
                Cell("; ".join(values.get("locations") or []) or EMPTY),
                Cell(f"{len(used)}" if used else EMPTY, "num"),
            ])
            if processors.is_live(values):
                missing = processors.missing_clauses(values)
                if missing:
                    block.notes.append(Line("Art 28(3) clauses not recorded", "\n".join(missing),
                                            cls="missing"))
            if used:
                block.notes.append(Line("Used by activities", self.used_by(record)))
            section.blocks.append(block)
        section.tables.append(table)
        return section

    def section_retention(self) -> Section:
        section = Section("retention", TITLES["retention"])
        if self._unavailable(section, "retention"):
            return section
        records = self.snap.of("retention")
        if not records:
            section.empty = "No retention rules are recorded."
            return section
        from dpo_tui.domain import retention
        from dpo_tui.domain.organisation import year_end

        today = uk_date(self.today)
        section.intro = ("How long each kind of record is kept, why, and what happens at the end "
                         "(UK GDPR Art 5(1)(e), Art 30(1)(f)). Cut-off date: records whose "
                         f"trigger date is before it are due for disposal as of {today}. Next "
                         "disposal: for periods counted from a year end, the next date on which "
                         "a whole year's records fall due. Computed dates are a guide, not "
                         "legal advice.")
        schema = registers.schema("retention")
        fy_end = year_end(self.org)
        table = Table(["Ref", "Records", "Period", "Justification", "At the end", "Cut-off",
                       "Next disposal"], [],
                      widths=["6%", "22%", "21%", "27%", "8%", "8%", "8%"], cls="retention")
        for record in records:
            values = record.values
            dates = retention.rule_dates(values, self.today, fy_end)
            details = [values.get("category") or record.ref]
            systems = "; ".join(values.get("systems") or [])
            if systems:
                details.append(f"Kept in: {systems}")
            used = self.used_by(record)
            if used:
                details.append("Activities: " + used.replace("\n", "; "))
            owner = values.get("owner")
            review = retention.next_review_due(values)
            if owner or review:
                details.append("; ".join(p for p in (
                    f"Owner: {owner}" if owner else "",
                    f"review by {uk_date(review)}" if review else "") if p))
            period = retention.describe_period(values)
            criteria = values.get("criteria") or ""
            if criteria and criteria not in period:
                period = f"{period}\n{criteria}".strip()  # criteria qualify a fixed period
            justification = values.get("justification") or ""
            kind = values.get("justification_type")
            if kind:
                label = self.text(schema.field("justification_type"), kind).split(" (")[0]
                justification = f"{label}: {justification}" if justification else label
            table.rows.append([
                Cell(record.ref),
                Cell("\n".join(details)),
                Cell(period or MISSING, "" if period else "missing"),
                Cell(justification or MISSING, "" if justification else "missing"),
                Cell(self.text(schema.field("end_action"), values.get("end_action"))),
                Cell(uk_date(dates.cutoff) or EMPTY),
                Cell(uk_date(dates.next_disposal) or EMPTY),
            ])
        section.tables.append(table)
        found = [f for f in self.findings if f.register == "retention"]
        if found:
            section.notes.extend(uk_dates_in(f.message) for f in found)
        return section

    def section_breaches(self) -> Section:
        section = Section("breaches", TITLES["breaches"])
        if self._unavailable(section, "breach"):
            return section
        section.intro = ("Every personal data breach and near miss, reported or not (UK GDPR "
                         f"Art 33(5)), with the {clock_label()} (Art 33(1)), the assessment "
                         "decisions and the timeline of what was done. Times are shown in "
                         f"{self.tz}.")
        records = sorted(self.snap.of("breach"), key=lambda r: r.ref)
        if not records:
            section.empty = "No breaches or near misses are logged."
            return section
        from dpo_tui.domain import breaches

        schema = registers.schema("breach")
        table = Table(["Ref", "What happened", "Aware at", "Outcome",
                       clock_label().capitalize()], [],
                      widths=["13%", "34%", "17%", "16%", "20%"], cls="overview",
                      caption="Overview")
        for record in records:
            values = record.values
            state = breaches.clock_state(values, self.snap.as_of)
            block = self.block(schema, record)
            block.status = "Closed" if breaches.status(values) == breaches.CLOSED else "Open"
            block.clock = f"{clock_label().capitalize()}: {state.describe(self.tz)}"
            block.assessments, block.timeline = self._timeline(record)
            table.rows.append([
                Cell(record.ref, anchor=block.anchor), Cell(block.title),
                Cell(uk_datetime(values.get("aware_at"), self.tz)),
                Cell(breaches.outcome_label(values.get("outcome"))),
                _clock_cell(breaches, state),
            ])
            section.blocks.append(block)
        section.tables.append(table)
        return section

    def _timeline(self, record: Record) -> tuple[list[AssessmentView], list[TimelineRow]]:
        """Timeline rows in order, and each assessment with its answers (question order)."""
        from dpo_tui.domain import breaches

        entries = list(self.timelines.get(record.id or "", []))
        questions = _assessment_questions()
        order = {qid: n for n, qid in enumerate(questions)}
        by_uid = {e.uid: e for e in entries}
        assessments, rows = [], []
        for entry in entries:
            when = uk_datetime(entry.at, self.tz)
            text = entry.text
            if entry.kind == "assessment":
                answers = []
                given = entry.data.get("answers") or {}
                for qid in sorted(given, key=lambda q: (order.get(q, len(order)), q)):
                    answer = given[qid]
                    question = questions.get(qid)
                    label = question.label(answer.get("answer", "")) if question else \
                        str(answer.get("answer", ""))
                    reason = answer.get("reason") or ""
                    answers.append(Line(question.text if question else qid,
                                        f"{label}. {reason}".strip()))
                outcome = entry.data.get("outcome") or ""
                assessments.append(AssessmentView(when, entry.actor,
                                                  breaches.outcome_label(outcome), answers))
                text = first_line(text, 200)
            corrected = entry.data.get("corrects") if entry.data else None
            if corrected and corrected in by_uid:
                text += f"\n(Corrects the entry of {uk_datetime(by_uid[corrected].at, self.tz)}.)"
            rows.append(TimelineRow(when, entry.kind.capitalize(), text, entry.actor))
        return assessments, rows

    def section_findings(self) -> Section:
        section = Section("findings", TITLES["findings"])
        section.intro = ("Every gap the checks found, most serious first: each line is an action "
                         "to take. Findings disappear from the next report once the record is "
                         "complete.")
        if not self.findings:
            section.empty = f"No findings: every check passed on {uk_date(self.today)}."
            return section
        titles = {"organisation": "Organisation"}
        for name in registers.MODULES:
            try:
                titles[name] = registers.schema(name).singular.capitalize()
            except (KeyError, ImportError):
                pass
        table = Table(["No.", "Priority", "Record", "Action needed"], [],
                      widths=["6%", "10%", "20%", "64%"], cls="findings")
        for n, finding in enumerate(self.findings, start=1):
            row = _finding_row(finding, titles)
            record = f"{row.register}\n{row.ref}".strip() if row.ref != self.org.get("name") \
                else row.register
            table.rows.append([Cell(str(n), "num"), Cell(row.severity, row.cls), Cell(record),
                               Cell(row.message)])
        section.tables.append(table)
        return section

    def section_actions(self) -> Section:
        section = Section("actions", TITLES["actions"])
        if self._unavailable(section, "action"):
            return section
        records = self.snap.of("action")
        if not records:
            section.empty = "No actions are recorded."
            return section
        from dpo_tui.domain import actions

        schema = registers.schema("action")
        section.intro = "Things to do raised by reviews, findings and incidents, open ones first."
        table = Table(["Ref", "What needs doing", "Owner", "Due", "Status", "Raised from"], [],
                      widths=["8%", "40%", "14%", "12%", "11%", "15%"], cls="actions")

        def order(record: Record) -> tuple[int, str, str]:
            return (0 if actions.is_open(record.values) else 1, record.get("due") or "9999",
                    record.ref)

        for record in sorted(records, key=order):
            values = record.values
            due = _as_date(values.get("due"))
            overdue = bool(due and due < self.today and actions.is_open(values))
            table.rows.append([
                Cell(record.ref), Cell(values.get("what") or ""),
                Cell(values.get("owner") or EMPTY),
                Cell((uk_date(due) + (" overdue" if overdue else "")) if due else EMPTY,
                     "overdue" if overdue else ""),
                Cell(self.text(schema.field("status"), values.get("status"))),
                Cell(values.get("source") or ""),
            ])
        section.tables.append(table)
        return section

    def section_review(self) -> Section:
        section = Section("review", TITLES["review"])
        if self._unavailable(section, "review"):
            return section
        from dpo_tui.domain import reviews

        records = self.snap.of("review")
        last = reviews.latest_signed_off(records)
        current = reviews.in_progress(records)
        due = reviews.review_due(self.snap, self.today).due
        if last is None:
            section.empty = "No quarterly review has been signed off yet."
            if current is not None:
                section.empty += (f" The review of {current.get('period', '')} is in progress "
                                  f"(started {uk_date((current.get('started_at') or '')[:10])}).")
            section.empty += f" The next review is due by {uk_date(due)}."
            return section
        schema = registers.schema("review")
        source = reviews.accountability().get("source", {}).get("name", "ICO Accountability Framework")
        section.intro = ("The latest signed-off quarterly review: who signed it off and when, "
                         "what it covered and what was decided, and the accountability "
                         f"self-check ({source}).")
        block = Block(anchor=self.anchor(last), ref=last.ref,
                      title=f"Review of {last.get('period', '')}".strip(), status="Signed off")
        lines = [Line(f.label, self.text(f, last.values.get(f.name)) or NOT_RECORDED,
                      cls="" if last.values.get(f.name) else "empty")
                 for f in schema.fields
                 if f.name in ("period", "reviewer", "started_at", "signed_off_at", "next_due",
                               "notes")]
        block.groups.append(Group("Sign-off", lines))
        if current is not None:
            block.notes.append(Line("Review in progress",
                                    f"{current.get('period', '')}, started "
                                    f"{uk_date((current.get('started_at') or '')[:10])}"))
        section.blocks.append(block)
        items = Table(["Ref", "Register", "Item", "Decision", "Note"], [],
                      widths=["10%", "17%", "37%", "14%", "22%"], cls="review-items",
                      caption="What the review covered",
                      empty="The review recorded no items.")
        for item in reviews.items_for_report(last):
            note = "; ".join(p for p in (item["note"], f"Action {item['action']}"
                                         if item["action"] else "") if p)
            items.rows.append([Cell(item["ref"]), Cell(item["register"]),
                               Cell(uk_dates_in(item["item"])), Cell(item["decision"]),
                               Cell(note)])
        section.tables_after.append(items)
        answered, answers = reviews.latest_answers(records)
        labels = {a["value"]: a["label"] for a in reviews.accountability().get("answers", [])}
        check = Table(["Category", "Question", "Answer", "Notes"], [],
                      widths=["20%", "46%", "10%", "24%"], cls="accountability",
                      caption=f"Accountability self-check ({source})"
                              + (f", review of {answered.get('period', '')}" if answered else ""),
                      empty="No accountability self-check answers have been recorded.")
        for row in answers:
            answer = row.get("answer", "")
            check.rows.append([Cell(row.get("category", "")), Cell(row.get("question", "")),
                               Cell(labels.get(answer, answer),
                                    {"yes": "ok", "partly": "warn", "no": "high"}.get(answer, "")),
                               Cell(row.get("notes", ""))])
        section.tables_after.append(check)
        return section


def _field_or_none(schema: s.RegisterSchema, name: str) -> s.Field | None:
    try:
        return schema.field(name)
    except KeyError:
        return None


# Each activity names an ICO column by its number and these few words; the legend before the
# activities gives every column's full label once. The full labels, repeated for every activity,
# were a third of the section's text (and so of its lines, which are what laying out costs).
ICO_SHORT_LABELS = {
    3: "Joint controller",
    7: "Contract with processor",
    8: "Transfers to third countries or international organisations",
    9: "Safeguards for exceptional transfers",
    10: "Retention schedule",
    11: "Security measures",
    12: "Lawful basis (Art 6)",
    13: "Special category condition (Art 9)",
    14: "Legitimate interests",
    15: "Legitimate interests assessment",
    17: "Automated decision-making",
    18: "Source of the data",
    19: "Record of consent",
    21: "DPIA required?",
    22: "DPIA progress",
    23: "Link to the DPIA",
    24: "Breach occurred?",
    25: "Breach records",
    26: "DPA 2018 Sch 1 condition",
    27: "Art 6 lawful basis (Sch 1)",
    28: "Retention and erasure policy",
    29: "Retained and erased as the policy says?",
    30: "Reasons for not following the policy",
}


def _ico_columns_reference() -> tuple[tuple[int, str, str], ...]:
    """(number, label, M/R/S) for the ICO template, from the activity register when present."""
    try:
        from dpo_tui.domain.activities import ICO_COLUMNS
    except ImportError:
        return ()
    return tuple(ICO_COLUMNS)


def _ico_mandatory(number: int | None) -> bool:
    """Columns the ICO marks mandatory for every activity (not 'if applicable', not Sch 1)."""
    for column, label, mark in _ico_columns_reference():
        if column == number:
            return mark == "M" and "if applicable" not in label
    return False


def _review_due(values: Mapping[str, Any], months: int, last_field: str) -> date | None:
    """The recorded next review, else the interval after the last review."""
    if values.get("next_review"):
        return _as_date(values["next_review"])
    last = _as_date(values.get(last_field))
    return last + relativedelta(months=months) if last else None


def _assessment_questions() -> dict[str, Any]:
    try:
        from dpo_tui.domain import breach_assessment
    except ImportError:
        return {}
    return {q.id: q for q in breach_assessment.questions()}


def _clock_cell(breaches: Any, state: Any) -> Cell:
    """Whether the breach met the 72-hour clock (Art 33(1)), as one short phrase."""
    if state.status == breaches.NOTIFIED_IN_TIME:
        return Cell(f"Met: {state.short()}", "ok")
    if state.status == breaches.NOTIFIED_LATE:
        return Cell(f"Missed: {state.short()}", "high")
    if state.status == breaches.OVERDUE:
        return Cell(f"Missed: not reported, {state.short()}", "high")
    if state.status in (breaches.RUNNING, breaches.UNDER_WARNING):
        return Cell(f"Running: {state.short()}", "warn")
    if state.status == breaches.NOT_REQUIRED:
        return Cell(f"No report needed ({state.reason})", "muted")
    return Cell("Clock not started", "muted")


# ---------------------------------------------------------------- entry point


def unknown_sections(names: Iterable[str]) -> list[str]:
    return [n for n in names if n not in SECTIONS]


def build_context(snapshot: Snapshot, findings: Sequence[Finding], *,
                  sections: Sequence[str] | None = None,
                  timelines: Mapping[str, Sequence[TimelineLike]] | None = None,
                  names: Mapping[str, str] | None = None, actor: str = "",
                  app_version: str = "") -> ReportContext:
    """The whole report as plain data.

    `timelines` maps breach ids to their timeline entries; `names` adds 'REF title' for linked
    records that are not live (archived ones); `actor` is the last fallback for "prepared by".
    Sections are shown in the report's own order whatever order they are given in.
    """
    wanted = list(SECTIONS) if sections is None else list(sections)
    bad = unknown_sections(wanted)
    if bad:
        raise ValueError(f"unknown report sections: {', '.join(bad)}; "
                         f"valid: {', '.join(SECTIONS)}")
    ordered = [name for name in SECTIONS if name in wanted]
    builder = _Builder(snapshot, findings, timelines=timelines, names=names, actor=actor)
    return builder.build(ordered, app_version=app_version)


def deadlines(snapshot: Snapshot) -> list[tuple[date, str, str, str]]:
    """The summary's deadlines (date, what, ref, register) up to the next quarterly review."""
    return _Builder(snapshot, []).deadlines()


