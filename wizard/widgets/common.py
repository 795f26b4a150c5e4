"""Small widgets the screens share: the step list of a clone and the panel that shows an engine error.
(wizard.clone.journal is imported where used: pydantic's import costs ~150 ms the first screen need not pay.)"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TypedDict, Unpack

from rich.markup import escape
from textual.widgets import Static

# the step list is narrow: short names here; messages use the engine's STEP_TITLES
SHORT_TITLES = {
    "validate": "Validate inputs",
    "project": "Create the project",
    "healthy": "Wait until healthy",
    "connection": "Connection info",
    "files": "Write the folder",
    "core_migrations": "Core migrations",
    "muse_migrations": "Muse migrations",
    "verify": "Verify",
    "readme": "README table list",
}
MARKS = {
    "done": ("✓", "$text-success"),
    "running": ("▶", "$text-warning"),
    "failed": ("✗", "$text-error"),
    "pending": ("·", "$text-muted"),
}


class WidgetOptions(TypedDict, total=False):
    """The keyword arguments every Textual widget takes."""

    name: str | None
    id: str | None
    classes: str | None
    disabled: bool


def plain(text: str) -> str:
    """Engine text shown as it is (never read as markup)."""
    return escape(text)


class Stepper(Static):
    """The clone's nine steps with a mark each: ✓ done, ▶ running, ✗ failed, · to do."""

    def __init__(self, statuses: Mapping[str, str] | None = None, **kwargs: Unpack[WidgetOptions]) -> None:
        from wizard.clone import STEPS

        super().__init__(**kwargs)
        self.statuses: dict[str, str] = {s: "pending" for s in STEPS}
        self.statuses.update(statuses or {})

    def on_mount(self) -> None:
        self._render_steps()

    def set_status(self, step: str, status: str) -> None:
        self.statuses[step] = status
        self._render_steps()

    @property
    def done_count(self) -> int:
        return sum(1 for s in self.statuses.values() if s == "done")

    def _render_steps(self) -> None:
        from wizard.clone import STEP_TITLES, STEPS

        lines = []
        for step in STEPS:
            mark, color = MARKS[self.statuses[step]]
            lines.append(f"[{color}]{mark}[/] {plain(SHORT_TITLES.get(step, STEP_TITLES[step]))}")
        self.update("\n".join(lines))


class ErrorPanel(Static):
    """An engine error with what the founder can do; hidden while there is none."""

    DEFAULT_CSS = """
    ErrorPanel {
        border: round $error;
        color: $text;
        background: $error-muted;
        padding: 0 1;
        height: auto;
        max-height: 12;
        overflow-y: auto;
        margin: 1 0 0 0;
    }
    """
    DEFAULT_CLASSES = "error-panel"

    def on_mount(self) -> None:
        self.display = False

    def show_error(self, title: str, message: str, actions: str = "Press r to retry.") -> None:
        self.update(f"[b]✗ {plain(title)}[/b]\n{plain(message)}\n[$text-muted]{plain(actions)}[/]")
        self.display = True

    def clear(self) -> None:
        self.update("")
        self.display = False

    @property
    def showing(self) -> bool:
        return bool(self.display)


def error_text(exc: BaseException) -> str:
    """The engine's message for the failures it reports (their str() is written for the founder);
    anything else is a bug, shown with its type rather than swallowed by a worker. OS errors
    (disk full, permissions) and ValueErrors carry a message meant for the user too."""
    from wizard.errors import MusekitError

    reported = isinstance(exc, (MusekitError, ValueError, OSError, RuntimeError))
    return str(exc) if reported else f"unexpected {type(exc).__name__}: {exc}"


def age(then: datetime, now: datetime) -> str:
    """'just now', '5 min ago', '3 h ago', '2 d ago'."""
    seconds = max(0, int((now - then) / timedelta(seconds=1)))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago"


def elapsed(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"
