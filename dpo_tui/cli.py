"""The one console script. Bare `dpo-tui` opens the TUI; subcommands run headless.

Each command module in dpo_tui/commands/ adds its subparsers with `add_parsers(sub)` and sets
`run=` to a function `(args, ctx) -> int`. Command modules import heavy packages (weasyprint,
openpyxl, textual) inside their run functions only, so `dpo-tui --help` stays fast.

Exit codes: 0 success, 1 a problem the user can fix (message on stderr), 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dpo_tui import __version__
from dpo_tui.clock import Clock, ClockError

if TYPE_CHECKING:
    from dpo_tui.services.workspace import Workspace

COMMAND_MODULES = (
    "dpo_tui.commands.core",
    "dpo_tui.commands.data",
    "dpo_tui.commands.registers",
    "dpo_tui.commands.demo",
    "dpo_tui.commands.breach",
    "dpo_tui.commands.report",
    "dpo_tui.commands.check",
    "dpo_tui.commands.spreadsheet",
)


class UserError(Exception):
    """A mistake the user can fix; printed without a traceback, exit code 1."""


@dataclass
class Context:
    """What every command needs: where the database is, the clock, and who is acting."""

    db_path: Path
    clock: Clock
    actor: str | None

    def open(self, *, create: bool = True) -> Workspace:
        from dpo_tui.services.workspace import open_workspace

        return open_workspace(self.db_path, clock=self.clock, actor=self.actor, create=create)


def build_parser(*, commands: bool = True) -> argparse.ArgumentParser:
    """The whole command line, or with `commands=False` the global options alone."""
    parser = argparse.ArgumentParser(
        prog="dpo-tui",
        description="Data protection records for a small business: record of processing, "
        "processors, retention, breaches, and an ICO-style PDF report. "
        "Without a command, opens the terminal app.",
        add_help=commands,
        exit_on_error=commands,  # the global options alone: a mistake goes to the full parser
    )
    parser.add_argument("--version", action="version", version=f"dpo-tui {__version__}")
    parser.add_argument("--db", metavar="PATH",
                        help="database file (default: $DPO_TUI_DB, else your user data folder)")
    parser.add_argument("--as-of", metavar="DATETIME",
                        help="treat this ISO 8601 date/time as now (default: $DPO_TUI_NOW, else now)")
    parser.add_argument("--user", metavar="NAME",
                        help="name recorded in history (default: $DPO_TUI_USER, else your login)")
    if not commands:
        parser.set_defaults(command=None)
        return parser
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # a command module not in this build
            raise
        module.add_parsers(sub)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line as `main` sees it.

    Bare `dpo-tui` with global options only is read without building the parsers of every
    subcommand, which take longer than anything else before the app starts (about 12 ms);
    a command, `--help` or anything unknown gets the full parser, its help and its errors.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args, rest = build_parser(commands=False).parse_known_args(argv)
    except argparse.ArgumentError:
        rest = argv
    if not rest and not {"-h", "--help"} & set(argv):
        return args
    return build_parser().parse_args(argv)


def make_context(args: argparse.Namespace) -> Context:
    from dpo_tui.paths import resolve_db_path

    as_of = args.as_of or os.environ.get("DPO_TUI_NOW")
    try:
        clock = Clock.from_text(as_of)
    except ClockError as exc:
        source = "--as-of" if args.as_of else "DPO_TUI_NOW"
        raise UserError(f"{source}: {exc}") from exc
    return Context(db_path=resolve_db_path(args.db), clock=clock, actor=args.user)


def run_tui(args: argparse.Namespace, ctx: Context) -> int:
    from dpo_tui.tui.start import run

    return run(ctx)


def main(argv: Sequence[str] | None = None) -> int:
    from dpo_tui.services.records import ValidationFailed
    from dpo_tui.storage.db import StorageError

    args = parse_args(argv)
    runner: Callable[[argparse.Namespace, Context], int] = getattr(args, "run", run_tui)
    try:
        ctx = make_context(args)
    except UserError as exc:
        build_parser().error(str(exc))  # a bad --as-of is a usage error: exit 2, like any bad option
    try:
        return runner(args, ctx)
    except (UserError, StorageError, ValidationFailed) as exc:
        print(f"dpo-tui: {exc}", file=sys.stderr)
        if isinstance(exc, ValidationFailed) and len(exc.errors) > 1:
            for message in exc.errors.values():
                print(f"  - {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("dpo-tui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
