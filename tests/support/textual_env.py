"""A pytest plugin loaded before any other (`-p` in pyproject's addopts), so before Textual is first
imported: the TUI tests render at most 15 frames a second instead of Textual's 60.

What a test reads is rendered when it asks (widget state, `export_screenshot`, snapshots), so fewer
intermediate frames change nothing it sees; the CPU goes to the wizard's own work instead."""

import os

os.environ.setdefault("TEXTUAL_FPS", "15")
