"""The PDF report: context (pure) -> HTML (Jinja2, autoescaped) -> PDF (WeasyPrint, lazily).

`context` turns a Snapshot into plain text the templates only place; `html` renders it;
`pdf` is the only module that imports WeasyPrint, and only inside its functions.
"""

from __future__ import annotations

from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent
