"""Supabase's database linter ("splinter") checks, reproduced as catalog queries.

The checks and what counts for each follow splinter's current SQL (supabase/splinter,
`lints/*.sql`, as Supabase Studio runs it); every finding also says what SQL fixes it.

| id   | name                           | level | scope                                   |
|------|--------------------------------|-------|-----------------------------------------|
| 0001 | unindexed_foreign_keys         | INFO  | project schemas                         |
| 0003 | auth_rls_initplan              | WARN  | project schemas (and `realtime`)        |
| 0006 | multiple_permissive_policies   | WARN  | project schemas                         |
| 0007 | policy_exists_rls_disabled     | ERROR | project schemas                         |
| 0008 | rls_enabled_no_policy          | INFO  | project schemas                         |
| 0010 | security_definer_view          | ERROR | exposed schemas (`schemas`)             |
| 0011 | function_search_path_mutable   | WARN  | project schemas                         |
| 0013 | rls_disabled_in_public         | ERROR | exposed schemas (`schemas`)             |
| 0024 | rls_policy_always_true         | WARN  | project schemas                         |

"Project schemas" are all schemas except Supabase's and Postgres's own (splinter's list,
`SYSTEM_SCHEMAS`); objects that belong to an extension are skipped. "Exposed schemas" are
the ones the Data API serves (splinter reads `pgrst.db_schemas`; here the `schemas` argument,
default `public`).

Where we differ from splinter, on purpose:
- 0010 and 0013 do not require that anon/authenticated can already SELECT the view/table.
  Since 2026 new tables are not granted to the API roles automatically, so splinter's
  privilege test hides a table without RLS until the first `grant` exposes every row
  (supabase/supabase#21143); the message says whether an API role can already read it.
- 0003 flags a policy when any call is unwrapped (splinter stops looking once one call of
  the same function is wrapped).
- 0011 skips aggregates and window functions: they cannot have a search_path setting.
- 0006 reports one finding per table, action and set of overlapping policies (splinter: one
  per role), listing the roles. Roles come from the catalog with splinter's filter; the
  local platform shim has no `dashboard_user`, which a hosted project also reports for
  policies to PUBLIC: the message says so instead of inventing the role.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from wizard.errors import ExitCode, MusekitError
from wizard.pg import DatabaseConnectError, InvalidDatabaseUrl, connect, describe_target, parse_url  # noqa: F401

if TYPE_CHECKING:
    import psycopg

Level = Literal["ERROR", "WARN", "INFO"]

CHECKS: dict[str, tuple[str, Level]] = {
    "0001": ("unindexed_foreign_keys", "INFO"),
    "0003": ("auth_rls_initplan", "WARN"),
    "0006": ("multiple_permissive_policies", "WARN"),
    "0007": ("policy_exists_rls_disabled", "ERROR"),
    "0008": ("rls_enabled_no_policy", "INFO"),
    "0010": ("security_definer_view", "ERROR"),
    "0011": ("function_search_path_mutable", "WARN"),
    "0013": ("rls_disabled_in_public", "ERROR"),
    "0024": ("rls_policy_always_true", "WARN"),
}

# Schemas splinter never lints (Supabase's and Postgres's own); pg_* schemas are skipped too.
SYSTEM_SCHEMAS: tuple[str, ...] = (
    "_timescaledb_cache",
    "_timescaledb_catalog",
    "_timescaledb_config",
    "_timescaledb_internal",
    "auth",
    "cron",
    "extensions",
    "graphql",
    "graphql_public",
    "information_schema",
    "net",
    "pgmq",
    "pgroonga",
    "pgsodium",
    "pgsodium_masks",
    "pgtle",
    "pgbouncer",
    "pg_catalog",
    "realtime",
    "repack",
    "storage",
    "supabase_functions",
    "supabase_migrations",
    "tiger",
    "topology",
    "vault",
)
# 0003 also lints realtime (policies on realtime.messages); 0024 does not.
_INITPLAN_SKIPPED = tuple(s for s in SYSTEM_SCHEMAS if s != "realtime")

API_ROLES = ("anon", "authenticated")
HOSTED_ONLY_ROLES = ("dashboard_user",)  # on every hosted project, absent from the local shim


class Finding(BaseModel):
    """One problem. `fix` says what to write; `sql` is that SQL when it needs no decision
    (None when the right statement depends on what the table is for)."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    level: Level
    object: str
    message: str
    fix: str
    sql: str | None = None

    def sort_key(self) -> tuple[str, str, str]:
        return (self.id, self.object, self.message)


