"""HTML -> PDF/A-3b with WeasyPrint: the only module that imports it, and only when called.

Safety: WeasyPrint's default URL fetcher reads anything it is pointed at (local files, any
URL). Ours serves only the files in this package's asset folder (the stylesheet) and refuses
everything else, so even markup that slipped past autoescaping could not read /etc/passwd or
call a server. Fonts come from the system through fontconfig, not through URLs.

Archival: PDF/A-3b (ISO 19005-3) lets the PDF carry its own data as an embedded file; the
report attaches the organisation's records as JSON, marked as the PDF's data (AFRelationship).

The file is written to a temporary file in the target folder and renamed over the target, so
a failure or a cancelled report never leaves half a PDF behind.
"""

from __future__ import annotations

import gc
import mimetypes
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from dpo_tui.report import ASSETS_DIR

if TYPE_CHECKING:
    from weasyprint import Document

PDF_VARIANT = "pdf/a-3b"
# The report's cut-down user-agent stylesheet (see the file, and report_html below).
USER_AGENT_CSS = ASSETS_DIR / "ua.css"
# File types the report's own assets may have; anything else is refused even inside the folder.
ASSET_SUFFIXES = {".css", ".png", ".svg", ".jpg"}


class PdfWriteError(OSError):
    """The PDF could not be written where asked; the message says where and why."""


@dataclass(frozen=True)
class AttachedFile:
    """A file embedded in the PDF (PDF/A-3 associated file)."""

    name: str
    text: str
    description: str
    relationship: str = "Data"  # PDF 2.0 / PDF/A-3 AFRelationship: the data the PDF shows


def weasyprint() -> ModuleType:
    """WeasyPrint, imported without its library search starting programs.

    WeasyPrint opens Pango, HarfBuzz and fontconfig by trying several names for each library
    ('libgobject-2.0-0', 'gobject-2.0-0', ... 'libgobject-2.0.so.0'). cffi passes every name
    it cannot open straight away to ctypes.util.find_library, which on Linux runs ldconfig, cc
    and ld for it: some fifty short-lived processes, about a quarter of a second of every
    report, before the name that opens is tried. So while WeasyPrint is imported,
    find_library answers "not found" at once. Should the libraries then not open at all
    (a system that relies on that search), the import is done again the ordinary way.

    The cycle collector is paused meanwhile: importing makes a hundred thousand objects that
    live as long as the process, and the full collections they trigger would walk them all
    again (about 80 ms of the import).
    """
    if "weasyprint" in sys.modules:
        import weasyprint as module

        return module
    import ctypes.util

    search = ctypes.util.find_library
    before = set(sys.modules)
    ctypes.util.find_library = lambda name: None
    with _no_cycle_collection():
        try:
            import weasyprint as module
        except OSError:
            for name in set(sys.modules) - before:
                if name == "weasyprint" or name.startswith("weasyprint."):
                    del sys.modules[name]
            ctypes.util.find_library = search
            import weasyprint as module
        finally:
            ctypes.util.find_library = search
    return module


