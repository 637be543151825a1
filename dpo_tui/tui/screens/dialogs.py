"""Small dialogs: confirm, ask for a reason, show a record's history, help."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Markdown, SelectionList, Static

from dpo_tui.clock import shown_local


class ConfirmDialog(ModalScreen[bool]):
    BINDINGS = [Binding("escape", "no", "No")]

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "No"):
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.question), classes="dialog-question")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes, variant="warning", id="yes")
                yield Button(self.no, id="no")

    @on(Button.Pressed, "#yes")
    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_no(self) -> None:
        self.dismiss(False)


class ReasonDialog(ModalScreen[str | None]):
    """Ask why (archiving needs a reason: accountability, not silent deletion)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, *, action: str = "Archive"):
        super().__init__()
        self.question, self.action_label = question, action

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.question), classes="dialog-question")
            yield Input(placeholder="Reason (required)", id="reason")
            yield Static("", id="reason-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.action_label, variant="warning", id="ok")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def submit(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.query_one("#reason-error", Static).update("Give a reason: it is kept in the history.")
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class PickRecordsDialog(ModalScreen[list[str] | None]):
    """Tick the records to link; space toggles, ctrl+s saves."""

    BINDINGS = [Binding("ctrl+s", "save", "Save"), Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, options: list[tuple[str, str]], chosen: set[str]):
        super().__init__()
        self.pick_title, self.options, self.chosen = title, options, chosen

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(Text(self.pick_title), classes="dialog-question")
            if not self.options:
                yield Static("There is nothing to link yet.")
            yield SelectionList(*[(Text(label), key, key in self.chosen) for key, label in self.options],
                                id="pick", classes="multi")
            yield Static("space: tick or untick   ctrl+s: save   esc: cancel", classes="field-help")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        self.dismiss(list(self.query_one("#pick", SelectionList).selected))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class HistoryScreen(ModalScreen[None]):
    """Every change to one record: when, by whom, what, each field before and after."""

    BINDINGS = [Binding("escape,q,h", "close", "Close")]

    def __init__(self, title: str, lines: list[dict], timezone: str):
        super().__init__()
        self.history_title, self.lines, self.timezone = title, lines, timezone

    def compose(self) -> ComposeResult:
        with Vertical(id="history-dialog", classes="dialog wide"):
            yield Static(Text(f"History of {self.history_title}", style="bold"))
            with VerticalScroll():
                if not self.lines:
                    yield Static("No history recorded.")
                for line in reversed(self.lines):
                    text = Text()
                    text.append(shown_local(line["at"], self.timezone), style="bold")
                    text.append(f"  {line['action']}  by {line['actor']}")
                    if line["note"]:
                        text.append(f"  — {line['note']}", style="italic")
                    for change in line["changes"]:
                        text.append(f"\n    {change['field']}: ", style="dim")
                        if line["action"] != "insert":
                            text.append(change["before"] or "(empty)", style="red")
                            text.append(" → ")
                        text.append(change["after"] or "(empty)", style="green")
                    yield Static(text, classes="history-entry")
            yield Button("Close (esc)", id="close")

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)


HELP = """\
# dpo-tui

Keeps the records UK GDPR asks a small business for, and prints them as a report.

## Moving around
| key | where |
|---|---|
| `d` | Dashboard: what needs attention |
| `a` | Processing activities (Art 30 record) |
| `c` | Processing for clients (Art 30(2), when you are also a processor) |
| `p` | Processors (who handles data for you) |
| `r` | Retention schedule |
| `b` | Breach log |
| `ctrl+n` | **Log a breach now** (from anywhere; starts the 72-hour clock) |
| `w` | The quarterly review: go through each record and finding, then sign off |
| `ctrl+r` | Make the PDF report (the palette also has the accountant's short pack) |
| `o` | Organisation profile and settings |
| `s` | Switch organisation |
| `ctrl+p` | Command palette: every action by name |
| `?` | This help |
| `q` | Quit |

## In a register
| key | action |
|---|---|
| `/` | Filter: type words that any field contains |
| `n` | New record |
| `enter` / `e` | Edit the highlighted record |
| `y` | Copy it into a new draft |
| `h` | Its history: every change, when and by whom |
| `del` / `x` | Archive it (with a reason; nothing is ever deleted) |
| `v` | Show archived records (then `u` restores) |
| `l` | On processors and retention rules: choose the activities linked to it |

In the breach log: `g` assess (the ICO's questions), `w` add a timeline entry,
`i` record that the ICO was told, `f` close the breach. Breaches are never archived.

In a form, `ctrl+s` saves and `esc` cancels. A field with a problem shows the reason
under it; what you typed stays until you fix it.

Findings are gaps the app spots (a missing lawful basis, an overdue review…): **high**,
**medium** and **low**. Dates are checked as of today, or as of `--as-of`.

Computed dates are a guide, not legal advice.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            yield Markdown(HELP)

    def action_close(self) -> None:
        self.dismiss(None)
