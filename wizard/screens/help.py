"""Help: the keys of the screen it was opened from, read from that screen's live bindings (its own, its
focused widget's, the app's: what the keys do there and then), and what the wizard does."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class KeyHelp:
    keys: str  # as the footer shows them, several joined with " / "
    text: str
    everywhere: bool  # an app key (else one of the screen or of its focused widget)


def live_keys(screen: Screen[object]) -> list[KeyHelp]:
    """The keys that work on `screen` now, one line per action: those with a description (Textual's
    own cursor keys have none worth listing), the screen's and its focused widget's first."""
    app = screen.app
    found: dict[tuple[int, str], KeyHelp] = {}
    for namespace, binding, _enabled, _tooltip in screen.active_bindings.values():
        if not binding.description or binding.system:
            continue
        if namespace is not app and namespace is not screen and not binding.show:
            continue  # a widget's hidden keys (cursor moves, …): the widget says them itself
        display = app.get_key_display(binding)
        slot = (id(namespace), binding.action)
        if slot in found:
            found[slot] = KeyHelp(f"{found[slot].keys} / {display}", found[slot].text, found[slot].everywhere)
        else:
            found[slot] = KeyHelp(display, _text(binding), namespace is app)
    return sorted(found.values(), key=lambda k: k.everywhere)


def _text(binding: Binding) -> str:
    """The longer of the tooltip and the description: the footer has room for the short one only."""
    return binding.tooltip if len(binding.tooltip) > len(binding.description) else binding.description


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "close", "Close")]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.under = under
        self.keys = live_keys(under)  # now, while `under` is the active screen with its focus

    def compose(self) -> ComposeResult:
        here = [k for k in self.keys if not k.everywhere]
        everywhere = [k for k in self.keys if k.everywhere]
        with VerticalScroll(classes="dialog help"):
            yield Static("Help (escape closes it)", classes="dialog-title")
            if here:
                yield Static("Keys here", classes="section")
                yield Static(_lines(here), id="help-keys")
            yield Static("Keys everywhere", classes="section")
            yield Static(_lines(everywhere), id="help-app-keys")
            yield Static(plain(ABOUT), classes="dialog-body")

    def action_close(self) -> None:
        self.dismiss(None)


def _lines(keys: list[KeyHelp]) -> str:
    width = max(len(k.keys) for k in keys) + 2 if keys else 0
    return plain("\n".join(f"  {k.keys:<{width}}{k.text}" for k in keys))
