"""Real PDFs, read back with pypdf. Each render costs about a second, so the full report of the
fixture organisation is made once per module and every test reads that one file."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from dpo_tui.clock import Clock
from dpo_tui.domain.activities import ICO_COLUMNS
from dpo_tui.report import ASSETS_DIR, pdf
from dpo_tui.services import data_io, organisations, records
from dpo_tui.services import report as report_service
from dpo_tui.services.report import ReportCancelled, ReportError, build_report
from dpo_tui.services.workspace import Workspace, open_workspace

NOW = "2026-11-22T10:00:00Z"


def flat(text: str) -> str:
    """Extracted text with every run of whitespace as one space (cells wrap lines anywhere)."""
    return " ".join(text.split())


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        type(self).requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { display: none }")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[int, list[str]]]:
    """A web server on 127.0.0.1 that must never be asked for anything."""
    requests: list[str] = []
    handler = type("Handler", (_Recorder,), {"requests": requests})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], requests
    httpd.shutdown()
    httpd.server_close()


@dataclass
class Rendered:
    path: Path
    fixture: Any
    reader: PdfReader
    pages: list[str]
    text: str
    stages: list[tuple[str, float]]
    fetchers: list[Any] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, server, fixture_builder
             ) -> Iterator[Rendered]:
    port, requests = server
    folder = tmp_path_factory.mktemp("pdf")
    ws = open_workspace(folder / "fixture.db", clock=Clock.from_text(NOW), actor="tester")
    fixture = fixture_builder(ws, port=port)
    fetchers: list[Any] = []
    stages: list[tuple[str, float]] = []
    real_make_fetcher = pdf.make_fetcher

    def recording_fetcher(*args: Any, **kwargs: Any) -> Any:
        fetcher = real_make_fetcher(*args, **kwargs)
        fetchers.append(fetcher)
        return fetcher

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pdf, "make_fetcher", recording_fetcher)
        path = build_report(ws, fixture.org_id, out=folder / "report.pdf",
                            progress=lambda stage, fraction: stages.append((stage, fraction)))
    ws.close()
    reader = PdfReader(path)
    pages = [page.extract_text() for page in reader.pages]
    yield Rendered(path, fixture, reader, pages, flat("\n".join(pages)), stages, fetchers,
                   requests)


# ---------------------------------------------------------------- content


def test_every_ico_column_label_and_record_is_in_the_pdf(rendered):
    for _number, label, _mark in ICO_COLUMNS:
        assert flat(label) in rendered.text, label
    fx = rendered.fixture
    for name in [*fx.activities, *fx.processors, *fx.retention, *fx.breaches]:
        assert flat(name) in rendered.text, name
    for heading in ["Record of processing activities", "Processor register",
                    "Retention schedule", "Breach log", "Findings: actions needed",
                    "Processor record: processing for clients", "Quarterly review",
                    "St Aldhelm's Primary School", "IC-401887-K3T9"]:
        assert heading in rendered.text, heading


def test_missing_required_columns_are_marked(rendered):
    # The Swedish activity has no lawful basis: column 12 reads "Missing" under it. Activities
    # name a column by number and short name; the legend before them gives the full label.
    assert "12. Lawful basis (Art 6): Missing" in rendered.text
    assert "12. Article 6 lawful basis for processing personal data;" in rendered.text


def test_every_page_has_the_footer_and_the_header(rendered):
    total = len(rendered.pages)
    assert total > 5
    assert f"Page 1 of {total}" in rendered.pages[0]
    for number, page in enumerate(rendered.pages, start=1):
        assert f"Page {number} of {total}" in page
        if number > 1:  # the cover carries no running header
            assert "Harbour Music Ltd" in page and "Data protection report, 22/11/2026" in page


def test_contents_page_numbers_point_at_the_sections(rendered):
    contents = flat(rendered.pages[1])
    assert contents.startswith("Contents") or "Contents" in contents
    for heading in ["Summary", "Record of processing activities", "Breach log"]:
        page = int(contents.split(heading, 1)[1].lstrip(" .").split(" ", 1)[0])
        assert heading in rendered.pages[page - 1], heading


def test_swedish_bulgarian_and_welsh_text_round_trips(rendered):
    languages = rendered.fixture.languages
    assert "å ä ö" in languages["sv"] and "ŵ ŷ" in languages["cy"]
    for text in (*languages.values(), "Siân Ŵyn Hughes"):
        assert flat(text) in rendered.text, text


# ---------------------------------------------------------------- safety


def test_hostile_text_is_printed_literally_and_nothing_is_fetched(rendered):
    # Long tokens wrap inside narrow cells, so compare without the line breaks' spaces.
    squashed = "".join(rendered.text.split())
    for text in rendered.fixture.hostile:
        assert "".join(text.split()) in squashed, text
    assert rendered.requests == []  # the local web server was never asked for anything
    assert rendered.fetchers  # the report's, and the user-agent stylesheet's if made meanwhile
    for fetcher in rendered.fetchers:
        assert fetcher.refused == []
        assert all(pdf.asset_path(url) is not None for url in fetcher.requested)
    assert any(f.requested for f in rendered.fetchers), "the stylesheet comes through the fetcher"
    # Nothing of /etc/passwd itself reached the PDF, as text or as an embedded file.
    raw = rendered.path.read_bytes()
    assert "root:" not in rendered.text and b"root:x:0:0" not in raw
    assert list(rendered.reader.attachments) == ["report.json"]


def test_the_fetcher_serves_only_the_report_assets(tmp_path):
    css = (ASSETS_DIR / "report.css").as_uri()
    assert pdf.asset_path(css) == ASSETS_DIR / "report.css"
    outside = tmp_path / "x.css"
    outside.write_text("body {}")
    refused = [
        "file:///etc/passwd", outside.as_uri(), "http://127.0.0.1:9/x.css",
        "https://example.com/report.css", "data:text/css,body{display:none}",
        (ASSETS_DIR / "templates" / "report.html").as_uri(),  # inside, but not an asset type
        ASSETS_DIR.as_uri() + "/../../../etc/passwd.css",
        "file://evil.example" + (ASSETS_DIR / "report.css").as_posix(),
        "ftp://127.0.0.1/report.css", "report.css",
    ]
    fetcher = pdf.make_fetcher()
    for url in refused:
        assert pdf.asset_path(url) is None, url
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
    assert fetcher.refused == refused
    response = fetcher.fetch(css)
    assert b"@page" in response.read() and response.content_type == "text/css"


def test_a_symlink_out_of_the_assets_is_refused(tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    link = tmp_path / "assets"
    link.mkdir()
    (link / "evil.css").symlink_to(secret)
    assert pdf.asset_path((link / "evil.css").as_uri(), root=link) is None
    (link / "fine.css").write_text("p {}")
    assert pdf.asset_path((link / "fine.css").as_uri(), root=link) == (link / "fine.css")


# ---------------------------------------------------------------- archival


def test_pdf_declares_pdf_a_3b_and_carries_the_metadata(rendered):
    xmp = rendered.reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    meta = rendered.reader.metadata
    assert meta.title == "Data protection report: Harbour Music Ltd, 22/11/2026"
    assert meta.author == "Siân Ŵyn Hughes"  # no prepared_by set: the DPO
    assert meta.subject.startswith("UK GDPR record of processing")
    assert meta["/CreationDate"] == "D:20261122100000Z"
    assert rendered.reader.pdf_header == "%PDF-1.7"


def test_the_attachment_is_listed_once_as_the_pdf_s_data(rendered):
    root = rendered.reader.trailer["/Root"]
    files = [ref.idnum for ref in root["/AF"]]
    assert len(files) == len(set(files)) == 1
    assert root["/AF"][0].get_object()["/AFRelationship"] == "/Data"


def test_page_contents_and_fonts_are_compressed(rendered):
    """pdf.py compresses the streams itself (see the next test): the file stays all Flate."""
    fonts = {}
    for page in rendered.reader.pages:
        contents = page["/Contents"].get_object()
        assert contents["/Filter"] == "/FlateDecode" and contents.get_data()
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            fonts[font["/BaseFont"]] = descriptor.get_object()["/FontFile2"].get_object()
    assert len(fonts) >= 2  # regular and bold
    for file in fonts.values():
        assert file["/Filter"] == "/FlateDecode" and file.get_data()[:4] == b"\x00\x01\x00\x00"


def test_each_stream_is_compressed_once_whatever_the_page_count(tmp_path, monkeypatch):
    """PDF/A hashes the file for its identifier, and pydyf compresses a stream each time its
    bytes are asked for; pdf.py compresses every stream once before that."""
    import hashlib
    import zlib

    ours: list[str] = []
    pydyfs: list[int] = []
    compress, compressobj = zlib.compress, zlib.compressobj

    def spy_compress(data, *args):
        ours.append(hashlib.sha256(data).hexdigest())
        return compress(data, *args)

    def spy_compressobj(*args, **kwargs):
        pydyfs.append(1)
        return compressobj(*args, **kwargs)

    monkeypatch.setattr(zlib, "compress", spy_compress)
    monkeypatch.setattr(zlib, "compressobj", spy_compressobj)
    counts = {}
    for pages in (2, 6):
        ours.clear()
        pydyfs.clear()
        html = "".join(f"<p style='break-before: page'>Page {n}</p>" for n in range(pages))
        path = pdf.write_pdf(html, tmp_path / f"{pages}.pdf")
        reader = PdfReader(path)
        assert [p.extract_text().strip() for p in reader.pages] == \
            [f"Page {n}" for n in range(pages)]
        assert len(ours) == len(set(ours)) >= pages  # each page's contents, once
        counts[pages] = len(pydyfs)
    assert counts[2] == counts[6]  # what pydyf still compresses does not grow with the pages


def test_importing_weasyprint_leaves_the_cycle_collector_running():
    import subprocess
    import sys

    code = ("import gc\nfrom dpo_tui.report import pdf\npdf.weasyprint()\n"
            "print(gc.isenabled(), 'weasyprint' in __import__('sys').modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.stdout.split() == ["True", "True"], result.stderr


def test_weasyprint_is_imported_the_ordinary_way_if_the_quick_way_fails(monkeypatch):
    """Where the libraries open only through ctypes' search, the import is done again."""
    import ctypes.util
    import importlib.abc
    import importlib.machinery
    import sys

    class Module(importlib.abc.Loader):
        def create_module(self, spec):
            return None

        def exec_module(self, module):
            if ctypes.util.find_library("c") is None:
                raise OSError("cannot load library 'libpango-1.0-0'")
            module.HTML = "found"

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name == "weasyprint":
                return importlib.machinery.ModuleSpec(name, Module())
            return None

    search = ctypes.util.find_library
    monkeypatch.setattr(sys, "meta_path", [Finder(), *sys.meta_path])
    for name in [n for n in sys.modules if n == "weasyprint" or n.startswith("weasyprint.")]:
        monkeypatch.delitem(sys.modules, name)
    try:
        assert pdf.weasyprint().HTML == "found"
        assert ctypes.util.find_library is search
    finally:
        sys.modules.pop("weasyprint", None)  # the stand-in; the real one comes back after