class VerifyError(MusekitError):
    """Base class; messages never contain a password."""


class UnknownSchemaError(VerifyError):
    exit_code = ExitCode.USAGE


def _finding(check: str, obj: str, message: str, fix: str, sql: str | None = None) -> Finding:
    name, level = CHECKS[check]
    return Finding(id=check, name=name, level=level, object=obj, message=message, fix=fix, sql=sql)


# -- catalog reads ------------------------------------------------------------------------
_NOT_EXTENSION_MEMBER = "not exists (select from pg_catalog.pg_depend d where d.objid = {oid} and d.deptype = 'e')"
_PROJECT_SCHEMA = "(n.nspname <> all(%(skip)s::text[]) and n.nspname not like 'pg\\_%%')"


@dataclass(frozen=True)
class Policy:
    schema: str
    table: str
    qtable: str  # quoted, schema-qualified
    name: str
    qname: str
    rls_enabled: bool
    permissive: bool
    command: str  # SELECT, INSERT, UPDATE, DELETE or ALL
    to_public: bool
    roles: tuple[str, ...]  # quoted role names; empty when to_public
    qual: str | None
    with_check: str | None
    columns: frozenset[str]

    @property
    def object(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def role_list(self) -> str:
        return "public" if self.to_public else ", ".join(self.roles)


POLICIES_SQL = f"""
select n.nspname, c.relname, pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname),
       p.polname, pg_catalog.quote_ident(p.polname), c.relrowsecurity, p.polpermissive,
       case p.polcmd when 'r' then 'SELECT' when 'a' then 'INSERT' when 'w' then 'UPDATE'
                     when 'd' then 'DELETE' else 'ALL' end,
       p.polroles = '{{0}}'::oid[],
       array(select pg_catalog.quote_ident(r.rolname) from pg_catalog.pg_roles r
             where r.oid = any(p.polroles) order by r.rolname),
       pg_catalog.pg_get_expr(p.polqual, p.polrelid),
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid),
       array(select a.attname::text from pg_catalog.pg_attribute a
             where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped)
from pg_catalog.pg_policy p
join pg_catalog.pg_class c on c.oid = p.polrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where c.relkind = 'r' and {_PROJECT_SCHEMA}
order by 1, 2, 4
"""


async def _rows(conn: psycopg.AsyncConnection, query: str, **params: object) -> list[tuple[Any, ...]]:
    cur = await conn.execute(query, params)
    return await cur.fetchall()


async def _policies(conn: psycopg.AsyncConnection) -> list[Policy]:
    rows = await _rows(conn, POLICIES_SQL, skip=list(_INITPLAN_SKIPPED))
    return [
        Policy(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], tuple(r[9]), r[10], r[11], frozenset(r[12]))
        for r in rows
    ]


# -- 0001 unindexed_foreign_keys --------------------------------------------------------------
UNINDEXED_FK_SQL = f"""
select n.nspname || '.' || c.relname, pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname), con.conname,
       array(select pg_catalog.quote_ident(a.attname) from pg_catalog.unnest(con.conkey) with ordinality k(attnum, ord)
             join pg_catalog.pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum
             order by k.ord)
from pg_catalog.pg_constraint con
join pg_catalog.pg_class c on c.oid = con.conrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where con.contype = 'f' and {_PROJECT_SCHEMA} and {_NOT_EXTENSION_MEMBER.format(oid="c.oid")}
  -- covered: a valid index whose leading key columns are the foreign key's, in order
  and not exists (
    select from pg_catalog.pg_index i
    where i.indrelid = con.conrelid and i.indisvalid
      and pg_catalog.cardinality(con.conkey) <= i.indnkeyatts
      and (pg_catalog.string_to_array(i.indkey::text, ' ')::int2[])[1:pg_catalog.cardinality(con.conkey)] = con.conkey)
"""


