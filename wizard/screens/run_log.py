"""The run log of a clone: its journal's steps (status, attempts, when, what each found), its last error,
and the events of the wizard's runs of it, kept in `.musekit/run.log` beside the journal (never a
secret: the engine's and the API client's messages carry none). Opened from the Done screen and from
the Welcome list, with no connection and no secret."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Header, Static, TextArea

from wizard.screens.base import WizardScreen
from wizard.widgets import KeysFooter, age, plain

if TYPE_CHECKING:
    from wizard.clone import Journal

RUN_LOG = Path(".musekit") / "run.log"
MARKS = {"done": "✓", "running": "▶", "failed": "✗", "pending": "·"}


def run_log_path(folder: Path) -> Path:
    return Path(folder) / RUN_LOG


def append_run_log(folder: Path, when: datetime, text: str) -> None:
    """One line per event, appended (mode 0600). Only where the clone's journal directory exists; a log
    that cannot be written is skipped: it is a record for the founder, never needed to resume."""
    directory = Path(folder) / RUN_LOG.parent
    if not directory.is_dir():
        return
    lines = "".join(f"{when:%Y-%m-%d %H:%M:%S}  {line}\n" for line in text.splitlines() or [""])
    try:
        fd = os.open(run_log_path(folder), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(lines)
    except OSError:
        pass


def read_run_log(folder: Path) -> str | None:
    try:
        return run_log_path(folder).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


class RunLogScreen(WizardScreen[None]):
    DEFAULT_CSS = """
    RunLogScreen #run-log-steps {
        height: auto;
        scrollbar-size-horizontal: 0;
    }

    RunLogScreen #run-log-events {
        height: auto;
        min-height: 6;
    }
    """
    BINDINGS = [Binding("escape", "back", "Back")]

    def __init__(self, folder: Path, journal: Journal) -> None:
        super().__init__()
        self.folder = Path(folder)
        self.journal = journal

    def compose(self) -> ComposeResult:
        from wizard.clone import STEP_TITLES

        j = self.journal
        yield Header()
        with VerticalScroll(id="run-log", classes="page"):
            yield Static(plain(f"Run log of {j.inputs.name}"), classes="title")
            yield Static(
                plain(f"{self.folder} · project {j.project_ref or '(not created yet)'}"),
                id="run-log-where",
                classes="lead",
            )
            yield DataTable(id="run-log-steps", cursor_type="row", show_cursor=False, zebra_stripes=True)
            if j.last_error is not None:
                step = STEP_TITLES.get(j.last_error.step, j.last_error.step)
                yield Static(
                    plain(f"Last error ({step}): {j.last_error.message}"),
                    id="run-log-error",
                    classes="invalid",
                )
            yield Static("Events", classes="section")
            yield TextArea(self._events(), read_only=True, soft_wrap=True, id="run-log-events")
        yield KeysFooter()

    def on_mount(self) -> None:
        from wizard.clone import STEP_TITLES, STEPS

        now = self.host.clock()
        table = self.query_one("#run-log-steps", DataTable)
        table.add_columns(" ", "Step", "Tries", "Finished", "Note")
        for step in STEPS:
            rec = self.journal.steps[step]
            finished = age(rec.finished_at, now) if rec.finished_at else ""
            table.add_row(
                MARKS[rec.status], STEP_TITLES[step], str(rec.attempts or ""), finished, plain(rec.note or "")
            )

    def _events(self) -> str:
        text = read_run_log(self.folder)
        if text:
            return text
        return (
            "No events were kept for this clone: it ran from the command line (`musekit clone` prints them), or "
            "before the wizard kept a log. The steps above come from its journal."
        )

    def action_back(self) -> None:
        self.app.pop_screen()
