"""report: write the ICO-style PDF report for one organisation and print where it went."""

from __future__ import annotations

import argparse
import gc

from dpo_tui.cli import Context, UserError

# The section names live in dpo_tui.report.sections; repeated here only in the help text would
# drift, so the help is built from them (a module of constants).


def _sections_type(text: str) -> list[str]:
    from dpo_tui.services.report import parse_sections

    try:
        sections = parse_sections(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    assert sections is not None
    return sections


def add_parsers(sub: argparse._SubParsersAction) -> None:
    from dpo_tui.report.sections import SECTIONS, SHORT_PACK

    p = sub.add_parser(
        "report", help="write the PDF report (record of processing, registers, findings)",
        description="Write the organisation's data protection report as a PDF/A file, with "
        "the data behind it attached as JSON, and print its path.",
        epilog=f"Sections: {', '.join(SECTIONS)} (a table of contents is added). The short "
        f"pack for an accountant: --sections {','.join(SHORT_PACK)}",
    )
    p.add_argument("--out", metavar="PATH",
                   help="file to write, or an existing folder (default: the exports folder, "
                   "file named after the organisation and the date)")
    p.add_argument("--org", metavar="NAME", help="organisation (default: the current one)")
    p.add_argument("--sections", metavar="LIST", type=_sections_type,
                   help="comma-separated sections to include (default: all)")
    p.set_defaults(run=run_report)


def run_report(args: argparse.Namespace, ctx: Context) -> int:
    from dpo_tui.services import organisations
    from dpo_tui.services.report import ReportError, build_report

    if not ctx.db_path.exists():
        raise UserError(f"There is no database at {ctx.db_path}: run `dpo-tui demo` or open the "
                        "app to create one")
    ws = ctx.open(create=False)
    try:
        org = organisations.resolve(ws, args.org)
        try:
            path = build_report(ws, org.id, out=args.out, sections=args.sections)
        except ReportError as exc:
            raise UserError(str(exc)) from exc
    finally:
        ws.close()
    print(path)
    # What the report laid out is garbage now, tens of thousands of objects in cycles. Frozen,
    # they are left for the operating system to reclaim instead of being walked by the
    # interpreter's last collection at exit: about 0.1 s of every report.
    gc.freeze()
    return 0
