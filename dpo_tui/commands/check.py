"""check: what is due or overdue, without the TUI, for cron. Documented in docs/check.md.

Exit codes are part of the interface: 0 nothing due or overdue, 1 something is, 2 the check
could not run (no database, unknown organisation, unreadable file). Errors are caught here so
that a broken check never looks like "something is due".
"""

from __future__ import annotations

import argparse
import json
import sys

from dpo_tui.cli import Context

EXIT_CLEAR, EXIT_DUE, EXIT_ERROR = 0, 1, 2


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check", help="list what is due or overdue; exit 1 if anything is (for cron)",
        description="Everything due, most urgent first: breach countdowns, processor contracts "
        "and reviews, retention disposals, activity reviews, the data protection fee, open "
        "actions and the next quarterly review. Exit status: 0 nothing due or overdue, 1 "
        "something is, 2 the check could not run. Computed dates, not legal advice.")
    p.add_argument("--org", metavar="NAME", help="one organisation (default: all of them)")
    p.add_argument("--json", action="store_true",
                   help="print a JSON list of items (kind, organisation, ref, title, due, status, "
                   "message)")
    p.set_defaults(run=run_check)


def run_check(args: argparse.Namespace, ctx: Context) -> int:
    try:
        items, org_names = _collect(args, ctx)
    except Exception as exc:  # noqa: BLE001 - any failure must read as "could not check" (2)
        from dpo_tui.cli import UserError
        from dpo_tui.services.records import ValidationFailed
        from dpo_tui.storage.db import StorageError

        known = isinstance(exc, StorageError | UserError | ValidationFailed | OSError)
        message = str(exc) if known else f"unexpected error ({type(exc).__name__}): {exc}"
        print(f"dpo-tui check: {message}", file=sys.stderr)
        return EXIT_ERROR
    if args.json:
        print(json.dumps([item.as_dict() for item in items], ensure_ascii=False, indent=2))
    else:
        print_human(items, org_names, ctx)
    return EXIT_DUE if any(item.urgent for item in items) else EXIT_CLEAR


def _collect(args: argparse.Namespace, ctx: Context):
    from dpo_tui.cli import UserError
    from dpo_tui.services import organisations
    from dpo_tui.services.dashboard import due_items

    if not ctx.db_path.exists():
        raise UserError(f"There is no database at {ctx.db_path} (use --db, or DPO_TUI_DB)")
    ws = ctx.open(create=False)
    try:
        if args.org:
            org = organisations.find(ws, args.org)
            return due_items(ws, org.id), [org.values.get("name") or ""]
        orgs = organisations.all(ws)
        if not orgs:
            raise UserError(f"There is no organisation in {ctx.db_path}: run `dpo-tui` to add one")
        return due_items(ws), [o.values.get("name") or "" for o in orgs]
    finally:
        ws.close()


def print_human(items, org_names: list[str], ctx: Context) -> None:
    """Two lines per item: status, due, reference and title; then the message."""
    from dpo_tui.domain.deadlines import OVERDUE

    several = len(org_names) > 1
    as_of = ctx.clock.now().strftime("%Y-%m-%d %H:%M UTC")
    print(f"Due as of {as_of} for {', '.join(org_names)} (computed dates, not legal advice)")
    if not items:
        print("Nothing is due.")
        return
    for item in items:
        status = item.status.upper() if item.status == OVERDUE else item.status
        org = f"[{item.org_name}] " if several else ""
        ref = f"{item.ref}  " if item.ref else ""
        print(f"{status:<9} {item.due_text():<22} {org}{ref}{_line(item.title)}")
        print(f"{'':<9} {_line(item.message, None)}")
    counts = {s: sum(1 for i in items if i.status == s) for s in ("overdue", "due soon", "ok")}
    print(f"{counts['overdue']} overdue, {counts['due soon']} due soon, {counts['ok']} ok")


def _line(text: str, limit: int | None = 70) -> str:
    """One line (titles cut to fit beside the date; messages whole)."""
    line = " ".join(str(text).split())
    return line if limit is None or len(line) <= limit else line[: limit - 1] + "…"
