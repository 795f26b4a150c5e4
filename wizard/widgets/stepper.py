"""Where the founder is in the wizard: Connect → Muse → Project → Run → Done, one line at the top of
each of those screens, the current step highlighted (done steps ticked, later ones muted)."""

from __future__ import annotations

from typing import Unpack

from textual.widgets import Static

from wizard.widgets.common import WidgetOptions

FLOW = ("connect", "muse", "project", "run", "done")
FLOW_TITLES = {"connect": "Connect", "muse": "Muse", "project": "Project", "run": "Run", "done": "Done"}


class FlowStepper(Static):
    """`FlowStepper("project")`: steps before it are ticked, it is highlighted, the rest are muted. At most
    51 cells wide, so it fits an 80-column terminal with room to spare."""

    DEFAULT_CSS = """
    FlowStepper {
        width: 100%;
        height: 1;
        padding: 0 1;
        background: $boost;
        color: $text-muted;
    }
    """

    def __init__(self, current: str, **kwargs: Unpack[WidgetOptions]) -> None:
        if current not in FLOW:
            raise ValueError(f"unknown wizard step {current!r}; one of {', '.join(FLOW)}")
        super().__init__(flow_line(current), **kwargs)
        self.current = current


def flow_line(current: str) -> str:
    """The stepper's content markup: `✓ Connect › ✓ Muse › [3 Project] › 4 Run › 5 Done`."""
    at = FLOW.index(current)
    parts = []
    for i, step in enumerate(FLOW):
        title = FLOW_TITLES[step]
        if i < at:
            parts.append(f"[$text-success]✓[/] {title}")
        elif i == at:
            parts.append(f"[b reverse $accent] {i + 1} {title} [/]")
        else:
            parts.append(f"{i + 1} {title}")
    return " › ".join(parts)
