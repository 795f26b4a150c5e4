from __future__ import annotations

import argparse

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
  musekit migrate --db-url "$DB_URL" --dir supabase/migrations --dry-run
  musekit migrate --db-url "$DB_URL" --dir supabase/migrations
  musekit migrate --core --db-url "$DB_URL"          the MuseKit core migrations shipped with musekit

exit codes: 0 applied (or nothing to do), 1 a migration or connection failed, 2 bad folder or
history mismatch (nothing applied), 130 interrupted (the current file was rolled back)
"""


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db-url",
        required=True,
        metavar="URL",
        help='postgresql://user:password@host:port/db (or set it in an env var and pass "$VAR")',
    )
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
        return 2
    printer = MigrationPrinter(json_mode=args.json, stream=sys.stdout)
    printer.header(folder, files, describe_url(args.db_url), args.dry_run)
    try:
        result = asyncio.run(
            migrations.apply(
                args.db_url,
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
    return 0


def _core_dir():
    from wizard.settings import core_migrations_dir

    return core_migrations_dir()