async def check_unindexed_foreign_keys(conn: psycopg.AsyncConnection, ctx: _Context) -> list[Finding]:
    out = []
    for obj, qtable, fkey, cols in await _rows(conn, UNINDEXED_FK_SQL, skip=list(SYSTEM_SCHEMAS)):
        collist = ", ".join(cols)
        sql = f"create index on {qtable} ({collist});"
        out.append(
            _finding(
                "0001",
                obj,
                f"foreign key {fkey} on {obj} ({collist}) has no index that starts with its columns: joins "
                f"on it and every delete or key update of the referenced row scan the whole table",
                sql,
                sql,
            )
        )
    return out


# -- 0003 auth_rls_initplan ---------------------------------------------------------------------
_CALL = re.compile(r"(?i:(select\s+)?)(auth\.(?:uid|jwt|role|email)\(\)|current_setting\()")


def _closing_paren(text: str, open_at: int) -> int | None:
    """Index of the parenthesis closing the one at `open_at`, skipping quoted literals."""
    depth, i, quote = 0, open_at, None
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def unwrapped_calls(expr: str | None) -> list[str]:
    """auth.<fn>() and current_setting(...) calls not written as `(select ...)`."""
    calls = []
    for m in _CALL.finditer(expr or ""):
        if m.group(1) is None:
            calls.append(m.group(2) if m.group(2).startswith("auth.") else "current_setting()")
    return calls


def wrap_calls(expr: str) -> str | None:
    """`expr` with each unwrapped call written as `(select call)`; None if it cannot be parsed."""
    out, pos = [], 0
    for m in _CALL.finditer(expr):
        if m.group(1) is not None or m.start() < pos:
            continue
        end = m.end(2)
        if m.group(2).startswith("current_setting"):
            close = _closing_paren(expr, m.end(2) - 1)
            if close is None:
                return None
            end = close + 1
        out.append(expr[pos : m.start(2)])
        out.append(f"(select {expr[m.start(2) : end]})")
        pos = end
    out.append(expr[pos:])
    return "".join(out)


def _parenthesized(expr: str) -> str:
    if expr.startswith("(") and _closing_paren(expr, 0) == len(expr) - 1:
        return expr
    return f"({expr})"


def _initplan_finding(p: Policy) -> Finding | None:
    calls = sorted(set(unwrapped_calls(p.qual) + unwrapped_calls(p.with_check)))
    if not calls:
        return None
    clauses, ok = [], True
    for keyword, expr in (("using", p.qual), ("with check", p.with_check)):
        if expr and unwrapped_calls(expr):
            wrapped = wrap_calls(expr)
            ok = ok and wrapped is not None
            clauses.append(f"{keyword} {_parenthesized(wrapped or expr)}")
    shown = ", ".join(calls)
    sql = f"alter policy {p.qname} on {p.qtable} {' '.join(clauses)};" if ok else None
    wrap_hint = ", ".join(f"{c} as (select {c})" for c in calls)
    fix = f"wrap {wrap_hint} in policy {p.name} on {p.object}" + (f": {sql}" if sql else "")
    return _finding(
        "0003",
        p.object,
        f"policy {p.name} on {p.object} calls {shown} once per row; written as (select ...) "
        f"Postgres evaluates it once per query",
        fix,
        sql,
    )


async def check_auth_rls_initplan(conn: psycopg.AsyncConnection, ctx: _Context) -> list[Finding]:
    found = (_initplan_finding(p) for p in ctx.policies if p.rls_enabled)
    return [f for f in found if f is not None]


