"""Walks through the app as a new user would: first run, profile, switching, records, history."""

from __future__ import annotations

from textual.widgets import DataTable, Input, OptionList, Static

from dpo_tui.services import organisations, records
from dpo_tui.storage import repository as repo
from dpo_tui.tui.app import DpoApp
from dpo_tui.tui.screens.dialogs import HistoryScreen, ReasonDialog
from dpo_tui.tui.screens.form import FormScreen
from dpo_tui.tui.screens.organisations import WelcomeScreen
from dpo_tui.tui.screens.register import RegisterScreen

SIZE = (120, 40)


def text_of(widget: Static) -> str:
    return str(widget.render())


async def test_first_run_asks_for_a_name_and_refuses_an_empty_one(ws):
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        assert isinstance(app.screen, WelcomeScreen)
        await pilot.press("enter")
        assert "required" in text_of(app.screen.query_one("#welcome-error", Static))
        assert organisations.all(ws) == []
        await pilot.press(*"Harbour Music Ltd", "enter")
        await pilot.pause()
        assert app.org is not None and app.org.values["name"] == "Harbour Music Ltd"
        assert type(app.screen).__name__ == "DashboardScreen"


async def test_profile_form_shows_errors_at_the_field_and_keeps_what_was_typed(ws, org):
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        await pilot.press("o")
        form = app.screen
        assert isinstance(form, FormScreen)
        email = form.query_one("#field-email", Input)
        email.value = "not an email"
        form.query_one("#field-telephone", Input).value = "01632 960000"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        error = form.query_one("#error-email", Static)
        assert error.display and "does not look like an email" in text_of(error)
        assert form.query_one("#field-telephone", Input).value == "01632 960000"
        email.value = "hello@harbour.example"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen)
    saved = organisations.get(ws, org.id).values
    assert saved["email"] == "hello@harbour.example" and saved["telephone"] == "01632 960000"


async def test_switching_organisations_and_adding_one(ws, org):
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        await pilot.press("s")
        options = app.screen.query_one(OptionList)
        options.highlighted = options.option_count - 1  # "+ New organisation…"
        await pilot.press("enter")
        await pilot.press(*"Second Club", "enter")
        await pilot.pause()
        assert app.org.values["name"] == "Second Club"
        await pilot.press("s")
        options = app.screen.query_one(OptionList)
        options.highlighted = 1 if options.get_option_at_index(0).id != org.id else 0
        await pilot.press("enter")
        await pilot.pause()
        assert app.org.id == org.id
        assert "Test Studio" in app.title
    assert organisations.current(ws).id == org.id


async def test_a_record_from_new_to_archived_and_back_with_its_history(ws, org):
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        await pilot.press("t")
        assert isinstance(app.screen, RegisterScreen)
        await pilot.press("n")
        form = app.screen
        await pilot.press("ctrl+s")  # empty: refused, form stays
        assert app.screen is form and form.query_one("#error-what", Static).display
        form.query_one("#field-what", Input).value = "Check [/] the <b>DBS</b> renewals"
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RegisterScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 1
        assert "Check [/] the <b>DBS</b>" in str(table.get_row_at(0)[1])

        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("escape")

        await pilot.press("x")
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press(*"no longer needed", "enter")
        await pilot.pause()
        assert table.row_count == 0
        await pilot.press("v")
        await pilot.pause()
        assert table.row_count == 1
        await pilot.press("u")
        await pilot.pause()
        await pilot.press("v")
        await pilot.pause()
        assert table.row_count == 1
    (record,) = records.list_records(ws, org.id, "action")
    assert [e.action for e in repo.history(ws.db, record.id)] == ["insert", "archive", "restore"]


async def test_filter_as_you_type_narrows_the_table(ws, org):
    for what in ("Renew ICO fee", "Review Mailchimp contract", "Train teachers"):
        records.save(ws, org.id, "action", {"what": what})
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        await pilot.press("t", "slash", *"mailchimp")
        await pilot.pause(0.3)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1
        assert "1 record" in text_of(app.screen.query_one("#count", Static))
        await pilot.press("escape")
        await pilot.pause()
        assert table.row_count == 3


async def test_quit_key_exits(ws, org):
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code in (0, None)


