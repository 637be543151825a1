"""The quarterly review, by keyboard alone: a list of items, one key per decision, sign-off.

Every decision is saved the moment a key is pressed (services/review.py), so leaving the
screen or closing the app loses nothing: opening the review again carries on at the first
item still to decide. Forms are the generic FormScreen; the screen saves what they return.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from dpo_tui.domain import registers, reviews
from dpo_tui.domain.schema import ValidationContext
from dpo_tui.services import review as review_service
from dpo_tui.services.review import ReviewItem, ReviewState
from dpo_tui.tui.widgets.badges import severity_text
from dpo_tui.tui.widgets.footer import KeyBar

DECISION_STYLES = {
    reviews.STILL_ACCURATE: "green",
    reviews.EDITED: "cyan",
    reviews.RETIRED: "magenta",
    reviews.ACTION_RAISED: "yellow",
}
ANSWER_STYLES = {"yes": "black on green", "partly": "black on yellow", "no": "bold white on red"}
RETIRE_EFFECT = {
    "activity": "its status becomes Retired (kept as history)",
    "processor": "its status becomes Ended (kept for the record)",
    "client_processing": "its status becomes Ended (kept as history)",
    "action": "its status becomes Dropped",
    "retention": "the rule is archived (it can be restored)",
}
HELP_LINE = ("a still accurate   e edit   r retire   t raise action   "
             "c accountability check   s sign off   esc back")


def open_review(app) -> None:
    """Resume the review in progress, or offer to start one. Bind this to a key in the app."""
    from dpo_tui.storage.db import StorageError
    from dpo_tui.tui.screens.dialogs import ConfirmDialog

    if app.org is None or isinstance(app.screen, ReviewScreen):
        return
    org_id = app.org.id
    if review_service.in_progress(app.ws, org_id) is not None:
        show_review(app)
        return
    count = len(review_service.items_to_cover(app.ws, org_id))
    period = reviews.period_label(review_service.local_today(app.ws, app.org))

    def answered(start: bool | None) -> None:
        if not start:
            return
        try:
            review_service.start_or_resume(app.ws, org_id)
        except StorageError as exc:
            app.notify(str(exc), title="Review not started", severity="error", timeout=10)
            return
        app.data_changed()
        show_review(app)

    app.push_screen(ConfirmDialog(
        f"Start the {period} compliance review? {count} item{'s' if count != 1 else ''} to go "
        "through. Each decision is saved at once: you can stop at any time and carry on later.",
        yes="Start", no="Not now"), answered)


def show_review(app) -> None:
    """Push the review on top of the current screen; escape goes back to where it was opened."""
    if not isinstance(app.screen, ReviewScreen):
        app.push_screen(ReviewScreen())


def item_line(item: ReviewItem, nested: bool = False) -> Text:
    """One line of the list; a finding listed under its record is indented, without the ref."""
    line = Text()
    if item.decided:
        label = reviews.decision_label(item.decision or "")
        line.append(f"✓ {label:<15}", style=DECISION_STYLES.get(item.decision or "", ""))
    else:
        line.append(f"• {'to decide':<15}", style="bold")
    if item.kind == "finding":
        if nested:
            line.append("  └ ", style="dim")
        line.append_text(severity_text(item.severity) if item.severity else Text(" finding "))
        line.append(" ")
    if not nested:
        line.append(f"{item.ref:<12} ", style="bold")
    line.append(item.title)
    return line


class ReviewScreen(Screen):
    DEFAULT_CSS = """
    ReviewScreen #review { height: 1fr; padding: 0 1; }
    ReviewScreen #review-heading { height: auto; }
    ReviewScreen #review-keys { height: auto; margin-bottom: 1; }
    ReviewScreen #review-main { height: 1fr; }
    ReviewScreen #review-items { width: 3fr; height: 1fr; }
    ReviewScreen #review-detail { width: 2fr; border-left: solid $primary-background; padding: 0 1; }
    """
    BINDINGS = [
        Binding("a", "decide('still-accurate')", "Still accurate"),
        Binding("e", "edit", "Edit"),
        Binding("r", "retire", "Retire"),
        Binding("t", "raise_action", "Raise action"),
        Binding("c", "accountability", "Accountability"),
        Binding("s", "sign_off", "Sign off"),
        Binding("escape", "leave", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.state: ReviewState | None = None
        self.loaded_version = -1
        self.loaded_org: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="review"):
            yield Static("", id="review-heading")
            yield Static(Text(HELP_LINE, style="dim"), id="review-keys")
            with Horizontal(id="review-main"):
                yield OptionList(id="review-items")
                with VerticalScroll(id="review-detail"):
                    yield Static("", id="review-detail-body")
        yield KeyBar()

    def on_mount(self) -> None:
        self.refresh_view()
        self.query_one("#review-items", OptionList).focus()

    def on_screen_resume(self) -> None:
        if self.loaded_version != self.app.data_version or self.loaded_org != self.org_id:
            self.refresh_view()

    # ------------------------------------------------------------ data

    @property
    def ws(self):
        return self.app.ws

    @property
    def org_id(self) -> str | None:
        return self.app.org.id if self.app.org else None

    def load_state(self) -> ReviewState | None:
        if self.org_id is None:
            return None
        current = review_service.in_progress(self.ws, self.org_id)
        if current is None:
            current = review_service.latest_signed_off(self.ws, self.org_id)
        return review_service.state(self.ws, current.id) if current else None

    def refresh_view(self, select: str | None = None, after: list[str] | None = None) -> None:
        """Reload from the database; highlight `select`, else the first of `after` still to
        decide (the items that followed the one just decided), else the first still to decide."""
        self.loaded_version = self.app.data_version
        self.loaded_org = self.org_id
        self.state = self.load_state()
        items = self.query_one("#review-items", OptionList)
        items.clear_options()
        heading = self.query_one("#review-heading", Static)
        if self.state is None:
            self.sub_title = "Quarterly review"
            heading.update(Text("No review yet: press w on the dashboard to start one."))
            self.show_detail(None)
            return
        st = self.state
        review = st.review
        self.sub_title = f"Quarterly review {review.get('period')}"
        heading.update(self.heading_text(st))
        keys = ("This review is signed off and closed. esc back; w on the dashboard starts the next."
                if st.signed_off else HELP_LINE)
        self.query_one("#review-keys", Static).update(Text(keys, style="dim"))
        record_id = None
        for index, item in enumerate(st.items):
            if item.kind == "record":
                record_id = item.record_id
            nested = item.kind == "finding" and item.record_id is not None and item.record_id == record_id
            items.add_option(Option(item_line(item, nested), id=f"item{index}"))
        pending = {i.key for i in st.pending}
        following = next((key for key in after or [] if key in pending), None)
        target = select or following or (st.next_item.key if st.next_item else None)
        index = next((i for i, item in enumerate(st.items) if item.key == target), None)
        if index is None and st.items:
            index = len(st.items) - 1
        items.highlighted = index
        self.show_detail(self.current_item())

    def heading_text(self, st: ReviewState) -> Text:
        review = st.review
        text = Text()
        text.append(f"{review.ref}  {review.get('period')}  ", style="bold")
        if st.signed_off:
            text.append(f"signed off {(review.get('signed_off_at') or '')[:10]} by "
                        f"{review.get('reviewer')}; next review due {review.get('next_due')}",
                        style="green")
            return text
        total, done = len(st.items), len(st.decided)
        text.append(f"{done} of {total} decided", style="yellow" if done < total else "green")
        answered = len(st.answers)
        text.append(f"   accountability: {answered} of {len(st.questions)} answered")
        if done == total:
            text.append("   all decided: press s to sign off", style="bold green")
        return text

    def current_item(self) -> ReviewItem | None:
        if self.state is None:
            return None
        index = self.query_one("#review-items", OptionList).highlighted
        if index is None or not 0 <= index < len(self.state.items):
            return None
        return self.state.items[index]

    @on(OptionList.OptionHighlighted, "#review-items")
    def _highlighted(self) -> None:
        self.show_detail(self.current_item())

    def show_detail(self, item: ReviewItem | None) -> None:
        body = self.query_one("#review-detail-body", Static)
        if item is None:
            body.update(Text("Nothing selected.", style="dim"))
            return
        text = Text()
        kind = "Finding" if item.kind == "finding" else "Record to confirm"
        text.append(f"{kind}\n", style="bold underline")
        register = ("Organisation profile" if item.register == "organisation"
                    else registers.schema(item.register).title if item.register in registers.MODULES
                    else item.register)
        text.append(f"{item.ref}  ", style="bold")
        text.append(f"({register})\n")
        text.append(f"{item.title}\n")
        if item.reason and item.reason != item.title:
            text.append(f"\n{item.reason}\n", style="italic")
        if item.decided:
            text.append("\nDecision: ", style="bold")
            text.append(reviews.decision_label(item.decision or ""),
                        style=DECISION_STYLES.get(item.decision or "", ""))
            if item.action_ref:
                text.append(f" ({item.action_ref})")
            if item.note:
                text.append(f"\nNote: {item.note}")
            text.append(f"\nDecided {item.decided_at[:16].replace('T', ' ')} UTC\n", style="dim")
        elif item.kind == "finding":
            text.append("\na: accept it as it is   e: edit the record to put it right\n"
                        "r: retire the record   t: raise an action to deal with it later\n",
                        style="dim")
        else:
            text.append("\na: still accurate (marked reviewed today)   e: edit it\n"
                        "r: retire it   t: raise an action\n", style="dim")
        body.update(text)

    # ------------------------------------------------------------ deciding

    def editable(self) -> ReviewItem | None:
        """The highlighted item, when the review can still take decisions."""
        if self.state is None or self.state.signed_off:
            self.app.notify("There is no review in progress: press w on the dashboard to start one.",
                            severity="warning")
            return None
        item = self.current_item()
        if item is None:
            self.app.notify("Nothing selected.", severity="warning")
        return item

    def apply(self, item: ReviewItem, decision: str, **kwargs: Any) -> bool:
        from dpo_tui.services.records import ValidationFailed
        from dpo_tui.storage.db import StorageError

        assert self.state is not None
        keys = [i.key for i in self.state.items]
        after = keys[keys.index(item.key) + 1:] if item.key in keys else []
        try:
            review_service.decide(self.ws, self.state.review.id, item.key, decision, **kwargs)
        except (ValidationFailed, StorageError) as exc:
            self.app.notify(str(exc), title=f"{item.ref}: not saved", severity="error", timeout=10)
            return False
        self.app.data_changed()
        self.refresh_view(after=after)
        return True

    def action_decide(self, decision: str) -> None:
        """Confirm the highlighted item as it stands (the list shows the decision at once)."""
        item = self.editable()
        if item is not None:
            self.apply(item, decision)

    def action_retire(self) -> None:
        from dpo_tui.tui.screens.dialogs import ConfirmDialog

        item = self.editable()
        if item is None:
            return
        effect = RETIRE_EFFECT.get(item.register)
        if effect is None or not item.record_id:
            self.app.notify(f"{item.ref or 'This item'} cannot be retired: edit it, raise an action "
                            "or confirm it instead.", severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.apply(item, "retire")

        self.app.push_screen(ConfirmDialog(f"Retire {item.ref} ({item.title})? "
                                           f"{effect[0].upper()}{effect[1:]}.",
                                           yes="Retire", no="Keep"), answered)

    def action_raise_action(self) -> None:
        from dpo_tui.domain import actions
        from dpo_tui.tui.screens.form import FormScreen

        item = self.editable()
        if item is None:
            return
        org = self.app.org
        today = review_service.local_today(self.ws, org)
        values = {
            "what": (item.title if item.kind == "finding"
                     else reviews.one_line(f"Update {item.ref} {item.title}", 200)),
            "owner": org.values.get("dpo_name") or "",
            "due": (today + timedelta(days=30)).isoformat(),
        }

        def done(result: dict[str, Any] | None) -> None:
            if result is None:
                return
            if self.apply(item, "action", what=result["what"], owner=result.get("owner") or "",
                          due=result.get("due")):
                self.app.notify(f"Action raised for {item.ref}")

        self.app.push_screen(FormScreen(actions.SCHEMA, values, title=f"Raise an action for {item.ref}",
                                        context=self.validation_context(),
                                        fields=("what", "owner", "due")), done)

    def validation_context(self) -> ValidationContext:
        return ValidationContext(timezone=self.app.timezone, today=self.ws.clock.today())

    def action_edit(self) -> None:
        item = self.editable()
        if item is None:
            return
        if not item.record_id:
            self.app.notify("This finding is not about one record: raise an action or confirm it.",
                            severity="warning")
            return
        if item.register == "organisation":
            self.edit_organisation(item)
        else:
            self.edit_record(item)

    def edit_record(self, item: ReviewItem, values: dict[str, Any] | None = None,
                    errors: dict[str, str] | None = None) -> None:
        from dpo_tui.services import records
        from dpo_tui.storage.db import StorageError
        from dpo_tui.tui.screens.form import FormScreen
        from dpo_tui.tui.screens.register import load_suggestions

        try:
            record = records.get(self.ws, item.record_id or "")
        except StorageError as exc:
            self.app.notify(str(exc), severity="error")
            return
        if record.archived:
            self.app.notify(f"{record.ref} is archived: restore it from its register first.",
                            severity="warning")
            return
        schema = registers.schema(record.register)
        current = values if values is not None else record.values
        form = FormScreen(schema, current, title=f"Edit {record.ref} (review)",
                          context=self.validation_context(),
                          link_options=link_options(self.ws, self.org_id or "", schema, current),
                          suggestions=load_suggestions(schema), errors=errors)

        def done(result: dict[str, Any] | None) -> None:
            if result is None:
                return
            try:
                saved = records.save(self.ws, self.org_id or "", record.register, result,
                                     record_id=record.id)
            except records.ValidationFailed as exc:
                self.edit_record(item, result, exc.errors)
                return
            except StorageError as exc:
                self.app.notify(str(exc), title="Not saved", severity="error", timeout=10)
                return
            for warning in saved.warnings.values():
                self.app.notify(warning, severity="warning")
            self.app.data_changed()
            if self.apply(item, "edit", seen=item):
                self.app.notify(f"Saved {record.ref}: edited")

        self.app.push_screen(form, done)

    def edit_organisation(self, item: ReviewItem, values: dict[str, Any] | None = None,
                          errors: dict[str, str] | None = None) -> None:
        from dpo_tui.domain.organisation import SCHEMA
        from dpo_tui.services import organisations
        from dpo_tui.services.records import ValidationFailed
        from dpo_tui.storage.db import StorageError
        from dpo_tui.tui.screens.form import FormScreen

        current = values if values is not None else self.app.org.values
        form = FormScreen(SCHEMA, current, title="Organisation profile (review)",
                          context=ValidationContext(timezone=self.app.timezone), errors=errors)

        def done(result: dict[str, Any] | None) -> None:
            if result is None:
                return
            try:
                organisations.update(self.ws, self.org_id or "", result)
            except ValidationFailed as exc:
                self.edit_organisation(item, result, exc.errors)
                return
            except StorageError as exc:
                self.app.notify(str(exc), title="Not saved", severity="error", timeout=10)
                return
            self.app.data_changed()
            if self.apply(item, "edit", seen=item):
                self.app.notify("Organisation saved: edited")

        self.app.push_screen(form, done)

    # ------------------------------------------------------------ accountability and sign-off

    def action_accountability(self) -> None:
        if self.state is None or self.state.signed_off:
            self.app.notify("There is no review in progress.", severity="warning")
            return
        self.app.push_screen(AccountabilityScreen(self.state.review.id or ""),
                             lambda _=None: self.refresh_view())

    def action_sign_off(self) -> None:
        from dpo_tui.domain.reviews import SCHEMA
        from dpo_tui.tui.screens.form import FormScreen

        if self.state is None or self.state.signed_off:
            self.app.notify("There is no review in progress.", severity="warning")
            return
        pending = self.state.pending
        if pending:
            self.app.notify(f"{len(pending)} item{'s' if len(pending) != 1 else ''} still to "
                            "decide before signing off.", severity="warning")
            self.refresh_view()
            return
        org = self.app.org
        reviewer = org.values.get("dpo_name") or self.ws.actor or ""
        self.open_sign_off({"reviewer": reviewer, "notes": ""}, SCHEMA, FormScreen)

    def open_sign_off(self, values: dict[str, Any], schema, form_class,
                      errors: dict[str, str] | None = None) -> None:
        from dpo_tui.services.records import ValidationFailed
        from dpo_tui.storage.db import StorageError

        def need_reviewer(clean: dict[str, Any]) -> dict[str, str]:
            return {} if clean.get("reviewer") else {"reviewer": "Give the reviewer's name"}

        assert self.state is not None
        review_id = self.state.review.id or ""

        def done(result: dict[str, Any] | None) -> None:
            if result is None:
                return
            try:
                signed = review_service.sign_off(self.ws, review_id, result["reviewer"],
                                                 result.get("notes") or "")
            except ValidationFailed as exc:
                self.open_sign_off(result, schema, form_class, exc.errors)
                return
            except StorageError as exc:
                self.app.notify(str(exc), title="Not signed off", severity="error", timeout=10)
                return
            self.app.data_changed()
            self.refresh_view()
            self.app.notify(f"Review {signed.ref} signed off; next review due "
                            f"{signed.values.get('next_due')}")

        self.app.push_screen(form_class(schema, values, title="Sign off the review",
                                        context=self.validation_context(),
                                        fields=("reviewer", "notes"), errors=errors,
                                        extra_check=need_reviewer), done)

    def action_leave(self) -> None:
        self.app.pop_screen()


def link_options(ws, org_id: str, schema, current: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Records a LINK field may point at (live ones, plus any archived ones already linked)."""
    from dpo_tui.services import records

    options = {}
    for f in schema.link_fields:
        target = registers.schema(f.target or "")
        live = records.list_records(ws, org_id, target.name)
        items = [(r.id, f"{r.ref} {r.values.get(target.title_field) or ''}") for r in live]
        known = {r.id for r in live}
        missing = [i for i in current.get(f.name) or [] if i not in known]
        if missing:
            items += list(records.ref_names(ws, missing).items())
        options[f.name] = items
    return options


