"""`make bench`: every benchmark the issues name, each with its baseline measured in this run."""

from __future__ import annotations

import importlib
import sys
import time

SECTIONS = ["migrate_bench", "template_bench", "api_bench", "clone_bench", "startup_bench", "fleet_bench"]


def main(argv: list[str]) -> int:
    wanted = argv or SECTIONS
    t0 = time.perf_counter()
    for name in wanted:
        module = importlib.import_module(f"benchmarks.{name}")
        module.main()
    print(f"\nbenchmarks done in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
