"""Start-up stays fast and the layers stay honest: the CLI loads no UI or report libraries.

`dpo-tui --help` and every headless command build the parser first; if that pulled in
textual (~210 ms), weasyprint (~500 ms) or openpyxl, every command would pay for them
(PERFORMANCE.md). Each runs in a fresh interpreter, since this test process has them loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dpo_tui import __version__

CHECKOUT = Path(__file__).resolve().parents[2]
HEAVY = ("textual", "weasyprint", "openpyxl")


def run_python(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=60,
                          cwd=CHECKOUT)


def test_building_the_cli_parser_loads_no_heavy_library():
    code = (
        "import json, sys\n"
        "import dpo_tui.cli\n"
        "dpo_tui.cli.build_parser()\n"
        f"heavy = {HEAVY!r}\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(heavy))))\n"
    )
    result = run_python("-c", code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_the_check_itself_can_fail():
    """The same probe sees textual when it is imported, so the test above means something."""
    result = run_python("-c", "import sys, textual.app; print('textual' in sys.modules)")
    assert result.stdout.strip() == "True"


def test_help_loads_no_heavy_library():
    code = (
        "import sys\n"
        "import dpo_tui.cli\n"
        "try:\n"
        "    dpo_tui.cli.main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})), file=sys.stderr)\n"
    )
    result = run_python("-c", code)
    assert "usage: dpo-tui" in result.stdout
    assert result.stderr.strip() == "[]"


def test_python_m_dpo_tui_version():
    result = run_python("-m", "dpo_tui", "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"dpo-tui {__version__}"


def test_opening_an_up_to_date_database_does_not_load_sqlite_utils(tmp_path):
    """sqlite-utils runs migrations only: a database already at this version opens without it
    (about 40 ms of imports, bench/startup.py), and a new one loads it to create the tables."""
    probe = (
        "import sys\n"
        "from dpo_tui.services.workspace import open_workspace\n"
        f"open_workspace({str(tmp_path / 'x.db')!r}).close()\n"
        "print('sqlite_utils' in sys.modules)\n"
    )
    created = run_python("-c", probe)
    reopened = run_python("-c", probe)
    assert created.returncode == 0 and reopened.returncode == 0, created.stderr + reopened.stderr
    assert created.stdout.strip() == "True"
    assert reopened.stdout.strip() == "False"
