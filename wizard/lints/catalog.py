"""Catalog reads the lints share, and the context every check gets.

Every query runs with `search_path = pg_catalog, pg_temp` (see runner) and names every catalog
relation and function `pg_catalog.`-qualified, so objects named like catalog ones never answer
for them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import JsonValue

if TYPE_CHECKING:
    import psycopg

# Schemas splinter never lints (Supabase's and Postgres's own). musekit also skips pg_toast and
# the pg_temp_N schemas (other sessions' temporary tables), which splinter would report.
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
# 0003 also lints realtime (policies on realtime.messages).
INITPLAN_SKIPPED: tuple[str, ...] = tuple(s for s in SYSTEM_SCHEMAS if s != "realtime")

API_ROLES = ("anon", "authenticated")
HOSTED_ONLY_ROLES = ("dashboard_user",)  # on every hosted project, absent from the local shim

# SQL fragments. `%(skip)s` is bound to SYSTEM_SCHEMAS (or INITPLAN_SKIPPED); `%%` is a literal %.
PROJECT_SCHEMA = "(n.nspname <> all(%(skip)s::text[]) and n.nspname not like 'pg\\_%%')"
EXPOSED_SCHEMA = f"(n.nspname = any(%(exposed)s::text[]) and {PROJECT_SCHEMA})"
QUOTED_RELATION = "pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname)"


def not_extension_member(oid: str) -> str:
    return f"not exists (select from pg_catalog.pg_depend d where d.objid = {oid} and d.deptype = 'e')"


def api_role_can(privilege: str, oid: str = "c.oid") -> str:
    """True when anon or authenticated holds `privilege` on relation `oid` (missing roles: false)."""
    return (
        "exists (select from pg_catalog.pg_roles r where r.rolname in ('anon', 'authenticated') "
        f"and pg_catalog.has_table_privilege(r.oid, {oid}, '{privilege}'))"
    )


def api_privileges(kind: str = "table", oid: str = "c.oid") -> str:
    """An array of `role:PRIVILEGE` items the API roles hold on relation `oid`."""
    privileges = "array['SELECT', 'INSERT', 'UPDATE', 'DELETE']" if kind == "table" else "array['SELECT']"
    return f"""array(select r.rolname || ':' || priv
             from pg_catalog.pg_roles r
             cross join pg_catalog.unnest({privileges}) priv
             where r.rolname = any(%(api)s::text[]) and pg_catalog.has_table_privilege(r.oid, {oid}, priv)
             order by r.rolname, priv)"""


Rows = list[tuple[Any, ...]]
Query = tuple[str, dict[str, object]]

# While the runner asks a check which query it sends first (FirstQuery), and the rows it fetched ahead
# for those queries (each served once; any other query goes to the server as it comes).
_ASKING: ContextVar[bool] = ContextVar("musekit_lints_asking", default=False)
_FETCHED: ContextVar[dict[str, Rows] | None] = ContextVar("musekit_lints_fetched", default=None)


class FirstQuery(Exception):
    """Raised by rows() while a check is only asked which query it sends first."""

    def __init__(self, query: str, params: dict[str, object]) -> None:
        super().__init__(query)
        self.query, self.params = query, params


def _key(query: str, params: dict[str, object]) -> str:
    return f"{query}\x00{sorted(params.items())!r}"


async def rows(conn: psycopg.AsyncConnection, query: str, **params: object) -> Rows:
    if _ASKING.get():
        raise FirstQuery(query, params)
    fetched = _FETCHED.get()
    if fetched is not None and (ahead := fetched.pop(_key(query, params), None)) is not None:
        return ahead
    cur = await conn.execute(query, params)
    return await cur.fetchall()


async def first_query(
    run: Callable[[psycopg.AsyncConnection, Context], Awaitable[object]], conn: psycopg.AsyncConnection, ctx: Context
) -> Query | None:
    """The query `run` sends first (it goes no further), or None when it reads no rows (the context only)."""
    token = _ASKING.set(True)
    try:
        await run(conn, ctx)
    except FirstQuery as asked:
        return asked.query, asked.params
    finally:
        _ASKING.reset(token)
    return None


@asynccontextmanager
async def fetched_ahead(conn: psycopg.AsyncConnection, queries: Sequence[Query]) -> AsyncIterator[None]:
    """Within the block, rows() answers these queries from one round trip (a pipeline) made now: a lint
    run costs one round trip for its checks' first queries instead of one per check."""
    async with conn.pipeline():
        cursors = [await conn.execute(query, params) for query, params in queries]
        results = [await cur.fetchall() for cur in cursors]
    token = _FETCHED.set({_key(q, p): r for (q, p), r in zip(queries, results, strict=True)})
    try:
        yield
    finally:
        _FETCHED.reset(token)