# -- 0006 multiple_permissive_policies --------------------------------------------------------
MULTIPLE_PERMISSIVE_SQL = f"""
select n.nspname, c.relname, r.rolname, pg_catalog.quote_ident(r.rolname), act.cmd,
       pg_catalog.array_agg(p.polname order by p.polname)
from pg_catalog.pg_policy p
join pg_catalog.pg_class c on c.oid = p.polrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
join pg_catalog.pg_roles r on r.oid = any(p.polroles) or p.polroles = '{{0}}'::oid[]
cross join lateral pg_catalog.unnest(case p.polcmd when 'r' then array['SELECT'] when 'a' then array['INSERT']
                                        when 'w' then array['UPDATE'] when 'd' then array['DELETE']
                                        else array['SELECT', 'INSERT', 'UPDATE', 'DELETE'] end) act(cmd)
where c.relkind = 'r' and p.polpermissive and {_PROJECT_SCHEMA} and {_NOT_EXTENSION_MEMBER.format(oid="c.oid")}
  -- splinter's role filter, wildcards included ('pg_%%' also drops e.g. pgbouncer)
  and r.rolname not like 'pg_%%' and r.rolname not like 'supabase%%admin' and not r.rolbypassrls
group by n.nspname, c.relname, r.rolname, act.cmd
having pg_catalog.count(*) > 1
"""


def _effective_check(p: Policy) -> str | None:
    return p.with_check if p.with_check is not None else p.qual


def _all_present(expressions: list[str | None]) -> list[str] | None:
    present = [e for e in expressions if e is not None]
    return present if len(present) == len(expressions) else None


def _merged_policy_sql(policies: list[Policy], action: str, existing: set[str]) -> str | None:
    """One policy equivalent to several permissive ones (their expressions OR'd), or None when
    they differ in command or roles and merging needs a decision."""
    first = policies[0]
    if any(p.command != action or (p.to_public, p.roles) != (first.to_public, first.roles) for p in policies):
        return None
    using = _all_present([p.qual for p in policies] if action != "INSERT" else [])
    checks = _all_present([_effective_check(p) for p in policies] if action in ("INSERT", "UPDATE") else [])
    if using is None or checks is None:
        return None
    name = f"{first.table}_{action.lower()}"
    while name in existing:
        name += "_merged"
    parts = [f'create policy "{name.replace(chr(34), chr(34) * 2)}" on {first.qtable} for {action.lower()}']
    if not first.to_public:
        parts.append(f"to {', '.join(first.roles)}")
    if using:
        parts.append(f"using ({' or '.join(_parenthesized(e) for e in using)})")
    if checks:
        parts.append(f"with check ({' or '.join(_parenthesized(e) for e in checks)})")
    drops = " ".join(f"drop policy {p.qname} on {p.qtable};" for p in policies)
    return " ".join(parts) + "; " + drops


async def check_multiple_permissive_policies(conn: psycopg.AsyncConnection, ctx: _Context) -> list[Finding]:
    groups: dict[tuple[str, str, str, tuple[str, ...]], list[str]] = defaultdict(list)
    for schema, table, _role, qrole, action, names in await _rows(
        conn, MULTIPLE_PERMISSIVE_SQL, skip=list(SYSTEM_SCHEMAS)
    ):
        groups[(schema, table, action, tuple(names))].append(qrole)
    by_name = {(p.schema, p.table, p.name): p for p in ctx.policies}
    out = []
    for (schema, table, action, names), roles in groups.items():
        policies = [by_name[(schema, table, n)] for n in names]
        out.append(_multiple_permissive_finding(policies, action, sorted(roles), ctx))
    return out


def _multiple_permissive_finding(policies: list[Policy], action: str, roles: list[str], ctx: _Context) -> Finding:
    obj = policies[0].object
    names = ", ".join(p.name for p in policies)
    hosted = [r for r in HOSTED_ONLY_ROLES if r not in ctx.roles]
    note = (
        f" (a hosted project also reports {', '.join(hosted)})" if hosted and all(p.to_public for p in policies) else ""
    )
    existing = {p.name for p in ctx.policies if p.object == obj}
    sql = _merged_policy_sql(policies, action, existing)
    if sql:
        fix = f"merge them into one policy (same rows allowed): {sql}"
    else:
        fix = (
            f"keep one permissive policy per role and action on {obj}: OR their conditions into one "
            f"policy for {action.lower()}, give the policies disjoint `to` roles, or make a policy that "
            f"only narrows access `as restrictive`; a `for all` policy among {names} must be split "
            f"into separate insert, update and delete policies"
        )
    return _finding(
        "0006",
        obj,
        f"{obj} has {len(policies)} permissive policies for {action} that apply to the same roles "
        f"({', '.join(roles)}{note}): {names}; Postgres evaluates every one of them for each row",
        fix,
        sql,
    )


