"""The dashboard: the same items as `dpo-tui check` for the same clock, breach countdowns in
warning colours, findings per register, the review status, and each line opening its record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import OptionList, Static

from dpo_tui import cli
from dpo_tui.clock import Clock
from dpo_tui.services import organisations, records
from dpo_tui.services.workspace import open_workspace
from dpo_tui.tui.app import DpoApp
from dpo_tui.tui.screens.dashboard import BREACH_OVERDUE, BREACH_UNDER_WARNING, DashboardScreen
from dpo_tui.tui.screens.dialogs import ConfirmDialog
from dpo_tui.tui.screens.register import RegisterScreen

SIZE = (120, 40)
DEMO_LOADED = "2026-11-22T12:00:00Z"


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    from dpo_tui.services import breaches
    from dpo_tui.services.demo import load_demo

    path = tmp_path / "demo.db"
    ws = open_workspace(path, clock=Clock.from_text(DEMO_LOADED), actor="tester")
    org = load_demo(ws)
    later = open_workspace(path, clock=Clock.from_text("2026-11-23T09:00:00Z"), actor="tester")
    breaches.quick_add(later, org.id, "Register photo posted [/] to the <b>parents'</b> group")
    later.close()
    ws.close()
    return path


def due_options(app: DpoApp) -> list:
    attention = app.screen.query_one("#attention", OptionList)
    return [o for o in attention.options if (o.id or "").startswith("due")]


def check_items(db: Path, as_of: str, capsys) -> list[dict]:
    capsys.readouterr()
    cli.main(["--db", str(db), "--as-of", as_of, "check", "--json"])
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("as_of", ["2026-11-25T12:00:00Z", "2026-11-26T10:00:00Z", "2027-04-01"])
async def test_the_dashboard_shows_the_same_items_as_check(demo_db, capsys, as_of):
    expected = check_items(demo_db, as_of, capsys)
    ws = open_workspace(demo_db, clock=Clock.from_text(as_of), actor="tester")
    try:
        app = DpoApp(ws)
        async with app.run_test(size=SIZE) as pilot:
            app.animation_level = "none"
            await pilot.pause()
            assert isinstance(app.screen, DashboardScreen)
            shown = due_options(app)
            assert [tuple(o.id.split(":", 2)[1:]) for o in shown] == [
                (i["register"], i["record_id"] or "") for i in expected]
            for option, item in zip(shown, expected, strict=True):
                text = str(option.prompt)
                assert item["message"] in text and item["ref"] in text
                assert {"overdue": "OVERDUE"}.get(item["status"], item["status"]) in text
    finally:
        ws.close()


async def test_breach_countdowns_turn_to_warning_colours(demo_db):
    def breach_prompt(app):
        option = due_options(app)[0]
        assert option.id.split(":")[1] == "breach"
        return option.prompt

    for as_of, style in (("2026-11-25T12:00:00Z", BREACH_UNDER_WARNING),  # 21 hours left
                         ("2026-11-26T10:00:00Z", BREACH_OVERDUE)):
        ws = open_workspace(demo_db, clock=Clock.from_text(as_of), actor="tester")
        try:
            app = DpoApp(ws)
            async with app.run_test(size=SIZE) as pilot:
                app.animation_level = "none"
                await pilot.pause()
                prompt = breach_prompt(app)
                assert any(span.style == style for span in prompt.spans)
                # User text is shown as typed, never read as markup.
                assert "Register photo posted [/] to the <b>parents'</b> group" in str(prompt)
        finally:
            ws.close()
    ws = open_workspace(demo_db, clock=Clock.from_text("2026-11-23T10:00:00Z"), actor="tester")
    try:
        app = DpoApp(ws)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            prompt = breach_prompt(app)  # 71 hours left: no warning colour yet
            assert not any(span.style in (BREACH_UNDER_WARNING, BREACH_OVERDUE) for span in prompt.spans)
    finally:
        ws.close()


async def test_findings_per_register_and_the_review_status(demo_db):
    ws = open_workspace(demo_db, clock=Clock.from_text("2026-11-25T12:00:00Z"), actor="tester")
    try:
        app = DpoApp(ws)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            attention = app.screen.query_one("#attention", OptionList)
            headings = [str(o.prompt) for o in attention.options if (o.id or "").startswith("heading-")
                        and o.id != "heading-due"]
            found = app.findings()
            registers_with_findings = {f.register for f in found}
            assert len(headings) == len(registers_with_findings)
            assert any(h.startswith("Findings — Breach log") for h in headings)
            finding_lines = [o for o in attention.options if (o.id or "").startswith("f")]
            assert len(finding_lines) == len(found)
            review = str(app.screen.query_one("#dashboard-review", Static).render())
            assert "No quarterly review signed off yet" in review and "2027-02-22" in review
    finally:
        ws.close()


async def test_selecting_a_line_opens_its_record(demo_db):
    ws = open_workspace(demo_db, clock=Clock.from_text("2026-11-25T12:00:00Z"), actor="tester")
    try:
        org = organisations.current(ws)
        (pa9,) = [r for r in records.list_records(ws, org.id, "activity") if r.ref == "PA-009"]
        app = DpoApp(ws)
        async with app.run_test(size=SIZE) as pilot:
            app.animation_level = "none"
            await pilot.pause()
            attention = app.screen.query_one("#attention", OptionList)
            attention.focus()
            index = next(i for i, o in enumerate(attention.options)
                         if (o.id or "").endswith(f"activity:{pa9.id}") and o.id.startswith("due"))
            attention.highlighted = index
            await pilot.press("enter")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, RegisterScreen) and screen.register_name == "activity"
            assert screen.current_id() == pa9.id
    finally:
        ws.close()


async def test_the_review_line_and_w_offer_to_start_the_review(demo_db):
    ws = open_workspace(demo_db, clock=Clock.from_text("2026-11-25T12:00:00Z"), actor="tester")
    try:
        app = DpoApp(ws)
        async with app.run_test(size=SIZE) as pilot:
            app.animation_level = "none"
            await pilot.pause()
            attention = app.screen.query_one("#attention", OptionList)
            attention.focus()
            attention.highlighted = next(i for i, o in enumerate(attention.options)
                                         if (o.id or "").startswith("due") and ":review:" in o.id)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, DashboardScreen)
            await pilot.press("w")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmDialog)
    finally:
        ws.close()


async def test_a_new_organisation_sees_only_its_first_review(ws, org):
    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        shown = due_options(app)
        assert len(shown) == 1 and "First quarterly compliance review due on 2027-02-22" in str(shown[0].prompt)
        attention = app.screen.query_one("#attention", OptionList)
        assert str(attention.get_option("heading-due").prompt) == "Due — nothing due or overdue"
