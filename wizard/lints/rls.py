"""Whether tables have row level security: 0007 policy_exists_rls_disabled, 0008
rls_enabled_no_policy, 0013 rls_disabled_in_public and musekit's stricter musekit_0013_strict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.lints.catalog import (
    API_ROLES,
    PROJECT_SCHEMA,
    QUOTED_RELATION,
    SYSTEM_SCHEMAS,
    Context,
    api_privileges,
    exposure,
    not_extension_member,
    row_condition,
    rows,
    table_metadata,
)
from wizard.lints.model import DOCS, Finding, Lint

if TYPE_CHECKING:
    import psycopg

POLICY_RLS_DISABLED = Lint(
    "0007",
    "policy_exists_rls_disabled",
    "Policy Exists RLS Disabled",
    "ERROR",
    ("SECURITY",),
    "Detects cases where row level security (RLS) policies have been created, but RLS has not been enabled for "
    "the underlying table.",
)
RLS_NO_POLICY = Lint(
    "0008",
    "rls_enabled_no_policy",
    "RLS Enabled No Policy",
    "INFO",
    ("SECURITY",),
    "Detects cases where row level security (RLS) has been enabled on a table but no RLS policies have been created.",
)
RLS_DISABLED = Lint(
    "0013",
    "rls_disabled_in_public",
    "RLS Disabled in Public",
    "ERROR",
    ("SECURITY",),
    "Detects cases where row level security (RLS) has not been enabled on tables in schemas exposed to PostgREST",
)
RLS_DISABLED_STRICT = Lint(
    "musekit_0013_strict",
    "rls_disabled_not_granted_yet",
    "RLS Disabled in Public (no API grant yet)",
    "ERROR",
    ("SECURITY",),
    "Detects tables without row level security in schemas exposed to PostgREST that anon and authenticated "
    "cannot SELECT yet. Splinter 0013 waits for that grant; since 2026 new tables are not granted to the API "
    "roles automatically, so the first grant would expose every row.",
    remediation=f"{DOCS}0013_rls_disabled_in_public",
)

RLS_SQL = f"""
select n.nspname, c.relname, {QUOTED_RELATION}, c.relrowsecurity,
       array(select p.polname::text from pg_catalog.pg_policy p where p.polrelid = c.oid order by p.polname),
       array(select p.polname from pg_catalog.pg_policy p where p.polrelid = c.oid order by p.polname)::text,
       {api_privileges()},
       array(select a.attname::text from pg_catalog.pg_attribute a
             where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped),
       {not_extension_member("c.oid")}
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where c.relkind = 'r' and {PROJECT_SCHEMA}
order by 1, 2
"""


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    qtable: str
    rls_enabled: bool
    policies: tuple[str, ...]
    policies_text: str  # as Postgres prints the array, e.g. {a,b}
    api_privileges: tuple[str, ...]  # "anon:SELECT", ...
    columns: frozenset[str]
    own: bool  # not a member of an extension

    @property
    def object(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def api_can_select(self) -> bool:
        return any(p.endswith(":SELECT") for p in self.api_privileges)


async def read_tables(conn: psycopg.AsyncConnection) -> list[Table]:
    found = await rows(conn, RLS_SQL, skip=list(SYSTEM_SCHEMAS), api=list(API_ROLES))
    return [Table(r[0], r[1], r[2], r[3], tuple(r[4]), r[5], tuple(r[6]), frozenset(r[7]), r[8]) for r in found]


def _policy_rls_disabled(t: Table) -> Finding:
    enable = f"alter table {t.qtable} enable row level security;"
    return POLICY_RLS_DISABLED.finding(
        obj=t.object,
        detail=f"Table `{t.object}` has RLS policies but RLS is not enabled on the table. "
        f"Policies include {t.policies_text}.",
        metadata=table_metadata(t.schema, t.name),
        cache_key=f"policy_exists_rls_disabled_{t.schema}_{t.name}",
        message=f"{t.object} has policies ({', '.join(t.policies)}) but row level security is disabled, so they "
        f"are ignored; {exposure(t.api_privileges, 'table')}",
        fix=enable,
        sql=enable,
    )


def _rls_no_policy(t: Table, ctx: Context) -> Finding:
    cond = row_condition(t.columns, ctx)
    return RLS_NO_POLICY.finding(
        obj=t.object,
        detail=f"Table `{t.object}` has RLS enabled, but no policies exist",
        metadata=table_metadata(t.schema, t.name),
        cache_key=f"rls_enabled_no_policy_{t.schema}_{t.name}",
        message=f"{t.object} has row level security enabled but no policy: anon and authenticated get no row "
        f"(only service_role and the owner do)",
        fix=f'if the API should reach it, add a policy, e.g. create policy "{t.name}_select" on {t.qtable} for '
        f"select to authenticated using ({cond}); if only the server may, nothing to do (service_role bypasses RLS)",
    )


def _rls_disabled(t: Table) -> Finding:
    enable = f"alter table {t.qtable} enable row level security;"
    lint = RLS_DISABLED if t.api_can_select else RLS_DISABLED_STRICT
    return lint.finding(
        obj=t.object,
        detail=f"Table `{t.object}` is public, but RLS has not been enabled.",
        metadata=table_metadata(t.schema, t.name),
        cache_key=f"{lint.name}_{t.schema}_{t.name}",
        message=f"{t.object} is in a schema the Data API exposes but row level security is disabled; "
        f"{exposure(t.api_privileges, 'table')}",
        fix=f"{enable} then add policies for what anon and authenticated may do (with none, only service_role "
        f"reaches it)",
        sql=enable,
    )


async def check_rls_tables(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    """0007, 0008 and 0013 (with its stricter twin) read the same rows."""
    out = []
    for t in await read_tables(conn):
        if t.own and not t.rls_enabled and t.policies:
            out.append(_policy_rls_disabled(t))
        if t.own and t.rls_enabled and not t.policies:
            out.append(_rls_no_policy(t, ctx))
        if t.schema in ctx.exposed and not t.rls_enabled:  # splinter does not skip extension members here
            out.append(_rls_disabled(t))
    return out
