"""paths, backup, organisations: the commands every install needs."""

from __future__ import annotations

import argparse
from pathlib import Path

from dpo_tui.cli import Context, UserError


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("paths", help="print where the database, backups and exports live")
    p.set_defaults(run=run_paths)

    p = sub.add_parser("backup", help="copy the database to a backup file (SQLite backup API)")
    p.add_argument("--out", metavar="PATH", help="backup file (default: the backups folder)")
    p.set_defaults(run=run_backup)

    p = sub.add_parser("orgs", help="list the organisations in the database")
    p.add_argument("--archived", action="store_true", help="include archived organisations")
    p.set_defaults(run=run_orgs)


def run_paths(args: argparse.Namespace, ctx: Context) -> int:
    from dpo_tui.paths import backup_dir, data_dir, export_dir

    print(f"database: {ctx.db_path}")
    print(f"backups:  {backup_dir(ctx.db_path)}")
    print(f"exports:  {export_dir()}")
    print(f"data:     {data_dir()}")
    return 0


def run_backup(args: argparse.Namespace, ctx: Context) -> int:
    from dpo_tui.storage.db import backup_name, backup_to

    if not ctx.db_path.exists():
        raise UserError(f"There is no database at {ctx.db_path} to back up")
    ws = ctx.open(create=False)
    try:
        dest = Path(args.out).expanduser() if args.out else backup_name(ctx.db_path, ctx.clock.now())
        if dest.is_dir():
            dest = dest / backup_name(ctx.db_path, ctx.clock.now()).name
        try:
            backup_to(ws.db.conn, dest)
        except OSError as exc:
            raise UserError(f"Cannot write the backup {dest}: {exc.strerror}") from exc
    finally:
        ws.close()
    print(dest)
    return 0


def run_orgs(args: argparse.Namespace, ctx: Context) -> int:
    from dpo_tui.services import organisations

    ws = ctx.open()
    try:
        current = organisations.current(ws)
        for org in organisations.all(ws, include_archived=args.archived):
            mark = "*" if current and org.id == current.id else " "
            archived = f"  (archived: {org.archive_reason})" if org.archived else ""
            print(f"{mark} {org.values.get('name')}{archived}")
    finally:
        ws.close()
    return 0
