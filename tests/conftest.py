"""Fixtures shared by every test: a fixed clock, a workspace on a temp file, one organisation.

The autouse fixture keeps a developer's own database, documents and settings out of reach:
HOME and the XDG folders point into a temp folder and the DPO_TUI_* variables are removed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dpo_tui.clock import Clock
from dpo_tui.domain.records import Record
from dpo_tui.services.workspace import Workspace, open_workspace

FIXED_NOW = "2026-11-22T10:00:00Z"


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory,
                         monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(home / "Documents"))
    for name in ("DPO_TUI_DB", "DPO_TUI_NOW", "DPO_TUI_USER"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def clock() -> Clock:
    return Clock.from_text(FIXED_NOW)


@pytest.fixture
def ws(tmp_path: Path, clock: Clock) -> Iterator[Workspace]:
    workspace = open_workspace(tmp_path / "test.db", clock=clock, actor="tester")
    yield workspace
    workspace.close()


@pytest.fixture
def org(ws: Workspace) -> Record:
    from dpo_tui.services import organisations

    return organisations.create(ws, {"name": "Test Studio", "dpo_name": "Dee Pio"}).record


def _drop_root_file_powers() -> None:
    """In the child, before exec: give up root's power to ignore file permissions."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    PR_CAPBSET_DROP = 24
    for capability in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


@pytest.fixture
def run_unprivileged():
    """Run `python ARGS...` so that file permissions apply, even when the tests run as root
    (in containers and CI): read-only files and folders then behave as they do for users."""
    import os
    import subprocess
    import sys

    def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args], capture_output=True, text=True, timeout=timeout,
            cwd=Path(__file__).resolve().parents[1], env=os.environ.copy(),
            preexec_fn=_drop_root_file_powers if os.geteuid() == 0 else None,
        )

    return run


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding the demo organisation, loaded at FIXED_NOW, for one test module."""
    from dpo_tui.services.demo import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    workspace = open_workspace(path, clock=Clock.from_text(FIXED_NOW), actor="tester")
    load_demo(workspace)
    workspace.close()
    return path


@pytest.fixture
def run_python():
    """Run code in a fresh interpreter with arguments; its last line of output, read as JSON.

    For what must not run in a pytest worker, such as forking (the worker has threads)."""
    import json
    import subprocess
    import sys

    def run(code: str, *args: str, timeout: float = 120) -> dict:
        result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                                text=True, timeout=timeout)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    return run
