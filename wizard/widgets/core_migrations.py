"""Core migrations (steps files → core_migrations): the Muse folder is written, then the MuseKit core
migrations are applied, with progress per file and overall."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from wizard.widgets.common import plain
from wizard.widgets.migration_progress import MigrationProgress

STEPS = ("files", "core_migrations")

if TYPE_CHECKING:
    from wizard.clone import CloneEvent


class CoreMigrationsView(Vertical):
    def compose(self) -> ComposeResult:
        yield Static("Core migrations", classes="stage-title")
        yield Static(
            "The Muse folder and the MuseKit core (13 tables, RLS, helpers).", id="core-status", classes="muted"
        )
        yield MigrationProgress(id="core-progress")

    def set_files(self, names: list[str], all_applied: bool) -> None:
        self.query_one(MigrationProgress).set_files(names, all_applied=all_applied)

    def clone_event(self, event: CloneEvent) -> None:
        kind, step, message = event.kind, event.step, event.message
        status = self.query_one("#core-status", Static)
        if kind == "migration":
            self.query_one(MigrationProgress).migration_event(event)
        elif kind == "step_done" and step == "files":
            status.update(plain(f"✓ {message}"))
        elif kind == "step_done" and step == "core_migrations":
            status.update(plain(f"✓ Core migrations: {message}"))
            self.query_one(MigrationProgress).finish(message)
        elif kind == "step_started" and step == "core_migrations":
            status.update("Applying the core migrations, one transaction per file…")
        elif kind == "log":
            status.update(plain(message))
