"""Moving the record in and out of the ICO's controller spreadsheet, and registers out as CSV.

Import reads the user's copy of gdpr-documentation-controller-template.xlsx (or anything like
it), shows what it would do (`preview_import`: every row ready, with warnings, invalid,
duplicate or skipped, with its spreadsheet row number and why) and then writes it all or
nothing (`commit_import`, one transaction). Export writes the ICO layout back out
(`export_ico`) and any register as CSV (`export_csv`).

Files are hostile input: anything that is not a readable .xlsx is refused with a message that
says what to do, and nothing is written. Output files hold personal data: they are written to a
temp file beside the target, made private (0600) and renamed into place. Text that a
spreadsheet would run as a formula is written as text (CSV: with a leading apostrophe).

openpyxl is imported inside the functions that use it, so the CLI starts fast.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from dpo_tui.domain import ico_template as ico
from dpo_tui.domain import registers
from dpo_tui.domain import schema as s
from dpo_tui.domain.organisation import SCHEMA as ORG_SCHEMA
from dpo_tui.domain.records import Record
from dpo_tui.services import organisations
from dpo_tui.services import records as record_service
from dpo_tui.services.workspace import Workspace
from dpo_tui.storage import repository as repo
from dpo_tui.storage.db import StorageError

ACTIVITY = "activity"

READY = "ready"
WARNING = "warning"
INVALID = "invalid"
DUPLICATE = "duplicate"
SKIPPED = "skipped"

CREATE, UPDATE, SKIP = "create", "update", "skip"
ON_DUPLICATE = (SKIP, UPDATE)

MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_ROWS = 100_000
BLANK_RUN = 10_000  # blank rows in a row taken as the end of the sheet
EXCEL_CELL_LIMIT = 32_767  # characters Excel keeps in one cell
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, or an .xlsx with a password
_MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]+\d+(?::[A-Z]+\d+)?)\"")


class SpreadsheetError(ValueError):
    """A spreadsheet that cannot be read, or a file that cannot be written. Nothing was written."""


# ---------------------------------------------------------------- the plan


@dataclass
class PlannedRow:
    """One spreadsheet row and what the import would do with it."""

    row_number: int  # as the spreadsheet numbers it (1-based)
    status: str  # READY, WARNING, INVALID, DUPLICATE or SKIPPED
    values: dict[str, Any] = field(default_factory=dict)  # only the fields of present columns
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # text kept in the history note, as written
    duplicate_of: str | None = None  # id of the live activity with the same function + purpose
    duplicate_ref: str = ""
    same_as_row: int | None = None  # an earlier row of the file with the same function + purpose

    @property
    def title(self) -> str:
        function = self.values.get("business_function") or ""
        purpose = self.values.get("purpose") or ""
        return f"{function} — {purpose}" if function and purpose else purpose or function

    def action(self, on_duplicate: str) -> str:
        if self.status in (READY, WARNING):
            return CREATE
        if self.status == DUPLICATE and self.duplicate_of and on_duplicate == UPDATE:
            return UPDATE
        return SKIP

    def reason(self, on_duplicate: str = SKIP) -> str:
        if self.errors:
            return "; ".join(self.errors)
        if self.status == DUPLICATE:
            if self.same_as_row:
                why = f"same business function and purpose as row {self.same_as_row}: skipped"
            else:
                verb = "will be updated" if on_duplicate == UPDATE else "skipped"
                why = f"already recorded as {self.duplicate_ref} (same business function and purpose): {verb}"
            return "; ".join([why, *self.warnings])
        return "; ".join(self.warnings)


@dataclass(frozen=True)
class OrgChange:
    field: str
    label: str
    before: str
    after: str


@dataclass
class ImportPlan:
    path: str
    sheet: str
    header_row: int
    org_id: str | None  # None: a new organisation is created on commit
    org_name: str
    on_duplicate: str
    rows: list[PlannedRow] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # recognised columns, as the ICO names them
    file_warnings: list[str] = field(default_factory=list)
    org_values: dict[str, str] = field(default_factory=dict)  # the block as read (valid values)
    org_changes: list[OrgChange] = field(default_factory=list)
    org_kept: list[str] = field(default_factory=list)  # block values not used (field already set)

    @property
    def org_is_new(self) -> bool:
        return self.org_id is None

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    def actions(self, on_duplicate: str | None = None) -> dict[str, int]:
        choice = on_duplicate or self.on_duplicate
        counts = {CREATE: 0, UPDATE: 0, SKIP: 0}
        for r in self.rows:
            if r.status != INVALID:
                counts[r.action(choice)] += 1
        return counts

    def problems(self) -> list[PlannedRow]:
        """Rows a person should look at: warnings, invalid, duplicates, skipped."""
        return [r for r in self.rows if r.status != READY]

    def summary_lines(self, on_duplicate: str | None = None) -> list[str]:
        choice = on_duplicate or self.on_duplicate
        acts = self.actions(choice)
        lines = [
            f"File: {self.path} (sheet '{self.sheet}', header on row {self.header_row})",
            ("Into a new organisation: " if self.org_is_new else "Into: ") + self.org_name,
            f"Rows: {self.count(READY):,} ready, {self.count(WARNING):,} with warnings, "
            f"{self.count(INVALID):,} invalid, {self.count(DUPLICATE):,} duplicates, "
            f"{self.count(SKIPPED):,} skipped",
            f"Will create {_count(acts[CREATE], 'activity', 'activities')}, update "
            f"{acts[UPDATE]:,}, leave {acts[SKIP]:,} alone; "
            f"{_count(self.count(INVALID), 'invalid row')} not imported.",
        ]
        for change in self.org_changes:
            lines.append(f"Organisation {change.label}: "
                         + (f"'{change.before}' -> " if change.before else "")
                         + f"'{change.after}'")
        lines += [f"Organisation: {text}" for text in self.org_kept]
        return lines


@dataclass
class ImportSummary:
    org_id: str
    org_name: str
    org_created: bool
    created: list[str] = field(default_factory=list)  # refs
    updated: list[str] = field(default_factory=list)
    skipped: int = 0
    invalid: int = 0
    org_changes: list[OrgChange] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = []
        if self.org_created:
            lines.append(f"Created the organisation {self.org_name}.")
        for change in self.org_changes:
            lines.append(f"Organisation {change.label} set to '{change.after}'.")
        lines.append(f"Created {_count(len(self.created), 'activity', 'activities')}, updated "
                     f"{len(self.updated):,}, skipped {self.skipped:,}; "
                     f"{_count(self.invalid, 'invalid row')} not imported.")
        if self.created:
            lines.append("New activities are drafts: review each and mark it active.")
        return lines


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    warnings: tuple[str, ...] = ()


# ---------------------------------------------------------------- reading a workbook


@dataclass
class _Sheet:
    name: str
    rows: list[list[Any]]
    epoch: int
    header_index: int
    column_map: dict[int, int | str]
    merges: list[tuple[int, int, int, int]]  # min_row, min_col, max_row, max_col (0-based)


def _check_file(path: Path) -> None:
    if not path.exists():
        raise SpreadsheetError(f"There is no file {path}.")
    if path.is_dir():
        raise SpreadsheetError(f"{path} is a folder; give the path of an .xlsx file.")
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise SpreadsheetError(f"Cannot read {path} ({exc.strerror}).") from exc
    if size == 0:
        raise SpreadsheetError(f"{path} is empty (0 bytes); it is not an Excel workbook.")
    if size > MAX_FILE_BYTES:
        raise SpreadsheetError(f"{path} is {size / 1024 / 1024:.0f} MB; a record of processing "
                               f"is far smaller. Refusing files over {MAX_FILE_BYTES // 1024 // 1024} MB.")
    if head == _OLE_MAGIC:
        raise SpreadsheetError(
            f"{path} is an old-style .xls workbook or a password-protected one. Open it in Excel "
            "or LibreOffice, remove any password and save it as .xlsx, then import that.")
    if not head.startswith(_ZIP_MAGIC):
        raise SpreadsheetError(
            f"{path} is not an Excel .xlsx workbook (it looks like "
            f"{'text' if _looks_like_text(head) else 'another kind of file'}). If it is a CSV or "
            "another spreadsheet, open it in Excel or LibreOffice and save it as .xlsx.")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise SpreadsheetError(f"{path} is not a readable .xlsx workbook (damaged zip: {exc}).") from exc
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        kind = "an OpenDocument (.ods) file" if "content.xml" in names else "a zip file"
        raise SpreadsheetError(
            f"{path} is {kind}, not an Excel .xlsx workbook. Save it as .xlsx and import that.")


def _looks_like_text(head: bytes) -> bool:
    return all(32 <= b < 127 or b in (9, 10, 13) for b in head) or head.startswith(b"\xef\xbb\xbf")


def _merged_ranges(sheet: Any) -> list[tuple[int, int, int, int]]:
    """Merged cells of a read-only sheet, which openpyxl does not parse in read-only mode.

    They sit in <mergeCells> after the cell data; a byte search finds them without building
    the sheet. If the sheet's file cannot be found this way, no merges are assumed.
    """
    from openpyxl.utils.cell import range_boundaries

    try:
        with sheet.parent._archive.open(sheet._worksheet_path) as fh:
            data = fh.read()
    except (AttributeError, KeyError, OSError):
        return []
    ranges = []
    for match in _MERGE_REF.finditer(data):
        ref = match.group(1).decode("ascii")
        if ":" not in ref:
            continue
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        ranges.append((min_row - 1, min_col - 1, max_row - 1, max_col - 1))
    return ranges


def _fill_merges(rows: list[list[Any]], merges: list[tuple[int, int, int, int]]) -> None:
    """Give every row of a merged block the value of its top cell (a function merged over
    the rows of its activities). Across columns, only the first column is filled: a heading
    merged across the sheet must not become 30 values."""
    for min_row, min_col, max_row, _max_col in merges:
        if max_row == min_row or min_row >= len(rows):
            continue
        value = rows[min_row][min_col] if min_col < len(rows[min_row]) else None
        if value is None:
            continue
        for r in range(min_row + 1, min(max_row, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= min_col:
                row.extend([None] * (min_col + 1 - len(row)))
            if row[min_col] is None:
                row[min_col] = value


def _rows_of(sheet: Any, limit: int | None = None) -> list[list[Any]]:
    """The sheet's cell values, row 1 first (blank rows kept, so indexes are row numbers - 1).

    Reading stops after BLANK_RUN blank rows in a row (sheets formatted down to row 1,048,576
    hold nothing there), and refuses more than MAX_ROWS rows with something in them.
    """
    rows: list[list[Any]] = []
    filled = blank_run = 0
    for row in sheet.iter_rows(values_only=True, min_row=1, min_col=1, max_row=limit):
        values = list(row)
        while values and (values[-1] is None or values[-1] == ""):
            values.pop()
        rows.append(values)
        if values:
            filled, blank_run = filled + 1, 0
        else:
            blank_run += 1
            if blank_run > BLANK_RUN:
                break
        if filled > MAX_ROWS:
            raise SpreadsheetError(f"The sheet '{sheet.title}' has more than {MAX_ROWS:,} rows; "
                                   "split it into smaller files.")
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _read_sheet(path: Path) -> _Sheet:
    """Open the workbook (read-only), pick the sheet and find its header. Raises SpreadsheetError."""
    _check_file(path)
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # any failure to parse a hostile file is a refusal
        raise SpreadsheetError(f"{path} could not be read as an .xlsx workbook "
                               f"({type(exc).__name__}: {exc}). Open it in Excel or LibreOffice, "
                               "save it as .xlsx and try again.") from exc
    try:
        return _choose_sheet(book, path)
    except SpreadsheetError:
        raise
    except Exception as exc:
        raise SpreadsheetError(f"{path} could not be read ({type(exc).__name__}: {exc}); it may "
                               "be damaged. Open it in Excel or LibreOffice and save it again.") from exc
    finally:
        book.close()


def _choose_sheet(book: Any, path: Path) -> _Sheet:
    """The sheet named "Template" when it has the header, else the first sheet that has it."""
    sheets = list(book.worksheets)
    if not sheets:
        raise SpreadsheetError(f"{path} has no worksheets.")
    sheets.sort(key=lambda sh: ico.fold(sh.title) != ico.fold(ico.TEMPLATE_SHEET))
    problems = []
    epoch = 1904 if getattr(book, "epoch", None) and book.epoch.year == 1904 else 1900
    for sheet in sheets:
        if not hasattr(sheet, "iter_rows"):
            continue  # a chart sheet
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # some writers record a wrong size; read what is there
        named = ico.fold(sheet.title) == ico.fold(ico.TEMPLATE_SHEET)
        # The "Template" sheet is read whole at once; others first only as far as a header.
        rows = _rows_of(sheet, limit=None if named else ico.HEADER_SCAN_ROWS)
        merges = _merged_ranges(sheet)
        _fill_merges(rows, merges)
        try:
            ico.find_header(rows)
        except ico.HeaderNotFound as exc:
            problems.append(f"sheet '{sheet.title}': {exc}" if rows else f"sheet '{sheet.title}' is empty")
            continue
        if not named:
            rows = _rows_of(sheet)
            _fill_merges(rows, merges)
        header_index, column_map = ico.find_header(rows)
        return _Sheet(sheet.title, rows, epoch, header_index, column_map, merges)
    raise SpreadsheetError(f"{path} does not look like a record of processing: "
                           + "; ".join(problems))


# ---------------------------------------------------------------- preview


def _dedupe_key(values: dict[str, Any]) -> tuple[str, str]:
    """Business function + purpose, case and spacing ignored: how a repeat import is spotted."""
    return ico.fold(values.get("business_function")), ico.fold(values.get("purpose"))


def _link_targets(ws: Workspace, org_id: str | None) -> tuple[ico.LinkTargets, dict[str, str]]:
    """Records a row may link to, and id -> the text an export writes for each."""
    if org_id is None:
        return ico.LinkTargets(), {}
    available = set(registers.available())
    names: dict[str, str] = {}
    processors: dict[str, str] = {}
    retention: dict[str, str] = {}
    breaches: dict[str, str] = {}
    if "processor" in available:
        for record in repo.list_records(ws.db, org_id, registers.schema("processor")):
            name = record.values.get("legal_name") or ""
            names[record.id] = name
            processors.setdefault(ico.company_key(name), record.id)
    for register, index in (("retention", retention), ("breach", breaches)):
        if register not in available:
            continue
        schema = registers.schema(register)
        for record in repo.list_records(ws.db, org_id, schema):
            label = ico.link_label(record.ref, str(record.values.get(schema.title_field) or ""))
            names[record.id] = label
            index.setdefault(ico.fold(record.ref), record.id)
            index.setdefault(ico.fold(label), record.id)
    return ico.LinkTargets(processors, retention, breaches), names


def _heading_row(row_index: int, merges: list[tuple[int, int, int, int]]) -> bool:
    return any(r0 <= row_index <= r1 and c1 - c0 >= 2 for r0, c0, r1, c1 in merges)


def preview_import(ws: Workspace, org_id: str | None, path: Path | str, *,
                   on_duplicate: str = SKIP, new_org_name: str | None = None) -> ImportPlan:
    """Read the spreadsheet and say what importing it would do; writes nothing.

    `org_id` None imports into a new organisation, named `new_org_name`, else the Controller
    name in the file, else the file's name.
    """
    if on_duplicate not in ON_DUPLICATE:
        raise ValueError(f"on_duplicate must be one of {ON_DUPLICATE}")
    path = Path(path).expanduser()
    sheet = _read_sheet(path)
    schema = registers.schema(ACTIVITY)
    rows, header_index, column_map = sheet.rows, sheet.header_index, sheet.column_map

    block, block_warnings = ico.read_org_block(rows[:header_index])
    org = repo.get_organisation(ws.db, org_id) if org_id else None
    if org is not None:
        org_name = org.values.get("name") or ""
    else:
        org_name = (new_org_name or block.get("name") or path.stem).strip()
    plan = ImportPlan(path=str(path), sheet=sheet.name, header_row=header_index + 1,
                      org_id=org_id, org_name=org_name, on_duplicate=on_duplicate)
    plan.columns = [ico.column_title(k) for k in column_map.values()]
    header = rows[header_index]
    from openpyxl.utils import get_column_letter

    for index, text in ico.unrecognised_columns(header, column_map):
        plan.file_warnings.append(f"Column {get_column_letter(index + 1)} '{text}' is not a "
                                  "template column: ignored")
    missing = ico.missing_columns(column_map)
    if missing:
        plan.file_warnings.append("Columns not in the file (left as they are): "
                                  + "; ".join(ico.column_label(n) for n in missing))
    plan.file_warnings += [f"Organisation block: {w}" for w in block_warnings]
    _plan_org(plan, org, block, new_org_name)

    links, _names = _link_targets(ws, org_id)
    existing: dict[tuple[str, str], Record] = {}
    if org_id:
        for record in repo.list_records(ws.db, org_id, schema):
            existing.setdefault(_dedupe_key(record.values), record)
    timezone = (org.values.get("timezone") if org else None) or "Europe/London"
    ctx = s.ValidationContext(timezone=timezone, today=ws.clock.today())
    defaults = schema.defaults()
    seen: dict[tuple[str, str], int] = {}
    mapped = list(column_map)
    for index in range(header_index + 1, len(rows)):
        planned = _plan_row(rows[index], index, sheet, mapped, links, ctx, schema, defaults)
        if planned is None:
            continue
        if planned.status in (READY, WARNING):
            key = _dedupe_key(planned.values)
            if key in seen:
                planned.status, planned.same_as_row = DUPLICATE, seen[key]
            elif key in existing:
                planned.status = DUPLICATE
                planned.duplicate_of, planned.duplicate_ref = existing[key].id, existing[key].ref
            seen.setdefault(key, planned.row_number)
        plan.rows.append(planned)
    return plan


def _plan_row(cells: list[Any], index: int, sheet: _Sheet, mapped: list[int],
              links: ico.LinkTargets, ctx: s.ValidationContext, schema: s.RegisterSchema,
              defaults: dict[str, Any]) -> PlannedRow | None:
    row_number = index + 1
    filled = [i for i in mapped if i < len(cells) and ico.cell_text(cells[i])[0]]
    if not filled:
        if any(ico.cell_text(c)[0] for c in cells):
            return PlannedRow(row_number, SKIPPED,
                              warnings=["nothing in the template's columns (only in others)"])
        return None  # a blank row
    if ico.repeats_header(cells, sheet.column_map):
        return PlannedRow(row_number, SKIPPED, warnings=["a repeat of the header row"])
    values, cell_warnings = ico.row_to_values(cells, sheet.column_map, links=links,
                                              epoch=sheet.epoch)
    if not ico.cell_text(values.get("purpose"))[0]:
        if len(filled) == 1 or _heading_row(index, sheet.merges):
            return PlannedRow(row_number, SKIPPED, values=values,
                              warnings=["one cell and no purpose of processing: looks like a "
                                        "heading or a note"])
    result = s.validate(schema, {**defaults, **values}, ctx)
    present = {k: result.values[k] for k in values if k in result.values}
    planned = PlannedRow(row_number, READY, values=present,
                         warnings=[str(w) for w in cell_warnings],
                         kept=[f"{w.column}: {w.kept}" for w in cell_warnings if w.kept])
    planned.warnings += list(result.warnings.values())
    if result.errors:
        planned.status = INVALID
        planned.errors = list(result.errors.values())
    elif planned.warnings:
        planned.status = WARNING
    return planned


def _plan_org(plan: ImportPlan, org: Record | None, block: dict[str, str],
              new_org_name: str | None) -> None:
    """What the organisation block would change: everything for a new organisation, only
    empty fields for an existing one (a differing value is reported, not overwritten)."""
    valid: dict[str, str] = {}
    for name, text in block.items():
        f = ORG_SCHEMA.field(name)
        try:
            valid[name] = s.normalise(f, text, s.ValidationContext())
        except s.FieldError as exc:
            plan.file_warnings.append(f"Organisation block: {f.label} {exc}; not used")
    plan.org_values = valid
    if org is None:
        if new_org_name:
            valid = {**valid, "name": new_org_name.strip()}
            if block.get("name") and ico.fold(block["name"]) != ico.fold(new_org_name):
                plan.org_kept.append(f"the file names the controller '{block['name']}'; "
                                     f"the organisation is called '{new_org_name.strip()}'")
        valid.setdefault("name", plan.org_name)
        for name, text in valid.items():
            plan.org_changes.append(OrgChange(name, ORG_SCHEMA.field(name).label, "", text))
        return
    for name, text in valid.items():
        current = org.values.get(name)
        label = ORG_SCHEMA.field(name).label
        if s.is_empty(current):
            plan.org_changes.append(OrgChange(name, label, "", text))
        elif ico.fold(current) != ico.fold(text):
            plan.org_kept.append(f"{label} in the file ('{text}') differs from the profile "
                                 f"('{current}'); the profile is kept")


# ---------------------------------------------------------------- commit


def commit_import(ws: Workspace, org_id: str | None, plan: ImportPlan,
                  on_duplicate: str | None = None) -> ImportSummary:
    """Write the plan in one transaction: every row lands or none does.

    A row the database refuses (it changed since the preview) rolls everything back and is
    reported with its row number.
    """
    choice = on_duplicate or plan.on_duplicate
    if choice not in ON_DUPLICATE:
        raise ValueError(f"on_duplicate must be one of {ON_DUPLICATE}")
    if org_id != plan.org_id:
        raise ValueError("the plan was made for another organisation; preview again")
    record_service.ensure_writable(ws)
    schema = registers.schema(ACTIVITY)
    note_prefix = f"Imported from {Path(plan.path).name}"
    summary = ImportSummary(org_id=org_id or "", org_name=plan.org_name, org_created=org_id is None)
    with repo.transaction(ws.db):
        if org_id is None:
            values = {c.field: c.after for c in plan.org_changes}
            org = organisations.create(ws, values).record
            org_id = summary.org_id = org.id or ""
        elif plan.org_changes:
            organisations.update(ws, org_id, {c.field: c.after for c in plan.org_changes})
        summary.org_changes = list(plan.org_changes)
        refs = _ref_numbers(ws, org_id, schema)
        for row in plan.rows:
            action = row.action(choice)
            if row.status == INVALID:
                summary.invalid += 1
                continue
            if action == SKIP:
                summary.skipped += 1
                continue
            note = f"{note_prefix}, row {row.row_number}"
            if row.kept:
                note += "; kept as written: " + " | ".join(row.kept)
            try:
                if action == CREATE:
                    saved = record_service.save(ws, org_id, ACTIVITY, row.values, note=note,
                                                ref=next(refs))
                    summary.created.append(saved.record.ref)
                else:
                    saved = record_service.save(ws, org_id, ACTIVITY,
                                                _update_values(ws, schema, row), note=note,
                                                record_id=row.duplicate_of)
                    summary.updated.append(saved.record.ref)
            except (record_service.ValidationFailed, StorageError) as exc:
                raise SpreadsheetError(f"Row {row.row_number}: {exc}. Nothing was imported; "
                                       "preview the file again.") from exc
    return summary


def _ref_numbers(ws: Workspace, org_id: str, schema: s.RegisterSchema) -> Iterable[str | None]:
    """Refs for new activities, counted once (asking the database per row costs O(n^2))."""
    module = registers.module(schema.name)
    if getattr(module, "ref_year", None):  # refs per year: let each save number itself
        while True:
            yield None
    first = repo.next_ref(ws.db, org_id, schema)
    prefix, number = re.fullmatch(r"(.*?)(\d+)", first).groups()  # type: ignore[union-attr]
    n = int(number)
    while True:
        yield f"{prefix}{n:03d}"
        n += 1


def _update_values(ws: Workspace, schema: s.RegisterSchema, row: PlannedRow) -> dict[str, Any]:
    """An update replaces the fields the file has columns for; links are only ever added,
    since a spreadsheet cannot show every link the app keeps."""
    values = dict(row.values)
    current = repo.get_record(ws.db, row.duplicate_of or "", schema)
    for f in schema.link_fields:
        if f.name in values:
            merged = list(current.values.get(f.name) or [])
            merged += [i for i in values[f.name] if i not in merged]
            values[f.name] = merged
    return values


# ---------------------------------------------------------------- writing files


def _writable_target(path: Path | str, example: str) -> Path:
    path = Path(path).expanduser()
    if path.is_dir():
        raise SpreadsheetError(f"{path} is a folder; give the name of the file to write, "
                               f"e.g. --out {example}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise SpreadsheetError(f"The folder {folder} does not exist; create it or choose "
                               "another place.")
    return path


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write to a private temp file in the target folder, then rename it into place."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise SpreadsheetError(f"Cannot write in the folder {folder} ({exc.strerror}); choose a "
                               "folder you can write to.") from exc
    os.close(fd)
    try:
        write(Path(temp_name))
        os.chmod(temp_name, 0o600)  # personal data: only the owner may read it
        os.replace(temp_name, path)
    except OSError as exc:
        Path(temp_name).unlink(missing_ok=True)
        raise SpreadsheetError(f"Cannot write {path} ({exc.strerror}); nothing was written.") from exc
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def formula_safe(text: str) -> str:
    """CSV: text a spreadsheet would run as a formula gets a leading apostrophe (OWASP)."""
    return "'" + text if text.startswith(FORMULA_START) else text


# ---------------------------------------------------------------- ICO export


_HEADER_FILLS = {"M": "C6EFCE", "S": "FFEB9C", "R": "DDEBF7", "extra": "EDEDED"}
_WIDE_KINDS = (s.LONGTEXT, s.TAGS, s.MULTICHOICE, s.ROWS)


def _column_kinds() -> list[str]:
    """M (Art 30(1)), R (good practice) or S (Sch 1) for each of the 30 columns, for shading."""
    try:
        from dpo_tui.domain.activities import ICO_COLUMNS

        return [kind for _, _, kind in sorted(ICO_COLUMNS)]
    except ImportError:
        return ["R"] * ico.COLUMN_COUNT


def export_ico(ws: Workspace, org_id: str, path: Path | str) -> ExportResult:
    """The ICO layout: organisation block, header on row 9, columns A-AD in the template's
    order (then the app's own fields: children, owner, status, review dates), one row per live
    activity. Readable in Excel and LibreOffice; importing it gives the same record back."""
    path = _writable_target(path, "record.xlsx")
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    org = repo.get_organisation(ws.db, org_id)
    schema = registers.schema(ACTIVITY)
    activities = repo.list_records(ws.db, org_id, schema)
    _links, names = _link_targets(ws, org_id)
    warnings: list[str] = []

    book = Workbook()
    sheet = book.active
    sheet.title = ico.TEMPLATE_SHEET
    wrap = Alignment(wrap_text=True, vertical="top")
    bold = Font(bold=True)

    def put(row: int, column: int, value: Any, *, style: Alignment | None = wrap) -> None:
        cell = sheet.cell(row=row, column=column)
        if value == "":
            value = None  # an empty text cell is written as no value at all
        if isinstance(value, str):
            text = ILLEGAL_CHARACTERS_RE.sub("", value)
            if len(text) > EXCEL_CELL_LIMIT:
                warnings.append(f"{get_column_letter(column)}{row}: cut to {EXCEL_CELL_LIMIT:,} "
                                "characters (Excel's limit for one cell)")
                text = text[:EXCEL_CELL_LIMIT - 1] + "…"
            cell.value = text
            cell.data_type = "s"  # text, never a formula, whatever it starts with
        elif isinstance(value, date):
            cell.value = value
            cell.number_format = "DD/MM/YYYY"
        else:
            cell.value = value
        if style is not None:
            cell.alignment = style

    put(1, 1, "Record of processing activities (UK GDPR Article 30)", style=None)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    put(2, 1, f"{org.values.get('name') or ''} — exported {ico.format_date(ws.clock.today())}",
        style=None)
    block_top = 4
    for r, row in enumerate(ico.org_block_rows(org.values)):
        for c, value in enumerate(row):
            put(block_top + r, c + 1, value)
            if r == 0 or c == 0:
                sheet.cell(row=block_top + r, column=c + 1).font = bold

    header_row = ico.TEMPLATE_HEADER_ROW
    kinds = _column_kinds() + ["extra"] * len(ico.extra_fields())
    for c, label in enumerate(ico.export_header(), start=1):
        put(header_row, c, label)
        cell = sheet.cell(row=header_row, column=c)
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor=_HEADER_FILLS.get(kinds[c - 1], "DDEBF7"))
    for r, record in enumerate(activities, start=header_row + 1):
        for c, value in enumerate(ico.activity_to_cells(record.values, names), start=1):
            if value not in (None, ""):
                put(r, c, value)

    widths = _export_widths()
    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = width
    sheet.row_dimensions[header_row].height = 75
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)  # header and purpose stay in view
    last = get_column_letter(len(widths))
    sheet.auto_filter.ref = f"A{header_row}:{last}{header_row + max(len(activities), 1)}"
    _write_atomically(path, lambda temp: book.save(temp))
    return ExportResult(path, len(activities), tuple(warnings))


def _export_widths() -> list[int]:
    widths = []
    for number in range(1, ico.COLUMN_COUNT + 1):
        f = ico.column_fields(number)[0]
        widths.append(40 if f.kind in _WIDE_KINDS or number in (6, 10) else 24)
    widths += [16 for _ in ico.extra_fields()]
    return widths


# ---------------------------------------------------------------- CSV export


def export_csv(ws: Workspace, org_id: str, register: str, path: Path | str) -> ExportResult:
    """Every live record of one register: the schema's labels as headers, lists joined by
    '; ', links as the linked records' refs. UTF-8 with a byte-order mark so Excel reads it."""
    available = registers.available()
    if register not in available:
        raise SpreadsheetError(f"Unknown register '{register}'; choose one of: "
                               + ", ".join(available))
    path = _writable_target(path, f"{register}.csv")
    schema = registers.schema(register)
    records = repo.list_records(ws.db, org_id, schema)
    refs = _refs_by_id(ws, org_id, schema)
    header = ["Ref", *(f.label for f in schema.fields)]

    def write(temp: Path) -> None:
        with open(temp, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([formula_safe(h) for h in header])
            for record in records:
                row = [record.ref] + [csv_value(f, record.values.get(f.name), refs)
                                      for f in schema.fields]
                writer.writerow([formula_safe(cell) for cell in row])

    _write_atomically(path, write)
    return ExportResult(path, len(records))


def _refs_by_id(ws: Workspace, org_id: str, schema: s.RegisterSchema) -> dict[str, str]:
    refs: dict[str, str] = {}
    # Every link, stored here or read from the other side (an activity's breaches).
    for target in {f.target for f in schema.fields if f.kind == s.LINK and f.target}:
        if target not in registers.available():
            continue
        target_schema = registers.schema(target)
        for archived in (False, True):
            for record in repo.list_records(ws.db, org_id, target_schema, archived=archived):
                refs[record.id or ""] = record.ref
    return refs


def csv_value(f: s.Field, value: Any, refs: dict[str, str]) -> str:
    """One value as CSV text: lists joined by '; ', table rows by '; ' with cells by ' | '."""
    if s.is_empty(value):
        return ""
    if f.kind == s.LINK:
        return "; ".join(refs.get(i, i) for i in value)
    if f.kind == s.ROWS:
        return "; ".join(" | ".join(str(row.get(c, "")) for c in f.columns).rstrip(" |")
                         for row in value)
    return s.display(f, value)
