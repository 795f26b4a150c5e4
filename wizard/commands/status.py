from __future__ import annotations

import argparse

HELP = "show a clone's journal next to the live state (project, migrations), without secrets"
EPILOG = "exit codes: 0 shown, 2 no usable journal in DIR\n"


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", nargs="?", metavar="DIR", help="the Muse folder (default: the current folder)")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    from wizard.commands.clone_runs import status_main

    return status_main(args)
