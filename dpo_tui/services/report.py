"""Build the PDF report for one organisation: gather, build pages, lay out, write.

Each stage is reported to `progress(stage, fraction)` so the TUI can show a bar, and
`cancelled()` is asked between stages: a cancelled report raises ReportCancelled and leaves no
file. WeasyPrint is imported only when a report is made (dpo_tui.report.pdf), so the CLI and
TUI start fast.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dpo_tui import __version__, forked
from dpo_tui.domain import registers
from dpo_tui.domain.records import Snapshot
from dpo_tui.report.sections import SECTIONS, SHORT_PACK, TITLES
from dpo_tui.services import organisations
from dpo_tui.services import records as record_service
from dpo_tui.services.workspace import Workspace
from dpo_tui.storage import repository as repo
from dpo_tui.storage.db import StorageError

if TYPE_CHECKING:
    from dpo_tui.clock import Clock
    from dpo_tui.report.context import ReportContext

GATHERING, BUILDING, LAYING_OUT, WRITING, DONE = (
    "gathering data", "building pages", "laying out", "writing", "done")
# Where each stage starts on the progress bar: layout is most of the time (PERFORMANCE.md).
STAGE_START = {GATHERING: 0.0, BUILDING: 0.1, LAYING_OUT: 0.2, WRITING: 0.85, DONE: 1.0}
STAGES = (GATHERING, BUILDING, LAYING_OUT, WRITING)

Progress = Callable[[str, float], None]
Cancelled = Callable[[], bool]

__all__ = ["SECTIONS", "SHORT_PACK", "TITLES", "ReportCancelled", "ReportError", "build_report",
           "default_filename", "parse_sections", "slug"]


class ReportError(StorageError):
    """The report could not be made or saved; the message says why and what to do."""


class ReportCancelled(Exception):
    """The user cancelled; nothing was written."""


def parse_sections(text: str | Iterable[str] | None) -> list[str] | None:
    """'cover,summary,processors' -> a list; None means every section. Raises ValueError."""
    if text is None:
        return None
    items = text.split(",") if isinstance(text, str) else list(text)
    names = [item.strip().lower().replace("-", "_") for item in items if item.strip()]
    if not names:
        raise ValueError(f"no sections given; valid sections: {', '.join(SECTIONS)}")
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        raise ValueError(f"unknown section{'s' if len(unknown) > 1 else ''}: "
                         f"{', '.join(unknown)}; valid sections: {', '.join(SECTIONS)}")
    return list(dict.fromkeys(names))


# Company-type words add nothing to a file name ("Harbour Music Ltd" -> "harbour-music").
LEGAL_SUFFIXES = {"ltd", "limited", "llp", "plc", "cic", "inc", "cyf", "ab"}


def slug(text: str) -> str:
    """'Harbour Music Ltd' -> 'harbour-music'; accented letters lose their accents ('Malmö' ->
    'malmo'), other scripts fall back to 'organisation'."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", folded.lower())
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return "-".join(words)[:60].strip("-") or "organisation"


def default_filename(org_name: str, report_date_iso: str) -> str:
    return f"{slug(org_name)}-dpo-report-{report_date_iso}.pdf"


def _target(out: Path | str | None, org_name: str, report_date_iso: str) -> Path:
    """Where to write: --out as given (a folder gets the default name), else the exports folder.

    The default folder is created when missing; a folder the user named must already exist.
    """
    from dpo_tui.paths import ensure_private_dir, export_dir
    from dpo_tui.report.pdf import PdfWriteError, check_folder

    name = default_filename(org_name, report_date_iso)
    if out is None:
        folder = export_dir()
        try:
            ensure_private_dir(folder)
        except OSError as exc:
            raise ReportError(f"Cannot create the exports folder {folder} ({exc.strerror}); "
                              "use --out to choose where the report goes.") from exc
        target = folder / name
    else:
        given = Path(out).expanduser()
        if given.is_dir() or str(out).endswith(("/", "\\")):
            target = given / name
        else:
            target = given
    try:
        check_folder(target.parent if str(target.parent) else Path("."))
    except PdfWriteError as exc:
        raise ReportError(str(exc)) from exc
    if target.is_dir():
        raise ReportError(f"{target} is a folder; give a file name or an existing folder.")
    return target


def _export_slice(ws: Workspace, org_id: str) -> str | None:
    """The organisation's part of the data export, as JSON that `import-data` loads back.

    Settings stay out: they belong to the database the report came from, not to its data.
    """
    try:
        from dpo_tui.services import data_io
    except ImportError:
        return None
    data = data_io.export_data(ws)
    data["organisations"] = [o for o in data["organisations"] if o["id"] == org_id]
    data["settings"] = {}
    return json.dumps(data, ensure_ascii=False, indent=1)


