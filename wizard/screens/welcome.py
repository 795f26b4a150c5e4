"""Welcome: start a new Muse; resume a clone that is not finished (listed first); open one of your
finished Muses (its summary, from the journal: no connection, no secret); open any entry's run log;
forget an entry (after asking: nothing on disk or on Supabase is touched). Entries whose folder is gone
are marked, so they can be forgotten."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Header, Static

from wizard.messages import ClonesListed, ResumeRequested, StartNew
from wizard.screens.base import WizardScreen
from wizard.widgets import KeysFooter, age, plain

if TYPE_CHECKING:
    from wizard.clone import CloneListing

GONE = "⚠"


@dataclass(frozen=True)
class Lists:
    """The registry split as Welcome shows it: clones to finish (unfinished first, then those that cannot
    be opened), and finished Muses (latest first)."""

    to_finish: list[CloneListing]
    finished: list[CloneListing]


def split_listings(listings: list[CloneListing]) -> Lists:
    def latest(listing: CloneListing) -> float:
        j = listing.journal
        return -(j.updated_at if j else listing.entry.registered_at).timestamp()

    unfinished = [x for x in listings if x.journal is not None and not x.journal.finished]
    broken = [x for x in listings if x.journal is None]
    finished = [x for x in listings if x.journal is not None and x.journal.finished]
    return Lists(sorted(unfinished, key=latest) + sorted(broken, key=latest), sorted(finished, key=latest))


class WelcomeScreen(WizardScreen[None]):
    DEFAULT_CSS = """
    WelcomeScreen DataTable {
        height: auto;
        scrollbar-size-horizontal: 0;  /* at 80 columns the last error is cut; the run log (l) has it whole */
    }
    """
    BINDINGS = [
        Binding("n", "new", "New Muse"),
        Binding("m", "app.open_fleet", "Your Muses"),
        Binding("enter", "open", "Open", show=False),
        Binding("l", "run_log", "Run log"),
        Binding("x,delete", "forget", "Forget"),
        Binding("r", "refresh", "Refresh"),
    ]
    AUTO_FOCUS = "#new"

    def __init__(self) -> None:
        super().__init__()
        self.listings: list[CloneListing] = []
        self.lists = Lists([], [])
        self._table = "clones"  # the list the keys act on: the one focused last

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="welcome", classes="page"):
            yield Static("Launch a new Muse", classes="title")
            yield Static(
                "MuseKit clones the foundation (auth, billing, admin) and one Muse's own tables onto a "
                "new Supabase project, one journaled step at a time: anything interrupted can be resumed.",
                classes="lead",
            )
            with Horizontal(classes="buttons"):
                yield Button("Start a new Muse", id="new", variant="primary")
                yield Button("Run log (l)", id="run-log")
                yield Button("Forget… (x)", id="forget")
            yield Static("Clones to finish", classes="section")
            yield DataTable(id="clones", cursor_type="row", zebra_stripes=True)
            yield Static("Reading the list of clones…", id="clones-empty", classes="muted")
            yield Static("Your Muses", classes="section")
            yield DataTable(id="muses", cursor_type="row", zebra_stripes=True)
            yield Static("", id="muses-empty", classes="muted")
        yield KeysFooter()

    def on_mount(self) -> None:
        for hidden in ("#run-log", "#forget", "#clones", "#muses", "#muses-empty"):
            self.query_one(hidden).display = False
        self.query_one("#clones", DataTable).add_columns(" ", "Name", "Muse", "Step reached", "Age", "Last error")
        self.query_one("#muses", DataTable).add_columns("Name", "Muse", "Project", "Region", "Finished")
        self.call_after_refresh(self.refresh_clones)  # the registry (and pydantic) after the first frame

    def refresh_clones(self) -> None:
        self._list_clones()

    @work(exclusive=True, group="registry", thread=True, exit_on_error=False)
    def _list_clones(self) -> None:
        from wizard.clone import list_clones

        self.post_message(ClonesListed(list_clones()))

    @on(ClonesListed)
    def _show_clones(self, message: ClonesListed) -> None:
        self.listings = message.listings
        self.lists = split_listings(message.listings)
        self._fill_to_finish(self.lists.to_finish)
        self._fill_finished(self.lists.finished)
        for button in ("#run-log", "#forget"):
            self.query_one(button).display = bool(message.listings)
        if not self.lists.to_finish and self.lists.finished:
            self._table = "muses"

    def _fill_to_finish(self, listings: list[CloneListing]) -> None:
        from wizard.clone import STEP_TITLES

        now = self.host.clock()
        table = self.query_one("#clones", DataTable)
        table.clear()
        table.display = bool(listings)  # shown before it is filled, so its height follows the rows
        for i, listing in enumerate(listings):
            entry, journal = listing.entry, listing.journal
            if journal is None:
                problem = listing.problem or "the journal cannot be read"
                step = "folder is gone" if problem.startswith("folder is gone") else "cannot be read"
                mark, error, when = GONE, problem, entry.registered_at
            else:
                mark, step = "", STEP_TITLES.get(journal.current_step or "", "?")
                error, when = (journal.last_error.message if journal.last_error else ""), journal.updated_at
            table.add_row(
                mark,
                plain(entry.name),
                plain(_muse_label(entry.muse)),
                plain(step),
                age(when, now),
                plain(_first_line(error, 36)),
                key=str(i),
            )
        empty = self.query_one("#clones-empty", Static)
        empty.update("Nothing to finish. Press n to start a new Muse.")
        empty.display = not listings

    def _fill_finished(self, listings: list[CloneListing]) -> None:
        now = self.host.clock()
        table = self.query_one("#muses", DataTable)
        table.clear()
        table.display = bool(listings)
        for i, listing in enumerate(listings):
            entry, journal = listing.entry, listing.journal
            assert journal is not None  # split_listings puts only readable, finished journals here
            table.add_row(
                plain(entry.name),
                plain(_muse_label(entry.muse)),
                plain(journal.project_ref or ""),
                plain(journal.inputs.region),
                age(journal.updated_at, now),
                key=str(i),
            )
        empty = self.query_one("#muses-empty", Static)
        empty.update("None finished yet.")
        empty.display = not listings

    # -- which entry ---------------------------------------------------------------------------
    @on(events.DescendantFocus)
    def _focused(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, DataTable) and event.widget.id in ("clones", "muses"):
            self._table = event.widget.id

    def selected(self) -> CloneListing | None:
        """The entry under the cursor of the list focused last."""
        listings = self.lists.to_finish if self._table == "clones" else self.lists.finished
        table = self.query_one(f"#{self._table}", DataTable)
        if not listings or not table.row_count:
            return None
        return listings[min(table.cursor_row, len(listings) - 1)]

    # -- actions ---------------------------------------------------------------------------------
    @on(Button.Pressed, "#new")
    def action_new(self) -> None:
        self.post_message(StartNew())

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        listings = self.lists.to_finish if event.data_table.id == "clones" else self.lists.finished
        if event.row_key.value is not None:  # rows are keyed by their index in their list
            index = int(event.row_key.value)
            if 0 <= index < len(listings):
                self.open(listings[index])

    def action_open(self) -> None:
        listing = self.selected()
        if listing is not None:
            self.open(listing)

    def open(self, listing: CloneListing) -> None:
        """A finished Muse: its summary (no connection); anything else: resume it."""
        from wizard.screens.done import DoneScreen

        journal = listing.journal
        if journal is None:
            self.notify(f"{listing.problem or 'this clone cannot be read'}. Press x to forget it.", severity="error")
            return
        if journal.finished:
            self.app.push_screen(DoneScreen(Path(listing.entry.folder), journal, listing=listing))
            return
        self.post_message(ResumeRequested(listing))

    @on(Button.Pressed, "#run-log")
    def action_run_log(self) -> None:
        from wizard.screens.run_log import RunLogScreen

        listing = self.selected()
        if listing is None:
            self.notify("No clone is listed yet.", markup=False)
        elif listing.journal is None:
            self.notify(f"No run log: {listing.problem or 'the journal cannot be read'}.", severity="error")
        else:
            self.app.push_screen(RunLogScreen(Path(listing.entry.folder), listing.journal))

    @on(Button.Pressed, "#forget")
    def action_forget(self) -> None:
        from wizard.screens.confirm import ConfirmScreen

        listing = self.selected()
        if listing is None:
            self.notify("No clone is listed yet.", markup=False)
            return
        entry, journal = listing.entry, listing.journal
        project = f" and its Supabase project {journal.project_ref}" if journal and journal.project_ref else ""

        def answer(yes: bool | None) -> None:
            if yes:
                self._forget(entry.clone_id)

        self.app.push_screen(
            ConfirmScreen(
                f"Forget {entry.name}?",
                f"It leaves this list; nothing is deleted: its folder {entry.folder}{project} stay as they are. "
                f"`musekit resume {entry.folder}` still works while the folder exists.",
                yes="Forget",
                no="Keep it",
            ),
            answer,
        )

    @work(exclusive=True, group="registry", thread=True, exit_on_error=False)
    def _forget(self, clone_id: str) -> None:
        from wizard.clone import list_clones, registry

        try:
            registry.forget(clone_id)
        except OSError as exc:
            self.notify(f"The list of clones could not be changed: {exc}", severity="error", markup=False)
        self.post_message(ClonesListed(list_clones()))

    def action_refresh(self) -> None:
        self.refresh_clones()


def _muse_label(muse: str) -> str:
    """A shipped slug as it is; a template folder by its last part."""
    return muse.rstrip("/").rsplit("/", 1)[-1]


def _first_line(text: str, width: int = 60) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= width else line[: width - 1] + "…"
