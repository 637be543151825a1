"""The ICO spreadsheet import as a user meets it: a path, a preview, then all or nothing."""

from __future__ import annotations

from textual.widgets import Button, DataTable, Input, Static

from dpo_tui.services import ico_xlsx, organisations, records
from dpo_tui.tui.app import DpoApp
from dpo_tui.tui.screens.import_ico import ImportIcoScreen


async def test_preview_then_import_adds_the_activities(ws, org, tmp_path):
    source = organisations.create(ws, {"name": "Source Studio"}).record
    for purpose in ("Class bookings", "Marketing emails"):
        records.save(ws, source.id, "activity", {"purpose": purpose, "business_function": "Studio"})
    sheet = tmp_path / "ico.xlsx"
    ico_xlsx.export_ico(ws, source.id, sheet)
    organisations.select(ws, org.id)

    app = DpoApp(ws)
    async with app.run_test(size=(120, 40)) as pilot:
        app.animation_level = "none"
        app.action_import_spreadsheet()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ImportIcoScreen)
        screen.query_one("#import-path", Input).value = str(sheet)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.query_one("#import-rows", DataTable).row_count == 2
        assert records.count(ws, org.id, "activity") == 0  # nothing written before the commit
        assert not screen.query_one("#commit", Button).disabled
        await pilot.click("#commit")
        await app.workers.wait_for_complete()
        await pilot.pause()
    purposes = sorted(r.values["purpose"] for r in records.list_records(ws, org.id, "activity"))
    assert purposes == ["Class bookings", "Marketing emails"]


async def test_a_file_that_is_not_a_spreadsheet_is_refused_with_a_message(ws, org, tmp_path):
    bogus = tmp_path / "notes.xlsx"
    bogus.write_text("not a spreadsheet")
    app = DpoApp(ws)
    async with app.run_test(size=(120, 40)) as pilot:
        app.animation_level = "none"
        app.action_import_spreadsheet()
        await pilot.pause()
        screen = app.screen
        screen.query_one("#import-path", Input).value = str(bogus)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        summary = str(screen.query_one("#import-summary", Static).render())
        assert summary.strip(), "a refusal must say why"
        assert screen.query_one("#commit", Button).disabled
    assert records.count(ws, org.id, "activity") == 0
