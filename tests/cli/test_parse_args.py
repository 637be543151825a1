"""The command line: bare `dpo-tui` is read with the global options alone, everything else with
the full parser, so help, commands and errors are the same as ever."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dpo_tui import cli
from dpo_tui.commands.report import run_report


def test_global_options_alone_open_the_app():
    args = cli.parse_args(["--db", "x.db", "--as-of", "2026-11-22", "--user", "Ann"])
    assert (args.db, args.as_of, args.user, args.command) == ("x.db", "2026-11-22", "Ann", None)
    assert not hasattr(args, "run")  # main() then opens the TUI


def test_global_options_alone_build_no_command_parser():
    code = ("import json, sys\n"
            "from dpo_tui import cli\n"
            "cli.parse_args(['--db', 'x.db'])\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('dpo_tui.commands'))))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_a_command_gets_the_full_parser():
    args = cli.parse_args(["--db", "x.db", "report", "--sections", "cover,summary"])
    assert args.command == "report" and args.run is run_report and args.db == "x.db"
    assert args.sections == ["cover", "summary"]


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.parse_args(["--db", "x.db", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "report" in out and "import-data" in out and "--as-of" in out


@pytest.mark.parametrize("argv", [["--bogus"], ["--db"], ["no-such-command"]])
def test_usage_errors_exit_2_with_the_full_usage(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.parse_args(argv)
    assert exit_.value.code == 2
    assert "COMMAND" in capsys.readouterr().err  # the full parser's usage line


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.parse_args(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("dpo-tui ")
