"""The floor for the wizard's first frame: a minimal Textual app (Header, one Static, Footer) that
exits after its first painted frame, timed from process start as the wizard times itself."""

from __future__ import annotations

import sys

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

from wizard.uptime import process_uptime_s


class Minimal(App[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("hello")
        yield Footer()

    def on_mount(self) -> None:
        self.call_after_refresh(self._painted)

    def _painted(self) -> None:
        self.first_paint_s = process_uptime_s()
        self.exit()


if __name__ == "__main__":
    app = Minimal()
    app.run()
    print(f"first paint after {(app.first_paint_s or 0) * 1000:.0f} ms", file=sys.stderr)
