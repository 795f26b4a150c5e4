from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.errors import ExitCode, UsageError, exit_codes_help

if TYPE_CHECKING:
    from wizard.api import ManagementAPI
    from wizard.clone import Journal

HELP = "show a clone's journal next to the live state (project, migrations), without secrets"
DESCRIPTION = """\
Show the clone journaled in DIR/.musekit/clone.json: each step and its note, the last error, the
project and its database address (never a password), next to the live state: the project's
status and which migrations of supabase/migrations are applied (read with only the access token,
through a temporary login role). A sandbox clone starts the local sandbox to look. Changes nothing."""
EPILOG = """\
examples:
  musekit status ./my-muse                          the clone in ./my-muse
  cd my-muse && musekit status                      the current folder
  musekit status ./my-muse --json | jq .live        the live state, for scripts

""" + exit_codes_help(
    ExitCode.OK, ExitCode.USAGE, notes={ExitCode.OK: "shown", ExitCode.USAGE: "no usable journal in DIR"}
)


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", nargs="?", metavar="DIR", help="the Muse folder (default: the current folder)")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    """The journal next to the live state: project status, migrations applied and pending."""
    import asyncio
    import json

    folder = Path(args.dir or ".").resolve()
    journal = load_clone_journal(folder, "status")
    report = asyncio.run(_live_status(folder, journal))
    if args.json:
        print(json.dumps(report, indent=2, default=str))
        return ExitCode.OK
    _print_status(report)
    return ExitCode.OK


def load_clone_journal(folder: Path, command: str) -> Journal:
    """The journal of the clone in `folder`; where there is none, a usage error that says what to
    pass, with the clones this machine knows."""
    from wizard.clone import journal_path, load_journal

    if not journal_path(folder).exists() and not journal_path(folder).is_symlink():
        raise UsageError(_no_clone_here(folder, command))
    return load_journal(folder)


def _no_clone_here(folder: Path, command: str) -> str:
    from wizard.clone import list_clones

    known = [listing.entry.folder for listing in list_clones() if listing.problem is None]
    text = (
        f"{folder} is not a Muse folder (it has no .musekit/clone.json). Pass the folder a clone made: "
        f"musekit {command} DIR"
    )
    if known:
        shown = ", ".join(known[:5]) + (f" and {len(known) - 5} more" if len(known) > 5 else "")
        return f"{text}. Clones on this machine: {shown}."
    return f"{text}. No clone is known on this machine yet: make one with `musekit clone` or the wizard (`musekit`)."


async def _live_status(folder: Path, journal: Journal) -> dict[str, Any]:
    from wizard.clone import SecretStore, api_session, api_url_for

    report: dict[str, Any] = {
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
    store = SecretStore(notify=lambda _: None)
    if not journal.project_ref:
        live["project"] = "not created yet"
        return report
    try:
        # a sandbox clone's sandbox runs only while musekit uses it: start it to look
        async with api_session(
            sandbox=journal.inputs.sandbox,
            store=store,
            interactive=False,
            base_url=api_url_for(journal),
        ) as session:
            project = await session.api.get_project(journal.project_ref)
            live["project"] = {"ref": project.ref, "name": project.name, "status": str(project.status)}
            await _live_migrations(folder, live, session.api, project.ref)
    except Exception as exc:  # status reports; it never fails because the API is unreachable
        live.setdefault("project", f"unavailable: {exc}")
    return report


async def _live_migrations(folder: Path, live: dict[str, Any], api: ManagementAPI, ref: str) -> None:
    """Applied and pending migrations, read through a temporary login role (only the access token needed)."""
    from wizard import migrations
    from wizard.api import LoginSession
    from wizard.clone import MIGRATIONS_DIR

    files_dir = folder / MIGRATIONS_DIR
    if not files_dir.is_dir():
        return
    try:
        async with LoginSession(api, ref, await api.database_connection(ref)) as login:
            plan = await migrations.apply(await login.url(), migrations.load_folder(files_dir), dry_run=True)
        live["migrations"] = {"applied": plan.already_applied, "pending": [f.filename for f in plan.pending]}
    except Exception as exc:
        live["migrations"] = f"unavailable: {exc}"


def _print_status(report: dict[str, Any]) -> None:
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
