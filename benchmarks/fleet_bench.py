"""Issue 15: `musekit fleet status` and `musekit fleet upgrade` over 20 Muses against 1, in one sandbox
(health delay 0, one PostgreSQL cluster per project). Baselines: the same command over 1 Muse, measured in
this run. Targets: status of 20 <= 2x status of 1; upgrade of 20 (one new core migration) <= 3x that of 1."""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.common import report, timed_process, verdict

FLEET = 20
RUNS = 5


def clone(env: dict, root: Path, name: str, muse: str) -> None:
    cmd = [sys.executable, "-m", "wizard", "clone", "--muse", muse, "--name", name, "--dir", str(root / name), "--yes"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"clone {name} failed: {done.stderr[-1500:]}")


def core_dir(root: Path, k: int) -> Path:
    """The shipped core plus k new core migrations (each adds a column to a core table)."""
    from wizard.muses import core_files

    folder = root / f"core-{k}"
    folder.mkdir(exist_ok=True)
    for f in core_files():
        shutil.copy(f.path, folder / f.filename)
    for i in range(1, k + 1):
        sql = f"alter table public.organizations add column bench_{i} text;\n"
        (folder / f"2026010100{1000 + i:04d}_core_bench_{i}.sql").write_text(sql)
    return folder


def warm_canonical(folder: Path) -> None:
    """A roll-out computes the new core's canonical fingerprint once (cached in the data dir): here, before timing."""
    from wizard.migrations import load_folder
    from wizard.muses.apply import canonical_core

    asyncio.run(canonical_core(load_folder(folder)))


def main() -> None:
    from wizard.sandbox.server import start_sandbox

    tmp = Path(tempfile.mkdtemp(prefix="musekit-bench-fleet-"))
    os.environ["MUSEKIT_DATA_DIR"] = str(tmp / "data")  # the canonical cache, shared with the processes
    with start_sandbox(tmp / "sandbox", health_delay=0, rate_limit=100_000) as sandbox:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SUPABASE_")}
        env.update(
            SUPABASE_API_URL=sandbox.url,
            SUPABASE_ACCESS_TOKEN=sandbox.token,
            MUSEKIT_DB_PASSWORD="BenchPassw0rd1234",
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        )
        t0 = time.perf_counter()
        with ThreadPoolExecutor(2) as pool:
            jobs = [pool.submit(clone, env, tmp, "solo", "realtor")]
            jobs += [pool.submit(clone, env, tmp, f"fleet-{i:02d}", "socioscheduler") for i in range(FLEET)]
            for job in jobs:
                job.result()
        setup_s = time.perf_counter() - t0
        musekit = [sys.executable, "-m", "wizard", "fleet"]
        # interleaved rounds (1 Muse, then 20), as in the migrate bench: both see the same machine
        status_1: list[float] = []
        status_n: list[float] = []
        for _ in range(RUNS):
            for muse, times in (("realtor", status_1), ("socioscheduler", status_n)):
                times.append(timed_process([*musekit, "status", "--muse", muse], env=env))
        upgrade_1: list[float] = []
        upgrade_n: list[float] = []
        for k in range(1, RUNS + 1):
            folder = core_dir(tmp, k)
            warm_canonical(folder)
            for muse, times in (("realtor", upgrade_1), ("socioscheduler", upgrade_n)):
                cmd = [*musekit, "upgrade", "--core-dir", str(folder), "--muse", muse, "--yes"]
                times.append(timed_process(cmd, env=env))
    s1, sn = statistics.median(status_1), statistics.median(status_n)
    u1, un = statistics.median(upgrade_1), statistics.median(upgrade_n)
    rows = [
        (f"setup: {FLEET + 1} clones, 2 at a time (not measured against a target)", f"{setup_s:.1f} s", ""),
        ("fleet status, 1 Muse (baseline)", f"{s1:.3f} s", ""),
        (f"fleet status, {FLEET} Muses", f"{sn:.3f} s", ""),
        (f"  ratio {FLEET} / 1", f"{sn / s1:.2f}x", verdict(sn / s1, 2.0)),
        ("fleet upgrade, 1 new core migration, 1 Muse (baseline)", f"{u1:.3f} s", ""),
        (f"fleet upgrade, 1 new core migration, {FLEET} Muses", f"{un:.3f} s", ""),
        (f"  ratio {FLEET} / 1", f"{un / u1:.2f}x", verdict(un / u1, 3.0)),
    ]
    report(
        f"fleet: status and upgrade, {FLEET} Muses against 1 (median of {RUNS} interleaved rounds, processes included)",
        rows,
    )
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