# -- 0007 policy_exists_rls_disabled, 0008 rls_enabled_no_policy, 0013 rls_disabled_in_public ---
RLS_SQL = f"""
select n.nspname, n.nspname || '.' || c.relname, pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname),
       c.relrowsecurity,
       array(select p.polname from pg_catalog.pg_policy p where p.polrelid = c.oid order by p.polname),
       array(select r.rolname || ':' || priv
             from pg_catalog.pg_roles r
             cross join pg_catalog.unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE']) priv
             where r.rolname = any(%(api)s::text[]) and pg_catalog.has_table_privilege(r.oid, c.oid, priv)
             order by r.rolname, priv),
       array(select a.attname::text from pg_catalog.pg_attribute a
             where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped),
       {_NOT_EXTENSION_MEMBER.format(oid="c.oid")}
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where c.relkind = 'r' and {_PROJECT_SCHEMA}
"""


@dataclass(frozen=True)
class Table:
    schema: str
    object: str
    qtable: str
    rls_enabled: bool
    policies: tuple[str, ...]
    api_privileges: tuple[str, ...]  # "anon:SELECT", ...
    columns: frozenset[str]
    own: bool  # not a member of an extension


async def _tables(conn: psycopg.AsyncConnection) -> list[Table]:
    rows = await _rows(conn, RLS_SQL, skip=list(SYSTEM_SCHEMAS), api=list(API_ROLES))
    return [Table(r[0], r[1], r[2], r[3], tuple(r[4]), tuple(r[5]), frozenset(r[6]), r[7]) for r in rows]


def _exposure(privileges: Sequence[str], kind: str) -> str:
    if not privileges:
        return f"no API role has a privilege on it yet, so the first grant exposes every row of the {kind}"
    by_role: dict[str, list[str]] = defaultdict(list)
    for item in privileges:
        role, priv = item.split(":")
        by_role[role].append(priv.lower())
    return "; ".join(f"{role} can already {'/'.join(privs)} every row" for role, privs in sorted(by_role.items()))


def _row_condition(columns: frozenset[str], ctx: _Context) -> str:
    if "user_id" in columns:
        return "user_id = (select auth.uid())"
    if "org_id" in columns and ctx.has_org_member_helper:
        return "(select private.is_org_member(org_id))"
    return "<condition on the row, e.g. owner_id = (select auth.uid())>"


async def check_rls_tables(conn: psycopg.AsyncConnection, ctx: _Context) -> list[Finding]:
    """0007, 0008 and 0013 read the same rows."""
    out = []
    for t in ctx.tables:
        enable = f"alter table {t.qtable} enable row level security;"
        if t.own and not t.rls_enabled and t.policies:
            out.append(
                _finding(
                    "0007",
                    t.object,
                    f"{t.object} has policies ({', '.join(t.policies)}) but row level security is disabled, so "
                    f"they are ignored; {_exposure(t.api_privileges, 'table')}",
                    enable,
                    enable,
                )
            )
        if t.own and t.rls_enabled and not t.policies:
            cond = _row_condition(t.columns, ctx)
            out.append(
                _finding(
                    "0008",
                    t.object,
                    f"{t.object} has row level security enabled but no policy: anon and authenticated get no "
                    f"row (only service_role and the owner do)",
                    f'if the API should reach it, add a policy, e.g. create policy "{t.object.split(".", 1)[1]}_select" '
                    f"on {t.qtable} for select to authenticated using ({cond}); if only the server may, "
                    f"nothing to do (service_role bypasses RLS)",
                )
            )
        if t.schema in ctx.exposed and not t.rls_enabled:
            out.append(
                _finding(
                    "0013",
                    t.object,
                    f"{t.object} is in a schema the Data API exposes but row level security is disabled; "
                    f"{_exposure(t.api_privileges, 'table')}",
                    f"{enable} then add policies for what anon and authenticated may do "
                    f"(with none, only service_role reaches it)",
                    enable,
                )
            )
    return out


