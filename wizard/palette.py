"""musekit's commands in the command palette (ctrl+p), next to Textual's own (Theme, Keys, Quit, …):
start a new Muse, resume or open a clone by name, scaffold a template, preview any template, open a
clone's run log, forget a clone, your Muses (the fleet), help.

The clones come from the registry and the templates from the catalog, read when the palette opens.
Commands that change the flow start from the Welcome screen, as its keys do, and wait while a clone runs;
viewers (a preview, a run log, help) open over whatever screen is showing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from wizard.clone import CloneListing
    from wizard.muses import MuseTemplate
    from wizard.screens.welcome import WelcomeScreen

Run = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Command:
    title: str
    help: str
    run: Run


def _read_sources(template_dirs: tuple[Path, ...]) -> tuple[list[CloneListing], list[MuseTemplate]]:
    """The registry's clones and the catalog's templates (files only: no connection, no secret)."""
    from wizard.clone import list_clones
    from wizard.muses import find_templates

    try:
        templates = find_templates(template_dirs).templates
    except Exception:  # a broken catalog is the Muse screen's to explain; the other commands still work
        templates = []
    return list_clones(), templates


class MuseKitCommands(Provider):
    listings: list[CloneListing]  # read by startup, each time the palette opens
    templates: list[MuseTemplate]

    async def startup(self) -> None:
        from wizard.screens.base import WizardHost

        dirs = self.app.template_dirs if isinstance(self.app, WizardHost) else ()
        self.listings, self.templates = await asyncio.to_thread(_read_sources, dirs)

    async def discover(self) -> Hits:
        for command in self.commands():
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self.commands():
            if (score := matcher.match(command.title)) > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, text=command.title, help=command.help)

    def commands(self) -> Iterator[Command]:
        yield Command("New Muse", "Clone the core and a Muse onto a new Supabase project", self._new_muse)
        for listing in self.listings:
            if listing.journal is not None and listing.journal.finished:
                yield Command(f"Open {listing.entry.name}", "A finished Muse: its summary", self._opener(listing))
            elif listing.journal is not None:
                yield Command(f"Resume {listing.entry.name}", "Go on where this clone stopped", self._opener(listing))
        yield Command(
            "Scaffold a new Muse template",
            "Describe its tables; the SQL is written for you (on the Muse screen, once connected)",
            self._scaffold,
        )
        for template in self.templates:
            yield Command(
                f"Preview {template.name} ({template.slug})",
                template.manifest.description,
                self._previewer(template),
            )
        for listing in self.listings:
            if listing.journal is not None:
                yield Command(f"Run log of {listing.entry.name}", "Its steps and events", self._run_log(listing))
        for listing in self.listings:
            yield Command(
                f"Forget {listing.entry.name}…",
                "Take it off the list (asks first; nothing on disk or on Supabase is touched)",
                self._forgetter(listing),
            )
        yield Command("Your Muses (fleet)", "Every Muse's status, upgrades and schema diffs", self._fleet)
        yield Command("Help", "The keys of this screen, and what MuseKit does", self._help)

    # -- the flow: from the Welcome screen ------------------------------------------------------
    def _busy(self) -> bool:
        """Whether a clone runs (then say so: the flow's screens stay as they are)."""
        from wizard.screens.run import RunScreen

        if any(isinstance(s, RunScreen) and s.running for s in self.app.screen_stack):
            self.app.notify("A clone is running: let it finish, or stop it (escape) first.", markup=False)
            return True
        return False

    async def _welcome(self) -> WelcomeScreen | None:
        """Back to the Welcome screen, unless a clone runs."""
        from wizard.screens.base import WizardHost
        from wizard.screens.welcome import WelcomeScreen

        app = self.app
        if self._busy():
            return None
        if isinstance(app, WizardHost):
            await app.go_home()
        return app.screen if isinstance(app.screen, WelcomeScreen) else None

    async def _new_muse(self) -> None:
        if welcome := await self._welcome():
            welcome.action_new()

    def _opener(self, listing: CloneListing) -> Run:
        async def run() -> None:
            if welcome := await self._welcome():
                welcome.open(listing)

        return run

    async def _scaffold(self) -> None:
        from wizard.messages import ScaffoldRequested
        from wizard.screens.muse import MuseScreen

        app = self.app
        if self._busy():
            return
        if any(isinstance(s, MuseScreen) for s in app.screen_stack):  # connected: the flow goes on from there
            while not isinstance(app.screen, MuseScreen):
                await app.pop_screen()
            app.screen.post_message(ScaffoldRequested())
            return
        if welcome := await self._welcome():
            welcome.action_new()
            app.notify("Connect first: then press s on the Muse screen to scaffold a template.", markup=False)

    def _forgetter(self, listing: CloneListing) -> Run:
        async def run() -> None:
            from wizard.clone import registry
            from wizard.screens.confirm import ConfirmScreen

            welcome = await self._welcome()
            if welcome is None:
                return
            entry, journal = listing.entry, listing.journal
            project = f" and its Supabase project {journal.project_ref}" if journal and journal.project_ref else ""

            async def answer(yes: bool | None) -> None:
                if not yes:
                    return
                try:
                    await asyncio.to_thread(registry.forget, entry.clone_id)
                except OSError as exc:
                    self.app.notify(f"The list of clones could not be changed: {exc}", severity="error", markup=False)
                welcome.refresh_clones()

            self.app.push_screen(
                ConfirmScreen(
                    f"Forget {entry.name}?",
                    f"It leaves the list of clones; nothing is deleted: its folder {entry.folder}{project} stay as "
                    f"they are. `musekit resume {entry.folder}` still works while the folder exists.",
                    yes="Forget",
                    no="Keep it",
                ),
                answer,
            )

        return run

    # -- viewers: over the current screen ---------------------------------------------------------
    def _previewer(self, template: MuseTemplate) -> Run:
        async def run() -> None:
            from wizard.screens.template_preview import TemplatePreviewScreen

            self.app.push_screen(TemplatePreviewScreen(template))

        return run

    def _run_log(self, listing: CloneListing) -> Run:
        async def run() -> None:
            from wizard.screens.run_log import RunLogScreen

            if listing.journal is not None:
                self.app.push_screen(RunLogScreen(Path(listing.entry.folder), listing.journal))

        return run

    async def _help(self) -> None:
        await self.app.run_action("help")

    async def _fleet(self) -> None:
        await self.app.run_action("open_fleet")