def test_opening_the_app_does_not_import_pdf_or_spreadsheet_libraries():
    """Start-up stays fast: weasyprint (~0.5 s) and openpyxl load only when used."""
    import subprocess
    import sys

    code = (
        "import sys, dpo_tui.tui.start, dpo_tui.tui.app, dpo_tui.tui.screens.register, "
        "dpo_tui.tui.screens.dashboard;"
        "print(','.join(m for m in ('weasyprint', 'openpyxl') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


async def test_moving_between_screens_never_leaves_a_blank_one(ws, org):
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        for key, expected in [("a", "RegisterScreen"), ("d", "DashboardScreen"), ("t", "RegisterScreen"),
                              ("p", "RegisterScreen"), ("d", "DashboardScreen"), ("d", "DashboardScreen")]:
            await pilot.press(key)
            await pilot.pause()
            assert type(app.screen).__name__ == expected, key
        await pilot.press("a", "t", "d")
        await pilot.pause()
        assert type(app.screen).__name__ == "DashboardScreen"
        assert app.screen_stack == [app.screen]  # the dashboard alone: nothing left above it


async def test_a_locked_database_keeps_the_form_and_what_was_typed(ws, org, monkeypatch):
    """Another program holds the write lock: the save fails with a message, nothing typed is lost."""
    import sqlite3

    from dpo_tui.storage import db as storage_db

    monkeypatch.setattr(storage_db, "LOCK_TIMEOUT_SECONDS", 0.2)
    ws.db.conn.execute("PRAGMA busy_timeout = 200")
    blocker = sqlite3.connect(str(ws.path), isolation_level=None)
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        await pilot.press("t", "n")
        app.screen.query_one("#field-what", Input).value = "Renew the ICO fee"
        blocker.execute("BEGIN IMMEDIATE")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)
        assert app.screen.query_one("#field-what", Input).value == "Renew the ICO fee"
        assert any("locked" in str(n.message) for n in app._notifications)
        blocker.execute("ROLLBACK")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, RegisterScreen)
    blocker.close()
    assert [r.values["what"] for r in records.list_records(ws, org.id, "action")] == ["Renew the ICO fee"]


async def test_archiving_and_restoring_an_organisation(ws, org):
    from dpo_tui.tui.screens.organisations import ArchivedOrgsDialog

    other = organisations.create(ws, {"name": "Second Club"}).record
    organisations.select(ws, org.id)
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        app.action_archive_organisation()
        await pilot.pause()
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press(*"client moved to another DPO", "enter")
        await pilot.pause()
        assert app.org.id == other.id
        assert [o.id for o in organisations.all(ws)] == [other.id]

        app.action_restore_organisation()
        await pilot.pause()
        assert isinstance(app.screen, ArchivedOrgsDialog)
        await pilot.press("enter")
        await pilot.pause()
        assert app.org.id == org.id
    assert {o.id for o in organisations.all(ws)} == {org.id, other.id}
    actions = [e.action for e in repo.history(ws.db, org.id)]
    assert actions[-2:] == ["archive", "restore"]


async def test_the_key_bar_shows_the_keys_and_a_click_presses_one(ws, org):
    from dpo_tui.tui.widgets.footer import KeyBar

    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        bar = app.screen.query_one(KeyBar)
        assert {"d", "a", "ctrl+n", "question_mark", "q", "ctrl+p"} <= {k[0] for k in bar.keys}
        line = str(bar.render())
        for words in ("d Dashboard", "a Activities", "^n Log breach"):
            assert words in line, words
        # More keys than 120 columns: cut with an ellipsis, the palette (every action) kept.
        assert "…" in line and line.rstrip().endswith("^p palette")
        assert bar.key_at(len(line) - 3) == "ctrl+p"
        column = line.index(" a Activities") + 1
        assert bar.key_at(column) == "a"
        await pilot.click(KeyBar, offset=(column, 0))
        await pilot.pause()
        assert isinstance(app.screen, RegisterScreen) and app.screen.register_name == "activity"
        assert "n New" in str(app.screen.query_one(KeyBar).render())


async def test_a_form_left_unchanged_keeps_no_answers_and_link_order(ws, org):
    """A "No" answer and links in their stored order read back as they were: leaving the form
    asks nothing, and saving it changes nothing (no history entry)."""
    first = records.save(ws, org.id, "processor", {"legal_name": "Aardvark Mail Ltd"}).record
    second = records.save(ws, org.id, "processor", {"legal_name": "Zebra Payments Ltd"}).record
    activity = records.save(ws, org.id, "activity", {
        "purpose": "Class bookings", "status": "active", "dpia_required": False,
        "processors": [second.id, first.id]}).record
    saved = len(repo.history(ws.db, activity.id))
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RegisterScreen)  # no "Discard your changes?"
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, RegisterScreen)
    after = records.get(ws, activity.id)
    assert after.values["dpia_required"] is False
    assert after.values["processors"] == [second.id, first.id]
    assert len(repo.history(ws.db, activity.id)) == saved
