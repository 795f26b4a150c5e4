"""Issues 3 and 7: start-up times — `musekit --help`, the wizard's first painted frame, the embedded
Postgres — each next to `python -c pass` measured in the same run. The first frame is what each process
reports (process start to first painted frame, from /proc), next to its floor: a minimal Textual app
(Header, Static, Footer) timed the same way."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time

from benchmarks.common import RUNS, median_of, report, timed_process, verdict


def embedded_start() -> float:
    from wizard.pg import EmbeddedPostgres

    t0 = time.perf_counter()
    pg = EmbeddedPostgres.throwaway().start()
    elapsed = time.perf_counter() - t0
    pg.stop()
    return elapsed


def first_frame(args: list[str], env: dict[str, str]) -> float:
    """The seconds from process start to first painted frame that the process prints on exit."""
    proc = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    found = re.search(r"first paint after (\d+) ms", proc.stderr)
    if found is None:
        raise RuntimeError(f"{' '.join(args)} did not report its first frame: {proc.stderr[-500:]}")
    return int(found.group(1)) / 1000


def main() -> None:
    py = sys.executable
    baseline = median_of(lambda: timed_process([py, "-c", "pass"]))
    help_s = median_of(lambda: timed_process([py, "-m", "wizard", "--help"]))
    version_s = median_of(lambda: timed_process([py, "-m", "wizard", "--version"]))
    env = dict(
        os.environ,
        MUSEKIT_EXIT_AFTER_FIRST_PAINT="1",
        MUSEKIT_DATA_DIR=tempfile.mkdtemp(prefix="musekit-bench-"),
        TERM="xterm-256color",
    )
    paint_s = median_of(lambda: first_frame([py, "-m", "wizard", "--sandbox"], env))
    floor_s = median_of(lambda: first_frame([py, "-m", "benchmarks.textual_floor"], env))
    pg_s = median_of(embedded_start)
    report(
        f"start-up (median of {RUNS})",
        [
            ("python -c pass (baseline)", f"{baseline:.3f} s", ""),
            ("musekit --help", f"{help_s:.3f} s", verdict(help_s, 0.2, " s") + f"; {help_s / baseline:.1f}x baseline"),
            ("musekit --version", f"{version_s:.3f} s", f"{version_s / baseline:.1f}x baseline"),
            ("minimal Textual app: first painted frame (floor)", f"{floor_s:.3f} s", ""),
            (
                "musekit --sandbox: first painted frame",
                f"{paint_s:.3f} s",
                verdict(paint_s, 0.5, " s") + f"; {paint_s / floor_s:.2f}x the Textual floor",
            ),
            ("embedded Postgres: initdb + start", f"{pg_s:.3f} s", verdict(pg_s, 2.0, " s")),
        ],
    )


if __name__ == "__main__":
    main()