def test_json_attachment_reimports_into_an_empty_database(rendered, tmp_path):
    attachments = rendered.reader.attachments
    assert list(attachments) == ["report.json"]
    data = json.loads(attachments["report.json"][0])
    assert data["format"] == "dpo-tui-data"
    assert [o["values"]["name"] for o in data["organisations"]] == ["Harbour Music Ltd"]
    empty = open_workspace(tmp_path / "empty.db", clock=Clock.from_text(NOW), actor="auditor")
    try:
        summary = data_io.import_data(empty, data)
        assert summary.organisations == ["Harbour Music Ltd"]
        org = organisations.find(empty, "Harbour Music Ltd")
        assert org.id == rendered.fixture.org_id
        purposes = {r.values["purpose"] for r in records.list_records(empty, org.id, "activity")}
        assert purposes == set(rendered.fixture.activities)
        assert len(records.list_records(empty, org.id, "breach")) == 2
    finally:
        empty.close()


def test_progress_reports_each_stage_in_order(rendered):
    assert [s for s, _ in rendered.stages] == ["gathering data", "building pages", "laying out",
                                               "writing", "done"]
    fractions = [f for _, f in rendered.stages]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0


def test_report_file_is_private(rendered):
    assert rendered.path.stat().st_mode & 0o077 == 0