def asset_path(url: str, root: Path = ASSETS_DIR) -> Path | None:
    """The local file a URL names if it is one of the report's own assets, else None.

    Only file: URLs without a host, resolving (symlinks and '..' included) to a regular file
    inside `root` with an asset suffix.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    try:
        path = Path(url2pathname(unquote(parts.path))).resolve()
        base = root.resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if not path.is_relative_to(base) or path.suffix.lower() not in ASSET_SUFFIXES:
        return None
    return path if path.is_file() else None


def make_fetcher(root: Path = ASSETS_DIR) -> Any:
    """An allow-list URL fetcher (a weasyprint.urls.URLFetcher subclass, as v70 requires).

    `requested` lists every URL WeasyPrint asked for and `refused` those it did not get, so
    tests (and a curious user) can see exactly what rendering tried to read.
    """
    weasyprint()
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetFetcher(URLFetcher):
        def __init__(self) -> None:
            super().__init__(timeout=1, allowed_protocols={"file"}, allow_redirects=False)
            self.root = root
            self.requested: list[str] = []
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            self.requested.append(url)
            path = asset_path(url, self.root)
            if path is None:
                self.refused.append(url)
                raise ValueError(f"refused: the report reads only its own assets, not {url[:80]}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), body=path.read_bytes(),
                                      headers={"Content-Type": content_type})

        def open(self, url: Any, data: Any = None, timeout: Any = None) -> URLFetcherResponse:
            return self.fetch(url.full_url if hasattr(url, "full_url") else str(url))

    return AssetFetcher()


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while WeasyPrint is imported, lays out or writes.

    Laying out makes millions of small objects that live until the PDF is written, and each
    full collection walks all of them: at 1,000 activities (a gigabyte of boxes) some twenty
    full collections took a quarter of the time, and more the larger the report. The few
    cycles made meanwhile are collected once the collector runs again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@cache
def report_html() -> type:
    """WeasyPrint's HTML class, laying out with the report's own user-agent stylesheet.

    `_ua_stylesheets` is the method through which WeasyPrint's HTML supplies its user-agent
    stylesheet; it is not documented, so a test checks that the installed WeasyPrint still
    calls it. Were it gone, the report would be laid out with WeasyPrint's own stylesheet:
    the same pages, a little more slowly.
    """
    module = weasyprint()
    user_agent = module.CSS(string=USER_AGENT_CSS.read_text(encoding="utf-8"),
                            url_fetcher=make_fetcher())

    class ReportHTML(module.HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [user_agent]

    return ReportHTML


def render(html: str, fetcher: Any = None) -> Document:
    """Lay out the pages (most of the cost). The stylesheet is linked relative to the assets."""
    HTML = report_html()

    fetcher = fetcher or make_fetcher()
    base_url = ASSETS_DIR.as_uri() + "/"
    with _no_cycle_collection():
        return HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
            pdf_variant=PDF_VARIANT)


def check_folder(folder: Path) -> None:
    """A clear message before any work if the folder cannot take the file."""
    if not folder.exists():
        raise PdfWriteError(f"The folder {folder} does not exist; create it or choose another "
                            "place for the report.")
    if not folder.is_dir():
        raise PdfWriteError(f"{folder} is not a folder.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PdfWriteError(f"Cannot write in the folder {folder} (permission denied); choose "
                            "a folder you can write to.")


def _list_attachments_once(pdf: Any) -> None:
    """Name each attached file once in the catalogue's /AF array.

    WeasyPrint (70) adds every attachment to /AF twice for PDF/A-3: once from the embedded
    files name tree and once from the file specification itself.
    """
    files = pdf.catalog.get("AF")
    if files:
        files[:] = list(dict.fromkeys(files))


def _compress_streams_once(pdf: Any) -> None:
    """Compress each stream (page contents, fonts, the attachment) once, at zlib's default level.

    pydyf compresses a stream each time its bytes are asked for, at level 9, and PDF/A asks
    twice: once to write the file and once to hash it for the file identifier. Compressing
    here, once, at level 6 takes about a tenth of the time for a file 3-4% larger. A stream
    whose parts are not all bytes is left to pydyf.
    """
    import zlib

    from pydyf import Stream

    for obj in pdf.objects:
        if isinstance(obj, Stream) and obj.compress and \
                all(isinstance(part, bytes) for part in obj.stream):
            obj.stream = [zlib.compress(b"\n".join(obj.stream))]
            obj.extra["Filter"] = "/FlateDecode"
            obj.compress = False


def _finish(document: Document, pdf: Any) -> None:
    """Last touches to the PDF before WeasyPrint writes it."""
    _list_attachments_once(pdf)
    _compress_streams_once(pdf)


def write(document: Document, target: Path, *, attachments: tuple[AttachedFile, ...] = (),
          created: datetime | None = None, fetcher: Any = None) -> Path:
    """Write the laid-out document to `target` atomically (temp file + rename), mode 0600.

    The report holds personal data, so like the database it is readable only by its owner.
    """
    Attachment = weasyprint().Attachment

    target = Path(target)
    folder = target.parent
    check_folder(folder)
    fetcher = fetcher or make_fetcher()
    embedded = [Attachment(string=a.text, name=a.name, description=a.description,
                           created=created, modified=created, relationship=a.relationship,
                           url_fetcher=fetcher)
                for a in attachments]
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise PdfWriteError(f"Cannot write in the folder {folder} ({exc.strerror}); choose a "
                            "folder you can write to.") from exc
    try:
        with os.fdopen(fd, "wb") as fh, _no_cycle_collection():
            document.write_pdf(fh, pdf_variant=PDF_VARIANT, attachments=embedded,
                               finisher=_finish)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp_name, target)
    except OSError as exc:
        Path(temp_name).unlink(missing_ok=True)
        raise PdfWriteError(f"Cannot write {target} ({exc.strerror}); no report was saved.") from exc
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return target


def write_pdf(html: str, target: Path, *, attachments: tuple[AttachedFile, ...] = (),
              created: datetime | None = None) -> Path:
    """Render and write in one call (tests and tools; the service reports each stage)."""
    fetcher = make_fetcher()
    document = render(html, fetcher)
    return write(document, target, attachments=attachments, created=created, fetcher=fetcher)
