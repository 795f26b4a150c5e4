from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from wizard.commands.options import add_db_url, database_url
from wizard.errors import ExitCode, exit_codes_help

if TYPE_CHECKING:
    from pathlib import Path

HELP = "apply a folder of <version>_<name>.sql migrations, compatible with `supabase db push`"
DESCRIPTION = """\
Apply the pending migration files of a folder (named <version>_<name>.sql, as
`supabase migration new` writes them) to a Postgres database, in version order.

History is recorded in supabase_migrations.schema_migrations exactly as the Supabase CLI
records it, so `supabase migration list` shows the files as applied and `supabase db push`
finds nothing to push. On top of that, musekit:
  - runs each file in one transaction with its history row (a failing file is rolled back
    whole; the error names the file, line, statement and Postgres's message; a rerun
    continues from that file);
  - takes a session advisory lock, so two runs never apply anything twice;
  - keeps a sha256 per applied file and refuses files changed after they were applied.
For a hosted project, use the session-mode pooler URL (port 5432, user postgres.<ref>)."""
EPILOG = """\
examples:
  export MUSEKIT_DB_URL='postgresql://postgres.<ref>:<password>@<pooler host>:5432/postgres'
  musekit migrate --dir supabase/migrations --dry-run
  musekit migrate --dir supabase/migrations
  musekit migrate --core                             the MuseKit core migrations shipped with musekit

""" + exit_codes_help(
    ExitCode.OK,
    ExitCode.FAILED,
    ExitCode.USAGE,
    ExitCode.INTERRUPTED,
    notes={
        ExitCode.OK: "applied (or nothing to do)",
        ExitCode.FAILED: "a migration or connection failed",
        ExitCode.USAGE: "bad folder or history mismatch (nothing applied)",
        ExitCode.INTERRUPTED: "interrupted (the current file was rolled back)",
    },
)


def register(p: argparse.ArgumentParser) -> None:
    add_db_url(p, "the database to migrate")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--dir", metavar="DIR", help="folder of <version>_<name>.sql files")
    src.add_argument("--core", action="store_true", help="the MuseKit core migrations shipped with musekit")
    p.add_argument(
        "--dry-run", action="store_true", help="list the pending files with statement counts; change nothing"
    )
    p.add_argument("--json", action="store_true", help="one JSON object per line: events, then the result")
    p.add_argument(
        "--include-all",
        action="store_true",
        help="also apply pending files whose versions are older than the last applied one",
    )
    p.add_argument(
        "--lock-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long to wait for another run's lock (default: %(default)s)",
    )


def run(args: argparse.Namespace) -> int:
    import asyncio
    import sys
    from pathlib import Path

    from wizard import migrations
    from wizard.commands.output import MigrationPrinter
    from wizard.pg import describe_url

    try:
        folder = Path(args.dir) if args.dir else _core_dir()
        files = migrations.load_folder(folder)
    except migrations.MigrationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    url = database_url(args)
    printer = MigrationPrinter(json_mode=args.json, stream=sys.stdout)
    printer.header(folder, files, describe_url(url), args.dry_run)
    try:
        result = asyncio.run(
            migrations.apply(
                url,
                files,
                dry_run=args.dry_run,
                progress=printer.event,
                lock_timeout=args.lock_timeout,
                include_all=args.include_all,
            )
        )
    except (Exception, KeyboardInterrupt) as exc:
        return printer.fail(exc)
    printer.result(result)
    return ExitCode.OK


def _core_dir() -> Path:
    from wizard.settings import core_migrations_dir

    return core_migrations_dir()
