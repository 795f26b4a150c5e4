"""Apply + verify (steps muse_migrations → verify): the Muse's migrations, all in one transaction
under the core-purity guard, then the lint, RLS and purity results."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from wizard.widgets.common import plain
from wizard.widgets.migration_progress import MigrationProgress

STEPS = ("muse_migrations", "verify")

if TYPE_CHECKING:
    from wizard.clone import CloneEvent


class ApplyVerifyView(Vertical):
    def compose(self) -> ComposeResult:
        yield Static("Apply the Muse and verify", classes="stage-title")
        yield Static(
            "The Muse's migrations run in one transaction; if the core changes in any way, none of them is kept.",
            id="apply-status",
            classes="muted",
        )
        yield MigrationProgress(id="muse-progress")
        yield Static("Verification: not run yet", id="verify-result", classes="muted")

    def set_files(self, names: list[str], all_applied: bool) -> None:
        self.query_one(MigrationProgress).set_files(names, all_applied=all_applied)

    def clone_event(self, event: CloneEvent) -> None:
        kind, step, message = event.kind, event.step, event.message
        result = self.query_one("#verify-result", Static)
        if kind == "migration":
            self.query_one(MigrationProgress).migration_event(event)
        elif kind == "step_done" and step == "muse_migrations":
            self.query_one("#apply-status", Static).update(plain(f"✓ Muse migrations: {message}"))
            self.query_one(MigrationProgress).finish(message)
        elif kind == "step_failed" and step == "muse_migrations":
            self.query_one("#apply-status", Static).update(plain(f"✗ Nothing of the Muse was kept: {message}"))
        elif kind == "step_started" and step == "verify":
            result.update("Verifying: lints, RLS on every table, what a stranger can read, the core untouched…")
            result.set_classes("muted")
        elif kind == "step_done" and step == "verify":
            result.update(plain(f"✓ Verification: {message}"))
            result.set_classes("valid")
        elif kind == "step_failed" and step == "verify":
            result.update(plain(f"✗ Verification: {message.splitlines()[0]} (see below)"))
            result.set_classes("invalid")
