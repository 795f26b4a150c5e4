"""Benchmark: the README table list of a generated Muse (`benchmarks.synthetic`) from a real catalog.

`python -m benchmarks.readme_catalog_bench [n_tables]` starts a throwaway embedded Postgres, applies the core
and an n-table Muse, and prints how long the table list takes: parsing the migrations (which
objects are the Muse's), reading the catalog (one pipelined round trip) and rendering."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class ReadmeBench:
    n_tables: int
    runs: int
    total_ms: float  # median: parse + catalog + render
    catalog_ms: float  # median: connect excluded, the catalog queries and their assembly
    parse_ms: float  # median: the migration SQL -> model
    render_ms: float
    readme_bytes: int

    def __str__(self) -> str:
        return (
            f"README table list for {self.n_tables} tables from the catalog: median {self.total_ms:.1f} ms "
            f"(parse {self.parse_ms:.1f}, catalog {self.catalog_ms:.1f}, render {self.render_ms:.1f}) over "
            f"{self.runs} runs; {self.readme_bytes} bytes of Markdown"
        )


async def measure(db_url: str, muse_sql: str, runs: int = 5) -> ReadmeBench:
    """Time the table list against `db_url`, where the core and `muse_sql` are already applied."""
    from wizard.muses import core_files
    from wizard.pg import connect
    from wizard.readme import clear_expression_cache, render_table_list, table_list_from_catalog
    from wizard.sql import SqlSource, clear_deparse_cache, parse_sql_files

    core = [SqlSource(str(f.path), f.text) for f in core_files()]
    muse = SqlSource("99990101000000_bench.sql", muse_sql)
    conn = await connect(db_url)
    parse, catalog, render, total, size = [], [], [], [], 0
    try:
        for _ in range(runs + 1):  # the first run warms imports and caches; not counted
            clear_expression_cache()  # measure a fresh process: no canonical default cached yet,
            clear_deparse_cache()  # nor any expression of the SQL deparsed
            t0 = time.perf_counter()
            model = parse_sql_files([*core, muse])
            t1 = time.perf_counter()
            doc = await table_list_from_catalog(conn, model, {muse.path})
            t2 = time.perf_counter()
            text = render_table_list(doc)
            t3 = time.perf_counter()
            parse.append(t1 - t0), catalog.append(t2 - t1), render.append(t3 - t2), total.append(t3 - t0)
            size = len(text.encode())
    finally:
        await conn.close()

    def ms(xs: list[float]) -> float:
        return statistics.median(xs[1:]) * 1000

    return ReadmeBench(len(doc.tables), runs, ms(total), ms(catalog), ms(parse), ms(render), size)


def run_benchmark(n_tables: int = 100, runs: int = 5) -> ReadmeBench:
    """Start a throwaway cluster, apply the core and a generated n-table Muse, measure, stop."""
    import psycopg

    from benchmarks.synthetic import synthetic_template_sql
    from wizard.pg import EmbeddedPostgres
    from wizard.settings import core_migrations_dir

    muse_sql = synthetic_template_sql(n_tables)
    pg = EmbeddedPostgres.throwaway().start()
    try:
        url = pg.create_database("readme_bench")
        with psycopg.connect(url, autocommit=True) as conn:
            for path in sorted(core_migrations_dir().glob("*.sql")):
                with conn.transaction():
                    conn.execute(path.read_text(encoding="utf-8"))
            with conn.transaction():
                conn.execute(muse_sql)
        return asyncio.run(measure(url, muse_sql, runs))
    finally:
        pg.stop()


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    print(run_benchmark(int(args[0]) if args else 100))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
