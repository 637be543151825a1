"""The breach log in the app: ctrl+n from the dashboard, the countdown, assessment, timeline."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Select, Static, TextArea

from dpo_tui.domain import breaches as b
from dpo_tui.services import breaches as svc
from dpo_tui.services import records
from dpo_tui.tui.app import DpoApp
from dpo_tui.tui.screens.breaches import (
    AssessmentScreen,
    BreachesScreen,
    QuickBreachScreen,
    TimelineEntryScreen,
)
from dpo_tui.tui.screens.form import FormScreen
from dpo_tui.tui.widgets.countdown import Countdown, CountdownBoard

SIZE = (160, 50)


def text_of(widget: Static) -> str:
    return str(widget.render())


def breaches_of(ws, org) -> list:
    return records.list_records(ws, org.id, "breach")


async def open_breach_log(app, pilot):
    await pilot.press("b")
    await pilot.pause()
    assert isinstance(app.screen, BreachesScreen)
    return app.screen


async def test_ctrl_n_from_the_dashboard_logs_a_breach_and_shows_the_countdown(ws, org):
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        assert type(app.screen).__name__ == "DashboardScreen"
        await pilot.press("ctrl+n")
        await pilot.pause()
        quick = app.screen
        assert isinstance(quick, QuickBreachScreen)
        assert quick.query_one("#quick-aware", Input).value == "2026-11-22 10:00"  # now, London
        await pilot.press(*"Class list emailed to the wrong parent")
        await pilot.press("ctrl+s")
        await pilot.pause()
        saved = breaches_of(ws, org)
        assert [r.ref for r in saved] == ["BR-2026-001"]
        assert saved[0].values["aware_at"] == "2026-11-22T10:00:00Z"
        screen = app.screen
        assert isinstance(screen, BreachesScreen)
        await pilot.pause()
        clock = screen.query_one(Countdown)
        assert clock.display and clock.has_class("-running")
        assert "72 h 00 min left" in text_of(clock)
        assert "25/11/2026 10:00 GMT" in text_of(clock)
        board = screen.query_one(CountdownBoard)
        assert board.display and "BR-2026-001" in text_of(board)
        table = screen.query_one(DataTable)
        assert table.row_count == 1
        assert "72 h 00 min left" in str(table.get_cell(saved[0].id, "clock"))
        timeline = text_of(screen.query_one("#timeline", Static))
        assert "Breach logged" in timeline


async def test_quick_entry_errors_stay_next_to_the_field(ws, org):
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        await pilot.press("ctrl+n")
        await pilot.pause()
        quick = app.screen
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is quick
        assert "required" in text_of(quick.query_one("#error-what_happened", Static))
        quick.query_one("#quick-what", Input).value = "Register lost"
        quick.query_one("#quick-aware", Input).value = "2026-11-23 09:00"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is quick
        assert "future" in text_of(quick.query_one("#error-aware_at", Static))
        quick.query_one("#quick-aware", Input).value = "31/02/2026 09:00"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "not a real date" in text_of(quick.query_one("#error-aware_at", Static))
        assert quick.query_one("#quick-what", Input).value == "Register lost"  # kept
        assert breaches_of(ws, org) == []
        quick.query_one("#quick-aware", Input).value = "2026-11-20 09:00"
        quick.query_one("#quick-found-by", Input).value = "Sam"
        await pilot.press("ctrl+s")
        await pilot.pause()
        [saved] = breaches_of(ws, org)
        assert saved.values["found_by"] == "Sam"
        # 49 hours since becoming aware: under 24 hours left, in warning colours.
        clock = app.screen.query_one(Countdown)
        assert clock.has_class("-warning") and "23 h 00 min left" in text_of(clock)


async def test_overdue_breach_is_shown_in_alarm_colours(ws, org):
    record = svc.quick_add(ws, org.id, "Laptop stolen from car", aware_at="2026-11-18 09:00")
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        screen = await open_breach_log(app, pilot)
        clock = screen.query_one(Countdown)
        assert clock.has_class("-overdue") and "Overdue by" in text_of(clock)
        cell = screen.query_one(DataTable).get_cell(record.id, "clock")
        assert "overdue" in str(cell) and "red" in str(cell.style)


async def test_assessment_modal_needs_reasons_and_sets_the_outcome(ws, org):
    record = svc.quick_add(ws, org.id, "Pupil list to the wrong parent", aware_at="2026-11-22 09:00")
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        screen = await open_breach_log(app, pilot)
        await pilot.press("g")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, AssessmentScreen)
        assert not modal.query_one("#q-risk").display  # asked only after "yes"
        modal.query_one("#answer-personal_data", Select).value = "yes"
        await pilot.pause()
        assert modal.query_one("#q-risk").display and not modal.query_one("#q-high_risk").display
        modal.query_one("#answer-risk", Select).value = "likely"
        await pilot.pause()
        assert modal.query_one("#q-high_risk").display
        modal.query_one("#answer-high_risk", Select).value = "no"
        await pilot.pause()
        assert "Report to the ICO" in text_of(modal.query_one("#assessment-outcome", Static))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is modal  # reasons missing
        assert "reason" in text_of(modal.query_one("#error-personal_data", Static))
        for qid, reason in (("personal_data", "Names of 9 children"), ("risk", "Sent outside"),
                            ("high_risk", "No contact details")):
            modal.query_one(f"#reason-{qid}", TextArea).text = reason
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        saved = records.get(ws, record.id)
        assert saved.values["outcome"] == b.REPORT_ICO
        assert [e.kind for e in svc.assessments(ws, record.id)] == ["assessment"]
        assert "Assessment: Report to the ICO" in text_of(screen.query_one("#timeline", Static))
        # Redone when the facts change: the previous answers are offered again.
        await pilot.press("g")
        await pilot.pause()
        again = app.screen
        assert isinstance(again, AssessmentScreen)
        assert again.query_one("#answer-risk", Select).value == "likely"
        assert again.query_one("#reason-risk", TextArea).text == "Sent outside"
        again.query_one("#answer-risk", Select).value = "unlikely"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert records.get(ws, record.id).values["outcome"] == b.LOG_ONLY
        assert len(svc.assessments(ws, record.id)) == 2


async def test_timeline_entries_are_added_never_edited(ws, org):
    record = svc.quick_add(ws, org.id, "Lost register")
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        screen = await open_breach_log(app, pilot)
        await pilot.press("w")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, TimelineEntryScreen)
        await pilot.press(*"Phoned the hall [bold]caretaker[/]")
        modal.query_one("#entry-at", Input).value = "2026-11-22 09:45"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        entries = svc.timeline(ws, record.id)
        assert entries[0].text == "Phoned the hall [bold]caretaker[/]"
        assert entries[0].at == "2026-11-22T09:45:00Z"
        assert "[bold]caretaker[/]" in text_of(screen.query_one("#timeline", Static))
        # A bad time reopens the entry with the error and the text kept.
        await pilot.press("w")
        await pilot.pause()
        await pilot.press(*"Searched the car park")
        app.screen.query_one("#entry-at", Input).value = "2026-12-01 09:00"
        await pilot.press("ctrl+s")
        await pilot.pause()
        reopened = app.screen
        assert isinstance(reopened, TimelineEntryScreen)
        assert "future" in text_of(reopened.query_one("#error-at", Static))
        assert reopened.query_one("#entry-text", TextArea).text == "Searched the car park"
        await pilot.press("escape")
        await pilot.pause()
        assert len(svc.timeline(ws, record.id)) == 2


async def test_breach_cannot_be_archived_copied_or_deleted_from_the_screen(ws, org):
    record = svc.quick_add(ws, org.id, "Lost register")
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        screen = await open_breach_log(app, pilot)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is screen
        assert any("cannot be archived" in str(n.message) for n in app._notifications)
    kept = records.get(ws, record.id)
    assert not kept.archived
    assert [r.id for r in breaches_of(ws, org)] == [record.id]


async def test_report_to_the_ico_then_close(ws, org):
    record = svc.quick_add(ws, org.id, "Lost register", aware_at="2026-11-20 16:45")
    svc.record_assessment(ws, record.id, {
        "personal_data": {"answer": "yes", "reason": "Health notes"},
        "risk": {"answer": "likely", "reason": "Lost in public"},
        "high_risk": {"answer": "no", "reason": "No contact details"}})
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        screen = await open_breach_log(app, pilot)
        await pilot.press("i")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        assert form.query_one("#field-ico_notified_at", Input).value == "2026-11-22 10:00"
        form.query_one("#field-ico_reference", Input).value = "IC-401887-K3T9"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        values = records.get(ws, record.id).values
        assert values["ico_reference"] == "IC-401887-K3T9"
        assert b.clock_state(values, ws.clock.now()).status == b.NOTIFIED_IN_TIME
        clock = screen.query_one(Countdown)
        assert clock.has_class("-done") and "41 h 15 min" in text_of(clock)
        assert not screen.query_one(CountdownBoard).display
        await pilot.press("f")
        await pilot.pause()
        close_form = app.screen
        assert isinstance(close_form, FormScreen)
        close_form.query_one("#field-lessons_learned", TextArea).text = "Registers stay in the studio"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        closed = records.get(ws, record.id).values
        assert b.status(closed) == b.CLOSED and closed["lessons_learned"] == "Registers stay in the studio"
        assert "Breach closed." in text_of(screen.query_one("#timeline", Static))


async def test_late_report_form_asks_for_the_reasons_for_delay(ws, org):
    record = svc.quick_add(ws, org.id, "Processor told us late", aware_at="2026-11-18 09:00")
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        await open_breach_log(app, pilot)
        await pilot.press("i")
        await pilot.pause()
        form = app.screen
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        error = form.query_one("#error-delay_reasons", Static)
        assert error.display and "Reasons for the delay are required" in text_of(error)
        form.query_one("#field-delay_reasons", TextArea).text = "The processor told us on day 4"
        await pilot.press("ctrl+s")
        await pilot.pause()
    values = records.get(ws, record.id).values
    assert values["delay_reasons"] == "The processor told us on day 4"
    assert b.clock_state(values, ws.clock.now()).status == b.NOTIFIED_LATE


async def test_hostile_text_is_shown_literally(ws, org):
    svc.quick_add(ws, org.id, "[/] [link=file:///etc/passwd]click[/link] [bold red]x")
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        screen = await open_breach_log(app, pilot)
        assert "[link=file:///etc/passwd]" in text_of(screen.query_one("#detail-body", Static))
        assert "[/]" in text_of(screen.query_one(CountdownBoard))


async def test_editing_a_breach_in_the_form_leaves_its_timeline_alone(ws, org):
    record = svc.quick_add(ws, org.id, "Lost register")
    svc.add_timeline_entry(ws, record.id, "Hall searched", kind="action")
    before = ws.db.execute("SELECT * FROM timeline ORDER BY id").fetchall()
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        screen = await open_breach_log(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-what_happened", TextArea).text = "Lost the Saturday register"
        form.query_one("#field-containment", TextArea).text = "Searched the hall twice"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
    values = records.get(ws, record.id).values
    assert values["what_happened"] == "Lost the Saturday register"
    assert ws.db.execute("SELECT * FROM timeline ORDER BY id").fetchall() == before
