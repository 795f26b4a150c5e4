"""Lints on what a hosted project has beyond Postgres: 0019 insecure_queue_exposed_in_api (Supabase
Queues, pgmq), 0025 public_bucket_allows_listing (Supabase Storage), 0026 and 0027
pg_graphql_*_table_exposed (pg_graphql). Each runs when its feature is there, and is reported as
not applicable, with the reason, when it is not (the embedded server has none of them)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from wizard.lints.catalog import PROJECT_SCHEMA, QUOTED_RELATION, SYSTEM_SCHEMAS, Context, rows, table_metadata
from wizard.lints.model import Finding, Lint

if TYPE_CHECKING:
    import psycopg

INSECURE_QUEUE = Lint(
    "0019",
    "insecure_queue_exposed_in_api",
    "Insecure Queue Exposed in API",
    "ERROR",
    ("SECURITY",),
    "Detects cases where an insecure Queue is exposed over Data APIs",
)
PUBLIC_BUCKET_LISTING = Lint(
    "0025",
    "public_bucket_allows_listing",
    "Public Bucket Allows Listing",
    "WARN",
    ("SECURITY",),
    "Detects public storage buckets with a broad SELECT policy on `storage.objects`, which allows clients to list "
    "all files in the bucket.",
)
GRAPHQL_ANON = Lint(
    "0026",
    "pg_graphql_anon_table_exposed",
    "Public Can See Object in GraphQL Schema",
    "WARN",
    ("SECURITY",),
    "Detects tables, views, materialized views, and foreign tables that are visible in the GraphQL schema to anyone "
    "using your public anon key. Revoke `SELECT` from `anon` for objects that should not be discoverable before "
    "sign-in, and check lint 0027 for the matching signed-in-user exposure.",
)
GRAPHQL_AUTHENTICATED = Lint(
    "0027",
    "pg_graphql_authenticated_table_exposed",
    "Signed-In Users Can See Object in GraphQL Schema",
    "WARN",
    ("SECURITY",),
    "Detects tables, views, materialized views, and foreign tables that are visible in the GraphQL schema to "
    "signed-in users. Revoke `SELECT` from `authenticated` for objects that signed-in users should not discover, "
    "and check lint 0026 for the matching public exposure.",
)


# -- what each needs ------------------------------------------------------------------------------
def needs_pgmq(ctx: Context) -> str | None:
    return None if "pgmq" in ctx.schemas else "Supabase Queues (pgmq) is not installed: there is no pgmq schema"


def needs_storage(ctx: Context) -> str | None:
    return None if ctx.storage_buckets else "Supabase Storage is not set up: there is no storage.buckets table"


def needs_graphql(ctx: Context) -> str | None:
    if "pg_graphql" in ctx.extensions:
        return None
    return "pg_graphql is not installed (a hosted project has it unless it was disabled)"


# -- 0019 insecure_queue_exposed_in_api ------------------------------------------------------------
# splinter's `like 'q_%%'`: `_` is any character, so every pgmq table starting with q matches
QUEUE_SQL = f"""
select n.nspname, c.relname, {QUOTED_RELATION}
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where c.relkind = 'r' and not c.relrowsecurity and n.nspname = 'pgmq' and c.relname like 'q_%%'
  and exists (select from pg_catalog.pg_roles r where r.rolname in ('anon', 'authenticated')
              and pg_catalog.has_table_privilege(r.oid, c.oid, 'SELECT'))
order by 1, 2
"""


async def check_insecure_queues(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    if "pgmq_public" not in ctx.exposed:
        return []
    out = []
    for schema, name, qname in await rows(conn, QUEUE_SQL):
        enable = f"alter table {qname} enable row level security;"
        out.append(
            INSECURE_QUEUE.finding(
                obj=f"{schema}.{name}",
                detail=f"Table `{schema}.{name}` is public, but RLS has not been enabled.",
                metadata=table_metadata(schema, name),
                cache_key=f"rls_disabled_in_public_{schema}_{name}",  # sic: splinter reuses 0013's key
                message=f"queue table {schema}.{name} has no row level security and the API roles can select it, "
                f"while pgmq_public (the Queues API) is exposed: anyone with the anon key can read its messages",
                fix=f"{enable} then add policies for who may read and send messages",
                sql=enable,
            )
        )
    return out


# -- 0025 public_bucket_allows_listing -------------------------------------------------------------
BUCKETS_SQL = "select id::text, name::text from storage.buckets where public = true order by id"
OBJECT_POLICIES_SQL = """
select p.polname::text, pg_catalog.pg_get_expr(p.polqual, p.polrelid)
from pg_catalog.pg_policy p
join pg_catalog.pg_class c on c.oid = p.polrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where n.nspname = 'storage' and c.relname = 'objects' and p.polpermissive and p.polcmd in ('r', '*')
  and (0 = any(p.polroles)
       or exists (select from pg_catalog.pg_roles r
                  where r.oid = any(p.polroles) and r.rolname in ('anon', 'authenticated')))
