"""Welcome: start a new Muse, or resume one of the clones in the registry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Footer, Header, Static

from wizard.messages import ClonesListed, ResumeRequested, StartNew
from wizard.screens.base import WizardScreen
from wizard.widgets import age, plain

if TYPE_CHECKING:
    from wizard.clone import CloneListing


class WelcomeScreen(WizardScreen[None]):
    BINDINGS = [
        Binding("n", "new", "New Muse"),
        Binding("enter", "resume", "Resume", show=False),
        Binding("r", "refresh", "Refresh list"),
    ]
    AUTO_FOCUS = "#new"

    def __init__(self) -> None:
        super().__init__()
        self.listings: list[CloneListing] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="welcome", classes="page"):
            yield Static("Launch a new Muse", classes="title")
            yield Static(
                "MuseKit clones the foundation (auth, billing, admin) and one Muse's own tables onto a "
                "new Supabase project, one journaled step at a time: anything interrupted can be resumed.",
                classes="lead",
            )
            with Horizontal(classes="buttons"):
                yield Button("Start a new Muse", id="new", variant="primary")
            yield Static("Clones you can resume", classes="section")
            yield DataTable(id="clones", cursor_type="row", zebra_stripes=True)
            yield Static("", id="clones-empty", classes="muted")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#clones", DataTable)
        table.add_columns("Name", "Muse", "Step reached", "Age", "Last error")
        self.call_after_refresh(self.refresh_clones)  # the registry (and pydantic) after the first frame

    def refresh_clones(self) -> None:
        self._list_clones()

    @work(exclusive=True, group="registry", thread=True, exit_on_error=False)
    def _list_clones(self) -> None:
        from wizard.clone import list_clones

        self.post_message(ClonesListed(list_clones()))

    @on(ClonesListed)
    def _show_clones(self, message: ClonesListed) -> None:
        from wizard.clone import STEP_TITLES

        now = self.host.clock()
        table = self.query_one("#clones", DataTable)
        table.clear()
        table.display = bool(message.listings)  # shown before it is filled, so its height follows the rows
        self.listings = message.listings
        for i, listing in enumerate(message.listings):
            entry, journal = listing.entry, listing.journal
            if journal is None:
                step, error, when = "—", listing.problem or "", entry.registered_at
            else:
                step = "finished" if journal.finished else STEP_TITLES.get(journal.current_step or "", "?")
                error = journal.last_error.message if journal.last_error else ""
                when = journal.updated_at
            table.add_row(
                plain(entry.name),
                plain(_muse_label(entry.muse)),
                plain(step),
                age(when, now),
                plain(_first_line(error)),
                key=str(i),
            )
        self.query_one("#clones-empty", Static).update(
            "" if message.listings else "No clones yet. Press n to start a new Muse."
        )

    @on(Button.Pressed, "#new")
    def action_new(self) -> None:
        self.post_message(StartNew())

    @on(DataTable.RowSelected, "#clones")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:  # rows are keyed by their listing's index
            self._resume(int(event.row_key.value))

    def action_resume(self) -> None:
        table = self.query_one("#clones", DataTable)
        if table.row_count:
            self._resume(table.cursor_row)

    def _resume(self, index: int) -> None:
        if 0 <= index < len(self.listings):
            self.post_message(ResumeRequested(self.listings[index]))

    def action_refresh(self) -> None:
        self.refresh_clones()


def _muse_label(muse: str) -> str:
    """A shipped slug as it is; a template folder by its last part."""
    return muse.rstrip("/").rsplit("/", 1)[-1]


def _first_line(text: str, width: int = 60) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= width else line[: width - 1] + "…"