# ---------------------------------------------------------------- where it goes, and failures


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_default_name_and_the_exports_folder_is_created(ws: Workspace, org, tmp_path,
                                                         monkeypatch):
    exports = tmp_path / "not-yet" / "exports"
    monkeypatch.setattr("dpo_tui.paths.export_dir", lambda: exports)
    path = build_report(ws, org.id, sections=["cover"])
    assert path == exports / "test-studio-dpo-report-2026-11-22.pdf"
    assert path.is_file() and leftovers(exports) == [path.name]
    assert PdfReader(path).attachments.keys() == {"test-studio-dpo-report-2026-11-22.json"}


def test_out_can_name_an_existing_folder(ws: Workspace, org, tmp_path):
    path = build_report(ws, org.id, out=tmp_path, sections=["cover"])
    assert path == tmp_path / "test-studio-dpo-report-2026-11-22.pdf" and path.is_file()


def test_a_missing_folder_given_by_the_user_is_a_clear_error(ws: Workspace, org, tmp_path):
    target = tmp_path / "no-such-folder" / "report.pdf"
    with pytest.raises(ReportError, match="The folder .*no-such-folder does not exist; create it"):
        build_report(ws, org.id, out=target)
    assert not target.parent.exists()


def test_an_unwritable_folder_is_a_clear_error_and_leaves_no_file(ws: Workspace, org, tmp_path,
                                                                  monkeypatch):
    folder = tmp_path / "locked"
    folder.mkdir()

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    # Running as root ignores permission bits, so the refusal is simulated where it happens.
    monkeypatch.setattr(pdf.tempfile, "mkstemp", refuse)
    with pytest.raises(ReportError, match="Cannot write in the folder .*locked .Permission denied"):
        build_report(ws, org.id, out=folder / "report.pdf", sections=["summary"])
    assert leftovers(folder) == []


