"""The run log of a clone: its journal's steps (status, attempts, when, what each found), its last error,
and the events of its runs, which the engine keeps in `.musekit/run.log` beside the journal
(`wizard.clone.run_log`; its functions are importable from here too). Opened from the Done screen and
from the Welcome list, with no connection and no secret."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Header, Static, TextArea

from wizard.clone import append_run_log as append_run_log
from wizard.clone import read_run_log
from wizard.clone import run_log_path as run_log_path
from wizard.screens.base import WizardScreen
from wizard.widgets import KeysFooter, age, plain

if TYPE_CHECKING:
    from wizard.clone import Journal

MARKS = {"done": "✓", "running": "▶", "failed": "✗", "pending": "·"}


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
            "No events were kept for this clone: it ran before musekit kept a run log. The steps above come "
            "from its journal."
        )

    def action_back(self) -> None:
        self.app.pop_screen()
