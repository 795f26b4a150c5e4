"""The database password, shown once: when the engine generates it for a new project, or when the
founder sets a new one (Done screen). It is the only place a secret is ever rendered.

It closes only on the explicit "I have saved it" button: escape and a stray enter (focus starts on
Copy) never dismiss it, and the app refuses to quit while it is up (wizard.app.action_quit). musekit
itself never needs the password again (it connects with temporary login roles), so losing it is never a
dead end: the Done screen sets a new one."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from wizard.widgets import plain

NOT_YET = "The password is shown only once: copy it or write it down, then press “I have saved it”."


class NewPasswordScreen(ModalScreen[None]):
    """`stored`: whether the OS keyring kept a copy. Closing it forgets the password."""

    BINDINGS = [
        Binding("c", "copy", "Copy to clipboard"),
        Binding("escape", "not_yet", "Close", show=False),
    ]
    AUTO_FOCUS = "#copy"

    def __init__(self, password: str, stored: bool, *, title: str = "The project's database password") -> None:
        super().__init__()
        self._password = password
        self.stored = stored
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain(self.title_text), classes="dialog-title")
            yield Static(plain(self._password), id="password", classes="secret")
            yield Static(plain(self._where()), id="password-where", classes="dialog-body")
            with Horizontal(classes="buttons"):
                yield Button("Copy to clipboard (c)", id="copy", variant="primary")
                yield Button("I have saved it", id="saved", variant="success")

    def _where(self) -> str:
        kept = (
            "A copy is kept in your OS keyring (service musekit)."
            if self.stored
            else "No OS keyring is available here, so musekit keeps no copy: save it in your password manager now."
        )
        return (
            f"Shown this once. {kept} musekit itself never needs it again (it connects with temporary login "
            "roles); if it is lost, set a new one from the Muse's summary (Your Muses on the start screen)."
        )

    @on(Button.Pressed, "#copy")
    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self._password)
        self.notify("Copied to the clipboard (if your terminal allows it).", markup=False)

    def action_not_yet(self) -> None:
        self.notify(NOT_YET, severity="warning", markup=False)

    @on(Button.Pressed, "#saved")
    def _saved(self) -> None:
        self._password = ""
        self.query_one("#password", Static).update("")
        self.dismiss(None)