# -- 0010 security_definer_view ---------------------------------------------------------------
DEFINER_VIEW_SQL = f"""
select n.nspname || '.' || c.relname, pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname),
       array(select r.rolname || ':SELECT' from pg_catalog.pg_roles r
             where r.rolname = any(%(api)s::text[]) and pg_catalog.has_table_privilege(r.oid, c.oid, 'SELECT')
             order by r.rolname)
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where c.relkind = 'v' and n.nspname = any(%(exposed)s::text[]) and {_PROJECT_SCHEMA}
  and {_NOT_EXTENSION_MEMBER.format(oid="c.oid")}
  and not (pg_catalog.lower(coalesce(c.reloptions::text, '{{}}'))::text[]
           && array['security_invoker=1', 'security_invoker=true', 'security_invoker=yes', 'security_invoker=on'])
"""


async def check_security_definer_views(conn: psycopg.AsyncConnection, ctx: _Context) -> list[Finding]:
    if conn.info.server_version < 150000:  # security_invoker exists since PostgreSQL 15
        return []
    out = []
    rows = await _rows(
        conn, DEFINER_VIEW_SQL, skip=list(SYSTEM_SCHEMAS), api=list(API_ROLES), exposed=list(ctx.exposed)
    )
    for obj, qview, privileges in rows:
        sql = f"alter view {qview} set (security_invoker = true);"
        out.append(
            _finding(
                "0010",
                obj,
                f"view {obj} runs with its owner's rights (no security_invoker), so it bypasses the row level "
                f"security of the tables it reads; {_exposure(privileges, 'view')}",
                sql,
                sql,
            )
        )
    return out


# -- 0011 function_search_path_mutable ----------------------------------------------------------
MUTABLE_SEARCH_PATH_SQL = f"""
select n.nspname || '.' || p.proname, pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname),
       pg_catalog.pg_get_function_identity_arguments(p.oid), p.prokind = 'p'
from pg_catalog.pg_proc p
join pg_catalog.pg_namespace n on n.oid = p.pronamespace
where p.prokind in ('f', 'p') and {_PROJECT_SCHEMA} and {_NOT_EXTENSION_MEMBER.format(oid="p.oid")}
  and not exists (select from pg_catalog.unnest(coalesce(p.proconfig, '{{}}')) cfg where cfg like 'search\\_path=%%')
"""


async def check_function_search_path(conn: psycopg.AsyncConnection, ctx: _Context) -> list[Finding]:
    out = []
    for obj, qname, args, is_procedure in await _rows(conn, MUTABLE_SEARCH_PATH_SQL, skip=list(SYSTEM_SCHEMAS)):
        signature = f"{obj}({args})"
        sql = f"alter {'procedure' if is_procedure else 'function'} {qname}({args}) set search_path = '';"
        out.append(
            _finding(
                "0011",
                obj,
                f"{'procedure' if is_procedure else 'function'} {signature} has no search_path setting, so the "
                f"names in its body resolve through whatever search_path the caller has",
                f"{sql} and write every table, type and function in its body schema-qualified (public.x, auth.uid())",
                sql,
            )
        )
    return out


# -- 0024 rls_policy_always_true ----------------------------------------------------------------
_ALWAYS_TRUE = {"true", "(true)", "1=1", "(1=1)"}


def _always_true(expr: str | None) -> bool:
    return re.sub(r"\s", "", (expr or "").lower()) in _ALWAYS_TRUE


def always_true_clauses(p: Policy) -> list[str]:
    """Which of USING / WITH CHECK let every row through, as splinter 0024 decides it."""
    if not (p.rls_enabled and p.permissive and (p.to_public or set(p.roles) & set(API_ROLES))):
        return []
    clauses = []
    if p.command in ("UPDATE", "DELETE", "ALL") and (_always_true(p.qual) or p.qual is None):
        clauses.append("using")
    if (
        _always_true(p.with_check)
        or (p.with_check is None and p.command == "INSERT")
        or (p.with_check is None and p.command in ("UPDATE", "ALL") and _always_true(p.qual))
    ):
        clauses.append("with check")
    return clauses


