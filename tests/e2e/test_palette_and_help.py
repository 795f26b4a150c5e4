"""Discoverable keys, driven key by key (Textual Pilot) in the real app at 80x24: musekit's commands in
the command palette, F1 help built from the live bindings, a footer that keeps help and quit whole, the
keyring notice in the Connect form (not in a toast over its button), and ctrl+t keeping the theme picked
in the palette. No Management API is needed: nothing here connects."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import keyring
import pytest
from textual.binding import Binding, BindingType
from textual.widgets import Button, Header, Static

from tests.support.keyrings import MemoryKeyring, NoKeyring
from tests.support.pilot import wait_for
from wizard.app import MuseKitApp
from wizard.clone import STEPS, CloneInputs, Journal, StepRecord, list_clones, registry
from wizard.screens.base import WizardScreen
from wizard.widgets.footer import KeysFooter

SIZE = (80, 24)
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def env(tmp_path, monkeypatch):
    """An empty registry and keyring of the test's own; no token from the environment."""
    monkeypatch.setenv("MUSEKIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SUPABASE_ACCESS_TOKEN", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield tmp_path
    keyring.set_keyring(previous)


def new_app(tmp_path: Path) -> MuseKitApp:
    return MuseKitApp(workdir=tmp_path / "work", clock=lambda: NOW, exit_after_first_paint=False)


def register_clone(tmp_path: Path, name: str, *, finished: bool) -> Path:
    """A clone folder with its journal, in the registry (as `Clone.start` leaves it)."""
    folder = tmp_path / name
    journal = Journal(
        clone_id=name.ljust(32, "0")[:32],
        created_at=NOW - timedelta(hours=3),
        updated_at=NOW - timedelta(hours=2),
        inputs=CloneInputs(
            muse="socioscheduler",
            name=name,
            organization="acme",
            region="eu-west-1",
            api_url="https://api.supabase.com",
        ),
        project_ref="qwertyuiopasdfghjklz",
        steps={s: StepRecord(status="done" if finished or i < 2 else "pending") for i, s in enumerate(STEPS)},
    )
    (folder / ".musekit").mkdir(parents=True)
    (folder / ".musekit" / "clone.json").write_text(journal.model_dump_json())
    registry.register(folder, journal)
    return folder


# -- driving helpers ------------------------------------------------------------------------------
def on(app, name: str) -> bool:
    return type(app.screen).__name__ == name


def screen_text(app) -> str:
    """What the terminal shows, row by row (the SVG export's text)."""
    rows: dict[float, list[str]] = {}
    for y, text in re.findall(r'<text[^>]*y="([\d.]+)"[^>]*>(.*?)</text>', app.export_screenshot()):
        rows.setdefault(float(y), []).append(html.unescape(text).replace("\xa0", " "))
    return "\n".join("".join(parts) for _, parts in sorted(rows.items()))


def footer_text(app) -> str:
    return screen_text(app).splitlines()[-1]


async def run_command(pilot, typed: str, screen: str) -> None:
    """ctrl+p, type, enter on the first hit (once it is the command typed); then wait for `screen`."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: on(app, "CommandPalette"), "the command palette")
    await choose(pilot, typed)
    await wait_for(pilot, lambda: on(app, screen), f"the {screen}")


async def choose(pilot, typed: str) -> None:
    """In the open palette: type, wait until the first hit is what was typed, pick it."""
    app = pilot.app
    palette = app.screen
    await pilot.press(*typed)
    await wait_for(pilot, lambda: _first_hit(app).lower().startswith(typed.lower()), f"a hit for {typed!r}")
    await pilot.press("down", "enter")
    await wait_for(pilot, lambda: app.screen is not palette, "the palette to close")


def _first_hit(app) -> str:
    from textual.command import CommandList

    hits = app.screen.query(CommandList)
    if not hits or not hits.first().option_count:
        return ""
    return str(hits.first().get_option_at_index(0).prompt)


async def started(pilot) -> None:
    await wait_for(pilot, lambda: on(pilot.app, "WelcomeScreen"), "the welcome screen")


# -- the command palette ----------------------------------------------------------------------------
async def test_new_muse_from_the_palette_opens_connect(env):
    app = new_app(env)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await run_command(pilot, "New Muse", "ConnectScreen")
        assert app.screen.query_one("#token")  # the token field: a new Muse starts by connecting


async def test_a_finished_clone_opens_by_name_from_the_palette(env):
    register_clone(env, "realty-one", finished=True)
    app = new_app(env)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await run_command(pilot, "Open realty-one", "DoneScreen")


async def test_an_unfinished_clone_resumes_by_name_from_the_palette(env):
    register_clone(env, "my-muse", finished=False)
    app = new_app(env)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await run_command(pilot, "Resume my-muse", "ConnectScreen")
        # no token is stored: resuming asks for it (token only), then runs the clone
        assert app.screen.token_only


async def test_preview_a_template_from_the_palette(env):
    app = new_app(env)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await run_command(pilot, "Preview Realtor", "TemplatePreviewScreen")
        await wait_for(pilot, lambda: "showings" in screen_text(app), "the Realtor tables")
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, "WelcomeScreen"), "back to the welcome screen")


async def test_the_run_log_of_a_clone_from_the_palette(env):
    register_clone(env, "my-muse", finished=False)
    app = new_app(env)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await run_command(pilot, "Run log of my-muse", "RunLogScreen")
        assert "Run log of my-muse" in screen_text(app)


async def test_forget_a_clone_from_the_palette_asks_first(env):
    register_clone(env, "my-muse", finished=False)
    register_clone(env, "keep-me", finished=True)
    app = new_app(env)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await run_command(pilot, "Forget my-muse", "ConfirmScreen")
        assert "Forget my-muse?" in screen_text(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: [c.entry.name for c in list_clones()] == ["keep-me"], "my-muse forgotten")
        await wait_for(pilot, lambda: "my-muse" not in screen_text(app), "the list without my-muse")
        assert "keep-me" in screen_text(app)


async def test_scaffold_from_the_palette_goes_through_the_muse_screen(env):
    from wizard.screens.muse import MuseScreen

    app = new_app(env)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await app.push_screen(MuseScreen())  # where Connect leads
        await wait_for(pilot, lambda: app.screen.previewed is not None, "a preview")
        await run_command(pilot, "Scaffold", "ScaffoldScreen")
        assert isinstance(app.screen_stack[-2], MuseScreen)


async def test_scaffold_from_the_palette_before_connecting_starts_with_connect(env):
    app = new_app(env)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await started(pilot)
        await run_command(pilot, "Scaffold", "ConnectScreen")
        assert any("Connect first" in n.message for n in app._notifications)


async def test_your_muses_from_the_palette(env):
    app = new_app(env)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await run_command(pilot, "Your Muses", "FleetScreen")


# -- F1 help: the live bindings -------------------------------------------------------------------------
class _Plain(WizardScreen[None]):
    def compose(self):
        yield Header()
        yield Static("a screen of the test's own")
        yield KeysFooter()

    def action_do(self, what: str) -> None:
        pass


class _Zapper(_Plain):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("z", "do('zap')", "Zap the draft"),
        Binding("ctrl+y", "do('yank')", "Yank it back", show=False),
    ]


async def test_a_binding_added_to_a_screen_appears_in_its_help(env):
    app = new_app(env)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await app.push_screen(_Zapper())
        await pilot.press("f1")
        await wait_for(pilot, lambda: on(app, "HelpScreen"), "the help")
        here = str(app.screen.query_one("#help-keys", Static).render())
        everywhere = str(app.screen.query_one("#help-app-keys", Static).render())
    assert "z" in here and "Zap the draft" in here
    assert "^y" in here and "Yank it back" in here  # hidden from the footer, still a key of the screen
    assert "Zap" not in everywhere and "Quit" in everywhere and "command palette" in everywhere


async def test_help_lists_the_keys_of_the_screen_it_was_opened_from(env):
    app = new_app(env)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("f1")
        await wait_for(pilot, lambda: on(app, "HelpScreen"), "the help")
        here = str(app.screen.query_one("#help-keys", Static).render())
    assert "New Muse" in here and "Forget" in here and "x / del" in here


# -- the footer at 80 columns ----------------------------------------------------------------------------
class _Busy(_Plain):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "do('stop')", "Stop / back"),
        Binding("r", "do('retry')", "Retry"),
        *(Binding(str(n), f"do({n})", f"Stage number {n}") for n in range(1, 8)),
    ]


async def test_the_footer_keeps_help_and_quit_whole_on_a_busy_screen(env):
    app = new_app(env)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await app.push_screen(_Busy())
        await wait_for(pilot, lambda: "F1" in footer_text(app), "the footer")
        footer = footer_text(app)
    assert "^qQuit" in footer.replace(" ", "") and "F1Help" in footer.replace(" ", "")
    assert "palette" in footer
    shown = re.findall(r"Stage number (\d)", footer)
    assert shown and shown == [str(n) for n in range(1, len(shown) + 1)]  # whole keys, in order, none cut
    assert not re.search(r"Stage(?! number \d)", footer)


# -- the keyring notice ---------------------------------------------------------------------------------
async def test_without_a_keyring_connect_says_so_in_the_form_not_over_its_button(env):
    from wizard.screens.connect import ConnectScreen

    keyring.set_keyring(NoKeyring())
    app = new_app(env)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await started(pilot)
        await app.push_screen(ConnectScreen(sandbox=False))
        await wait_for(pilot, lambda: app.screen.query_one("#no-keyring").display, "the keyring notice")
        screen = app.screen
        text = screen_text(app)
        button = screen.query_one("#next", Button)
        assert not app._notifications  # no toast
        assert "No OS keyring here" in text and "SUPABASE_ACCESS_TOKEN" in text
        assert not screen.query_one("#store-token").display
        # the whole form fits: the Continue button is on screen, above the footer
        assert button.region.bottom <= SIZE[1] - 1 and button.region.y > 0
        assert "Continue" in text


async def test_connect_fits_in_80x24_with_a_keyring(env):
    from wizard.screens.connect import ConnectScreen

    app = new_app(env)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await app.push_screen(ConnectScreen(sandbox=False))
        await wait_for(pilot, lambda: "F1" in footer_text(app), "the footer")
        assert "Continue" in screen_text(app)
        assert app.screen.query_one("#store-token").display
        assert "^qQuit" in footer_text(app).replace(" ", "")


# -- ctrl+t and the theme picked in the palette ------------------------------------------------------------
async def pick_theme(pilot, name: str) -> None:
    """Textual's own Theme command: the palette reopens as a theme picker."""
    app = pilot.app
    await run_command(pilot, "Theme", "CommandPalette")
    await choose(pilot, name)
    await wait_for(pilot, lambda: app.theme == name, f"the theme {name} applied")


async def test_ctrl_t_keeps_the_theme_picked_in_the_palette(env):
    app = new_app(env)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pick_theme(pilot, "catppuccin-mocha")
        await pilot.press("ctrl+t")
        assert app.theme == "catppuccin-latte"  # the same family, light
        await pilot.press("ctrl+t")
        assert app.theme == "catppuccin-mocha"  # and back, not to textual-dark


async def test_ctrl_t_leaves_a_theme_without_a_variant_as_it_is(env):
    app = new_app(env)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await started(pilot)
        await pick_theme(pilot, "nord")
        await pilot.press("ctrl+t")
        assert app.theme == "nord"
        assert any("no light/dark variant" in n.message for n in app._notifications)
