"""How long this process has run, from the kernel's record of its start (not from an import-time clock,
which would miss the interpreter's own start-up): what `make bench` reads as the time to a first frame."""

from __future__ import annotations

import os
from pathlib import Path


def process_uptime_s() -> float | None:
    """Seconds since this process started (Linux /proc; None elsewhere)."""
    try:
        start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
