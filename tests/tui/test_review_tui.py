"""The quarterly review by keyboard alone: decisions, edit, retire, raise an action, the
accountability check and the sign-off, all landing in the database; and resuming after the app
was closed half-way."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, Static

from dpo_tui.clock import Clock
from dpo_tui.services import organisations, records
from dpo_tui.services import review as review_service
from dpo_tui.services.workspace import open_workspace
from dpo_tui.tui.app import DpoApp
from dpo_tui.tui.screens.dashboard import DashboardScreen
from dpo_tui.tui.screens.dialogs import ConfirmDialog
from dpo_tui.tui.screens.form import FormScreen
from dpo_tui.tui.screens.review import AccountabilityScreen, NoteDialog, ReviewScreen

SIZE = (120, 40)
NOW = "2026-11-22T12:00:00Z"


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    from dpo_tui.services.demo import load_demo

    path = tmp_path / "demo.db"
    ws = open_workspace(path, clock=Clock.from_text(NOW), actor="tester")
    load_demo(ws)
    ws.close()
    return path


async def start_review(app: DpoApp, pilot) -> ReviewScreen:
    await pilot.press("w")
    await pilot.pause()
    if isinstance(app.screen, ConfirmDialog):
        await pilot.press("enter")  # "Start" has the focus
        await pilot.pause()
    assert isinstance(app.screen, ReviewScreen)
    return app.screen


async def go_to(screen: ReviewScreen, pilot, ref: str, kind: str = "record") -> None:
    """Move the cursor with the arrow keys to the item about `ref`."""
    items = screen.query_one("#review-items", OptionList)
    target = next(i for i, item in enumerate(screen.state.items) if item.ref == ref and item.kind == kind)
    while items.highlighted != target:
        await pilot.press("down" if (items.highlighted or 0) < target else "up")
    assert screen.current_item().ref == ref


async def test_a_review_done_by_keyboard_is_signed_off_in_the_database(demo_db):
    ws = open_workspace(demo_db, clock=Clock.from_text(NOW), actor="tester")
    try:
        org = organisations.current(ws)
        app = DpoApp(ws)
        async with app.run_test(size=SIZE) as pilot:
            app.animation_level = "none"
            await pilot.pause()
            screen = await start_review(app, pilot)
            assert screen.current_item().ref == "PA-001"  # starts at the first item

            # e: edit the record in its form; ctrl+s saves it and records "edited".
            await pilot.press("e")
            await pilot.pause()
            form = app.screen
            assert isinstance(form, FormScreen)
            form.query_one("#field-owner", Input).value = "Jo Lark"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.screen is screen

            # r: retire an activity no longer carried out, after confirming.
            await go_to(screen, pilot, "PA-009")
            await pilot.press("r")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press("enter")
            await pilot.pause()

            # t: raise an action with a small form (what, owner, due).
            await go_to(screen, pilot, "PR-001")
            await pilot.press("t")
            await pilot.pause()
            action_form = app.screen
            assert isinstance(action_form, FormScreen)
            action_form.query_one("#field-what", Input).value = "Get the Stripe DPA countersigned"
            action_form.query_one("#field-due", Input).value = "15/01/2027"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.screen is screen

            # s before the end: refused, nothing opens.
            await pilot.press("s")
            await pilot.pause()
            assert app.screen is screen

            # a: everything else is still accurate.
            for _ in range(200):
                if screen.state.complete:
                    break
                await pilot.press("a")
                await pilot.pause()
            assert screen.state.complete

            # c: the accountability check, answered by keys; m adds a note.
            await pilot.press("c")
            await pilot.pause()
            check = app.screen
            assert isinstance(check, AccountabilityScreen)
            await pilot.press("y", "p", "n")
            await pilot.pause()
            await pilot.press("up")
            await pilot.press("m")
            await pilot.pause()
            assert isinstance(app.screen, NoteDialog)
            await pilot.press(*"Two new teachers to train", "enter")
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is screen

            # s: sign off with the reviewer (the DPO by default) and notes.
            await pilot.press("s")
            await pilot.pause()
            sign = app.screen
            assert isinstance(sign, FormScreen)
            assert sign.query_one("#field-reviewer", Input).value == org.values["dpo_name"]
            sign.query_one("#field-reviewer", Input).value = "Jo Lark"
            sign.query_one("#field-notes").text = "Quarter reviewed with the owner."
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.screen is screen
            heading = str(screen.query_one("#review-heading", Static).render())
            assert "signed off 2026-11-22 by Jo Lark" in heading and "2027-02-22" in heading

            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, DashboardScreen)
            summary = str(app.screen.query_one("#dashboard-review", Static).render())
            assert "Last review: RV-001 2026 Q4, signed off 2026-11-22 by Jo Lark" in summary

        (review,) = records.list_records(ws, org.id, "review")
        values = review.values
        assert values["status"] == "signed-off" and values["reviewer"] == "Jo Lark"
        assert values["signed_off_at"] == "2026-11-22T12:00:00Z" and values["next_due"] == "2027-02-22"
        assert values["notes"] == "Quarter reviewed with the owner."
        decisions = {(r["ref"], r["key"].split(":")[0]): r["decision"] for r in values["items"]}
        assert decisions[("PA-001", "record")] == "edited"
        assert decisions[("PA-009", "record")] == "retired"
        assert decisions[("PR-001", "record")] == "action-raised"
        assert decisions[("PA-002", "record")] == "still-accurate"
        answers = [(r["question_id"], r["answer"], r["notes"]) for r in values["accountability"]]
        assert answers == [("leadership-owner", "yes", ""), ("leadership-reported", "partly", ""),
                           ("leadership-roles", "no", "Two new teachers to train")]
        (action,) = records.list_records(ws, org.id, "action")
        assert action.values["what"] == "Get the Stripe DPA countersigned"
        assert action.values["due"] == "2027-01-15" and action.values["source"] == "PR-001"
        by_ref = {r.ref: r for r in records.list_records(ws, org.id, "activity")}
        assert by_ref["PA-009"].values["status"] == "retired"
        assert by_ref["PA-001"].values["owner"] == "Jo Lark"
        assert by_ref["PA-001"].values["last_reviewed"] == "2026-11-22"
    finally:
        ws.close()


async def test_closing_the_app_half_way_and_resuming(demo_db):
    ws = open_workspace(demo_db, clock=Clock.from_text(NOW), actor="tester")
    try:
        app = DpoApp(ws)
        async with app.run_test(size=SIZE) as pilot:
            app.animation_level = "none"
            await pilot.pause()
            screen = await start_review(app, pilot)
            await pilot.press("a", "a", "a")
            await pilot.pause()
            decided = [(i.key, i.decision) for i in screen.state.decided]
            next_key = screen.state.next_item.key
            await pilot.press("q")
            await pilot.pause()
    finally:
        ws.close()
    assert len(decided) == 3

    again = open_workspace(demo_db, clock=Clock.from_text(NOW), actor="tester")
    try:
        app = DpoApp(again)
        async with app.run_test(size=SIZE) as pilot:
            app.animation_level = "none"
            await pilot.pause()
            summary = str(app.screen.query_one("#dashboard-review", Static).render())
            assert "RV-001 2026 Q4 in progress" in summary
            await pilot.press("w")  # straight back in: no question asked
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ReviewScreen)
            assert [(i.key, i.decision) for i in screen.state.decided] == decided
            assert screen.current_item().key == next_key
            assert "3 of" in str(screen.query_one("#review-heading", Static).render())
        org = organisations.current(again)
        assert records.count(again, org.id, "review") == 1
    finally:
        again.close()


async def test_a_breach_finding_cannot_be_retired(demo_db):
    from dpo_tui.services import breaches

    ws = open_workspace(demo_db, clock=Clock.from_text(NOW), actor="tester")
    try:
        org = organisations.current(ws)
        breach = breaches.quick_add(ws, org.id, "Lost tablet", aware_at="2026-11-22 09:00")
        app = DpoApp(ws)
        async with app.run_test(size=SIZE) as pilot:
            app.animation_level = "none"
            await pilot.pause()
            screen = await start_review(app, pilot)
            await go_to(screen, pilot, breach.ref, kind="finding")
            await pilot.press("r")
            await pilot.pause()
            assert app.screen is screen  # no confirmation: it cannot be retired
            assert not screen.current_item().decided
        state = review_service.start_or_resume(ws, org.id)
        assert state.review.values["items"] == []
    finally:
        ws.close()


async def test_editing_the_organisation_from_a_finding(ws, org):
    from textual.widgets import TextArea

    app = DpoApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        await pilot.pause()
        screen = await start_review(app, pilot)
        target = next(i for i in screen.state.items if i.key.startswith("finding:org-contact:"))
        items = screen.query_one("#review-items", OptionList)
        while screen.current_item().key != target.key:
            await pilot.press("down")
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-address", TextArea).text = "1 Quay Street, Bristol"
        form.query_one("#field-email", Input).value = "hello@harbour.example"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        decided = {i.key: i.decision for i in screen.state.decided}
        assert decided[target.key] == "edited"
        assert items.highlighted is not None
    saved = organisations.get(ws, org.id).values
    assert saved["address"] == "1 Quay Street, Bristol" and saved["email"] == "hello@harbour.example"
    assert "org-contact" not in [f.code for f in records.findings(ws, org.id)]
