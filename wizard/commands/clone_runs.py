"""The headless `musekit clone`, `resume` and `status`: argument handling around wizard.clone.engine."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from pathlib import Path

from wizard.clone import Clone, CloneError, CloneInputs, JournalError, api_session, credentials, load_journal
from wizard.commands.clone_output import ClonePrinter
from wizard.errors import ExitCode, MusekitError


def _confirm(printer: ClonePrinter, text: str) -> bool:
    if not sys.stdin.isatty():
        printer.error("confirmation needed but there is no terminal to ask: pass --yes to create the project")
        return False
    answer = input(f"{text} [y/N] ").strip().lower()
    return answer in ("y", "yes")


def _new_password_notice(printer: ClonePrinter):
    def notice(password: str, stored: bool) -> None:
        if stored:
            printer.info("      generated a database password and stored it in the OS keyring (service musekit)")
        elif sys.stderr.isatty() and not printer.json_mode:
            # shown once, on the terminal only: never in --json output, logs or files
            print(
                f"      database password (shown once, no keyring here — keep it; a resume asks for it): {password}",
                file=sys.stderr,
                flush=True,
            )
        else:
            raise CloneError(
                "project",
                f"no OS keyring is available to keep the generated database password. Set "
                f"{credentials.DB_PASSWORD_ENV} to the password you want and run again.",
            )

    return notice


def _password_prompt(prompt: str) -> str | None:
    if sys.stdin.isatty():
        return getpass.getpass(f"{prompt}: ") or None
    return None


async def _run(
    clone_factory, args: argparse.Namespace, printer: ClonePrinter, store, *, sandbox: bool, base_url: str | None = None
) -> int:
    folder_hint = getattr(args, "dir", None) or "."
    try:
        async with api_session(
            sandbox=sandbox, store=store, interactive=not args.json, on_event=printer.api_event, base_url=base_url
        ) as session:
            if session.sandbox is not None:
                printer.info(
                    f"sandbox: {session.sandbox.url} (embedded Postgres on 127.0.0.1:{session.sandbox.pg.port}; "
                    f"data in {session.sandbox.data_dir})"
                )
            clone = await clone_factory(session)
            if clone is None:
                return ExitCode.USAGE
            journal = await clone.run()
    except MusekitError as exc:
        printer.error(str(exc), **({"step": exc.step} if isinstance(exc, CloneError) else {}))
        return exc.exit_code
    except ValueError as exc:  # pydantic's validation of the inputs
        printer.error(str(exc))
        return ExitCode.USAGE
    except (KeyboardInterrupt, asyncio.CancelledError):
        printer.error(f"interrupted; nothing is lost. Continue with: musekit resume {folder_hint}")
        return ExitCode.INTERRUPTED
    printer.emit("finished", folder=str(clone.folder), project_ref=journal.project_ref)
    if not printer.json_mode:
        _print_summary(printer, clone)
    return ExitCode.OK


def _print_summary(printer: ClonePrinter, clone: Clone) -> None:
    j = clone.journal
    conn = j.connection
    printer.info("")
    printer.info(f"Muse ready in {clone.folder}")
    printer.info(f"  project:   {j.project_ref} ({j.inputs.name}, {j.inputs.region})")
    if conn:
        printer.info(
            f"  database:  postgresql://{conn.user}@{conn.host}:{conn.port}/{conn.dbname}  (session mode; "
            f"password in your keyring / {credentials.DB_PASSWORD_ENV})"
        )
    printer.info(f"  README:    {clone.folder / 'README.md'} (lists the tables the Muse adds)")
    printer.info(
        "  next:      supabase link --project-ref "
        + (j.project_ref or "<ref>")
        + "; new migrations go in supabase/migrations (supabase migration new <name>)"
    )


def clone_main(args: argparse.Namespace) -> int:
    printer = ClonePrinter(json_mode=args.json)
    store = credentials.SecretStore(notify=printer.info)
    folder = Path(args.dir or args.name).resolve()
    args.dir = str(folder)

    async def factory(session):
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
            on_new_password=_new_password_notice(printer),
            password_prompt=_password_prompt,
        )

    return asyncio.run(_run(factory, args, printer, store, sandbox=args.sandbox))


def resume_main(args: argparse.Namespace) -> int:
    printer = ClonePrinter(json_mode=args.json)
    store = credentials.SecretStore(notify=printer.info)
    folder = Path(args.dir or ".").resolve()
    args.dir = str(folder)
    try:
        journal = load_journal(folder)
    except JournalError as exc:
        printer.error(str(exc))
        return ExitCode.USAGE

    async def factory(session):
        return Clone.open(
            folder,
            session.api,
            store=store,
            on_event=printer.clone_event,
            on_new_password=_new_password_notice(printer),
            password_prompt=_password_prompt,
        )

    if journal.finished:
        printer.info(f"{folder}: this clone is finished; checking it (nothing will be changed)")
    else:
        printer.info(f"{folder}: resuming at step '{journal.current_step}'")
    base_url = None if journal.inputs.sandbox else journal.inputs.api_url
    return asyncio.run(_run(factory, args, printer, store, sandbox=journal.inputs.sandbox, base_url=base_url))


def status_main(args: argparse.Namespace) -> int:
    """The journal next to the live state: project status, migrations applied and pending."""
    import json

    folder = Path(args.dir or ".").resolve()
    try:
        journal = load_journal(folder)
    except JournalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    report = asyncio.run(_live_status(folder, journal))
    if args.json:
        print(json.dumps(report, indent=2, default=str))
        return ExitCode.OK
    _print_status(report)
    return ExitCode.OK


async def _live_status(folder: Path, journal) -> dict:
    report: dict = {
        "folder": str(folder),
        "clone_id": journal.clone_id,
        "inputs": journal.inputs.model_dump(),
        "project_ref": journal.project_ref,
        "finished": journal.finished,
        "current_step": journal.current_step,
        "steps": {k: v.model_dump() for k, v in journal.steps.items()},
        "last_error": journal.last_error.model_dump() if journal.last_error else None,
        "connection": journal.connection.model_dump() if journal.connection else None,
        "live": {},
    }
    live = report["live"]
    store = credentials.SecretStore(notify=lambda _: None)
    if not journal.project_ref:
        live["project"] = "not created yet"
        return report
    try:
        # a sandbox clone's sandbox runs only while musekit uses it: start it to look
        async with api_session(
            sandbox=journal.inputs.sandbox,
            store=store,
            interactive=False,
            base_url=None if journal.inputs.sandbox else journal.inputs.api_url,
        ) as session:
            project = await session.api.get_project(journal.project_ref)
            live["project"] = {"ref": project.ref, "name": project.name, "status": str(project.status)}
            await _live_migrations(folder, journal, store, live, await session.api.database_connection(project.ref))
    except Exception as exc:  # status reports; it never fails because the API is unreachable
        live.setdefault("project", f"unavailable: {exc}")
    return report


async def _live_migrations(folder: Path, journal, store, live: dict, connection) -> None:
    from wizard import migrations
    from wizard.clone import MIGRATIONS_DIR

    files_dir = folder / MIGRATIONS_DIR
    if files_dir.is_dir():
        password = credentials.find_db_password(store, journal.project_ref, journal.clone_id)
        if password:
            url = connection.url_with_password(password).reveal()
            try:
                plan = await migrations.apply(url, migrations.load_folder(files_dir), dry_run=True)
                live["migrations"] = {"applied": plan.already_applied, "pending": [f.filename for f in plan.pending]}
            except Exception as exc:
                live["migrations"] = f"unavailable: {exc}"
        else:
            live["migrations"] = f"not checked: database password not in the keyring or ${credentials.DB_PASSWORD_ENV}"


def _print_status(report: dict) -> None:
    from wizard.clone import STEP_TITLES

    inputs = report["inputs"]
    print(f"clone {report['folder']}")
    print(
        f"  muse {inputs['muse']}, project {inputs['name']} in {inputs['organization']} ({inputs['region']})"
        f"{' [sandbox]' if inputs['sandbox'] else ''}"
    )
    print(f"  project ref: {report['project_ref'] or '(not created yet)'}")
    for step, rec in report["steps"].items():
        mark = {"done": "✓", "failed": "✗", "running": "…", "pending": " "}[rec["status"]]
        note = f" — {rec['note']}" if rec.get("note") else ""
        print(f"  [{mark}] {STEP_TITLES[step]}{note}")
    if report["last_error"]:
        print(f"  last error ({report['last_error']['step']}): {report['last_error']['message']}")
    conn = report["connection"]
    if conn:
        print(
            f"  database: postgresql://{conn['user']}@{conn['host']}:{conn['port']}/{conn['dbname']} (no password shown)"
        )
    project = report["live"].get("project")
    if isinstance(project, dict):
        project = f"{project['ref']} ({project['name']}) is {project['status']}"
    if project:
        print(f"  live project: {project}")
    mig = report["live"].get("migrations")
    if isinstance(mig, dict):
        mig = f"{len(mig['applied'])} applied, {len(mig['pending'])} pending" + (
            f" ({', '.join(mig['pending'])})" if mig["pending"] else ""
        )
    if mig:
        print(f"  live migrations: {mig}")
    print("  finished" if report["finished"] else f"  next: musekit resume {report['folder']}")
