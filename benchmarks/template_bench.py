"""Issue 5: preview of a generated 100-table template; its README table list from the catalog."""

from __future__ import annotations

import statistics
import time

from benchmarks.common import RUNS, report, verdict

N_TABLES = 100


def main() -> None:
    from benchmarks.readme_catalog_bench import run_benchmark
    from benchmarks.synthetic import synthetic_template_sql
    from wizard.guard import check_static
    from wizard.muses import core_model
    from wizard.sql import SqlSource, clear_deparse_cache, parse_sql_files

    source = SqlSource(f"synthetic_{N_TABLES}.sql", synthetic_template_sql(N_TABLES))
    baseline_source = SqlSource("one.sql", synthetic_template_sql(1))
    core = core_model()
    check_static(parse_sql_files([baseline_source]), core)  # imports and caches, not counted
    timings, checks, one = [], [], []
    for _ in range(RUNS):
        clear_deparse_cache()  # each run as in a new process: no expression deparsed yet
        t0 = time.perf_counter()
        model = parse_sql_files([source])
        timings.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        check_static(model, core)  # reads every statement's effects, which the parse leaves to their first read
        checks.append(time.perf_counter() - t0)
        clear_deparse_cache()
        t0 = time.perf_counter()
        parse_sql_files([baseline_source])
        one.append(time.perf_counter() - t0)
    preview_ms = statistics.median(timings) * 1000
    one_ms = statistics.median(one) * 1000
    check_ms = statistics.median(checks) * 1000
    readme = run_benchmark(N_TABLES, RUNS)
    report(
        f"templates: a generated {N_TABLES}-table template (median of {RUNS})",
        [
            ("preview: parse + model build", f"{preview_ms:.1f} ms", verdict(preview_ms, 200, " ms")),
            (
                "  per table",
                f"{preview_ms / N_TABLES:.2f} ms",
                f"1-table template: {one_ms:.2f} ms (ratio {preview_ms / one_ms / N_TABLES:.2f}x per table)",
            ),
            (
                "  then its static purity check",
                f"{check_ms:.1f} ms",
                f"what the preview screen waits for: {preview_ms + check_ms:.1f} ms (no target)",
            ),
            (
                "  model size",
                f"{len(model.tables)} tables",
                f"{len(model.policies)} policies, {len(model.statements)} statements",
            ),
            ("README table list from the catalog", f"{readme.total_ms:.1f} ms", verdict(readme.total_ms, 300, " ms")),
            (
                "  of which catalog reads",
                f"{readme.catalog_ms:.1f} ms",
                f"parse {readme.parse_ms:.1f} ms, render {readme.render_ms:.1f} ms",
            ),
        ],
    )


if __name__ == "__main__":
    main()
