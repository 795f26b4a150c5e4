"""The schema diff of two Muses (`musekit diff A B` on screen): what B adds (+), lacks (-) and changes
(~), grouped by kind under a heading each, so the lines fit 80 columns without the kind word."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from wizard.widgets.common import plain

if TYPE_CHECKING:
    from wizard.diff import SchemaDiff

COLORS = {"+": "$text-success", "-": "$text-error", "~": "$text-warning"}
HEADINGS = {
    "table": "Tables",
    "column": "Columns",
    "enum": "Enums",
    "view": "Views",
    "index": "Indexes",
    "policy": "Policies",
    "function": "Functions",
}


class SchemaDiffView(VerticalScroll):
    DEFAULT_CSS = """
    SchemaDiffView {
        height: 1fr;
    }

    SchemaDiffView #sd-title {
        text-style: bold;
    }

    SchemaDiffView #sd-legend {
        color: $text-muted;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static("Schema diff", id="sd-title")
        yield Static("", id="sd-legend")
        yield Static("", id="sd-body")

    def show(self, diff: SchemaDiff, a: str, b: str) -> None:
        self.query_one("#sd-title", Static).update(plain(f"Schema diff: {a} → {b}"))
        self.query_one("#sd-legend", Static).update(
            plain(f"+ only in {b} · - only in {a} · ~ changed · MuseKit core not compared")
        )
        self.query_one("#sd-body", Static).update("\n".join(diff_lines(diff, a, b)))
        self.scroll_home(animate=False)

    def show_problem(self, a: str, b: str, problem: str) -> None:
        self.query_one("#sd-title", Static).update(plain(f"Schema diff: {a} → {b}"))
        self.query_one("#sd-legend", Static).update("")
        self.query_one("#sd-body", Static).update(f"[b $text-error]✗ The diff could not be made[/]\n{plain(problem)}")


def diff_lines(diff: SchemaDiff, a: str, b: str) -> list[str]:
    """Markup: the counts, then each kind's differences under its heading."""
    from wizard.diff import KINDS, PLURALS
    from wizard.diff.render import difference_lines

    if diff.equal:
        return [f"[$text-success]✓ no differences[/] between {plain(a)} and {plain(b)}"]
    lines = [plain(line) for line in summary(diff)]
    for kind in KINDS:
        found = [d for d in diff.differences if d.kind == kind]
        if not found:
            continue
        lines.append(f"\n[b]{HEADINGS.get(kind, PLURALS[kind].capitalize())}[/]")
        for d in found:
            lines += [_line(line, kind) for line in difference_lines(d)]
    return lines


def _line(line: str, kind: str) -> str:
    """`+ table walks (3 columns)` → `+ walks (3 columns)` in the mark's color; a continuation as it is."""
    mark = line[:1]
    if mark in COLORS and line.startswith(f"{mark} {kind} "):
        return f"[{COLORS[mark]}]{plain(mark + ' ' + line.removeprefix(f'{mark} {kind} '))}[/]"
    return plain(line)


def summary(diff: SchemaDiff) -> list[str]:
    from wizard.diff import KINDS, PLURALS

    out = []
    for status in ("added", "removed", "changed"):
        counts = [
            f"{n} {PLURALS[kind] if n != 1 else kind}"
            for kind in KINDS
            if (n := sum(1 for d in diff.differences if d.status == status and d.kind == kind))
        ]
        if counts:
            out.append(f"{status}: {', '.join(counts)}")
    return out
