"""A roll-out as it runs: one line per Muse (its state and the last thing the roll-out said about it),
the roll-out's other lines (the canary, a stop), a bar of Muses done; then the final report table
(`fleet upgrade`'s outcome: state and detail per Muse)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, ProgressBar, Static

from wizard.widgets.common import plain

if TYPE_CHECKING:
    from wizard.fleet import Rollout

MARKS = {
    "pending": "[$text-muted]·[/]",
    "running": "[b $text-warning]▶[/]",
    "upgraded": "[b $text-success]✓[/]",
    "unchanged": "[$text-success]=[/]",
    "skipped": "[b $text-error]–[/]",
    "failed": "[b $text-error]✗[/]",
    "not_started": "[$text-muted]·[/]",
}
SAID = {"✓": "upgraded", "✗": "failed", "…": "running"}
DETAIL_WIDTH = 44


class FleetRolloutView(VerticalScroll):
    DEFAULT_CSS = """
    FleetRolloutView {
        height: 1fr;
    }

    FleetRolloutView #ro-title {
        text-style: bold;
    }

    FleetRolloutView #ro-bar {
        margin: 0 0 1 0;
    }

    FleetRolloutView #ro-notes {
        color: $text-muted;
    }

    FleetRolloutView #ro-report {
        height: auto;
        margin: 1 0 0 0;
    }

    FleetRolloutView #ro-summary {
        text-style: bold;
        margin: 1 0 0 0;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.names: list[str] = []
        self.states: dict[str, str] = {}
        self.latest: dict[str, str] = {}
        self.notes: list[str] = []
        self.finished: Rollout | None = None

    def compose(self) -> ComposeResult:
        yield Static("Roll-out", id="ro-title")
        yield ProgressBar(show_eta=False, id="ro-bar")
        yield Static("", id="ro-muses")
        yield Static("", id="ro-notes")
        yield DataTable[str](id="ro-report", cursor_type="row", zebra_stripes=True)
        yield Static("", id="ro-summary")

    def on_mount(self) -> None:
        report = self.query_one("#ro-report", DataTable)
        report.add_columns("State", "Muse", "Detail")
        report.display = False

    # -- while it runs --------------------------------------------------------------------------------
    def start(self, rollout: Rollout) -> None:
        self.finished = None
        self.names = [m.name for m in rollout.muses]
        self.states = {m.name: m.state for m in rollout.muses}
        self.latest = {m.name: m.detail for m in rollout.muses}
        self.notes = []
        todo = sum(1 for m in rollout.muses if m.state in ("pending", "not_started"))
        self.query_one("#ro-title", Static).update(plain(f"Roll-out {rollout.id}: {todo} Muse(s) to upgrade"))
        self.query_one("#ro-bar", ProgressBar).update(total=max(todo, 1), progress=0)
        self.query_one("#ro-report", DataTable).display = False
        self.query_one("#ro-summary", Static).update("")
        self._draw()

    def say(self, line: str) -> None:
        """One line of the roll-out: it goes to the Muse it is about, or to the notes."""
        mark, _, rest = line.partition(" ")
        said = SAID.get(mark)
        text = rest if said else line
        name = self._muse_of(text)
        if name is None:
            self.notes.append(line)
        else:
            if said in ("upgraded", "failed") and self.states.get(name) not in ("upgraded", "failed"):
                self.query_one("#ro-bar", ProgressBar).advance(1)
            self.states[name] = said or "running"
            self.latest[name] = text.removeprefix(f"{name}: ")
        self._draw()

    def _muse_of(self, text: str) -> str | None:
        found = [n for n in self.names if text.startswith(f"{n}:")]
        return max(found, key=len) if found else None

    def _draw(self) -> None:
        lines = [
            f"{MARKS.get(self.states[n], '·')} [b]{plain(n)}[/] {plain(self.latest.get(n, ''))}" for n in self.names
        ]
        self.query_one("#ro-muses", Static).update("\n".join(lines))
        self.query_one("#ro-notes", Static).update(plain("\n".join(self.notes)))

    # -- the report -----------------------------------------------------------------------------------
    def finish(self, rollout: Rollout) -> None:
        self.finished = rollout
        for m in rollout.muses:
            self.states[m.name], self.latest[m.name] = m.state, m.detail
        self._draw()
        bar = self.query_one("#ro-bar", ProgressBar)
        bar.update(progress=bar.total or 0)
        report = self.query_one("#ro-report", DataTable)
        report.clear()
        for m in rollout.muses:
            report.add_row(m.state.replace("_", " "), plain(m.name), plain(_cut(m.detail, DETAIL_WIDTH)))
        report.display = True
        self.query_one("#ro-summary", Static).update(plain(outcome_line(rollout)))
        self.scroll_end(animate=False)

    def stopped(self, problem: str) -> None:
        self.notes.append(f"✗ stopped: {problem}")
        self._draw()


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def outcome_line(rollout: Rollout) -> str:
    counts: dict[str, int] = {}
    for m in rollout.muses:
        counts[m.state] = counts.get(m.state, 0) + 1
    parts = [f"{n} {state.replace('_', ' ')}" for state, n in counts.items()]
    ending = "finished" if not rollout.failed else "finished with a failure"
    return f"Roll-out {ending}: {', '.join(parts)}."
