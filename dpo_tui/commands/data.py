"""export-data and import-data: every organisation, record and history entry as one JSON file.

The format is documented in docs/data-format.md (JSON Schema: docs/data-format.schema.json).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dpo_tui.cli import Context, UserError


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export-data",
        help="write every organisation, record and history entry to a JSON file",
        description="Write everything in the database (archived records, history and breach "
        "timelines included) to one JSON file, readable only by you (it holds personal data). "
        "import-data reads it back.",
    )
    p.add_argument("--out", metavar="FILE.json", required=True, help="the file to write")
    p.set_defaults(run=run_export)

    p = sub.add_parser(
        "import-data",
        help="add the organisations in a file written by export-data",
        description="Check the whole file, then add its organisations with their records and "
        "history in one step. A file with any problem is refused as a whole and nothing is "
        "written. Organisations already in the database are refused: to restore a backup, "
        "import into an empty database (--db NEW.db).",
    )
    p.add_argument("file", metavar="FILE.json", help="a file written by export-data")
    p.set_defaults(run=run_import)


def run_export(args: argparse.Namespace, ctx: Context) -> int:
    from dpo_tui.services import data_io

    if not ctx.db_path.exists():
        raise UserError(f"There is no database at {ctx.db_path} to export")
    out = Path(args.out).expanduser()
    ws = ctx.open(create=False)
    try:
        written = data_io.write_export(ws, out)
    finally:
        ws.close()
    print(f"Exported to {written} (readable only by you: it holds personal data)")
    return 0


def run_import(args: argparse.Namespace, ctx: Context) -> int:
    from dpo_tui.services import data_io

    try:
        data = data_io.read_data_file(args.file)
    except data_io.ImportRefused as exc:
        raise UserError("; ".join(exc.problems)) from exc
    ws = ctx.open()
    try:
        summary = data_io.import_data(ws, data)
    except data_io.ImportRefused as exc:
        raise UserError(str(exc)) from exc
    finally:
        ws.close()
    print("\n".join(summary.lines()))
    return 0
