from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from wizard.commands.options import add_db_url, database_url
from wizard.errors import ExitCode, exit_codes_help

if TYPE_CHECKING:
    from wizard.lints import Finding, Report
    from wizard.muses import PlatformAdvice

HELP = "lint a database as Supabase's Security and Performance Advisors do (splinter's lints)"
DESCRIPTION = """\
Check a Postgres database with the lints of Supabase's database linter (splinter), which the
dashboard's Security and Performance Advisors run, straight from the catalog; each finding says
what SQL fixes it. Splinter's lints keep splinter's number, name and level:

  0001 INFO   unindexed_foreign_keys: a foreign key without an index starting with its columns
  0002 ERROR  auth_users_exposed: an exposed view that reads auth.users
  0003 WARN   auth_rls_initplan: auth.uid()/current_setting() in a policy not written (select ...)
  0004 INFO   no_primary_key: a table without a primary key
  0005 INFO   unused_index: an index never scanned (listed with --all; never counted)
  0006 WARN   multiple_permissive_policies: several permissive policies for the same role and action
  0007 ERROR  policy_exists_rls_disabled: policies on a table whose row level security is off
  0008 INFO   rls_enabled_no_policy: row level security on, no policy
  0009 WARN   duplicate_index: identical indexes
  0010 ERROR  security_definer_view: an exposed view without security_invoker
  0011 WARN   function_search_path_mutable: a function without `set search_path`
  0013 ERROR  rls_disabled_in_public: an exposed table without row level security
  0014 WARN   extension_in_public: an extension installed in public
  0015 ERROR  rls_references_user_metadata: a policy that decides on user_metadata
  0016 WARN   materialized_view_in_api: an exposed materialized view the API roles can select
  0017 WARN   foreign_table_in_api: an exposed foreign table the API roles can select
  0018 WARN   unsupported_reg_types: a column of a reg* type pg_upgrade cannot carry
  0019 ERROR  insecure_queue_exposed_in_api: a pgmq queue table without RLS while pgmq_public is exposed
  0020 INFO   table_bloat: a table mostly made of dead space
  0021 ERROR  fkey_to_auth_unique: a foreign key to a unique constraint of auth
  0022 WARN   extension_versions_outdated: an extension not at its default version
  0023 ERROR  sensitive_columns_exposed: an exposed table without RLS with e.g. a password column
  0024 WARN   rls_policy_always_true: a write policy for anon/authenticated that is always true
  0025 WARN   public_bucket_allows_listing: a public storage bucket whose objects anyone may list
  0026 WARN   pg_graphql_anon_table_exposed: a relation anon sees in the GraphQL schema
  0027 WARN   pg_graphql_authenticated_table_exposed: a relation signed-in users see in the GraphQL schema
  0028 WARN   anon_security_definer_function_executable: an exposed security definer function anon may call
  0029 WARN   authenticated_security_definer_function_executable: the same, for authenticated

Lints that need what this database lacks (pgmq, Supabase Storage, pg_graphql) say "not
applicable here" and why. Where musekit is stricter than splinter, its findings carry musekit's
own ids: musekit_0003_strict (a policy with one call wrapped and another not),
musekit_0010_strict and musekit_0013_strict (a definer view, a table without RLS, in an exposed
schema, before any grant to anon/authenticated).

The exposed schemas are read as splinter reads them: the pgrst.db_schemas setting (this
session's, else the one PostgREST's role `authenticator` has in this database), else the
platform default `public, graphql_public`; --schemas overrides. On a hosted project that
exposes more schemas in the dashboard's API settings, name them with --schemas.

Where the MuseKit core migrations were applied, the live core is also compared with the shipped
core (the same migrations applied to an empty database, cached per core version): every column,
policy, grant, function or trigger changed outside musekit (dashboard, psql) is an ERROR.

--json prints one list of findings with splinter's columns (name, title, level, facing,
categories, description, detail, remediation, metadata, cache_key), to diff with the dashboard,
plus musekit's (id, object, message, fix, sql).

With --project-ref, musekit reaches the project through the Management API with only the access
token (SUPABASE_ACCESS_TOKEN or the keyring; SUPABASE_API_URL for another API such as the
sandbox): it connects with a temporary login role, as `supabase db push` does, and also reads the
platform's own advisors (GET /v1/projects/REF/advisors/security and /performance). Each finding
is marked with its source: `musekit` (these lints, which decide the exit code) or `platform`
(shown beside them; a lint both report is shown once, as musekit's)."""
EPILOG = """\
examples:
  musekit verify --project-ref abcdefghijklmnopqrst   only the access token: a temporary login role,
                                                      and the platform's advisors beside the lints
  export MUSEKIT_DB_URL='postgresql://postgres.<ref>:<password>@<pooler host>:5432/postgres'
  musekit verify
  musekit verify --json | jq '.[] | select(.level == "ERROR")'
  musekit verify --schemas public,api
  musekit verify --all --json | jq -r '.[].cache_key'

""" + exit_codes_help(
    ExitCode.OK,
    ExitCode.FAILED,
    ExitCode.USAGE,
    ExitCode.FINDINGS,
    notes={
        ExitCode.OK: "no findings (0005 unused_index never counts)",
        ExitCode.FAILED: "could not connect or the check failed",
        ExitCode.USAGE: "bad usage (bad URL, unknown schema)",
        ExitCode.FINDINGS: "findings",
    },
)


