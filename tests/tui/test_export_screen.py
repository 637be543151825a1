"""The export screen: runs the report in a worker, shows the stage, can be cancelled, says where."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from textual.widgets import ProgressBar, SelectionList, Static

from dpo_tui.services import records
from dpo_tui.services import report as report_service
from dpo_tui.tui.app import DpoApp
from dpo_tui.tui.screens.export import ExportScreen, open_export

SIZE = (120, 50)


def text_of(screen: ExportScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_export_runs_in_a_worker_on_its_own_connection_and_says_where(ws, org, tmp_path,
                                                                            monkeypatch):
    records.save(ws, org.id, "processor", {"legal_name": "Stripe Payments UK Ltd",
                                           "status": "active"})
    calls: list[tuple[Any, str]] = []
    real = report_service.build_report

    def spy(worker_ws: Any, org_id: str, **kwargs: Any) -> Path:
        calls.append((worker_ws, threading.current_thread().name))
        return real(worker_ws, org_id, **kwargs)

    monkeypatch.setattr(report_service, "build_report", spy)
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        open_export(app, out=tmp_path)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        await pilot.click("#short")
        assert screen.chosen_sections() == ["cover", "summary", "processors", "retention"]
        await pilot.click("#start")
        await app.workers.wait_for_complete()
        await pilot.pause()
        expected = tmp_path / "test-studio-dpo-report-2026-11-22.pdf"
        assert expected.is_file()
        assert screen.saved_path == expected
        assert text_of(screen, "#export-result") == f"Saved to {expected}"
        assert text_of(screen, "#export-stage") == "Done."
        assert screen.query_one("#export-progress", ProgressBar).progress == 100
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ExportScreen)
    (worker_ws, thread_name), = calls
    assert worker_ws is not ws and worker_ws.db.conn is not ws.db.conn  # a second connection
    assert thread_name != threading.main_thread().name


async def test_cancelling_stops_after_the_current_stage_and_writes_nothing(ws, org, tmp_path,
                                                                           monkeypatch):
    release = threading.Event()
    real_gather = report_service.gather_context

    def slow_gather(*args: Any, **kwargs: Any) -> Any:
        release.wait(10)
        return real_gather(*args, **kwargs)

    monkeypatch.setattr(report_service, "gather_context", slow_gather)
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        open_export(app, out=tmp_path)
        await pilot.pause()
        screen = app.screen
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert screen.query_one("#export-sections", SelectionList).disabled
        await pilot.press("escape")  # while running, escape cancels instead of closing
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        assert text_of(screen, "#export-stage") == "Cancelling after this step…"
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert text_of(screen, "#export-result") == "Cancelled: no file was written."
        assert screen.saved_path is None
        assert not screen.query_one("#export-sections", SelectionList).disabled
    assert [p for p in tmp_path.iterdir() if ".pdf" in p.name] == []


async def test_a_folder_that_does_not_exist_is_reported_and_the_app_carries_on(ws, org,
                                                                               tmp_path):
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        open_export(app, out=tmp_path / "missing" / "r.pdf")
        await pilot.pause()
        screen = app.screen
        await pilot.click("#start")
        await app.workers.wait_for_complete()
        await pilot.pause()
        result = text_of(screen, "#export-result")
        assert result.startswith("The report was not saved: The folder ")
        assert "missing does not exist" in result and "Traceback" not in result
        assert screen.query_one("#export-result", Static).has_class("error")
        assert app.is_running


async def test_no_sections_ticked_is_refused(ws, org, tmp_path):
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        out = tmp_path / "out"
        out.mkdir()
        open_export(app, out=out)
        await pilot.pause()
        screen = app.screen
        screen.query_one("#export-sections", SelectionList).deselect_all()
        await pilot.click("#start")
        await pilot.pause()
        assert text_of(screen, "#export-result") == "Tick at least one section."
        assert list(out.iterdir()) == []


async def test_without_an_organisation_the_screen_does_not_open(ws):
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        before = app.screen
        open_export(app)
        await pilot.pause()
        assert app.screen is before


async def test_the_dialog_fits_an_80_by_24_terminal(ws, org):
    app = DpoApp(ws)
    async with app.run_test(size=(80, 24)) as pilot:
        app.animation_level = "none"
        open_export(app)
        await pilot.pause()
        screen = app.screen
        for selector in ("#export-sections", "#all", "#short", "#export-progress", "#start",
                         "#cancel", "#close"):
            region = screen.query_one(selector).region
            assert region.right <= 80 and region.bottom <= 24, selector
