"""import-ico, export-ico, export-csv: the ICO documentation spreadsheet in and out, registers as CSV.

Import always shows its preview first (counts, then every row with a warning or problem, with
its row number and why) and writes only after a yes: typed at a terminal, or --yes when there
is no terminal to ask at (a script). openpyxl is imported only when one of these runs.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import TYPE_CHECKING

from dpo_tui.cli import Context, UserError

if TYPE_CHECKING:
    from dpo_tui.domain.records import Record
    from dpo_tui.services.ico_xlsx import ImportPlan
    from dpo_tui.services.workspace import Workspace

_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import-ico", help="import the ICO controller documentation spreadsheet (.xlsx)",
        description="Import processing activities from the ICO's controller documentation "
        "template (or a copy of it). Shows what it would do, then asks before writing.")
    p.add_argument("file", metavar="FILE.xlsx", help="the spreadsheet to import")
    p.add_argument("--org", metavar="NAME",
                   help="organisation to import into (default: the current one); a name no "
                   "organisation has creates a new one")
    p.add_argument("--yes", action="store_true",
                   help="import without asking (needed when there is no terminal to ask at)")
    p.add_argument("--update", action="store_true",
                   help="update activities already recorded (same business function and "
                   "purpose) instead of skipping them")
    p.set_defaults(run=run_import)

    p = sub.add_parser("export-ico", help="export the record in the ICO spreadsheet layout (.xlsx)")
    p.add_argument("--out", metavar="FILE.xlsx", required=True, help="the file to write")
    p.add_argument("--org", metavar="NAME", help="organisation (default: the current one)")
    p.set_defaults(run=run_export_ico)

    p = sub.add_parser("export-csv", help="export one register as CSV",
                       description="Export the live records of one register as CSV: activity, "
                       "client_processing, processor, retention, breach, action, review.")
    p.add_argument("register", help="which register, e.g. activity, processor, retention, breach")
    p.add_argument("--out", metavar="FILE.csv", required=True, help="the file to write")
    p.add_argument("--org", metavar="NAME", help="organisation (default: the current one)")
    p.set_defaults(run=run_export_csv)


def printable(text: str) -> str:
    """User text on a terminal: control characters (escape sequences) shown, never obeyed."""
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def plan_lines(plan: ImportPlan, on_duplicate: str) -> list[str]:
    """The preview as printed: summary, file-level warnings, then each row that is not plainly
    ready, with its spreadsheet row number, what happens to it and why."""
    from dpo_tui.services import ico_xlsx

    lines = list(plan.summary_lines(on_duplicate))
    lines += [f"Warning: {w}" for w in plan.file_warnings]
    rows = plan.problems()
    if rows:
        lines.append("")
        lines.append("Rows to look at:")
    for row in rows:
        status = row.status
        if status == ico_xlsx.DUPLICATE:
            status = "update" if row.action(on_duplicate) == ico_xlsx.UPDATE else "duplicate"
        title = f" {row.title}:" if row.title else ""
        lines.append(f"  row {row.row_number:>5}  {status:<9}{title} {row.reason(on_duplicate)}")
    return [printable(line) for line in lines]


def _target_org(ws: Workspace, name: str | None) -> tuple[Record | None, str | None]:
    """(existing organisation, or None with the name for a new one)."""
    from dpo_tui.services import organisations
    from dpo_tui.storage.db import StorageError

    if not name:
        return organisations.current(ws), None
    try:
        return organisations.find(ws, name), None
    except StorageError as exc:
        wanted = name.casefold().strip()
        if any((o.values.get("name") or "").casefold().startswith(wanted)
               for o in organisations.all(ws)):
            raise UserError(str(exc)) from exc  # several match: ambiguous, not new
        return None, name.strip()


def _confirm(question: str) -> bool:
    try:
        return input(question).strip().casefold() in ("y", "yes")
    except EOFError:
        return False


def run_import(args: argparse.Namespace, ctx: Context) -> int:
    from dpo_tui.services import ico_xlsx

    on_duplicate = ico_xlsx.UPDATE if args.update else ico_xlsx.SKIP
    ws = ctx.open()
    try:
        org, new_name = _target_org(ws, args.org)
        org_id = org.id if org else None
        try:
            plan = ico_xlsx.preview_import(ws, org_id, args.file, on_duplicate=on_duplicate,
                                           new_org_name=new_name)
        except ico_xlsx.SpreadsheetError as exc:
            raise UserError(str(exc)) from exc
        print("\n".join(plan_lines(plan, on_duplicate)))
        actions = plan.actions(on_duplicate)
        if not actions[ico_xlsx.CREATE] and not actions[ico_xlsx.UPDATE] and not plan.org_is_new:
            print("Nothing to import.")
            return 0
        if not args.yes:
            if not sys.stdin.isatty():
                print("dpo-tui: nothing was imported. No terminal to ask at: run again with "
                      "--yes to import.", file=sys.stderr)
                return 1
            if not _confirm("Import now? [y/N] "):
                print("Nothing was imported.")
                return 1
        try:
            summary = ico_xlsx.commit_import(ws, org_id, plan, on_duplicate)
        except ico_xlsx.SpreadsheetError as exc:
            raise UserError(str(exc)) from exc
        print("\n".join(printable(line) for line in summary.lines()))
    finally:
        ws.close()
    return 0


def _open_for_export(ctx: Context) -> Workspace:
    if not ctx.db_path.exists():
        raise UserError(f"There is no database at {ctx.db_path}: nothing to export.")
    return ctx.open(create=False)


def run_export_ico(args: argparse.Namespace, ctx: Context) -> int:
    from dpo_tui.services import ico_xlsx, organisations

    ws = _open_for_export(ctx)
    try:
        org = organisations.resolve(ws, args.org)
        try:
            result = ico_xlsx.export_ico(ws, org.id or "", args.out)
        except ico_xlsx.SpreadsheetError as exc:
            raise UserError(str(exc)) from exc
    finally:
        ws.close()
    for warning in result.warnings:
        print(printable(f"Warning: {warning}"), file=sys.stderr)
    print(printable(f"Wrote {result.rows:,} activities to {result.path}"))
    return 0


def run_export_csv(args: argparse.Namespace, ctx: Context) -> int:
    from dpo_tui.services import ico_xlsx, organisations

    ws = _open_for_export(ctx)
    try:
        org = organisations.resolve(ws, args.org)
        try:
            result = ico_xlsx.export_csv(ws, org.id or "", args.register, args.out)
        except ico_xlsx.SpreadsheetError as exc:
            raise UserError(str(exc)) from exc
    finally:
        ws.close()
    print(printable(f"Wrote {result.rows:,} records to {result.path}"))
    return 0
