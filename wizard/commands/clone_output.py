"""Rendering clone progress for the headless commands: readable lines on a terminal, one JSON
object per line with --json. Secrets never pass through here."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class ClonePrinter:
    json_mode: bool = False
    stream: TextIO = field(default_factory=lambda: sys.stdout)

    def emit(self, event: str, **data) -> None:
        if self.json_mode:
            self.stream.write(json.dumps({"event": event, **data}, default=str) + "\n")
            self.stream.flush()

    def clone_event(self, ev) -> None:
        if self.json_mode:
            self.emit(ev.kind, **{k: v for k, v in ev.as_dict().items() if k != "kind"})
            return
        if ev.kind == "step_started":
            self._print(f"[{ev.current}/{ev.total}] {ev.message}")
        elif ev.kind == "step_done":
            self._print(f"      ✓ {ev.message}")
        elif ev.kind == "step_failed":
            self._print(f"      ✗ {ev.message}")
        elif ev.kind == "migration":
            if ev.message.startswith("applied"):
                self._print(f"      [{ev.current}/{ev.total}] {ev.message}")
        elif ev.kind in ("log", "api", "warning"):
            self._print(f"      {ev.message}")

    def api_event(self, ev) -> None:
        if self.json_mode:
            self.emit("api", kind=type(ev).__name__, message=str(ev))
        else:
            self._print(f"      {ev}")

    def info(self, text: str) -> None:
        if self.json_mode:
            self.emit("info", message=text)
        else:
            self._print(text)

    def error(self, text: str, **data) -> None:
        if self.json_mode:
            self.emit("error", message=text, **data)
        else:
            print(f"error: {text}", file=sys.stderr, flush=True)

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)
