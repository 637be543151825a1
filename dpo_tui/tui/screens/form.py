"""A form for any register, built from its schema: one widget per field kind.

The form validates with the domain rules before it closes and shows each error under its
field, keeping everything typed. It returns the draft values; the caller saves them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Input, Label, Select, SelectionList, Static, TextArea

from dpo_tui.clock import typed_local
from dpo_tui.domain import schema as s
from dpo_tui.domain.schema import Field, RegisterSchema, ValidationContext, validate

# A choice of records for a LINK field: (record id, "REF title").
LinkOptions = dict[str, list[tuple[str, str]]]

BOOL_CHOICES = (("Yes", True), ("No", False))


class ItemSuggester(Suggester):
    """Suggests the last item of a 'a; b; c' list from a vocabulary."""

    def __init__(self, words: list[str]):
        super().__init__(use_cache=False, case_sensitive=False)
        self.words = words

    async def get_suggestion(self, value: str) -> str | None:
        head, _, last = value.rpartition(";")
        last = last.lstrip()
        if not last:
            return None
        for word in self.words:
            if word.casefold().startswith(last.casefold()):
                prefix = f"{head}; " if head else ""
                return prefix + word
        return None


def kept_order(before: list[Any], selected: list[Any]) -> list[Any]:
    """What is selected, in the order it was stored (links keep their position), then what
    was newly ticked, in the list's order."""
    chosen = set(selected)
    return [v for v in before if v in chosen] + [v for v in selected if v not in set(before)]


