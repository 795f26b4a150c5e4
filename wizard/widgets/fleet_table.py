"""The portfolio's status table: one row per Muse (a MuseStatus from `fleet status`), with a selection
column. Space toggles the Muse under the cursor, `a` selects every Muse (or none, when all are)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from wizard.widgets.common import plain

if TYPE_CHECKING:
    from wizard.fleet import MuseStatus

COLUMNS = {
    "mark": " ",
    "name": "Muse",
    "template": "Template",
    "core": "Core",
    "own": "Own",
    "drift": "Drift",
    "lints": "Lints",
    "project": "Project",
}
NAME_WIDTH = 16
TEMPLATE_WIDTH = 14
CHECKED, UNCHECKED = "✓", "·"


class FleetTable(DataTable[str | Text]):
    """Rows keyed by clone id, in the order `set_order` gave (rows arrive as each Muse is checked)."""

    DEFAULT_CSS = """
    FleetTable {
        height: auto;
        max-height: 1fr;
    }
    """
    BINDINGS = [
        Binding("space", "toggle_row", "Select"),
        Binding("a", "toggle_all", "All"),
    ]

    class SelectionChanged(Message):
        def __init__(self, selected: tuple[str, ...]) -> None:
            super().__init__()
            self.selected = selected  # clone ids, in table order

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.order: list[str] = []
        self.statuses: dict[str, MuseStatus] = {}
        self.chosen: set[str] = set()

    def on_mount(self) -> None:
        for key, label in COLUMNS.items():
            self.add_column(label, key=key)

    # -- rows ---------------------------------------------------------------------------------------
    def set_order(self, clone_ids: list[str]) -> None:
        """A new check starts: these Muses, in this order; rows come back one by one."""
        self.order = list(clone_ids)
        self.statuses.clear()
        self.chosen &= set(clone_ids)
        self._redraw()

    def add_status(self, clone_id: str, status: MuseStatus) -> None:
        self.statuses[clone_id] = status
        self._redraw()

    @property
    def selected(self) -> tuple[str, ...]:
        return tuple(k for k in self.order if k in self.chosen and k in self.statuses)

    @property
    def current(self) -> str | None:
        """The clone id under the cursor."""
        shown = self._shown()
        if not shown:
            return None
        return shown[min(self.cursor_row, len(shown) - 1)]

    def _shown(self) -> list[str]:
        return [k for k in self.order if k in self.statuses]

    def _redraw(self) -> None:
        at = self.current
        self.clear()
        for key in self._shown():
            self.add_row(*status_cells(self.statuses[key], key in self.chosen), key=key)
        shown = self._shown()
        if at in shown:
            self.move_cursor(row=shown.index(at))

    # -- selection ----------------------------------------------------------------------------------
    def action_toggle_row(self) -> None:
        key = self.current
        if key is None:
            return
        self.chosen ^= {key}
        self.update_cell(key, "mark", CHECKED if key in self.chosen else UNCHECKED)
        self.post_message(self.SelectionChanged(self.selected))

    def action_toggle_all(self) -> None:
        shown = set(self._shown())
        self.chosen = set() if shown and shown <= self.chosen else shown
        for key in shown:
            self.update_cell(key, "mark", CHECKED if key in self.chosen else UNCHECKED)
        self.post_message(self.SelectionChanged(self.selected))


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def status_cells(s: MuseStatus, chosen: bool) -> tuple[str | Text, ...]:
    mark = CHECKED if chosen else UNCHECKED
    name, template = plain(_cut(s.name, NAME_WIDTH)), plain(_cut(s.template.rsplit("/", 1)[-1], TEMPLATE_WIDTH))
    if s.problem is not None:
        return (mark, name, template, "-", "-", "-", "-", Text("unavailable", style="bold red"))
    core = Text(f"{s.core_applied}/{s.core_total}", style="bold" if s.pending_core else "")
    own = Text(f"{s.own_applied}/{s.own_total}", style="bold" if s.pending_own else "")
    drift = Text(str(len(s.drift)), style="bold red") if s.drift else Text("none")
    lints = Text(f"{s.lint_errors}E {s.lint_warnings}W", style="bold red" if s.lint_errors else "")
    project = "healthy" if s.project_status == "ACTIVE_HEALTHY" else plain((s.project_status or "?").lower())
    return (mark, name, template, core, own, drift, lints, project)


def status_detail(s: MuseStatus) -> str:
    """Everything about one row, in plain text (the table's cells are short): shown under the table."""
    head = f"{s.name} · {s.template}{f' {s.template_version}' if s.template_version else ''}"
    head += f" · project {s.ref}" if s.ref else ""
    lines = [head, f"folder {s.folder}"]
    if s.problem is not None:
        lines.append(f"unavailable: {s.problem}")
        return "\n".join(lines)
    pending = []
    if s.pending_core:
        pending.append(f"{s.pending_core} core")
    if s.pending_own:
        pending.append(f"{s.pending_own} of its template")
    lines.append(
        f"core {s.core_applied}/{s.core_total} · own {s.own_applied}/{s.own_total} · "
        f"{'pending: ' + ', '.join(pending) if pending else 'up to date'} · "
        f"lints: {s.lint_errors} error(s), {s.lint_warnings} warning(s)"
    )
    lines += [f"drift: {line}" for line in s.drift] or ["drift: none (the live core is the canonical one)"]
    return "\n".join(lines)
