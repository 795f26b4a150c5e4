"""The run log of a clone: `.musekit/run.log` beside the journal, one line per event of every run
(the wizard's and the command line's), appended, mode 0600. Never a secret: the engine's and the
API client's messages carry none. A record for the founder; nothing needs it to resume."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from wizard.clone.journal import JOURNAL_DIR, now
from wizard.fs import LinkRefused, inside

RUN_LOG = Path(JOURNAL_DIR) / "run.log"


def run_log_path(folder: Path) -> Path:
    return inside(Path(folder), RUN_LOG)  # a linked .musekit or run.log is refused, never written through


def append_run_log(folder: Path, when: datetime, text: str) -> None:
    """`text`, one log line per line, appended. Only where the clone's journal directory exists; a log
    that cannot be written is skipped."""
    directory = Path(folder) / RUN_LOG.parent
    if not directory.is_dir():
        return
    lines = "".join(f"{when:%Y-%m-%d %H:%M:%S}  {line}\n" for line in text.splitlines() or [""])
    try:
        fd = os.open(run_log_path(folder), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(lines)
    except (OSError, LinkRefused):
        pass


def read_run_log(folder: Path) -> str | None:
    try:
        return run_log_path(folder).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, LinkRefused):
        return None


class RunLog:
    """The log of one folder as a clone writes it. Lines can be held back: the check of a finished
    clone writes nothing unless it finds something to do."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._held: list[tuple[datetime, str]] | None = None

    def write(self, text: str) -> None:
        if self._held is not None:
            self._held.append((now(), text))
        else:
            append_run_log(self.folder, now(), text)

    def hold(self) -> None:
        if self._held is None:
            self._held = []

    def release(self) -> None:
        """Write what was held (with the times it was said), and write straight on from now."""
        held, self._held = self._held, None
        for when, text in held or []:
            append_run_log(self.folder, when, text)

    def drop(self) -> None:
        """Forget what was held, and write straight on from now."""
        self._held = None
