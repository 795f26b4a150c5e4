from __future__ import annotations

import argparse

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

exit codes: 0 done, 1 a step failed (fix the cause, then `musekit resume DIR`), 2 invalid input
(nothing was created), 130 interrupted (resume with `musekit resume DIR`)
"""


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
    p.add_argument("--dir", metavar="DIR", help="the Muse folder to create (default: ./NAME)")
    p.add_argument(
        "--sandbox",
        action="store_true",
        help="use the local sandbox (Management API emulator + embedded Postgres) instead of Supabase",
    )
    p.add_argument("--yes", action="store_true", help="do not ask before creating a billable project")
    p.add_argument("--json", action="store_true", help="one JSON event per line on stdout")


def run(args: argparse.Namespace) -> int:
    from wizard.commands.clone_runs import clone_main

    return clone_main(args)
