from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from wizard.errors import ExitCode, MusekitError, exit_codes_help

if TYPE_CHECKING:
    from pathlib import Path

    from wizard.api import ApiEvent
    from wizard.clone import ApiSession as Session
    from wizard.clone import Clone, SecretStore
    from wizard.commands.output import ClonePrinter

    CloneFactory = Callable[[Session], Awaitable[Clone | None]]

HELP = "clone a Muse onto a new Supabase project, headless (resumable)"
DESCRIPTION = """\
Create (or find) the Supabase project, wait until it is healthy, write the Muse folder
(supabase/migrations with the core and Muse files, README.md), apply the core and the Muse
migrations, verify RLS and core purity, and write the README table list.

Every step is journaled in DIR/.musekit/clone.json. If anything interrupts the clone — Ctrl-C,
a crash, the network — run `musekit resume DIR`: it continues where it stopped, never creates a
second project and never applies a migration twice.

Secrets: the access token comes from the OS keyring, then $SUPABASE_ACCESS_TOKEN, then a
prompt. The database password from the keyring, then $MUSEKIT_DB_PASSWORD; otherwise a strong
one is generated and kept in the keyring. Secrets are never written to files or logs."""
EPILOG = """\
examples:
  musekit clone --sandbox --muse socioscheduler --name my-muse --yes
  musekit clone --muse realtor --name acme-realty --org acme --region eu-west-1
  musekit clone --muse ./my-template --name my-muse --json --yes > clone.log

""" + exit_codes_help(
    ExitCode.OK,
    ExitCode.FAILED,
    ExitCode.USAGE,
    ExitCode.INTERRUPTED,
    notes={
        ExitCode.OK: "done",
        ExitCode.FAILED: "a step failed (fix the cause, then `musekit resume DIR`)",
        ExitCode.USAGE: "invalid input (nothing was created)",
        ExitCode.INTERRUPTED: "interrupted (resume with `musekit resume DIR`)",
    },
)


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--muse",
        required=True,
        metavar="SLUG|PATH",
        help="a shipped template (see `musekit muses list`) or the path of your own template folder",
    )
    p.add_argument("--name", required=True, help="the Supabase project name (also the default folder name)")
    p.add_argument("--org", metavar="SLUG", help="organization slug (default: the only one your token sees)")
    p.add_argument("--region", default="us-east-1", help="Supabase region (default: %(default)s)")
    p.add_argument(
        "--dir", metavar="DIR", help="the Muse folder to create (default: ./NAME as a folder name, e.g. ./my-muse)"
    )
    p.add_argument(
        "--sandbox",
        action="store_true",
        help="use the local sandbox (Management API emulator + embedded Postgres) instead of Supabase",
    )
    p.add_argument("--yes", action="store_true", help="do not ask before creating a billable project")
    p.add_argument("--json", action="store_true", help="one JSON event per line on stdout")


def run(args: argparse.Namespace) -> int:
    import asyncio

    from wizard.clone import Clone, CloneInputs, SecretStore
    from wizard.commands.output import ClonePrinter

    printer = ClonePrinter(json_mode=args.json)
    store = SecretStore(notify=printer.info)
    folder = _checked_inputs(args, store)
    args.dir = str(folder)

    async def factory(session: Session) -> Clone | None:
        org = args.org or session.organization
        if org is None:
            orgs = await session.api.list_organizations()
            if len(orgs) != 1:
                names = ", ".join(o.slug for o in orgs) or "none"
                printer.error(f"--org is required: this token sees {len(orgs)} organizations ({names})")
                return None
            org = orgs[0].slug
        inputs = CloneInputs(
            muse=args.muse,
            name=args.name,
            organization=org,
            region=args.region,
            api_url=session.api.base_url,
            sandbox=args.sandbox,
        )
        if not args.yes and not args.sandbox:
            if not _confirm(
                printer,
                f"Create the Supabase project {args.name!r} in organization {org} "
                f"({args.region})? Projects are billable.",
            ):
                printer.error("not confirmed; nothing was created")
                return None
        return await Clone.start(
            folder,
            inputs,
            session.api,
            store=store,
            on_event=printer.clone_event,
            on_new_password=new_password_notice(printer),
        )

    return asyncio.run(run_clone(factory, args, printer, store, sandbox=args.sandbox))


