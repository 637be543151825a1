"""Where things live. Nothing here touches the disk until a function is called.

Database: --db flag > DPO_TUI_DB > the platformdirs user data directory.
Backups: a `backups/` folder beside the database.
Exports: `exports/` when running from a checkout, else the user's documents folder.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "dpo-tui"
DB_FILENAME = "dpo-tui.db"

PACKAGE_DIR = Path(__file__).resolve().parent
CHECKOUT_DIR = PACKAGE_DIR.parent


def data_dir() -> Path:
    """Reference data shipped with the app (vocabularies, presets, templates, demo)."""
    bundled = PACKAGE_DIR / "_data"  # inside a wheel
    return bundled if bundled.is_dir() else CHECKOUT_DIR / "data"


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)) / DB_FILENAME


def resolve_db_path(flag: str | None = None, environ: dict[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    chosen = flag or environ.get("DPO_TUI_DB")
    return Path(chosen).expanduser() if chosen else default_db_path()


def backup_dir(db_path: Path) -> Path:
    return db_path.parent / "backups"


def running_from_checkout() -> bool:
    return (CHECKOUT_DIR / "pyproject.toml").is_file() and (CHECKOUT_DIR / "exports").is_dir()


def export_dir() -> Path:
    if running_from_checkout():
        return CHECKOUT_DIR / "exports"
    from platformdirs import user_documents_dir

    return Path(user_documents_dir()) / APP_NAME


def ensure_private_dir(path: Path) -> Path:
    """Create a folder readable only by its owner (0700); tighten it if we created it."""
    missing = []
    walk = path
    while not walk.exists():
        missing.append(walk)
        walk = walk.parent
    for folder in reversed(missing):  # every folder we create is private, not just the last
        folder.mkdir(mode=0o700)
        os.chmod(folder, 0o700)
    return path
