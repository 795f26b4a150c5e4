"""Issue 6: a full headless clone against the sandbox (health delay 0), and resume on a finished clone."""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from benchmarks.common import RUNS, median_of, report, timed_process, verdict


class RequestCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def tree_state(folder: Path) -> dict:
    return {str(p): (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.rglob("*") if p.is_file()}


def main() -> None:
    from wizard.sandbox.server import start_sandbox

    tmp = Path(tempfile.mkdtemp(prefix="musekit-bench-clone-"))
    counter = RequestCounter()
    with start_sandbox(tmp / "sandbox", health_delay=0, access_log=True) as sandbox:
        access = logging.getLogger("uvicorn.access")
        access.handlers, access.propagate = [counter], False
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MUSEKIT_", "SUPABASE_"))}
        env.update(
            MUSEKIT_DATA_DIR=str(tmp / "data"),
            SUPABASE_API_URL=sandbox.url,
            SUPABASE_ACCESS_TOKEN=sandbox.token,
            MUSEKIT_DB_PASSWORD="BenchPassw0rd1234",
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        )
        runs = iter(range(1000))
        requests: list[int] = []
        steps: dict[str, list[float]] = {}

        def one_clone() -> float:
            n = next(runs)
            folder = tmp / f"muse-{n}"
            before = counter.count
            seconds = timed_process(
                [
                    sys.executable,
                    "-m",
                    "wizard",
                    "clone",
                    "--muse",
                    "socioscheduler",
                    "--name",
                    f"bench-{n}",
                    "--dir",
                    str(folder),
                    "--yes",
                ],
                env=env,
            )
            requests.append(counter.count - before)
            journal = json.loads((folder / ".musekit" / "clone.json").read_text())
            for name, rec in journal["steps"].items():
                took = datetime.fromisoformat(rec["finished_at"]) - datetime.fromisoformat(rec["started_at"])
                steps.setdefault(name, []).append(took.total_seconds())
            return seconds

        baseline = median_of(lambda: timed_process([sys.executable, "-c", "pass"]))
        clone_s = median_of(one_clone)
        finished = tmp / "muse-0"
        before_state = tree_state(finished)
        resume_requests: list[int] = []

        def one_resume() -> float:
            before = counter.count
            seconds = timed_process([sys.executable, "-m", "wizard", "resume", str(finished)], env=env)
            resume_requests.append(counter.count - before)
            return seconds

        resume_s = median_of(one_resume)
        # what any check of a live Muse must load before its first request: the floor under resume
        # (without httpx's command-line client, which musekit does not import either: see wizard/__init__.py)
        floor = "import sys; sys.modules['httpx._main'] = None; import httpx, psycopg, pydantic, pglast"
        imports_s = median_of(lambda: timed_process([sys.executable, "-c", floor]))
        unchanged = tree_state(finished) == before_state
    import statistics

    rows = [
        ("python -c pass (baseline)", f"{baseline:.3f} s", ""),
        ("full clone, process start included", f"{clone_s:.3f} s", verdict(clone_s, 3.0, " s")),
    ]
    rows += [(f"  step {name}", f"{statistics.median(v) * 1000:.0f} ms", "") for name, v in steps.items()]
    rows += [
        ("API requests per clone", f"{statistics.median(requests):.0f}", ""),
        ("python -c 'import httpx, psycopg, pydantic, pglast' (floor; no httpx CLI)", f"{imports_s:.3f} s", ""),
        (
            "resume of a finished clone",
            f"{resume_s:.3f} s",
            verdict(resume_s, 0.5, " s") + f"; {resume_s / imports_s:.1f}x the import floor",
        ),
        ("  files written by resume", "0" if unchanged else "SOME", "OK" if unchanged else "MISSED"),
        ("  API requests per resume", f"{statistics.median(resume_requests):.0f}", ""),
    ]
    report(f"clone: headless against the sandbox, health delay 0 (median of {RUNS})", rows)


if __name__ == "__main__":
    main()
