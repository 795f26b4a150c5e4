"""The database password: shown once when the engine generates it, asked for when a resume needs it
and neither the keyring nor $MUSEKIT_DB_PASSWORD has it."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from wizard.clone import DB_PASSWORD_ENV
from wizard.widgets import plain


class NewPasswordScreen(ModalScreen[None]):
    """Shown once, the only place a secret is ever rendered. Closing it forgets the password."""

    BINDINGS = [
        Binding("ctrl+y", "copy", "Copy"),
        Binding("enter,escape", "close", "I have saved it"),
    ]

    def __init__(self, password: str, stored: bool) -> None:
        super().__init__()
        self._password = password
        self.stored = stored

    def compose(self) -> ComposeResult:
        where = (
            "It is stored in your OS keyring (service musekit), so resuming needs nothing from you."
            if self.stored
            else f"No OS keyring is available here: keep it in your password manager. A resume asks for it "
            f"(or reads ${DB_PASSWORD_ENV})."
        )
        with Vertical(classes="dialog"):
            yield Static("The project's database password", classes="dialog-title")
            yield Static(plain(self._password), id="password", classes="secret")
            yield Static(
                plain(f"Shown this once. {where} Press ctrl+y to copy it to the clipboard."), classes="dialog-body"
            )
            with Horizontal(classes="buttons"):
                yield Button("I have saved it", id="close", variant="primary")

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self._password)
        self.notify("Copied to the clipboard.", markup=False)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self._password = ""
        self.dismiss(None)


class PasswordPromptScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    AUTO_FOCUS = "#db-password"

    def __init__(self, prompt: str) -> None:
        super().__init__()
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Database password needed", classes="dialog-title")
            yield Static(
                plain(
                    f"Enter the {self.prompt}. It is not in your OS keyring or ${DB_PASSWORD_ENV}. "
                    "It is used for this run only."
                ),
                classes="dialog-body",
            )
            yield Input(password=True, id="db-password", placeholder="password")
            with Horizontal(classes="buttons"):
                yield Button("Continue", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted, "#db-password")
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        value = self.query_one("#db-password", Input).value
        if value:
            self.dismiss(value)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
