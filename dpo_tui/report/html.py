"""The report as HTML: Jinja2 with autoescape and StrictUndefined, templates beside this file.

User text reaches the templates only as plain strings in the context and is escaped on output;
no template marks user data `|safe`, so `<img src=...>` or `</style>` typed into a record is
printed as those characters. StrictUndefined turns a typo in a template into an error instead
of a silently empty cell.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jinja2 import BytecodeCache, Environment

    from dpo_tui.report.context import ReportContext

TEMPLATE = "report.html"


def _bytecode_cache() -> BytecodeCache | None:
    """Compiled templates kept between reports (compiling them is ~40 ms of every report).

    Jinja's own per-user folder in the temporary directory: created private (0700) and refused
    if another user owns it or can write to it; an entry is used only while its template's
    source is unchanged. Without such a folder, templates are compiled each time.
    """
    from jinja2 import FileSystemBytecodeCache

    try:
        return FileSystemBytecodeCache()
    except (OSError, RuntimeError):
        return None


@cache
def environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from dpo_tui.report import ASSETS_DIR

    return Environment(
        loader=FileSystemLoader(ASSETS_DIR / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        bytecode_cache=_bytecode_cache(),
    )


def render_html(context: ReportContext) -> str:
    """The whole report as one HTML document (its stylesheet is linked, fetched by pdf.py)."""
    return environment().get_template(TEMPLATE).render(r=context)
