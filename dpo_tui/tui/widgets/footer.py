"""The footer of every screen: Textual's Footer, rebuilt only when the keys it shows change.

Textual's Footer rebuilds all its key widgets whenever the screen's bindings are refreshed —
on every focus change and highlight, three times before the first screen settles — and each
rebuild costs about 30 ms for a dozen keys (bench/startup.py). The keys shown rarely change, so
this one compares what it would show with what it shows and skips a rebuild that changes nothing.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple | None = None

    def shown_keys(self, screen: Screen) -> tuple:
        """What the footer shows: each visible binding's key, label, state and tooltip."""
        return tuple(
            (binding.key, binding.description, binding.action, enabled, tooltip)
            for (_, binding, enabled, tooltip) in screen.active_bindings.values()
            if binding.show or binding.action == "command_palette"
        )

    def bindings_changed(self, screen: Screen) -> None:
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            shown = self.shown_keys(screen)
            if self._bindings_ready and shown == self._shown:
                return
            self._shown = shown
        super().bindings_changed(screen)
