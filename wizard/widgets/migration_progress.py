"""Progress of a set of migration files: one row per file (waiting, applying, applied with its time)
and a bar for the whole set; fed by the clone's `migration` events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Unpack

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, ProgressBar

from wizard.widgets.common import WidgetOptions, plain

if TYPE_CHECKING:
    from wizard.clone import CloneEvent


class MigrationProgress(Vertical):
    DEFAULT_CSS = """
    MigrationProgress {
        height: 1fr;
    }

    MigrationProgress DataTable {
        height: 1fr;
    }
    """

    def __init__(self, **kwargs: Unpack[WidgetOptions]) -> None:
        super().__init__(**kwargs)
        self.files: list[str] = []

    def compose(self) -> ComposeResult:
        yield ProgressBar(total=None, show_eta=False, id=f"{self.id}-bar")
        yield DataTable(cursor_type="row", id=f"{self.id}-files", show_cursor=False)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(" ", "Time", "Migration")

    def set_files(self, names: list[str], *, all_applied: bool = False) -> None:
        self.files = list(names)
        table = self.query_one(DataTable)
        table.clear()
        mark = "✓" if all_applied else "·"
        for name in self.files:
            table.add_row(mark, "earlier" if all_applied else "", plain(name), key=name)
        self.query_one(ProgressBar).update(
            total=len(self.files) or None, progress=len(self.files) if all_applied else 0
        )

    def migration_event(self, ev: CloneEvent) -> None:
        """A clone `migration` event: `ev.file` is starting (no `seconds` yet) or applied; `current` of
        `total` counts the files this run applies (files applied earlier are not counted)."""
        name = ev.file
        if name is None or name not in self.files:
            return
        table = self.query_one(DataTable)
        mark, time_col = table.ordered_columns[0].key, table.ordered_columns[1].key
        if ev.seconds is None:
            table.update_cell(name, mark, "▶")
            table.update_cell(name, time_col, "…")
            table.move_cursor(row=self.files.index(name))
            done = (ev.current or 1) - 1
        else:
            table.update_cell(name, mark, "✓")
            table.update_cell(name, time_col, f"{ev.seconds:.2f} s")
            done = ev.current or 0
        if ev.total:
            self.query_one(ProgressBar).update(total=ev.total, progress=done)

    def finish(self, note: str) -> None:
        """The step is done: files not reported as applied now were applied earlier."""
        table = self.query_one(DataTable)
        for name in self.files:
            if table.get_cell(name, table.ordered_columns[0].key) != "✓":
                table.update_cell(name, table.ordered_columns[0].key, "✓")
                table.update_cell(name, table.ordered_columns[1].key, "earlier")
        self.query_one(ProgressBar).update(total=len(self.files) or None, progress=len(self.files))
