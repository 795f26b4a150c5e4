"""What the wizard's forms are made of: fields that keep up with fast typing.

Textual's own Tab binding is not a priority binding: the key first goes to the focused widget, then
bubbles back up to the screen, which moves focus. Keys typed right after Tab (a fast typist, a paste
through the terminal) are read by the App meanwhile and forwarded to the widget that still has
focus, so `race-test` Tab `XYZ` gave `race-testXYZ`. As priority bindings, the App runs Tab and
Shift+Tab while it reads the key: focus has moved before it reads the next one."""

from __future__ import annotations

from typing import Unpack

from textual import events
from textual.binding import Binding, BindingType
from textual.widgets import Input

from wizard.widgets.common import WidgetOptions

FOCUS_KEYS: list[BindingType] = [
    Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
    Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True),
]


class FormInputOptions(WidgetOptions, total=False):
    """The keyword arguments of a FormInput besides value and placeholder."""

    password: bool
    max_length: int
    restrict: str | None


class FormInput(Input):
    """An Input for the wizard's forms: Tab moves focus before the next key is read, and a filled
    field is entered with the cursor at its end, nothing selected (one key never replaces it all)."""

    BINDINGS = [*FOCUS_KEYS]

    def __init__(self, value: str | None = None, placeholder: str = "", **kwargs: Unpack[FormInputOptions]) -> None:
        super().__init__(value, placeholder, select_on_focus=False, **kwargs)

    def on_focus(self, event: events.Focus) -> None:
        if not event.from_app_focus:  # the terminal regaining focus leaves the cursor where it was
            self.cursor_position = len(self.value)