# ---------------------------------------------------------------- accountability self-check


class NoteDialog(ModalScreen[str | None]):
    """One line of notes; enter saves (empty clears), escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, value: str = ""):
        super().__init__()
        self.question, self.value = question, value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(Text(self.question), classes="dialog-question")
            yield Input(self.value, placeholder="Notes (enter to save, esc to cancel)", id="note")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def submit(self) -> None:
        self.dismiss(self.query_one("#note", Input).value)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class AccountabilityScreen(ModalScreen[None]):
    """Yes / partly / no for each question of the ten ICO categories; each answer saved at once."""

    DEFAULT_CSS = """
    AccountabilityScreen #accountability-dialog { height: 90%; }
    AccountabilityScreen #questions { height: 1fr; }
    """

    BINDINGS = [
        Binding("y", "answer('yes')", "Yes"),
        Binding("p", "answer('partly')", "Partly"),
        Binding("n", "answer('no')", "No"),
        Binding("m", "note", "Notes"),
        Binding("backspace,delete", "answer('')", "Clear", show=False),
        Binding("escape", "close", "Done"),
    ]

    def __init__(self, review_id: str):
        super().__init__()
        self.review_id = review_id
        self.state: ReviewState | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="accountability-dialog", classes="dialog wide"):
            yield Static(Text("Accountability self-check (ICO Accountability Framework)",
                              style="bold"))
            yield Static(Text("y yes   p partly   n no   m notes   del clear   esc done  "
                              "— optional; answered questions appear in the report",
                              style="dim"))
            yield OptionList(id="questions")
            yield Static("", id="accountability-source", classes="field-help")
        yield KeyBar()

    def on_mount(self) -> None:
        source = reviews.accountability()["source"]
        self.query_one("#accountability-source", Static).update(
            Text(f"Based on the {source['name']}: {source['url']}"))
        self.reload()
        questions = self.query_one("#questions", OptionList)
        questions.focus()
        questions.action_first()

    def reload(self) -> None:
        self.state = review_service.state(self.app.ws, self.review_id)
        questions = self.query_one("#questions", OptionList)
        highlighted = questions.highlighted
        questions.clear_options()
        category = None
        for q in self.state.questions:
            if q["category"] != category:
                category = q["category"]
                questions.add_option(Option(Text(q["category_label"], style="bold underline"),
                                            id=f"cat-{category}", disabled=True))
            answer = self.state.answers.get(q["id"], {})
            line = Text()
            value = answer.get("answer", "")
            line.append(f" {value or '—':<7}", style=ANSWER_STYLES.get(value, "dim"))
            line.append(f" {q['text']}")
            if answer.get("notes"):
                line.append(f"  ({answer['notes']})", style="italic")
            questions.add_option(Option(line, id=f"q-{q['id']}"))
        if highlighted is not None:
            questions.highlighted = highlighted

    def current_question(self) -> str | None:
        questions = self.query_one("#questions", OptionList)
        option = questions.highlighted_option
        if option is None or not (option.id or "").startswith("q-"):
            return None
        return option.id[2:]

    def save(self, question_id: str, answer: str, notes: str) -> bool:
        from dpo_tui.services.records import ValidationFailed
        from dpo_tui.storage.db import StorageError

        try:
            review_service.answer_accountability(self.app.ws, self.review_id,
                                                 {question_id: {"answer": answer, "notes": notes}})
        except (ValidationFailed, StorageError) as exc:
            self.app.notify(str(exc), title="Not saved", severity="error")
            return False
        self.app.data_changed()
        return True

    def action_answer(self, answer: str) -> None:
        question_id = self.current_question()
        if question_id is None or self.state is None:
            return
        notes = self.state.answers.get(question_id, {}).get("notes", "")
        if self.save(question_id, answer, notes if answer else ""):
            self.reload()
            self.query_one("#questions", OptionList).action_cursor_down()

    def action_note(self) -> None:
        question_id = self.current_question()
        if question_id is None or self.state is None:
            return
        current = self.state.answers.get(question_id)
        if not current:
            self.app.notify("Answer yes, partly or no first, then add notes.", severity="warning")
            return

        def done(notes: str | None) -> None:
            if notes is not None and self.save(question_id, current["answer"], notes):
                self.reload()

        question = next(q["text"] for q in self.state.questions if q["id"] == question_id)
        self.app.push_screen(NoteDialog(question, current.get("notes", "")), done)

    def action_close(self) -> None:
        self.dismiss(None)
