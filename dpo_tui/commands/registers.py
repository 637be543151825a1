"""retention dates: each retention rule's cut-off and next disposal date, as of the clock."""

from __future__ import annotations

import argparse
import json

from dpo_tui.cli import Context


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("retention", help="the retention schedule")
    actions = p.add_subparsers(dest="retention_command", metavar="ACTION", required=True)
    dates = actions.add_parser(
        "dates", help="each rule's cut-off and next disposal date (use --as-of for another day)",
        description="For each retention rule: records whose trigger date is before the cut-off "
        "are due for disposal; for rules counted from a year end, the next date on which a "
        "whole year's records fall due. Computed dates, not legal advice.")
    dates.add_argument("--org", metavar="NAME", help="organisation (default: the current one)")
    dates.add_argument("--json", action="store_true", help="print JSON instead of a table")
    dates.set_defaults(run=run_dates)


def run_dates(args: argparse.Namespace, ctx: Context) -> int:
    from dpo_tui.services import organisations
    from dpo_tui.services.registers_links import retention_dates

    ws = ctx.open()
    try:
        org = organisations.resolve(ws, args.org)
        rows = retention_dates(ws, org.id)
    finally:
        ws.close()
    if args.json:
        print(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2))
        return 0
    as_of = ctx.clock.today().isoformat()
    print(f"Retention dates for {org.values.get('name')} as of {as_of} (computed, not legal advice)")
    if not rows:
        print("No retention rules yet.")
        return 0
    table = [("Ref", "Category", "Period", "Cut-off", "Next disposal")]
    for r in rows:
        cutoff = f"before {r.cutoff.isoformat()}" if r.cutoff else "-"
        disposal = "-"
        if r.next_disposal and r.disposal_year_end:
            disposal = (f"{r.next_disposal.isoformat()} "
                        f"(year ended {r.disposal_year_end.isoformat()})")
        table.append((r.record.ref, _short(r.record.values.get("category") or ""),
                      _short(r.period), cutoff, disposal))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def _short(text: str, limit: int = 48) -> str:
    """One line, cut to fit a terminal table (the JSON output has the full text)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