def params(ctx: Context, skip: Sequence[str] = SYSTEM_SCHEMAS) -> dict[str, object]:
    """The parameters the fragments above use."""
    return {"skip": list(skip), "exposed": list(ctx.exposed), "api": list(API_ROLES)}


# -- policies ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Policy:
    schema: str
    table: str
    qtable: str  # quoted, schema-qualified
    relkind: str
    own: bool  # the table is not a member of an extension
    name: str
    qname: str
    rls_enabled: bool
    permissive: bool
    command: str  # SELECT, INSERT, UPDATE, DELETE or ALL
    to_public: bool
    roles: tuple[str, ...]  # quoted role names; empty when to_public
    role_names: tuple[str, ...]  # as splinter prints them: regrole names, `-` for PUBLIC
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
select n.nspname, c.relname, {QUOTED_RELATION}, c.relkind::text, {not_extension_member("c.oid")},
       p.polname, pg_catalog.quote_ident(p.polname), c.relrowsecurity, p.polpermissive,
       case p.polcmd when 'r' then 'SELECT' when 'a' then 'INSERT' when 'w' then 'UPDATE'
                     when 'd' then 'DELETE' else 'ALL' end,
       p.polroles = '{{0}}'::oid[],
       array(select pg_catalog.quote_ident(r.rolname) from pg_catalog.pg_roles r
             where r.oid = any(p.polroles) order by r.rolname),
       array(select x.r::pg_catalog.regrole::text from pg_catalog.unnest(p.polroles) x(r)),
       pg_catalog.pg_get_expr(p.polqual, p.polrelid),
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid),
       array(select a.attname::text from pg_catalog.pg_attribute a
             where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped)
from pg_catalog.pg_policy p
join pg_catalog.pg_class c on c.oid = p.polrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where {PROJECT_SCHEMA}
order by 1, 2, 6
"""


async def read_policies(conn: psycopg.AsyncConnection) -> list[Policy]:
    """Policies on every kind of table in the schemas 0003 reads (the widest set of any lint)."""
    found = await rows(conn, POLICIES_SQL, skip=list(INITPLAN_SKIPPED))
    return [_policy(*r) for r in found]


def _policy(*r: Any) -> Policy:
    schema, table, qtable, relkind, own, name, qname, rls, permissive, command, to_public = r[:11]
    roles, role_names, qual, with_check, columns = r[11:]
    return Policy(
        schema, table, qtable, relkind, own, name, qname, rls, permissive, command, to_public,
        tuple(roles), tuple(role_names), qual, with_check, frozenset(columns),
    )  # fmt: skip


# -- the context ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Context:
    exposed: tuple[str, ...]  # the schemas the Data API serves
    policies: list[Policy]
    roles: frozenset[str]
    has_org_member_helper: bool
    extensions: frozenset[str]  # installed
    schemas: frozenset[str]  # existing
    storage_buckets: bool  # storage.buckets exists (Supabase Storage)
    server_version: int


async def read_context(conn: psycopg.AsyncConnection, exposed: tuple[str, ...]) -> Context:
    facts = await rows(
        conn,
        """select array(select rolname::text from pg_catalog.pg_roles),
                  pg_catalog.to_regprocedure('private.is_org_member(uuid)') is not null,
                  array(select extname::text from pg_catalog.pg_extension),
                  array(select nspname::text from pg_catalog.pg_namespace),
                  pg_catalog.to_regclass('storage.buckets') is not null""",
    )
    roles, helper, extensions, schemas, buckets = facts[0]
    return Context(
        exposed=exposed,
        policies=await read_policies(conn),
        roles=frozenset(roles),
        has_org_member_helper=bool(helper),
        extensions=frozenset(extensions),
        schemas=frozenset(schemas),
        storage_buckets=bool(buckets),
        server_version=conn.info.server_version,
    )


# -- wording shared by several lints ------------------------------------------------------------
def exposure(privileges: Sequence[str], kind: str) -> str:
    """What the API roles can already do with a relation, from `role:PRIVILEGE` items."""
    if not privileges:
        return f"no API role has a privilege on it yet, so the first grant exposes every row of the {kind}"
    by_role: dict[str, list[str]] = defaultdict(list)
    for item in privileges:
        role, priv = item.split(":")
        by_role[role].append(priv.lower())
    return "; ".join(f"{role} can already {'/'.join(privs)} every row" for role, privs in sorted(by_role.items()))


def row_condition(columns: frozenset[str], ctx: Context) -> str:
    """A row condition to suggest for a table with these columns."""
    if "user_id" in columns:
        return "user_id = (select auth.uid())"
    if "org_id" in columns and ctx.has_org_member_helper:
        return "(select private.is_org_member(org_id))"
    return "<condition on the row, e.g. owner_id = (select auth.uid())>"


def table_metadata(schema: str, name: str, kind: str = "table") -> dict[str, JsonValue]:
    return {"schema": schema, "name": name, "type": kind}