def _checked_inputs(args: argparse.Namespace, store: SecretStore) -> Path:
    """Refuse what would fail later, before anything is started or created: the name, the folder,
    the template, and a place to keep the database password. Returns the Muse folder."""
    from pathlib import Path

    from wizard.clone import default_folder, project_name_problem
    from wizard.errors import UsageError
    from wizard.muses import load_template
    from wizard.settings import DB_PASSWORD_ENV, db_password_from_env

    if problem := project_name_problem(args.name):
        raise UsageError(f"--name {args.name!r}: {problem} Nothing was created.")
    folder = Path(args.dir).resolve() if args.dir else default_folder(args.name)
    if folder.exists() and not folder.is_dir():
        raise UsageError(
            f"--dir {folder} is a file, not a folder. Choose a new folder for the Muse; nothing was created."
        )
    load_template(args.muse)
    can_show_password = sys.stderr.isatty() and not args.json
    if not (db_password_from_env() or store.probe() or can_show_password):
        raise UsageError(
            f"there is no OS keyring here to keep the new project's database password, ${DB_PASSWORD_ENV} is "
            f"not set, and no terminal to show a generated one. Set {DB_PASSWORD_ENV} to the password you want "
            f"(e.g. export {DB_PASSWORD_ENV}=$(openssl rand -base64 24)), keep it somewhere safe, and run again. "
            f"Nothing was created."
        )
    return folder


# -- shared with `musekit resume`: run a Clone inside an API session, report, map errors to exit codes


def _confirm(printer: ClonePrinter, text: str) -> bool:
    if not sys.stdin.isatty():
        printer.error("confirmation needed but there is no terminal to ask: pass --yes to create the project")
        return False
    answer = input(f"{text} [y/N] ").strip().lower()
    return answer in ("y", "yes")


def new_password_notice(printer: ClonePrinter) -> Callable[[str, bool], None]:
    def notice(password: str, stored: bool) -> None:
        if stored:
            printer.info("      generated a database password and stored it in the OS keyring (service musekit)")
        elif sys.stderr.isatty() and not printer.json_mode:
            # shown once, on the terminal only: never in --json output, logs or files
            print(
                f"      database password (shown once, no keyring here — keep it for your own tools; "
                f"musekit does not need it again): {password}",
                file=sys.stderr,
                flush=True,
            )
        else:  # _checked_inputs refuses this case before anything is created; kept as the last guard
            from wizard.clone import CloneError
            from wizard.settings import DB_PASSWORD_ENV

            raise CloneError(
                "project",
                f"no OS keyring is available to keep the generated database password. Set "
                f"{DB_PASSWORD_ENV} to the password you want and run again.",
            )

    return notice


async def run_clone(
    clone_factory: CloneFactory,
    args: argparse.Namespace,
    printer: ClonePrinter,
    store: SecretStore,
    *,
    sandbox: bool,
    base_url: str | None = None,
) -> int:
    """Open an API session, build the Clone with `clone_factory` and run it to the end; every
    musekit error is printed once and becomes its exit code."""
    import asyncio

    from wizard.clone import api_session

    folder_hint = getattr(args, "dir", None) or "."
    running: list[Clone] = []  # once made, the clone logs the API's events beside its own

    def api_event(ev: ApiEvent) -> None:
        printer.api_event(ev)
        for clone in running:
            clone.api_event(ev)

    try:
        async with api_session(
            sandbox=sandbox, store=store, interactive=not args.json, on_event=api_event, base_url=base_url
        ) as session:
            if session.sandbox is not None:
                printer.info(
                    f"sandbox: {session.sandbox.url} (pooler {session.sandbox.pooler_host}:{session.sandbox.session_port}; "
                    f"data in {session.sandbox.data_dir})"
                )
            clone = await clone_factory(session)
            if clone is None:
                return ExitCode.USAGE
            running.append(clone)
            journal = await clone.run()
    except MusekitError as exc:
        printer.failure(exc, folder_hint)
        return exc.exit_code
    except ValueError as exc:  # pydantic's validation of the inputs
        printer.error(str(exc))
        return ExitCode.USAGE
    except (KeyboardInterrupt, asyncio.CancelledError):
        from pathlib import Path

        from wizard.readme import resume_command

        printer.error(f"interrupted; nothing is lost. Continue with: {resume_command(Path(folder_hint))}")
        return ExitCode.INTERRUPTED
    printer.emit("finished", folder=str(clone.folder), project_ref=journal.project_ref)
    if not printer.json_mode:
        _print_summary(printer, clone)
    return ExitCode.OK


def _print_summary(printer: ClonePrinter, clone: Clone) -> None:
    from wizard.readme import next_steps, render_next_steps
    from wizard.settings import DB_PASSWORD_ENV

    j = clone.journal
    conn = j.connection
    database = f"postgresql://{conn.user}@{conn.host}:{conn.port}/{conn.dbname}" if conn else None
    printer.info("")
    printer.info(f"Muse ready in {clone.folder}")
    printer.info(f"  project:   {j.project_ref} ({j.inputs.name}, {j.inputs.region})")
    if database:
        printer.info(f"  database:  {database}  (session mode; password in your keyring / {DB_PASSWORD_ENV})")
    printer.info(f"  README:    {clone.folder / 'README.md'} (lists the tables the Muse adds)")
    if j.project_ref:
        steps = next_steps(clone.folder, j.project_ref, sandbox=j.inputs.sandbox, database_url=database)
        printer.info("")
        printer.info("Next steps (the official Supabase CLI):")
        printer.info(render_next_steps(steps, indent="  "))
