"""The report's own user-agent stylesheet (report/ua.css) lays the pages out exactly as
WeasyPrint's full one does, and WeasyPrint really uses it."""

from __future__ import annotations

from typing import Any

import pytest

from dpo_tui.report import ASSETS_DIR, pdf
from dpo_tui.report.html import render_html
from dpo_tui.services.demo import load_demo
from dpo_tui.services.report import gather_context


@pytest.fixture(scope="module")
def demo_html(tmp_path_factory) -> str:
    from dpo_tui.clock import Clock
    from dpo_tui.services.workspace import open_workspace

    ws = open_workspace(tmp_path_factory.mktemp("ua") / "demo.db",
                        clock=Clock.from_text("2026-11-22T10:00:00Z"), actor="tester")
    org = load_demo(ws)
    html = render_html(gather_context(ws, org.id))
    ws.close()
    return html


def boxes(document: Any) -> list[list[tuple]]:
    """Every box of every page: its kind, text, position and size (to a hundredth of a point)."""
    pages = []
    for page in document.pages:
        pages.append([(type(box).__name__, getattr(box, "text", None),
                       round(box.position_x, 2), round(box.position_y, 2),
                       round(box.width, 2) if isinstance(box.width, float | int) else box.width,
                       round(box.height, 2) if isinstance(box.height, float | int) else box.height)
                      for box in page._page_box.descendants()])
    return pages


def test_the_report_is_laid_out_as_with_weasyprint_s_own_stylesheet(demo_html):
    weasyprint = pdf.weasyprint()
    ours = pdf.render(demo_html)
    theirs = weasyprint.HTML(string=demo_html, base_url=ASSETS_DIR.as_uri() + "/",
                             url_fetcher=pdf.make_fetcher()).render(pdf_variant=pdf.PDF_VARIANT)
    assert len(ours.pages) == len(theirs.pages) > 10
    assert boxes(ours) == boxes(theirs)
    assert ours.make_bookmark_tree() == theirs.make_bookmark_tree()  # the PDF's outline


def test_weasyprint_takes_the_user_agent_stylesheet_from_the_report(monkeypatch):
    report_html = pdf.report_html()
    calls: list[bool] = []
    real = report_html._ua_stylesheets

    def counted(self, *args: Any, **kwargs: Any) -> list[Any]:
        calls.append(True)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(report_html, "_ua_stylesheets", counted)
    pdf.render("<p>Hello</p>")
    assert calls  # a WeasyPrint that no longer asks would lay out with its own, more slowly
