"""README (step readme): the table list section of the Muse's README, as it will be written
(from the migration SQL while the step runs) and then as written (from the live catalog)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static, TextArea

from wizard.widgets.common import plain

STEPS = ("readme",)

if TYPE_CHECKING:
    from wizard.clone import CloneEvent


class ReadmeView(Vertical):
    DEFAULT_CSS = """
    #readme-text {
        height: 1fr;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static("README: the table list", classes="stage-title")
        yield Static(
            "Written between the musekit:tables markers of README.md once the Muse is verified.",
            id="readme-status",
            classes="muted",
        )
        yield TextArea("", read_only=True, soft_wrap=True, show_line_numbers=False, id="readme-text")

    def show_section(self, caption: str, text: str) -> None:
        self.query_one("#readme-status", Static).update(plain(caption))
        self.query_one("#readme-text", TextArea).load_text(text)

    def clone_event(self, event: CloneEvent) -> None:
        kind, step, message = event.kind, event.step, event.message
        if kind in ("step_done", "step_failed") and step == "readme":
            mark = "✓" if kind == "step_done" else "✗"
            self.query_one("#readme-status", Static).update(plain(f"{mark} {message.splitlines()[0]}"))
