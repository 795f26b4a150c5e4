"""Plain-terminal and JSON-lines rendering of engine progress for the headless commands."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO


def migration_exit_code(exc: BaseException) -> int | None:
    """The exit code a command reports for an engine error (None: not one of ours, let it raise)."""
    from wizard.errors import MusekitError

    return int(exc.exit_code) if isinstance(exc, MusekitError) else None


def emit_json(stream: TextIO, **obj) -> None:
    stream.write(json.dumps(obj, default=str) + "\n")
    stream.flush()


@dataclass
class MigrationPrinter:
    json_mode: bool = False
    stream: TextIO = field(default_factory=lambda: sys.stdout)
    indent: str = "  "

    @property
    def _tty(self) -> bool:
        return not self.json_mode and self.stream.isatty()

    def header(self, folder: Path, files, target: str, dry_run: bool) -> None:
        if self.json_mode:
            emit_json(self.stream, event="start", folder=str(folder), files=len(files), target=target, dry_run=dry_run)
        else:
            print(
                f"{len(files)} migration files in {folder} -> {target}{' (dry run)' if dry_run else ''}",
                file=self.stream,
                flush=True,
            )

    def event(self, ev) -> None:
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
        elif ev.kind == "file_started":
            self._line(f"[{ev.index}/{ev.total}] {ev.file.filename} ({len(ev.file.statements)} statements)")
        elif ev.kind == "statement" and self._tty:
            self._line(f"{ev.file.filename}: statement {ev.index}/{ev.total}", transient=True)
        elif ev.kind == "file_applied":
            self._line(f"[{ev.index}/{ev.total}] {ev.file.filename} applied in {ev.seconds:.2f} s")

    def _line(self, text: str, transient: bool = False) -> None:
        if self._tty:
            self.stream.write("\r\033[K" + self.indent + text + ("" if transient else "\n"))
            self.stream.flush()
        elif not transient:
            print(self.indent + text, file=self.stream, flush=True)

    def result(self, result) -> None:
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

    def error(self, exc: Exception) -> None:
        if self.json_mode:
            emit_json(self.stream, event="error", error=type(exc).__name__, message=str(exc))
        else:
            print(f"error: {exc}", file=sys.stderr, flush=True)

    def fail(self, exc: BaseException) -> int:
        """Report an engine error (or Ctrl-C) and return the command's exit code; anything else re-raises."""
        if isinstance(exc, KeyboardInterrupt):
            self.interrupted()
            return 130
        code = migration_exit_code(exc)
        if code is None:
            raise exc
        self.error(exc)
        return code

    def interrupted(self) -> None:
        msg = "interrupted: the file being applied was rolled back; run the same command again to continue"
        if self.json_mode:
            emit_json(self.stream, event="interrupted", message=msg)
        else:
            print(f"\n{msg}", file=sys.stderr)
