from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

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
everything else in every schema except Supabase's and Postgres's own (e.g. also `private`)."""
EPILOG = """\
examples:
  musekit verify --db-url "$DB_URL"
  musekit verify --db-url "$DB_URL" --json | jq '.[] | select(.level == "ERROR")'
  musekit verify --db-url "$DB_URL" --schema public --schema api

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
    p.add_argument(
        "--db-url",
        required=True,
        metavar="URL",
        help='postgresql://user:password@host:port/db (or set it in an env var and pass "$VAR")',
    )
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
        findings = asyncio.run(verify.verify_url(args.db_url, tuple(args.schema or ("public",))))
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
