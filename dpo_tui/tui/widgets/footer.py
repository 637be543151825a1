"""The key bar at the foot of every screen: the keys that work here, and a click presses one.

It shows what Textual's Footer shows, drawn as one line of text. The Footer is a widget per
key: mounting a dozen took about 60 ms of a 500 ms start-up, and it rebuilt them all on every
focus change (bench/startup.py). This redraws one line, and only when the keys change.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget

# (key, how it is shown, description, enabled)
ShownKey = tuple[str, str, str, bool]


class KeyBar(Widget):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"keybar--key", "keybar--description"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
        text-wrap: nowrap;
        .keybar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .keybar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.keys: tuple[ShownKey, ...] = ()
        self._spans: list[tuple[int, int, str]] = []  # start and end column of each key

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.bindings_changed(self.screen)

    def bindings_changed(self, screen: Screen) -> None:
        keys = self.shown_keys(screen)
        if keys != self.keys:
            self.keys = keys
            self.refresh()

    def shown_keys(self, screen: Screen) -> tuple[ShownKey, ...]:
        """The bindings marked to show, one per action, then the command palette's key."""
        shown: list[ShownKey] = []
        actions: set[str] = set()
        for _, binding, enabled, _ in screen.active_bindings.values():
            if binding.show and binding.action not in actions:
                actions.add(binding.action)
                shown.append((binding.key, self.app.get_key_display(binding), binding.description,
                              enabled))
        palette = screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if self.app.ENABLE_COMMAND_PALETTE and palette is not None:
            _, binding, enabled, _ = palette
            shown.append((binding.key, self.app.get_key_display(binding), binding.description,
                          enabled))
        return tuple(shown)

    def render(self) -> Text:
        """The keys from the left, cut with "…" when they do not fit; the command palette's
        key always at the right end, since it reaches every action."""
        styles = (self.get_component_rich_style("keybar--key"),
                  self.get_component_rich_style("keybar--description"))
        palette = [k for k in self.keys if k[0] == self.app.COMMAND_PALETTE_BINDING]
        left, spans = self._draw([k for k in self.keys if k not in palette], styles)
        right, right_spans = self._draw(palette, styles)
        room = max(self.size.width - right.cell_len, 0)
        if left.cell_len > room:
            left.truncate(max(room - 1, 0))
            left.append("…")
            spans = [(start, min(end, room - 1), key) for start, end, key in spans
                     if start < room - 1]
        else:
            left.append(" " * (room - left.cell_len))
        spans += [(room + start, room + end, key) for start, end, key in right_spans]
        self._spans = spans
        return left + right

    @staticmethod
    def _draw(keys: list[ShownKey], styles: tuple) -> tuple[Text, list[tuple[int, int, str]]]:
        key_style, description_style = styles
        line = Text(no_wrap=True)
        spans = []
        for key, display, description, enabled in keys:
            start = line.cell_len
            line.append(f" {display} ", key_style)
            line.append(f"{description} ", description_style)
            if not enabled:
                line.stylize("dim", start)
            spans.append((start, line.cell_len, key))
        return line, spans

    def key_at(self, x: int) -> str | None:
        for start, end, key in self._spans:
            if start <= x < end:
                return key
        return None

    def on_click(self, event: events.Click) -> None:
        key = self.key_at(event.x)
        if key is not None:
            self.app.simulate_key(key)