def test_permission_check_happens_before_any_work(ws: Workspace, org, tmp_path, monkeypatch):
    gathered: list[str] = []
    monkeypatch.setattr(pdf.os, "access", lambda path, mode: False)
    monkeypatch.setattr(report_service, "gather_context",
                        lambda *a, **k: gathered.append("gathered"))
    with pytest.raises(ReportError, match="Cannot write in the folder .* .permission denied."):
        build_report(ws, org.id, out=tmp_path / "r.pdf")
    assert gathered == [] and not (tmp_path / "r.pdf").exists()


def test_a_failure_while_writing_keeps_the_old_file_and_leaves_no_temp(ws: Workspace, org,
                                                                       tmp_path, monkeypatch):
    import weasyprint

    target = tmp_path / "out" / "report.pdf"
    target.parent.mkdir()
    target.write_bytes(b"%PDF-old")

    def half_written(self: Any, fh: Any, **options: Any) -> None:
        fh.write(b"%PDF-1.7 half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(weasyprint.Document, "write_pdf", half_written)
    with pytest.raises(ReportError, match="No space left on device"):
        build_report(ws, org.id, out=target, sections=["summary"])
    assert target.read_bytes() == b"%PDF-old"
    assert leftovers(target.parent) == ["report.pdf"]


@pytest.mark.parametrize("stages_allowed", [0, 2, 3])
def test_cancelling_leaves_no_file(ws: Workspace, org, tmp_path, stages_allowed):
    """Cancelled before gathering, before layout, or after layout but before writing."""
    stages: list[str] = []
    with pytest.raises(ReportCancelled, match="no file was written"):
        build_report(ws, org.id, out=tmp_path / "r.pdf", sections=["summary"],
                     progress=lambda stage, fraction: stages.append(stage),
                     cancelled=lambda: len(stages) >= stages_allowed)
    assert len(stages) == stages_allowed
    assert [name for name in leftovers(tmp_path) if "r.pdf" in name] == []


def test_unknown_sections_are_refused_with_the_valid_list(ws: Workspace, org):
    with pytest.raises(ReportError, match="unknown section: nope; valid sections: cover, summary"):
        build_report(ws, org.id, sections=["summary", "nope"])


def test_file_names_and_section_lists():
    assert report_service.default_filename("Harbour Music Ltd", "2026-11-22") == \
        "harbour-music-dpo-report-2026-11-22.pdf"
    assert report_service.slug("Café Malmö Musik AB") == "cafe-malmo-musik"
    assert report_service.slug("Ltd") == "ltd"
    assert report_service.slug("Записване ООД") == "organisation"
    assert report_service.slug("../../etc/passwd") == "etc-passwd"
    assert report_service.parse_sections(" Cover, summary ,client-processing,cover") == \
        ["cover", "summary", "client_processing"]
    assert report_service.parse_sections(None) is None
    with pytest.raises(ValueError, match="unknown sections: a, b; valid sections: cover"):
        report_service.parse_sections("a,b")
    with pytest.raises(ValueError, match="no sections given"):
        report_service.parse_sections(" , ")
