from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from wizard.errors import ExitCode, exit_codes_help

if TYPE_CHECKING:
    from wizard.clone import ApiSession as Session
    from wizard.clone import Clone

HELP = "continue an interrupted clone (on a finished one: check it, change nothing)"
DESCRIPTION = """\
Continue the clone journaled in DIR/.musekit/clone.json from the step where it stopped. Each
step first checks the real state (the project, the database's migration history, the files),
so nothing is done twice. On a finished clone it only checks that everything is still in place
and changes nothing."""
EPILOG = """\
examples:
  musekit resume ./my-muse                          continue the clone in ./my-muse
  cd my-muse && musekit resume                      the current folder; on a finished clone, a check
  musekit resume ./my-muse --json > resume.log      one JSON event per line, for scripts

""" + exit_codes_help(
    ExitCode.OK,
    ExitCode.FAILED,
    ExitCode.USAGE,
    ExitCode.INTERRUPTED,
    notes={
        ExitCode.OK: "done",
        ExitCode.FAILED: "a step failed (fix the cause and resume again)",
        ExitCode.USAGE: "no usable journal in DIR",
    },
)


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", nargs="?", metavar="DIR", help="the Muse folder (default: the current folder)")
    p.add_argument("--json", action="store_true", help="one JSON event per line on stdout")


def run(args: argparse.Namespace) -> int:
    import asyncio
    from pathlib import Path

    from wizard.clone import Clone, SecretStore, api_url_for
    from wizard.commands.clone import new_password_notice, run_clone
    from wizard.commands.output import ClonePrinter
    from wizard.commands.status import load_clone_journal

    printer = ClonePrinter(json_mode=args.json)
    store = SecretStore(notify=printer.info)
    folder = Path(args.dir or ".").resolve()
    args.dir = str(folder)
    journal = load_clone_journal(folder, "resume")

    async def factory(session: Session) -> Clone | None:
        return Clone.open(
            folder,
            session.api,
            store=store,
            on_event=printer.clone_event,
            on_new_password=new_password_notice(printer),
        )

    if journal.finished:
        printer.info(f"{folder}: this clone is finished; checking it (nothing will be changed)")
    else:
        printer.info(f"{folder}: resuming at step '{journal.current_step}'")
    base_url = api_url_for(journal)
    return asyncio.run(run_clone(factory, args, printer, store, sandbox=journal.inputs.sandbox, base_url=base_url))