class FormScreen(ModalScreen[dict[str, Any] | None]):
    """Edit one record's values. Dismisses with the validated values, or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(
        self,
        schema: RegisterSchema,
        values: dict[str, Any],
        *,
        title: str,
        context: ValidationContext,
        link_options: LinkOptions | None = None,
        suggestions: dict[str, list[str]] | None = None,
        errors: dict[str, str] | None = None,
        fields: tuple[str, ...] | None = None,
        extra_check: Callable[[dict[str, Any]], dict[str, str]] | None = None,
    ):
        super().__init__()
        self.schema = schema
        self.initial = dict(values)
        self.form_title = title
        self.context = context
        self.link_options = link_options or {}
        self.suggestions = suggestions or {}
        self.initial_errors = errors or {}
        self.only = fields
        self.extra_check = extra_check

    # ------------------------------------------------------------ layout

    def shown_fields(self) -> list[Field]:
        if self.only is None:
            return list(self.schema.editable_fields)
        return [self.schema.field(name) for name in self.only]

    def compose(self) -> ComposeResult:
        with Vertical(id="form-dialog"):
            yield Static(Text(self.form_title), id="form-title")
            yield Static("", id="form-summary")
            with VerticalScroll(id="form-body"):
                section = None
                for f in self.shown_fields():
                    if f.section and f.section != section:
                        section = f.section
                        yield Static(Text(section), classes="form-section")
                    yield from self.field_widgets(f)
            with Horizontal(id="form-buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save")
                yield Button("Cancel (esc)", id="cancel")

    def field_widgets(self, f: Field) -> ComposeResult:
        label = f.label + (" *" if f.required else "")
        yield Label(Text(label), classes="field-label")
        yield self.make_widget(f, self.initial.get(f.name))
        hint = self.hint(f)
        if hint:
            yield Static(Text(hint), classes="field-help")
        error = Static(Text(self.initial_errors.get(f.name, "")), id=f"error-{f.name}",
                       classes="field-error")
        error.display = f.name in self.initial_errors
        yield error

    def hint(self, f: Field) -> str:
        formats = {
            s.DATE: "YYYY-MM-DD or DD/MM/YYYY",
            s.DATETIME: f"YYYY-MM-DD HH:MM, in {self.context.timezone}",
            s.TAGS: "separate entries with ';'",
            s.ROWS: "one per line: " + " | ".join(f.columns),
        }
        parts = [p for p in (formats.get(f.kind, ""), f.help) if p]
        return " — ".join(parts)

    def make_widget(self, f: Field, value: Any):
        wid = f"field-{f.name}"
        if f.kind in (s.TEXT, s.EMAIL, s.INT, s.DATE):
            return Input("" if value is None else str(value), id=wid, classes="field", compact=True)
        if f.kind == s.DATETIME:
            return Input(typed_local(value, self.context.timezone), id=wid, classes="field",
                         compact=True)
        if f.kind == s.TAGS:
            words = self.suggestions.get(f.name, [])
            return Input("; ".join(value or []), id=wid, classes="field",
                         suggester=ItemSuggester(words) if words else None, compact=True)
        if f.kind == s.LONGTEXT:
            return TextArea(value or "", id=wid, classes="field longtext", tab_behavior="focus", compact=True)
        if f.kind == s.ROWS:
            return TextArea(s.rows_to_text(f, value or []), id=wid, classes="field longtext",
                            tab_behavior="focus", compact=True)
        if f.kind == s.CHOICE:
            options = [(Text(label), key) for key, label in f.choices]
            current = value if value in dict(f.choices) else Select.NULL
            return Select(options, value=current, id=wid, classes="field", prompt="(not set)",
                          compact=True)
        if f.kind == s.BOOL:
            options = [(Text(label), key) for label, key in BOOL_CHOICES]
            current = value if isinstance(value, bool) else Select.NULL
            return Select(options, value=current, id=wid, classes="field", prompt="(not answered)",
                          compact=True)
        if f.kind == s.MULTICHOICE:
            chosen = set(value or [])
            items = [(Text(label), key, key in chosen) for key, label in f.choices]
            return SelectionList(*items, id=wid, classes="field multi")
        if f.kind == s.LINK:
            chosen = set(value or [])
            options = self.link_options.get(f.name, [])
            items = [(Text(label), key, key in chosen) for key, label in options]
            widget = SelectionList(*items, id=wid, classes="field multi")
            if not options:
                widget.border_subtitle = "nothing to link yet"
            return widget
        raise AssertionError(f"no widget for {f.kind}")

    def on_mount(self) -> None:
        if self.initial_errors:
            self.show_errors(self.initial_errors)
        first = self.query(".field").first()
        first.focus()

    # ------------------------------------------------------------ reading back

    def raw_values(self) -> dict[str, Any]:
        raw: dict[str, Any] = dict(self.initial)
        for f in self.shown_fields():
            widget = self.query_one(f"#field-{f.name}")
            if isinstance(widget, Input):
                raw[f.name] = widget.value
            elif isinstance(widget, TextArea):
                raw[f.name] = widget.text
            elif isinstance(widget, Select):
                # Only NULL means "not set": Select.BLANK is an old alias of False, which is
                # the answer "No" to a yes/no question.
                raw[f.name] = None if widget.value is Select.NULL else widget.value
            elif isinstance(widget, SelectionList):
                raw[f.name] = kept_order(self.initial.get(f.name) or [], widget.selected)
        return raw

    def show_errors(self, errors: dict[str, str]) -> None:
        for error in self.query(".field-error"):
            error.display = False
        first_widget = None
        for name, message in errors.items():
            matches = self.query(f"#error-{name}")
            if matches:
                matches.first().update(Text(message))
                matches.first().display = True
                if first_widget is None:
                    first_widget = self.query_one(f"#field-{name}")
        summary = self.query_one("#form-summary", Static)
        if errors:
            count = len(errors)
            summary.update(Text(f"{count} field{'s' if count > 1 else ''} need{'s' if count == 1 else ''} "
                                f"attention: {next(iter(errors.values()))}", style="bold red"))
        else:
            summary.update("")
        if first_widget is not None:
            first_widget.focus()
            first_widget.scroll_visible()

    # ------------------------------------------------------------ actions

    def action_save(self) -> None:
        raw = self.raw_values()
        result = validate(self.schema, raw, self.context)
        errors = dict(result.errors)
        if self.only is not None:
            errors = {k: v for k, v in errors.items() if k in self.only}
        if not errors and self.extra_check:
            errors = self.extra_check(result.values)
        if errors:
            self.show_errors(errors)
            return
        values = {f.name: result.values[f.name] for f in self.shown_fields()}
        self.dismiss(values)

    def action_cancel(self) -> None:
        if self.raw_values_changed():
            from dpo_tui.tui.screens.dialogs import ConfirmDialog

            def answered(discard: bool | None) -> None:
                if discard:
                    self.dismiss(None)

            self.app.push_screen(ConfirmDialog("Discard your changes?", yes="Discard", no="Keep editing"),
                                 answered)
        else:
            self.dismiss(None)

    def raw_values_changed(self) -> bool:
        try:
            now = validate(self.schema, self.raw_values(), self.context).values
            before = validate(self.schema, self.initial, self.context).values
        except Exception:  # noqa: BLE001 - any doubt means: ask before discarding
            return True
        names = [f.name for f in self.shown_fields()]
        return any(now.get(n) != before.get(n) for n in names)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
