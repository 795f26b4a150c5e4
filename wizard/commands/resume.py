from __future__ import annotations

import argparse

HELP = "continue an interrupted clone (on a finished one: check it, change nothing)"
DESCRIPTION = """\
Continue the clone journaled in DIR/.musekit/clone.json from the step where it stopped. Each
step first checks the real state (the project, the database's migration history, the files),
so nothing is done twice. On a finished clone it only checks that everything is still in place
and changes nothing."""
EPILOG = """\
exit codes: 0 done, 1 a step failed (fix the cause and resume again), 2 no usable journal in DIR,
130 interrupted
"""


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", nargs="?", metavar="DIR", help="the Muse folder (default: the current folder)")
    p.add_argument("--json", action="store_true", help="one JSON event per line on stdout")


def run(args: argparse.Namespace) -> int:
    from wizard.commands.clone_runs import resume_main

    return resume_main(args)
