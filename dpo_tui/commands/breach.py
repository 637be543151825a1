"""breach add / list / note / show: log a breach from the shell and start the 72-hour clock."""

from __future__ import annotations

import argparse

from dpo_tui.cli import Context, UserError


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("breach", help="the breach log: add a breach (starts the 72-hour clock), "
                       "list breaches, add timeline notes")
    breach_sub = p.add_subparsers(dest="breach_command", metavar="ACTION", required=True)

    add = breach_sub.add_parser("add", help="log a breach now; prints its reference and deadline")
    add.add_argument("--what", required=True, metavar="TEXT", help="what happened")
    add.add_argument("--aware", metavar="ISO8601",
                     help="when you became aware, e.g. 2026-11-22T09:30 (the organisation's time "
                     "zone unless an offset is given; default: now)")
    add.add_argument("--found-by", default="", metavar="TEXT", help="who found it")
    add.add_argument("--how", default="", metavar="TEXT", help="how it was found")
    add.add_argument("--org", metavar="NAME", help="organisation (default: the current one)")
    add.set_defaults(run=run_add)

    ls = breach_sub.add_parser("list", help="list breaches with their status and clock")
    ls.add_argument("--org", metavar="NAME", help="organisation (default: the current one)")
    ls.set_defaults(run=run_list)

    note = breach_sub.add_parser("note", help="add an entry to a breach's timeline (append-only)")
    note.add_argument("ref", metavar="REF", help="breach reference, e.g. BR-2026-003")
    note.add_argument("text", metavar="TEXT", help="what was done, decided or sent")
    note.add_argument("--kind", default="note",
                      choices=("action", "decision", "message", "note", "correction"),
                      help="kind of entry (default: note)")
    note.add_argument("--at", metavar="ISO8601", help="when it happened (default: now)")
    note.add_argument("--org", metavar="NAME", help="organisation (default: the current one)")
    note.set_defaults(run=run_note)

    show = breach_sub.add_parser("show", help="show a breach's clock and timeline")
    show.add_argument("ref", metavar="REF", help="breach reference, e.g. BR-2026-003")
    show.add_argument("--org", metavar="NAME", help="organisation (default: the current one)")
    show.set_defaults(run=run_show)


def _zone(org) -> str:
    from dpo_tui.domain.breaches import DEFAULT_TIMEZONE

    return org.values.get("timezone") or DEFAULT_TIMEZONE


def run_add(args: argparse.Namespace, ctx: Context) -> int:
    from dpo_tui.domain import breaches
    from dpo_tui.services import breaches as breach_service
    from dpo_tui.services import organisations
    from dpo_tui.services.records import ValidationFailed

    ws = ctx.open()
    try:
        org = organisations.resolve(ws, args.org)
        try:
            record = breach_service.quick_add(ws, org.id, args.what, aware_at=args.aware,
                                              found_by=args.found_by, how_found=args.how)
        except ValidationFailed as exc:
            if "aware_at" in exc.errors:
                message = exc.errors["aware_at"]
                if "future" not in message:
                    message += " (use ISO 8601, e.g. 2026-11-22T09:30 or 2026-11-22T09:30Z)"
                raise UserError(f"--aware: {message}") from exc
            if "what_happened" in exc.errors:
                raise UserError(f"--what: {exc.errors['what_happened']}") from exc
            raise
        tz = _zone(org)
        state = breaches.clock_state(record.values, ws.clock.now())
        print(f"{record.ref} logged for {org.values.get('name')}.")
        print(f"Aware at:  {breaches.format_in_zone(record.values['aware_at'], tz)}")
        print(f"Deadline:  {breaches.format_in_zone(state.deadline, tz)} "
              f"({breaches.notification_hours()} hours to report to the {breaches.regulator()} "
              "unless the assessment finds no risk)")
        print(f"Clock:     {state.describe(tz)}")
    finally:
        ws.close()
    return 0


def run_list(args: argparse.Namespace, ctx: Context) -> int:
    from dpo_tui.domain import breaches
    from dpo_tui.services import organisations, records

    ws = ctx.open()
    try:
        org = organisations.resolve(ws, args.org)
        tz = _zone(org)
        found = records.list_records(ws, org.id, "breach")
        if not found:
            print(f"No breaches logged for {org.values.get('name')}.")
            return 0
        now = ws.clock.now()
        rows = [("REF", "AWARE AT", "STATUS", "OUTCOME", "CLOCK", "WHAT HAPPENED")]
        for record in found:
            state = breaches.clock_state(record.values, now)
            what = " ".join((record.values.get("what_happened") or "").split())
            rows.append((record.ref, breaches.format_in_zone(record.values.get("aware_at"), tz),
                         breaches.status(record.values),
                         breaches.outcome_label(record.values.get("outcome")),
                         state.short(), what[:50] + ("…" if len(what) > 50 else "")))
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        for row in rows:
            print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:5])) + "  " + row[5])
    finally:
        ws.close()
    return 0


def run_note(args: argparse.Namespace, ctx: Context) -> int:
    from dpo_tui.domain import breaches
    from dpo_tui.services import breaches as breach_service
    from dpo_tui.services import organisations

    ws = ctx.open()
    try:
        org = organisations.resolve(ws, args.org)
        record = breach_service.find(ws, org.id, args.ref)
        entry = breach_service.add_timeline_entry(ws, record.id, args.text, kind=args.kind,
                                                  at=args.at)
        print(f"{record.ref}: {entry.kind} added at "
              f"{breaches.format_in_zone(entry.at, _zone(org))}.")
    finally:
        ws.close()
    return 0


def run_show(args: argparse.Namespace, ctx: Context) -> int:
    from dpo_tui.domain import breaches
    from dpo_tui.services import breaches as breach_service
    from dpo_tui.services import organisations

    ws = ctx.open()
    try:
        org = organisations.resolve(ws, args.org)
        tz = _zone(org)
        record = breach_service.find(ws, org.id, args.ref)
        values = record.values
        print(f"{record.ref} ({breaches.status(values)}): {values.get('what_happened')}")
        print(f"Aware at: {breaches.format_in_zone(values.get('aware_at'), tz)}")
        print(f"Outcome:  {breaches.outcome_label(values.get('outcome'))}")
        print(f"Clock:    {breaches.clock_state(values, ws.clock.now()).describe(tz)}")
        print("Timeline:")
        for entry in breach_service.timeline(ws, record.id):
            print(f"  {breaches.format_in_zone(entry.at, tz)}  {entry.kind:<10}  "
                  + entry.text.replace("\n", "\n" + " " * 36) + f"  ({entry.actor})")
    finally:
        ws.close()
    return 0
