"""The `musekit` command. Start-up stays cheap: each subcommand lives in its own module under
`wizard.commands`, which imports heavy libraries (textual, psycopg, pglast, httpx) only inside
the function that runs it."""

from __future__ import annotations

import importlib
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from wizard import __version__
from wizard.errors import ExitCode, MusekitError, exit_codes_help

if TYPE_CHECKING:
    import argparse
    from types import FrameType

# name -> module in wizard.commands; each module defines HELP, register(parser) and run(args) -> int
COMMANDS: dict[str, str] = {
    "clone": "clone",
    "resume": "resume",
    "status": "status",
    "muses": "muses",
    "migrate": "migrate",
    "verify": "verify",
    "readme": "readme",
    "diff": "diff",
    "fleet": "fleet",
    "localdb": "localdb",
    "sandbox": "sandbox",
}

EXIT_CODES = exit_codes_help()

DESCRIPTION = """\
Launch a new Muse — a SaaS cloned from the MuseKit foundation — on its own Supabase project.

Run `musekit` with no command to start the interactive wizard (add --sandbox to try it
against a local emulator of the Supabase Management API, with an embedded Postgres).
Every step is journaled: an interrupted clone continues with `musekit resume`.
"""

EPILOG = (
    """\
examples:
  musekit --sandbox                                   try the wizard locally, nothing billable
  musekit --sandbox --templates ~/team-muses          ... also offering the templates in that folder
  musekit clone --sandbox --muse socioscheduler --name my-muse --yes
  musekit muses list                                  the Muse templates shipped with musekit
  musekit muses show realtor                          preview a template's tables and policies
  musekit migrate --db-url URL --dir supabase/migrations --dry-run
  musekit resume ./my-muse                            continue an interrupted clone

"""
    + EXIT_CODES
)


def environment_help() -> str:
    """The `environment:` and `state:` blocks of `musekit --help`, from wizard.settings."""
    from wizard import settings

    width = max(len(name) for name, _ in settings.ENVIRONMENT)
    lines = ["environment:"]
    lines += [f"  {name:<{width}}  {meaning}" for name, meaning in settings.ENVIRONMENT]
    lines += ["", f"state: musekit's data dir is {settings.data_dir()} (${settings.DATA_DIR_ENV} moves it):"]
    lines += [f"  {name:<{width}}  {meaning}" for name, meaning in settings.STATE]
    lines += [
        "  Secrets never go there (OS keyring or environment only). `musekit sandbox --reset` removes the",
        "  sandbox's projects and databases. In a checkout, `make demo` keeps its data dir in demo-muses/.data",
        "  and `make clean` removes it, with the demo's Muses.",
    ]
    return "\n".join(lines) + "\n\n"


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line. `only`: the one command to register (a headless command need not import every
    other command's module); None: all of them, as `musekit --help` lists them."""
    import argparse  # not for the wizard, which starts without a parser (see _main)

    parser = argparse.ArgumentParser(
        prog="musekit",
        description=DESCRIPTION,
        epilog=EPILOG.replace(EXIT_CODES, environment_help() + EXIT_CODES),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"musekit {__version__}")
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="run the wizard against the local sandbox (embedded Postgres + API emulator)",
    )
    parser.add_argument(
        "--templates",
        metavar="DIR",
        action="append",
        type=Path,
        default=[],
        help="the wizard also lists the Muse templates in DIR (a folder of template folders; repeatable)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        if only is not None and name != only:
            continue
        try:
            module = importlib.import_module(f"wizard.commands.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"wizard.commands.{module_name}":
                raise
            continue  # not built yet
        cmd = sub.add_parser(
            name,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
            epilog=getattr(module, "EPILOG", EXIT_CODES),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.register(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


class _Sigterm:
    """SIGTERM ends a headless command as Ctrl-C does (the step is rolled back or journaled as
    interrupted, a sandbox started for it is stopped), with exit code 143."""

    received = False

    @classmethod
    def install(cls) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, cls._forward)

    @classmethod
    def _forward(cls, signum: int, frame: FrameType | None) -> None:
        cls.received = True
        # what SIGINT would do: asyncio.run's handler cancels the running step, Python's raises
        # KeyboardInterrupt. Called, not raised: a script's background job inherits SIGINT ignored.
        on_sigint = signal.getsignal(signal.SIGINT)
        if not callable(on_sigint):
            raise KeyboardInterrupt
        on_sigint(signal.SIGINT, frame)


def main(argv: list[str] | None = None) -> int:
    code = _main(argv)
    return ExitCode.TERMINATED if _Sigterm.received and code == ExitCode.INTERRUPTED else code


def _main(argv: list[str] | None) -> int:
    if set(sys.argv[1:] if argv is None else argv) <= {"--sandbox"}:
        # the wizard: its first frame need not wait for every command's module and parser
        return run_wizard(sandbox=bool(sys.argv[1:] if argv is None else argv))
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(only=words[0] if words and words[0] in COMMANDS else None)
    args = parser.parse_args(argv)
    run = getattr(args, "_run", None)
    if run is not None:
        _Sigterm.install()
    try:
        if run is None:
            return run_wizard(sandbox=bool(args.sandbox), template_dirs=tuple(args.templates))
        code: int = run(args)
        return code
    except MusekitError as exc:
        from wizard.commands.output import Printer

        Printer(json_mode=bool(getattr(args, "json", False))).error(str(exc), error=type(exc).__name__)
        return exc.exit_code
    except KeyboardInterrupt:
        print("\ninterrupted.", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:  # e.g. `musekit muses list --json | head`: the reader left, nothing to report
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def run_wizard(*, sandbox: bool, template_dirs: tuple[Path, ...] = ()) -> int:
    """`musekit` with no subcommand: the Textual wizard, against the Supabase Management API or,
    with `--sandbox`, the local sandbox. Textual is imported only here, when the wizard runs."""
    if template_dirs:
        from wizard.muses import template_folders

        template_folders(template_dirs)  # a wrong --templates DIR is said before the screen opens
    from wizard.app import MuseKitApp

    started = datetime.now(UTC)
    app = MuseKitApp(sandbox=sandbox, template_dirs=template_dirs)
    try:
        app.run()
    finally:
        app.connection.stop_sandbox()  # also waits for a sandbox still starting
    if app.exit_after_first_paint and app.first_paint_s is not None:
        # for `make bench` (MUSEKIT_EXIT_AFTER_FIRST_PAINT=1): process start -> first painted frame
        print(f"first paint after {app.first_paint_s * 1000:.0f} ms", file=sys.stderr)
    code = app.return_code or 0
    if code == ExitCode.INTERRUPTED:  # quit during a step: the clone stays resumable
        print(_resume_hint(started), file=sys.stderr)
    return code


def _resume_hint(since: datetime) -> str:
    """How to continue the clone the wizard stopped: the registry's clone whose journal changed last
    (a stopped step records itself), among those changed while the wizard ran."""
    from wizard.clone import list_clones
    from wizard.readme import resume_command

    stopped = [
        (listing.journal.updated_at, listing.entry.folder)
        for listing in list_clones()
        if listing.journal is not None and not listing.journal.finished and listing.journal.updated_at >= since
    ]
    if not stopped:
        return "Stopped during a step; nothing is lost. Resume it from the wizard's Welcome screen."
    folder = max(stopped)[1]
    return f"Stopped during a step; nothing is lost. Resume with: {resume_command(Path(folder))}"


if __name__ == "__main__":
    raise SystemExit(main())