order by 1
"""
_BUCKET_ONLY = re.compile(r"\A\s*\(*\s*bucket_id\s*=\s*('(?:[^']|'')*')(\s*::\s*[\w.]+)?\s*\)*\s*\Z", re.I)
_ALWAYS_TRUE = {"true", "(true)", "1=1", "(1=1)"}


def lists_bucket(qual: str | None, bucket_id: str) -> bool:
    """The policy lets a client list every object of the bucket: no condition, an always-true one,
    or only `bucket_id = '<this bucket>'`."""
    if qual is None or qual.lower().replace(" ", "").replace("\n", "").replace("\t", "") in _ALWAYS_TRUE:
        return True
    match = _BUCKET_ONLY.match(qual)
    return match is not None and match.group(1) == "'" + bucket_id.replace("'", "''") + "'"


async def check_public_bucket_listing(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    policies = await rows(conn, OBJECT_POLICIES_SQL)
    out = []
    for bucket_id, bucket_name in await rows(conn, BUCKETS_SQL):
        names = [name for name, qual in policies if lists_bucket(qual, bucket_id)]
        if not names:
            continue
        plural = "policy" if len(names) == 1 else "policies"
        out.append(
            PUBLIC_BUCKET_LISTING.finding(
                obj=f"storage bucket {bucket_name}",
                detail=f"Public bucket `{bucket_name}` has {len(names)} broad SELECT {plural} on `storage.objects` "
                f"({', '.join(names)}), allowing clients to list all files. Public buckets don't need this for "
                f"object URL access and it may expose more data than intended.",
                metadata={
                    "schema": "storage",
                    "name": bucket_name,
                    "type": "bucket",
                    "bucket_id": bucket_id,
                    "bucket_name": bucket_name,
                    "policy_names": names,
                    "policy_count": len(names),
                },
                cache_key=f"public_bucket_allows_listing_{bucket_id}",
                message=f"public bucket {bucket_name}: {', '.join(names)} let anyone list every file in it; public "
                f"object URLs work without a SELECT policy",
                fix=f"drop the broad {plural} ({', '.join(names)}) on storage.objects, or narrow them to the "
                f"caller's own folder, e.g. using (bucket_id = '{bucket_id}' and (storage.foldername(name))[1] = "
                f"(select auth.uid())::text)",
            )
        )
    return out


# -- 0026 / 0027 pg_graphql_*_table_exposed --------------------------------------------------------
# pg_graphql shows a relation when the role can select any of its columns.
GRAPHQL_SQL = f"""
select n.nspname, c.relname, {QUOTED_RELATION},
       case c.relkind when 'r' then 'table' when 'v' then 'view' when 'm' then 'materialized view'
                      else 'foreign table' end
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
join pg_catalog.pg_roles r on r.rolname = %(role)s
where c.relkind in ('r', 'v', 'm', 'f') and {PROJECT_SCHEMA}
  and exists (select from pg_catalog.pg_attribute a
              where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                and pg_catalog.has_column_privilege(r.oid, c.oid, a.attnum, 'SELECT'))
order by 1, 2
"""


async def _graphql_exposed(conn: psycopg.AsyncConnection, lint: Lint, role: str) -> list[Finding]:
    who = "to anyone with the anon key" if role == "anon" else "to every signed-in user"
    out = []
    for schema, name, qname, kind in await rows(conn, GRAPHQL_SQL, skip=list(SYSTEM_SCHEMAS), role=role):
        detail = (
            f"{kind} `{schema}.{name}` is visible in the GraphQL schema because the `anon` role can `SELECT` it. "
            f"Revoke `SELECT` from `anon` if it should not be discoverable without signing in."
            if role == "anon"
            else f"{kind} `{schema}.{name}` is visible in the GraphQL schema to signed-in users because the "
            f"`authenticated` role can `SELECT` it. Revoke `SELECT` from `authenticated` if it should not be "
            f"discoverable to every account."
        )
        out.append(
            lint.finding(
                obj=f"{schema}.{name}",
                detail=detail,
                metadata=table_metadata(schema, name, kind),
                cache_key=f"{lint.name}_{schema}_{name}",
                message=f"{kind} {schema}.{name}: its name, columns and relationships show in /graphql/v1 "
                f"introspection {who} (row level security still decides which rows they get)",
                fix=f"if the app does not use GraphQL: drop extension pg_graphql; otherwise, if {role} should not "
                f"discover it: revoke select on {qname} from {role};",
            )
        )
    return out


async def check_graphql_anon(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    return await _graphql_exposed(conn, GRAPHQL_ANON, "anon")


async def check_graphql_authenticated(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    return await _graphql_exposed(conn, GRAPHQL_AUTHENTICATED, "authenticated")
