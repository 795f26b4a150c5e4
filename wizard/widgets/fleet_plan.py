"""The upgrade plan before anything runs (`fleet upgrade --dry-run`, on screen): which files go to which
Muses, which are up to date, which are skipped and why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from wizard.widgets.common import plain

if TYPE_CHECKING:
    from wizard.fleet import MusePlan


class FleetPlanView(VerticalScroll):
    DEFAULT_CSS = """
    FleetPlanView {
        height: 1fr;
    }

    FleetPlanView #plan-title {
        text-style: bold;
    }

    FleetPlanView #plan-summary {
        padding: 1 0 0 0;
    }

    FleetPlanView #plan-hint {
        color: $text-muted;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.plans: list[MusePlan] = []

    def compose(self) -> ComposeResult:
        yield Static("Upgrade plan", id="plan-title")
        yield Static("", id="plan-body")
        yield Static("", id="plan-summary")
        yield Static("", id="plan-hint")

    @property
    def needed(self) -> list[MusePlan]:
        return [p for p in self.plans if p.needed]

    def looking(self, count: int, core: str) -> None:
        """The plan is being made (read-only)."""
        self.plans = []
        self.query_one("#plan-title", Static).update(plain(f"Upgrade plan (core: {core})"))
        self.query_one("#plan-body", Static).update(plain(f"Looking at {count} Muse(s): what each would apply…"))
        self.query_one("#plan-summary", Static).update("")
        self.query_one("#plan-hint", Static).update("escape goes back")

    def show_problem(self, problem: str) -> None:
        self.plans = []
        self.query_one("#plan-body", Static).update(f"[b $text-error]✗ No plan could be made[/]\n{plain(problem)}")
        self.query_one("#plan-summary", Static).update("")
        self.query_one("#plan-hint", Static).update("Nothing was changed. escape goes back.")

    def show(self, plans: Sequence[MusePlan], core: str) -> None:
        self.plans = list(plans)
        self.query_one("#plan-title", Static).update(plain(f"Upgrade plan (core: {core})"))
        self.query_one("#plan-body", Static).update("\n".join(plan_lines(self.plans)))
        self.query_one("#plan-summary", Static).update(plain(plan_summary(self.plans)))
        hint = (
            "enter rolls it out (asks first) · escape goes back"
            if self.needed
            else "Nothing to roll out. escape goes back."
        )
        self.query_one("#plan-hint", Static).update(hint)
        self.scroll_home(animate=False)


def plan_lines(plans: Sequence[MusePlan]) -> list[str]:
    """Markup: per Muse a mark, its name and what happens; each file on its own line."""
    lines: list[str] = []
    for p in plans:
        if p.skip:
            lines.append(f"[b $text-error]✗ skip[/]     {plain(p.name)}: {plain(p.skip)}")
        elif p.files:
            lines.append(f"[b]▶ upgrade[/]  {plain(p.name)}: {len(p.files)} file(s)")
            lines += [f"             {plain(f)}" for f in p.files]
        else:
            lines.append(f"[$text-success]✓ ok[/]       {plain(p.name)}: up to date")
    return lines


def plan_summary(plans: Sequence[MusePlan]) -> str:
    upgrade = sum(1 for p in plans if p.needed)
    skipped = sum(1 for p in plans if p.skip)
    current = len(plans) - upgrade - skipped
    return f"{upgrade} to upgrade · {current} up to date · {skipped} skipped"
