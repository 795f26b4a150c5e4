"""Provision (steps validate → connection): the project's live status, the elapsed time and a log
of every state change the Management API reports. Stopping here leaves a resumable clone."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Unpack

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import RichLog, Static

from wizard.clone import STEP_TITLES
from wizard.widgets.common import WidgetOptions, elapsed, plain

STEPS = ("validate", "project", "healthy", "connection")

if TYPE_CHECKING:
    from wizard.clone import CloneEvent


class ProvisionView(Vertical):
    DEFAULT_CSS = """
    #provision-log {
        height: 1fr;
        border: round $panel;
    }
    """

    def __init__(self, *, ticks: Callable[[], float] = time.monotonic, **kwargs: Unpack[WidgetOptions]) -> None:
        """`ticks`: the clock of elapsed times (seconds)."""
        super().__init__(**kwargs)
        self._ticks = ticks
        self.started_at: float | None = None
        self.finished_at: float | None = None

    def compose(self) -> ComposeResult:
        yield Static("Provision the project", classes="stage-title")
        yield Static("Project: not created yet", id="project-status")
        yield Static("Elapsed 0:00", id="elapsed", classes="muted")
        yield RichLog(id="provision-log", wrap=True, markup=False, highlight=False, auto_scroll=True)

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)

    def _now(self) -> float:
        return self._ticks()

    def _tick(self) -> None:
        if self.started_at is None:
            return
        end = self.finished_at if self.finished_at is not None else self._now()
        self.query_one("#elapsed", Static).update(
            f"Elapsed {elapsed(end - self.started_at)}" + (" (done)" if self.finished_at is not None else "")
        )

    def log_line(self, text: str) -> None:
        stamp = elapsed(self._now() - self.started_at) if self.started_at is not None else "0:00"
        self.query_one(RichLog).write(f"[{stamp}] {text}")

    def clone_event(self, event: CloneEvent) -> None:
        kind, step, message = event.kind, event.step, event.message
        if kind == "step_started":
            if self.started_at is None or self.finished_at is not None:
                self.started_at, self.finished_at = self._now(), None
            self.log_line(f"▶ {_title(step)}")
        elif kind == "step_done":
            self.log_line(f"✓ {message}")
            if step == "project":
                self.query_one("#project-status", Static).update(plain(f"Project: {message}"))
            if step == STEPS[-1]:
                self.finished_at = self._now()
        elif kind == "step_failed":
            self.log_line(f"✗ {_title(step)}: {message.splitlines()[0] if message else ''}")
            self.finished_at = self._now()
        else:
            self.log_line(message)
        self._tick()

    def show_project(self, ref: str) -> None:
        self.query_one("#project-status", Static).update(plain(f"Project {ref}"))

    def health_changed(self, ref: str, new: str, line: str) -> None:
        self.query_one("#project-status", Static).update(plain(f"Project {ref}: {new}"))
        self.log_line(line)


def _title(step: str | None) -> str:
    return STEP_TITLES.get(step, step) if step is not None else ""
