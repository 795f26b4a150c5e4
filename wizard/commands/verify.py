from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from wizard.commands.options import add_db_url, database_url
from wizard.errors import ExitCode, exit_codes_help

if TYPE_CHECKING:
    from wizard.lints import Finding

HELP = "lint a database with Supabase's linter rules (RLS, policies, indexes, views, functions)"
DESCRIPTION = """\
Check a Postgres database the way Supabase's database linter (splinter) does, straight from
the catalog, and say for each finding what SQL fixes it:

  0001 unindexed_foreign_keys        INFO   a foreign key without an index starting with its columns
  0003 auth_rls_initplan             WARN   auth.uid()/current_setting() in a policy not written (select ...)
  0006 multiple_permissive_policies  WARN   several permissive policies for the same role and action
  0007 policy_exists_rls_disabled    ERROR  policies on a table whose row level security is off
  0008 rls_enabled_no_policy         INFO   row level security on, no policy
  0010 security_definer_view         ERROR  an exposed view without security_invoker
  0011 function_search_path_mutable  WARN   a function without `set search_path`
  0013 rls_disabled_in_public        ERROR  an exposed table without row level security
  0024 rls_policy_always_true        WARN   a write policy for anon/authenticated that is always true

Views and tables are checked in the schemas the Data API exposes (--schema, default public);
everything else in every schema except Supabase's and Postgres's own (e.g. also `private`).

Where the MuseKit core migrations were applied, the live core is also compared with the shipped
core (the same migrations applied to an empty database, cached per core version): every column,
policy, grant, function or trigger changed outside musekit (dashboard, psql) is an ERROR."""
EPILOG = """\
examples:
  export MUSEKIT_DB_URL='postgresql://postgres.<ref>:<password>@<pooler host>:5432/postgres'
  musekit verify
  musekit verify --json | jq '.[] | select(.level == "ERROR")'
  musekit verify --schema public --schema api

""" + exit_codes_help(
    ExitCode.OK,
    ExitCode.FAILED,
    ExitCode.USAGE,
    ExitCode.FINDINGS,
    notes={
        ExitCode.OK: "no findings",
        ExitCode.FAILED: "could not connect or the check failed",
        ExitCode.USAGE: "bad usage (bad URL, unknown schema)",
        ExitCode.FINDINGS: "findings",
    },
)


def register(p: argparse.ArgumentParser) -> None:
    add_db_url(p, "the database to check")
    p.add_argument("--json", action="store_true", help="print the findings as one JSON list")
    p.add_argument(
        "--schema",
        action="append",
        metavar="NAME",
        help="a schema the Data API exposes; repeat for several (default: public)",
    )


def run(args: argparse.Namespace) -> int:
    import asyncio
    import json
    import sys

    import psycopg

    from wizard.lints import verify
    from wizard.pg import DatabaseConnectError, InvalidDatabaseUrl

    try:
        findings = asyncio.run(_check(database_url(args), tuple(args.schema or ("public",))))
    except (InvalidDatabaseUrl, verify.UnknownSchemaError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except DatabaseConnectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.FAILED
    except psycopg.Error as exc:
        print(f"error: the checks failed on the database: {type(exc).__name__}: {exc}", file=sys.stderr)
        return ExitCode.FAILED
    if args.json:
        print(json.dumps([f.model_dump() for f in findings], indent=2))
    else:
        _print_findings(findings, len(verify.CHECKS))
    return ExitCode.FINDINGS if findings else ExitCode.OK


CORE_CHECK = "musekit_core"


async def _check(url: str, schemas: tuple[str, ...]) -> list[Finding]:
    """The lints, and, where the MuseKit core was applied, every way it differs from the shipped core."""
    from wizard.lints import Finding, verify_url
    from wizard.muses import core_differences, holds_core

    findings = await verify_url(url, schemas)
    if await holds_core(url):
        findings += [
            Finding(
                id=CORE_CHECK,
                name="core_altered",
                level="ERROR",
                object="MuseKit core",
                message=difference,
                fix="the core is identical in every Muse: undo this change (or ship it as a core migration)",
            )
            for difference in await core_differences(url)
        ]
    return findings


def _print_findings(findings: Sequence[Finding], checks: int) -> None:
    if not findings:
        print(f"no findings: all {checks} checks passed")
        return
    for f in findings:
        print(f"{f.level:<5} {f.id} {f.name}  {f.object}")
        print(f"      {f.message}")
        print(f"      fix: {f.fix}")
        print()
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.level] = counts.get(f.level, 0) + 1
    summary = ", ".join(f"{counts[level]} {level}" for level in ("ERROR", "WARN", "INFO") if level in counts)
    print(f"{len(findings)} finding{'s' if len(findings) != 1 else ''} ({summary})")