def _archived_names(ws: Workspace, snapshot: Snapshot) -> dict[str, str]:
    """'REF title (archived)' for linked records that are no longer live."""
    live = snapshot.by_id()
    missing: set[str] = set()
    for register, records in snapshot.records.items():
        for f in registers.schema(register).link_fields:
            for record in records:
                missing.update(t for t in record.values.get(f.name) or [] if t not in live)
    return record_service.ref_names(ws, sorted(missing)) if missing else {}


def gather_context(ws: Workspace, org_id: str, sections: Sequence[str] | None = None) -> \
        ReportContext:
    """Everything the report shows, as plain data (also used by tests and the bench)."""
    from dpo_tui.report.context import build_context  # in the child, where one is started

    snapshot = record_service.snapshot(ws, org_id)
    found = record_service.findings(ws, org_id, snapshot)
    timelines = {b.id: repo.timeline(ws.db, b.id) for b in snapshot.of("breach") if b.id}
    return build_context(snapshot, found, sections=sections, timelines=timelines,
                         names=_archived_names(ws, snapshot), actor=ws.actor,
                         app_version=__version__)


def make_pages(ws: Workspace, org_id: str, sections: Sequence[str] | None,
               built: Callable[[], None] = lambda: None) -> tuple[str, str | None]:
    """The report's HTML and its data attachment: everything before WeasyPrint. `built` is
    called once the data is gathered, before the pages are built (a stage of the progress)."""
    from dpo_tui.report.html import render_html

    context = gather_context(ws, org_id, sections)
    data_json = _export_slice(ws, org_id)
    built()
    return render_html(context), data_json


def made_in_child(path: Path, clock: Clock, actor: str, org_id: str,
                  sections: Sequence[str] | None) -> tuple[str, str | None]:
    """make_pages in a forked child, on a connection of its own (forked.py)."""
    return make_pages(forked.reader(path, clock, actor), org_id, sections)


def _made_while_weasyprint_loads(ws: Workspace, org_id: str, sections: Sequence[str] | None
                                 ) -> tuple[str, str | None] | None:
    """The HTML and the data attachment made in a child while this process loads WeasyPrint
    (about 0.1 s of the demo's report), or None where no child could be started or it failed:
    the caller then makes them itself, after."""
    from dpo_tui.report import pdf

    early = forked.start(made_in_child, ws.path, ws.clock, ws.actor, org_id, sections)
    if early is None:
        return None
    try:
        pdf.weasyprint()
    except BaseException:
        early.discard()
        raise
    made = early.take()
    if isinstance(made, tuple) and len(made) == 2 and isinstance(made[0], str):
        return made
    return None


def build_report(ws: Workspace, org_id: str, *, out: Path | str | None = None,
                 sections: Sequence[str] | None = None, progress: Progress | None = None,
                 cancelled: Cancelled | None = None) -> Path:
    """Write the PDF report and return its path. Raises ReportError or ReportCancelled."""
    from dpo_tui.report import pdf

    def stage(name: str) -> None:
        if cancelled is not None and cancelled():
            raise ReportCancelled("The report was cancelled; no file was written.")
        if progress is not None:
            progress(name, STAGE_START[name])

    if sections is not None:
        try:
            sections = parse_sections(sections)
        except ValueError as exc:
            raise ReportError(str(exc)) from exc
    stage(GATHERING)
    org = organisations.get(ws, org_id)
    # Where it goes is checked first: a folder that cannot take the file costs no work.
    target = _target(out, org.values.get("name") or "organisation", ws.clock.today().isoformat())
    made = _made_while_weasyprint_loads(ws, org_id, sections)
    if made is None:
        made = make_pages(ws, org_id, sections, built=lambda: stage(BUILDING))
    else:
        stage(BUILDING)
    html, data_json = made
    stage(LAYING_OUT)
    fetcher = pdf.make_fetcher()
    document = pdf.render(html, fetcher)
    stage(WRITING)
    attachments = ()
    if data_json is not None:
        attachments = (pdf.AttachedFile(
            name=target.with_suffix(".json").name, text=data_json,
            description="The records behind this report, in the dpo-tui data format "
                        "(load with: dpo-tui import-data FILE)"),)
    try:
        pdf.write(document, target, attachments=attachments, created=ws.clock.now(),
                  fetcher=fetcher)
    except pdf.PdfWriteError as exc:
        raise ReportError(str(exc)) from exc
    if progress is not None:
        progress(DONE, STAGE_START[DONE])
    return target
