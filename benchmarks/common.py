from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5


def median_of(fn: Callable[[], float], runs: int = RUNS) -> float:
    """Median of `runs` calls of fn (each returns the seconds it measured)."""
    return statistics.median(fn() for _ in range(runs))


def timed_process(args: list[str], env: dict | None = None, cwd: Path | None = None) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args[:3]))} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed


def report(title: str, rows: list[tuple[str, str, str]]) -> None:
    """rows: (measure, value, target/verdict)."""
    print(f"\n== {title}")
    width = max(len(r[0]) for r in rows)
    for name, value, target in rows:
        print(f"  {name.ljust(width)}  {value:>14}  {target}")
    sys.stdout.flush()


def verdict(value: float, limit: float, unit: str = "x") -> str:
    return f"target <= {limit:g}{unit}: {'OK' if value <= limit else 'MISSED'}"


def supabase_bin() -> str:
    local = ROOT / ".tools" / "node_modules" / ".bin" / "supabase"
    if not local.exists():
        raise SystemExit("the Supabase CLI is missing: run `make tools`")
    return str(local)
