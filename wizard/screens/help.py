"""Help: what the wizard does, and the keys of the screen it was opened from."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from wizard.widgets import plain

ABOUT = (
    "MuseKit clones the foundation (auth, billing, admin: 13 core tables with RLS) and one Muse's own tables onto "
    "a new Supabase project. Every step is journaled in the Muse folder (.musekit/clone.json): an interrupted "
    "clone is resumed from the start screen, or with `musekit resume DIR`, and never makes a second project or "
    "applies a migration twice.\n\n"
    "Secrets: the access token and the database password live in your OS keyring (or the environment), never in "
    "files or logs. The generated database password is shown once."
)

GLOBAL_KEYS = [
    ("f1", "this help"),
    ("ctrl+t", "light / dark theme"),
    ("ctrl+q", "quit (asks first while a step runs; the clone stays resumable)"),
    ("tab / shift+tab", "next / previous field"),
    ("ctrl+p", "command palette"),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "close", "Close")]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        keys = [(b.key_display or b.key, b.description) for b in self._screen_bindings() if b.show]
        lines = [f"  {k:<16} {d}" for k, d in keys + GLOBAL_KEYS]
        with VerticalScroll(classes="dialog help"):
            yield Static("Help (escape closes it)", classes="dialog-title")
            yield Static("Keys here", classes="section")
            yield Static(plain("\n".join(lines)), id="help-keys")
            yield Static(plain(ABOUT), classes="dialog-body")

    def _screen_bindings(self) -> list[Binding]:
        from textual.binding import Binding as B

        out: list[Binding] = []
        for item in getattr(type(self.under), "BINDINGS", []):
            if isinstance(item, B):
                for key in item.key.split(","):
                    out.append(B(key, item.action, item.description, show=item.show, key_display=item.key_display))
                    break
        return out

    def action_close(self) -> None:
        self.dismiss(None)
