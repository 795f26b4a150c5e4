"""The footer of the wizard's screens: whole at 80 columns.

Textual's Footer lists the focused widget's keys, then the screen's, then the app's, and cuts
whatever passes the right edge: on a busy screen quit turned into `^q Qu` and F1 vanished. This one
is compact, always shows help (F1) and quit (after the screen's keys, before the palette key), and
leaves out a screen key that does not fit, whole, never cut: F1 lists every key of the screen."""

from __future__ import annotations

from typing import Unpack

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.compose import compose
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # not re-exported by textual.widgets; textual is pinned

from wizard.widgets.common import WidgetOptions

ESSENTIAL = ("help", "quit")  # the app's actions the footer never leaves out


class KeysFooter(Footer):
    def __init__(self, **kwargs: Unpack[WidgetOptions]) -> None:
        super().__init__(compact=True, **kwargs)
        self._fitted_width = 0

    def compose(self) -> ComposeResult:
        widgets = compose(self, super().compose())
        palette = [w for w in widgets if w.has_class("-command-palette")]
        essential = [w for w in widgets if isinstance(w, FooterKey) and w.action in ESSENTIAL and w not in palette]
        self._fitted_width = self.size.width or self.app.size.width
        room = self._fitted_width - sum(key_width(w) for w in palette + essential)
        for widget in widgets:
            if widget in palette or widget in essential:
                continue
            room -= key_width(widget)
            if room < 0:
                break  # this key and the ones after it wait for a wider terminal (F1 lists them)
            yield widget
        yield from essential
        yield from palette

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._fitted_width:
            self.call_after_refresh(self.recompose)


def key_width(widget: Widget) -> int:
    """Cells a footer key takes in the compact footer: key, space, description, and a margin (or, for the
    palette key, its border)."""
    if not isinstance(widget, FooterKey):
        return 0  # a binding group's widgets (KeyGroup, FooterLabel): the wizard binds no group
    text = widget.key_display + (f" {widget.description}" if widget.description else "")
    return cell_len(text) + (2 if widget.has_class("-command-palette") else 1)
