"""Running the lints: which schemas the Data API exposes, the session they run in, the report."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from wizard.lints.catalog import fetched_ahead, first_query, read_context, rows
from wizard.lints.model import Finding, Level, NotApplicable, Report, UnknownSchemaError
from wizard.lints.registry import CHECK_LIST, LINTS_BY_ID
from wizard.pg import connect

if TYPE_CHECKING:
    import psycopg

# What PostgREST serves on a hosted project unless the dashboard's API settings say otherwise.
PLATFORM_DEFAULT_SCHEMAS = ("public", "graphql_public")

# pgrst.db_schemas as this session sees it, else as PostgREST's own role (authenticator) has it
# set in the database (PostgREST's in-database configuration), this database's setting first.
DB_SCHEMAS_SQL = """
select coalesce(
  nullif(pg_catalog.current_setting('pgrst.db_schemas', true), ''),
  (select pg_catalog.substr(cfg, pg_catalog.length('pgrst.db_schemas=') + 1)
   from pg_catalog.pg_db_role_setting s
   join pg_catalog.pg_roles r on r.oid = s.setrole and r.rolname = 'authenticator'
   cross join pg_catalog.unnest(s.setconfig) cfg
   where cfg like 'pgrst.db\\_schemas=%%'
     and s.setdatabase in (0, (select d.oid from pg_catalog.pg_database d
                               where d.datname = pg_catalog.current_database()))
   order by s.setdatabase desc
   limit 1))
"""


async def exposed_schemas(conn: psycopg.AsyncConnection, schemas: Sequence[str] | None) -> tuple[tuple[str, ...], str]:
    """The schemas the Data API serves, and where that came from. Given `schemas` must exist."""
    if schemas:
        wanted = tuple(dict.fromkeys(s.strip() for s in schemas if s.strip()))
        await _require_schemas(conn, wanted)
        return wanted, "--schemas"
    setting = (await rows(conn, DB_SCHEMAS_SQL))[0][0]
    if not setting:
        return PLATFORM_DEFAULT_SCHEMAS, "the platform default: pgrst.db_schemas is not set"
    return tuple(dict.fromkeys(s.strip() for s in setting.split(",") if s.strip())), "pgrst.db_schemas"


async def _require_schemas(conn: psycopg.AsyncConnection, schemas: tuple[str, ...]) -> None:
    found = {
        r[0]
        for r in await rows(
            conn,
            "select nspname::text from pg_catalog.pg_namespace where nspname = any(%(s)s::text[])",
            s=list(schemas),
        )
    }
    missing = [s for s in schemas if s not in found]
    if missing:
        raise UnknownSchemaError(
            f"schema {', '.join(missing)} does not exist in this database; "
            f"pass the schemas the Data API exposes (default: pgrst.db_schemas, else public, graphql_public)"
        )


async def run_report(
    conn: psycopg.AsyncConnection, schemas: Sequence[str] | None = None, levels: Collection[Level] | None = None
) -> Report:
    """Every lint, or those of `levels` (a check none of whose lints has one of them does not run).
    `schemas`: the schemas the Data API exposes (None: read them as splinter does)."""
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
            return await _run(conn, schemas, levels)
        finally:
            await conn.execute(
                "select pg_catalog.set_config('search_path', %s, true),"
                " pg_catalog.set_config('standard_conforming_strings', %s, true)",
                previous,
            )


async def _run(
    conn: psycopg.AsyncConnection, schemas: Sequence[str] | None, levels: Collection[Level] | None
) -> Report:
    exposed, source = await exposed_schemas(conn, schemas)
    ctx = await read_context(conn, exposed)
    found: list[Finding] = []
    not_applicable: list[NotApplicable] = []
    checks = [c for c in CHECK_LIST if levels is None or any(lint.level in levels for lint in c.lints)]
    runnable = [c for c in checks if not (c.requires and c.requires(ctx))]
    first = [q for c in runnable if (q := await first_query(c.run, conn, ctx)) is not None]
    async with fetched_ahead(conn, first):
        for check in checks:
            reason = check.requires(ctx) if check.requires else None
            if reason:
                not_applicable += [NotApplicable(lint, reason) for lint in check.lints]
            else:
                found += await check.run(conn, ctx)
    found = sorted((f for f in found if levels is None or f.level in levels), key=Finding.sort_key)
    counted = [f for f in found if LINTS_BY_ID[f.id].counts]
    advisory = [f for f in found if not LINTS_BY_ID[f.id].counts]
    ran = sum(len(c.lints) for c in checks) - len(not_applicable)
    return Report(counted, advisory, not_applicable, exposed, source, ran)


async def run_lints(conn: psycopg.AsyncConnection, schemas: Sequence[str] | None = None) -> list[Finding]:
    """The findings that count against a clean database, sorted by (id, object, message)."""
    return (await run_report(conn, schemas)).findings


async def report_url(url: str, schemas: Sequence[str] | None = None) -> Report:
    """Connect to `url`, run every lint, close. Raises InvalidDatabaseUrl, DatabaseConnectError or
    UnknownSchemaError (messages without the password)."""
    conn = await connect(url)
    async with conn:
        return await run_report(conn, schemas)


async def verify_url(url: str, schemas: Sequence[str] | None = None) -> list[Finding]:
    """The findings that count (every lint but 0005 unused_index) at `url`."""
    return (await report_url(url, schemas)).findings