async def check_policies_always_true(conn: psycopg.AsyncConnection, ctx: _Context) -> list[Finding]:
    out = []
    for p in ctx.policies:
        clauses = always_true_clauses(p)
        if not clauses or p.schema == "realtime":
            continue
        cond = _row_condition(p.columns, ctx)
        new = " ".join(f"{c} ({cond})" for c in clauses)
        out.append(
            _finding(
                "0024",
                p.object,
                f"policy {p.name} on {p.object} lets {p.role_list} {p.command.lower()} any row: its "
                f"{' and '.join(c.upper() for c in clauses)} is always true",
                f"restrict it to the rows the user owns: alter policy {p.qname} on {p.qtable} {new}; "
                f"or, if only the server writes this table, drop policy {p.qname} on {p.qtable}; "
                f"(service_role bypasses RLS)",
            )
        )
    return out


# -- running ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Context:
    exposed: tuple[str, ...]
    policies: list[Policy]
    tables: list[Table]
    roles: frozenset[str]
    has_org_member_helper: bool


_CHECK_FUNCTIONS = (
    check_unindexed_foreign_keys,
    check_auth_rls_initplan,
    check_multiple_permissive_policies,
    check_rls_tables,
    check_security_definer_views,
    check_function_search_path,
    check_policies_always_true,
)


async def _context(conn: psycopg.AsyncConnection, exposed: tuple[str, ...]) -> _Context:
    roles = frozenset(r[0] for r in await _rows(conn, "select rolname::text from pg_catalog.pg_roles"))
    helper = await _rows(conn, "select pg_catalog.to_regprocedure('private.is_org_member(uuid)') is not null")
    return _Context(exposed, await _policies(conn), await _tables(conn), roles, bool(helper[0][0]))


async def _require_schemas(conn: psycopg.AsyncConnection, schemas: tuple[str, ...]) -> None:
    found = {
        r[0]
        for r in await _rows(
            conn,
            "select nspname::text from pg_catalog.pg_namespace where nspname = any(%(s)s::text[])",
            s=list(schemas),
        )
    }
    missing = [s for s in schemas if s not in found]
    if missing:
        raise UnknownSchemaError(
            f"schema {', '.join(missing)} does not exist in this database; "
            f"pass the schemas the Data API exposes (default: public)"
        )


async def run_lints(conn: psycopg.AsyncConnection, schemas: Sequence[str] = ("public",)) -> list[Finding]:
    """All checks, sorted by (id, object, message). `schemas`: the schemas the Data API exposes."""
    exposed = tuple(dict.fromkeys(schemas))
    async with conn.transaction():
        # search_path pg_catalog only (pg_temp last): policy expressions and fixes deparse with every
        # other name schema-qualified (`auth.uid()` spelled out whatever the role's search_path is),
        # and objects named like catalog ones (a public.lower() after `alter database ... set
        # search_path = public, pg_catalog`) never answer for them. Catalog names are qualified too.
        cur = await conn.execute(
            "select pg_catalog.current_setting('search_path'), pg_catalog.current_setting('standard_conforming_strings'),"
            " pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true),"
            " pg_catalog.set_config('standard_conforming_strings', 'on', true)"
        )
        row = await cur.fetchone()
        assert row is not None  # a SELECT without FROM returns exactly one row
        previous = row[:2]
        try:
            await _require_schemas(conn, exposed)
            ctx = await _context(conn, exposed)
            findings = [f for check in _CHECK_FUNCTIONS for f in await check(conn, ctx)]
        finally:
            await conn.execute(
                "select pg_catalog.set_config('search_path', %s, true),"
                " pg_catalog.set_config('standard_conforming_strings', %s, true)",
                previous,
            )
    return sorted(findings, key=Finding.sort_key)


async def verify_url(url: str, schemas: Sequence[str] = ("public",)) -> list[Finding]:
    """Connect to `url`, run every check, close. Raises InvalidDatabaseUrl, DatabaseConnectError
    or UnknownSchemaError (messages without the password)."""
    conn = await connect(url)
    async with conn:
        return await run_lints(conn, schemas)
