"""What the headless commands print: readable lines on a terminal, or one JSON object per line
with --json. One `Printer` holds the switch; each command family adds its own events. Secrets
never pass through here."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from wizard.errors import ExitCode, MusekitError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from wizard.api import ApiEvent
    from wizard.clone import CloneEvent
    from wizard.migrations import ApplyResult, MigrationEvent, MigrationFile


def emit_json(stream: TextIO, **obj: Any) -> None:
    stream.write(json.dumps(obj, default=str) + "\n")
    stream.flush()


@dataclass
class Printer:
    """Text for people (results on the stream, errors on stderr) or JSON lines for programs."""

    json_mode: bool = False
    stream: TextIO = field(default_factory=lambda: sys.stdout)

    def emit(self, event: str, **data: Any) -> None:
        """A JSON event; nothing in text mode."""
        if self.json_mode:
            emit_json(self.stream, event=event, **data)

    def info(self, text: str) -> None:
        if self.json_mode:
            self.emit("info", message=text)
        else:
            print(text, file=self.stream, flush=True)

    def error(self, text: str, **data: Any) -> None:
        if self.json_mode:
            self.emit("error", message=text, **data)
        else:
            print(f"error: {text}", file=sys.stderr, flush=True)


@dataclass
class MigrationPrinter(Printer):
    """`musekit migrate` and `muses apply`: a line per file, the result, and errors with exit codes."""

    indent: str = "  "

    @property
    def _tty(self) -> bool:
        return not self.json_mode and self.stream.isatty()

    def header(self, folder: Path, files: Sequence[MigrationFile], target: str, dry_run: bool) -> None:
        if self.json_mode:
            emit_json(self.stream, event="start", folder=str(folder), files=len(files), target=target, dry_run=dry_run)
        else:
            print(
                f"{len(files)} migration files in {folder} -> {target}{' (dry run)' if dry_run else ''}",
                file=self.stream,
                flush=True,
            )

    def event(self, ev: MigrationEvent) -> None:
        if self.json_mode:
            if ev.kind != "statement":
                emit_json(
                    self.stream,
                    event=ev.kind,
                    file=ev.file.filename if ev.file else None,
                    index=ev.index,
                    total=ev.total,
                    seconds=round(ev.seconds, 4),
                )
            return
        if ev.kind == "waiting_for_lock":
            print(f"{self.indent}waiting for another migration run to finish…", file=self.stream, flush=True)
        elif (file := ev.file) is None:
            return
        elif ev.kind == "file_started":
            self._line(f"[{ev.index}/{ev.total}] {file.filename} ({len(file.statements)} statements)")
        elif ev.kind == "statement" and self._tty:
            self._line(f"{file.filename}: statement {ev.index}/{ev.total}", transient=True)
        elif ev.kind == "file_applied":
            self._line(f"[{ev.index}/{ev.total}] {file.filename} applied in {ev.seconds:.2f} s")

    def _line(self, text: str, transient: bool = False) -> None:
        if self._tty:
            self.stream.write("\r\033[K" + self.indent + text + ("" if transient else "\n"))
            self.stream.flush()
        elif not transient:
            print(self.indent + text, file=self.stream, flush=True)

    def result(self, result: ApplyResult) -> None:
        if self.json_mode:
            emit_json(
                self.stream,
                event="result",
                dry_run=result.dry_run,
                applied=[f.filename for f in result.applied],
                already_applied=result.already_applied,
                pending=[{"file": f.filename, "statements": len(f.statements)} for f in result.pending],
                seconds=round(result.seconds, 3),
            )
            return
        if result.dry_run:
            if not result.pending:
                print(
                    f"{self.indent}nothing to apply: all {len(result.already_applied)} migrations are applied",
                    file=self.stream,
                )
            for f in result.pending:
                print(f"{self.indent}pending  {f.filename}  ({len(f.statements)} statements)", file=self.stream)
            print(
                f"{len(result.pending)} pending, {len(result.already_applied)} applied; nothing was changed",
                file=self.stream,
            )
        elif result.applied:
            stmts = sum(len(f.statements) for f in result.applied)
            print(
                f"applied {len(result.applied)} migrations ({stmts} statements) in {result.seconds:.2f} s; "
                f"{len(result.already_applied)} were already applied",
                file=self.stream,
            )
        else:
            print(f"nothing to apply: all {len(result.already_applied)} migrations are applied", file=self.stream)

    def failure(self, exc: BaseException) -> None:
        self.error(str(exc), error=type(exc).__name__)

    def fail(self, exc: BaseException) -> int:
        """Report an engine error (or Ctrl-C) and return the command's exit code; anything else re-raises."""
        if isinstance(exc, KeyboardInterrupt):
            self.interrupted()
            return ExitCode.INTERRUPTED
        if not isinstance(exc, MusekitError):
            raise exc
        self.failure(exc)
        return exc.exit_code

    def interrupted(self) -> None:
        msg = "interrupted: the file being applied was rolled back; run the same command again to continue"
        if self.json_mode:
            emit_json(self.stream, event="interrupted", message=msg)
        else:
            print(f"\n{msg}", file=sys.stderr)


@dataclass
class ClonePrinter(Printer):
    """`musekit clone` and `resume`: a line per step and per applied migration."""

    failed_steps: set[str] = field(default_factory=set)  # shown with their reason (✗) already

    def clone_event(self, ev: CloneEvent) -> None:
        if self.json_mode:
            self.emit(ev.kind, **{k: v for k, v in ev.as_dict().items() if k != "kind"})
            return
        if ev.kind == "step_started":
            self.info(f"[{ev.current}/{ev.total}] {ev.message}")
        elif ev.kind == "step_done":
            self.info(f"      ✓ {ev.message}")
        elif ev.kind == "step_failed":  # on stderr, with the errors: the reason is not printed again
            if ev.step:
                self.failed_steps.add(ev.step)
            print(f"      ✗ {ev.message}", file=sys.stderr, flush=True)
        elif ev.kind == "migration":
            if ev.message.startswith("applied"):
                self.info(f"      [{ev.current}/{ev.total}] {ev.message}")
        elif ev.kind in ("log", "api", "warning"):
            self.info(f"      {ev.message}")

    def api_event(self, ev: ApiEvent) -> None:
        if self.json_mode:
            self.emit("api", kind=type(ev).__name__, message=str(ev))
        else:
            self.info(f"      {ev}")

    def failure(self, exc: MusekitError, folder: str) -> None:
        """The error that ended the clone, once: a step failure whose reason is already on screen (✗)
        is not repeated, only where it stopped and how to continue."""
        from wizard.clone import STEP_TITLES, CloneError
        from wizard.readme import resume_command

        if not isinstance(exc, CloneError):
            self.error(str(exc), error=type(exc).__name__)
        elif self.json_mode or exc.step not in self.failed_steps:
            self.error(str(exc), step=exc.step)
        else:
            self.error(
                f"stopped at '{STEP_TITLES.get(exc.step, exc.step)}' (the reason is above). Fix it, then run: "
                f"{resume_command(Path(folder))}"
            )
