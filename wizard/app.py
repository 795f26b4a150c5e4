"""The MuseKit wizard (Textual). It has no logic of its own: screens collect the founder's choices,
call the engine (wizard.clone.engine and friends) in workers and show what it reports.

Flow: Welcome → Connect → Muse (choose + preview, or scaffold) → Project (name, password, confirm)
→ Run (provision, core migrations, apply + verify, README; driven by the clone's events) → Done.
Welcome can also resume any clone in the registry, which goes straight to Run."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import App
from textual.binding import Binding

from wizard import settings
from wizard.clone import Connection, UntrustedApiUrl, api_url_for, credentials
from wizard.messages import (
    ApiNotice,
    CloneCreated,
    CloneProgress,
    Connected,
    MuseChosen,
    ResumeRequested,
    ScaffoldRequested,
    StartNew,
)
from wizard.palette import MuseKitCommands
from wizard.screens.base import Choices as Choices
from wizard.uptime import process_uptime_s

if TYPE_CHECKING:
    from textual.theme import Theme

    from wizard.api import ApiEvent, ManagementAPI
    from wizard.clone import CloneCallbacks, CloneEvent, Journal
    from wizard.screens.base import WizardHost
    from wizard.screens.run import RunScreen


class MuseKitApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "MuseKit"
    COMMANDS = App.COMMANDS | {MuseKitCommands}
    BINDINGS = [
        Binding("f1", "help", "Help", key_display="F1", tooltip="This help: the keys here, and what MuseKit does"),
        Binding("ctrl+t", "toggle_dark", "Light/dark", show=False, tooltip="The light or dark variant of the theme"),
        Binding("ctrl+q", "quit", "Quit", priority=True, tooltip="Quit (asks first while a step runs)"),
    ]

    def __init__(
        self,
        *,
        sandbox: bool = False,
        api_url: str | None = None,
        workdir: Path | None = None,
        clock: Callable[[], datetime] | None = None,
        ticks: Callable[[], float] | None = None,
        sandbox_health_delay: float | None = None,
        exit_after_first_paint: bool | None = None,
        template_dirs: tuple[Path, ...] = (),
    ) -> None:
        super().__init__()
        self.sandbox_mode = sandbox
        self.template_dirs = template_dirs  # `musekit --templates DIR`: listed after the shipped and yours
        self.workdir = Path(workdir or Path.cwd()).resolve()
        self.clock = clock or (lambda: datetime.now(UTC))  # wall time, for ages
        self.ticks = ticks or time.monotonic  # for elapsed times
        self.store = credentials.SecretStore(notify=self._store_notice)
        self.connection = Connection(
            api_url=api_url, on_event=self._api_event, sandbox_health_delay=sandbox_health_delay
        )
        self.choices = Choices()
        if exit_after_first_paint is None:
            exit_after_first_paint = settings.exit_after_first_paint()
        self.exit_after_first_paint = exit_after_first_paint
        self.first_paint_s: float | None = None
        self.sub_title = "SANDBOX: local emulator, nothing is billed" if sandbox else "Supabase"
        self._theme_before: dict[str, str] = {}  # what ctrl+t returns to from a theme it switched to

    # -- start-up ---------------------------------------------------------------------------
    def on_mount(self) -> None:
        from wizard.screens.welcome import WelcomeScreen

        self.push_screen(WelcomeScreen())
        self.call_after_refresh(self._first_paint)

    def _first_paint(self) -> None:
        self.first_paint_s = process_uptime_s()
        if self.exit_after_first_paint:
            self.exit()

    async def on_unmount(self) -> None:
        await self.connection.aclose()

    # -- the flow -----------------------------------------------------------------------------
    @on(StartNew)
    def _start_new(self) -> None:
        from wizard.screens.connect import ConnectScreen

        self.choices = Choices()
        self.push_screen(ConnectScreen(sandbox=self.sandbox_mode))

    @on(Connected)
    def _connected(self, message: Connected) -> None:
        from wizard.screens.muse import MuseScreen

        self.choices.organization, self.choices.region = message.organization, message.region
        self.push_screen(MuseScreen())

    @on(ScaffoldRequested)
    def _scaffold(self) -> None:
        from wizard.screens.scaffold import ScaffoldScreen

        self.push_screen(ScaffoldScreen())  # saves into the user template folder (settings.user_templates_dir)

    @on(MuseChosen)
    def _muse_chosen(self, message: MuseChosen) -> None:
        from wizard.screens.project import ProjectScreen

        self.choices.muse_ref, self.choices.muse_name = message.ref, message.name
        self.push_screen(ProjectScreen(self.choices, workdir=self.workdir, sandbox=self.sandbox_mode))

    @on(CloneCreated)
    async def _clone_created(self, message: CloneCreated) -> None:
        from wizard.screens.run import RunScreen

        # pushed over the flow's screens (no Welcome in between); go_home closes them all at once later
        self.push_screen(RunScreen(message.clone.folder, clone=message.clone, db_password=message.db_password))

    @on(ResumeRequested)
    def _resume(self, message: ResumeRequested) -> None:
        from wizard.screens.connect import ConnectScreen
        from wizard.screens.run import RunScreen

        journal, folder = message.listing.journal, Path(message.listing.entry.folder)
        if journal is None:
            self.notify(message.listing.problem or "this clone cannot be read", severity="error")
            return
        try:
            api_url = api_url_for(journal, self.connection.api_url)
        except UntrustedApiUrl as exc:
            self.notify(str(exc), severity="error", timeout=15)
            return
        if api_url is None or self.connected_to(api_url) or credentials.find_access_token(self.store)[0]:
            self.push_screen(RunScreen(folder))
            return

        def connected(ok: bool | None) -> None:
            if ok:
                self.push_screen(RunScreen(folder))

        self.push_screen(ConnectScreen(sandbox=False, base_url=api_url, token_only=True), connected)

    async def go_home(self) -> None:
        """Back to the Welcome screen (whatever is stacked above it is closed)."""
        from wizard.screens.welcome import WelcomeScreen

        with self.batch_update():  # no screen in between is drawn
            while len(self.screen_stack) > 1 and not isinstance(self.screen, WelcomeScreen):
                await self.pop_screen()
        if isinstance(self.screen, WelcomeScreen):
            self.screen.refresh_clones()

    # -- connection helpers the screens use ----------------------------------------------------
    def connected_to(self, api_url: str) -> bool:
        api = self.connection.api
        return api is not None and api.base_url == api_url

    async def api_for(self, journal: Journal) -> ManagementAPI:
        """The client for a clone's API: the sandbox, the current client, or the stored token for
        the configured API (never an address read from the journal alone)."""
        from wizard.clone import NoAccessToken

        api_url = api_url_for(journal, self.connection.api_url)
        if api_url is None:
            return await self.connection.use_sandbox()
        api = self.connection.api
        if api is not None and api.base_url == api_url:
            return api
        token, _ = credentials.find_access_token(self.store)
        if not token:
            raise NoAccessToken(
                f"no Supabase access token is stored (OS keyring) or set in "
                f"${credentials.TOKEN_ENV}: go back, and enter it when resuming."
            )
        return await self.connection.use_token(token, base_url=api_url)

    # -- app-wide actions -----------------------------------------------------------------------
    def action_help(self) -> None:
        from wizard.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_open_fleet(self) -> None:
        """Your Muses: the portfolio's status, upgrades and diffs (from Welcome and the command palette)."""
        from wizard.screens.fleet import FleetScreen

        if not isinstance(self.screen, FleetScreen):
            self.push_screen(FleetScreen())

    def action_toggle_dark(self) -> None:
        """The light or dark variant of the theme in use (the one picked in the palette, say), back and forth;
        a theme that has none stays."""
        other = counterpart_theme(self.theme, self.available_themes, self._theme_before)
        if other is None:
            self.notify(f"The theme {self.theme} has no light/dark variant: ctrl+p, Theme, lists the others.")
            return
        self._theme_before[other] = self.theme
        self.theme = other

    async def action_quit(self) -> None:
        from wizard.screens.confirm import ConfirmScreen
        from wizard.screens.password import NOT_YET, NewPasswordScreen
        from wizard.screens.run import RunScreen

        if any(isinstance(s, NewPasswordScreen) for s in self.screen_stack):  # it is never shown again
            self.notify(f"Not yet. {NOT_YET}", severity="warning", markup=False)
            return
        running = next((s for s in self.screen_stack if isinstance(s, RunScreen) and s.running), None)
        if running is None:
            self.exit()
            return

        async def stop_and_exit() -> None:
            await running.stop()
            self.exit(return_code=130)

        def answer(stop: bool | None) -> None:
            if stop:
                self.run_worker(stop_and_exit())

        self.push_screen(
            ConfirmScreen(
                "Quit while a step runs?",
                f"The clone stops after recording where it was. Nothing is lost: resume it from the Welcome screen, "
                f"or with `musekit resume {running.folder}`.",
                yes="Quit",
                no="Keep running",
            ),
            answer,
        )

    # -- engine callbacks ---------------------------------------------------------------------
    def clone_callbacks(self) -> CloneCallbacks:
        """What Clone.start / Clone.open call back: progress goes to the run screen; the new database
        password is shown once in a modal (after create musekit needs only the access token)."""
        return {
            "on_event": self._clone_event,
            "on_new_password": self._show_new_password,
        }

    def _run_screen(self) -> RunScreen | None:
        from wizard.screens.run import RunScreen

        return next((s for s in reversed(self.screen_stack) if isinstance(s, RunScreen)), None)

    def _clone_event(self, event: CloneEvent) -> None:
        target = self._run_screen()
        if target is not None:
            target.post_message(CloneProgress(event))

    def _show_new_password(self, password: str, stored: bool) -> None:
        from wizard.screens.password import NewPasswordScreen

        self.push_screen(NewPasswordScreen(password, stored))

    def _api_event(self, event: ApiEvent) -> None:
        self.post_message(ApiNotice(event))

    @on(ApiNotice)
    def _api_notice(self, message: ApiNotice) -> None:
        from wizard.api import HealthChanged

        run = self._run_screen()
        if run is not None:
            run.api_event(message.event)
        if not isinstance(message.event, HealthChanged):
            self.notify(str(message.event), severity="warning", markup=False)

    def _store_notice(self, text: str) -> None:
        self.notify(text, severity="warning", markup=False, timeout=10)


def counterpart_theme(theme: str, themes: Mapping[str, Theme], before: Mapping[str, str]) -> str | None:
    """The same theme family's variant of the other brightness (catppuccin-mocha <-> catppuccin-latte,
    textual-dark <-> textual-light): the one toggled from, if any, else the first listed; None if none."""
    current = themes.get(theme)
    if current is None:
        return None
    family = theme.split("-")[0]
    variants = [n for n, t in themes.items() if n.split("-")[0] == family and t.dark != current.dark]
    if before.get(theme) in variants:
        return before[theme]
    return variants[0] if variants else None


if TYPE_CHECKING:
    _HOST: type[WizardHost] = MuseKitApp  # the app provides what its screens ask of it