def register(p: argparse.ArgumentParser) -> None:
    target = p.add_mutually_exclusive_group()
    add_db_url(target, "the database to check")
    target.add_argument(
        "--project-ref",
        metavar="REF",
        help="check a Supabase project through the Management API with only the access token, and show the "
        "platform's advisors beside musekit's lints",
    )
    p.add_argument("--json", action="store_true", help="print the findings as one JSON list")
    p.add_argument(
        "--schemas",
        "--schema",
        dest="schemas",
        action="append",
        metavar="LIST",
        help="the schemas the Data API exposes, comma-separated or repeated "
        "(default: pgrst.db_schemas, else public, graphql_public)",
    )
    p.add_argument(
        "--all",
        action="store_true",
        help="also list the findings that never count: 0005 unused_index (every index of a database that has "
        "not served queries yet)",
    )


def run(args: argparse.Namespace) -> int:
    import asyncio
    import json
    import sys

    import psycopg

    from wizard.lints import UnknownSchemaError
    from wizard.pg import DatabaseConnectError, InvalidDatabaseUrl

    schemas = [s for item in args.schemas or () for s in item.split(",") if s.strip()] or None
    advice: PlatformAdvice | None = None
    try:
        if args.project_ref:
            report, advice = asyncio.run(_check_project(args.project_ref, schemas))
        else:
            report = asyncio.run(_check(database_url(args), schemas))
    except (InvalidDatabaseUrl, UnknownSchemaError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except DatabaseConnectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.FAILED
    except psycopg.Error as exc:
        print(f"error: the checks failed on the database: {type(exc).__name__}: {exc}", file=sys.stderr)
        return ExitCode.FAILED
    shown = [*report.findings, *report.advisory] if args.all else report.findings
    if args.json:
        print(json.dumps(_json_rows(shown, advice), indent=2))
        for line in _not_applicable_lines(report):
            print(f"note: {line}", file=sys.stderr)
    else:
        _print_report(report, shown)
        if advice is not None:
            _print_advice(advice)
    return ExitCode.FINDINGS if report.findings else ExitCode.OK


async def _check_project(ref: str, schemas: Sequence[str] | None) -> tuple[Report, PlatformAdvice]:
    """The lints over a temporary login role, and the platform's advisors for the same project."""
    import sys

    from wizard.api import LoginSession
    from wizard.clone import SecretStore, api_session
    from wizard.muses import platform_advice

    store = SecretStore(notify=lambda line: print(line, file=sys.stderr))
    async with api_session(sandbox=False, store=store, interactive=sys.stdin.isatty()) as session:
        api = session.api
        async with LoginSession(api, ref, await api.database_connection(ref)) as login:
            report = await _check(await login.url(), schemas)
        local = {f.cache_key for f in [*report.findings, *report.advisory]}
        return report, await platform_advice(api, ref, local)


def _json_rows(shown: Sequence[Finding], advice: PlatformAdvice | None) -> list[dict[str, object]]:
    rows = [f.model_dump(mode="json") for f in sorted(shown, key=_order)]
    if advice is None:
        return rows
    platform = [{**lint.model_dump(mode="json", exclude_none=True), "source": "platform"} for lint in advice.lints]
    return [*({**row, "source": "musekit"} for row in rows), *platform]


def _print_advice(advice: PlatformAdvice) -> None:
    print()
    for lint in advice.lints:
        print(f"{lint.level:<5} platform {lint.name}")
        print(f"      {lint.detail or lint.description}")
        if lint.remediation:
            print(f"      fix: {lint.remediation}")
        print()
    print(advice.summary())


CORE_LINT_ID = "musekit_core"


async def _check(url: str, schemas: Sequence[str] | None) -> Report:
    """The lints, and, where the MuseKit core was applied, every way it differs from the shipped core."""
    import dataclasses
    import hashlib

    from wizard.lints import Lint, report_url
    from wizard.muses import core_differences, holds_core

    report = await report_url(url, schemas)
    if not await holds_core(url):
        return report
    core = Lint(
        CORE_LINT_ID,
        "core_altered",
        "MuseKit Core Altered",
        "ERROR",
        ("SECURITY",),
        "Detects changes to the MuseKit core (tables, policies, grants, functions, triggers) made outside its "
        "migrations: the core is identical in every Muse.",
    )
    altered = [
        core.finding(
            obj="MuseKit core",
            detail=difference,
            metadata={},
            cache_key=f"core_altered_{hashlib.sha256(difference.encode()).hexdigest()[:16]}",
            message=difference,
            fix="the core is identical in every Muse: undo this change (or ship it as a core migration)",
        )
        for difference in await core_differences(url)
    ]
    return dataclasses.replace(report, findings=[*report.findings, *altered])


def _order(f: Finding) -> tuple[str, str, str, str]:
    return f.sort_key()


def _not_applicable_lines(report: Report) -> list[str]:
    return [f"{na.lint.id} {na.lint.name} is not applicable here: {na.reason}" for na in report.not_applicable]


def _print_report(report: Report, shown: Sequence[Finding]) -> None:
    for f in sorted(shown, key=_order):
        print(f"{f.level:<5} {f.id} {f.name}  {f.object}")
        print(f"      {f.message}")
        print(f"      fix: {f.fix}")
        print()
    if report.findings:
        counts: dict[str, int] = {}
        for f in report.findings:
            counts[f.level] = counts.get(f.level, 0) + 1
        summary = ", ".join(f"{counts[level]} {level}" for level in ("ERROR", "WARN", "INFO") if level in counts)
        print(f"{len(report.findings)} finding{'s' if len(report.findings) != 1 else ''} ({summary})")
    else:
        print(f"no findings: all {report.lints} lints that apply here passed")
    if report.advisory and len(shown) == len(report.findings):
        print(
            f"not counted: {len(report.advisory)} INFO finding{'s' if len(report.advisory) != 1 else ''} "
            f"of {', '.join(sorted({f.id + ' ' + f.name for f in report.advisory}))} (--all lists them)"
        )
    for line in _not_applicable_lines(report):
        print(line)
    print(f"exposed schemas: {', '.join(report.exposed)} ({report.exposed_from})")
