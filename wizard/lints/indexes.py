"""Keys and indexes: 0001 unindexed_foreign_keys, 0004 no_primary_key, 0005 unused_index,
0009 duplicate_index."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.lints.catalog import (
    PROJECT_SCHEMA,
    QUOTED_RELATION,
    SYSTEM_SCHEMAS,
    Context,
    not_extension_member,
    rows,
    table_metadata,
)
from wizard.lints.model import Finding, Lint

if TYPE_CHECKING:
    import psycopg

UNINDEXED_FOREIGN_KEYS = Lint(
    "0001",
    "unindexed_foreign_keys",
    "Unindexed foreign keys",
    "INFO",
    ("PERFORMANCE",),
    "Identifies foreign key constraints without a covering index, which can impact database performance.",
)
NO_PRIMARY_KEY = Lint(
    "0004",
    "no_primary_key",
    "No Primary Key",
    "INFO",
    ("PERFORMANCE",),
    "Detects if a table does not have a primary key. Tables without a primary key can be inefficient to interact "
    "with at scale.",
)
UNUSED_INDEX = Lint(
    "0005",
    "unused_index",
    "Unused Index",
    "INFO",
    ("PERFORMANCE",),
    "Detects if an index has never been used and may be a candidate for removal.",
    counts=False,
)
DUPLICATE_INDEX = Lint(
    "0009",
    "duplicate_index",
    "Duplicate Index",
    "WARN",
    ("PERFORMANCE",),
    "Detects cases where two ore more identical indexes exist.",
)

# -- 0001 unindexed_foreign_keys ------------------------------------------------------------------
# Covered: a valid index whose columns (key columns, then INCLUDE columns, as pg_index.indkey
# lists them) start with the foreign key's, in order.
UNINDEXED_FK_SQL = f"""
select c.relnamespace::pg_catalog.regnamespace::text, c.relname, n.nspname, {QUOTED_RELATION}, con.conname,
       con.conkey::int[],
       array(select pg_catalog.quote_ident(a.attname) from pg_catalog.unnest(con.conkey) with ordinality k(attnum, ord)
             join pg_catalog.pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum
             order by k.ord)
from pg_catalog.pg_constraint con
join pg_catalog.pg_class c on c.oid = con.conrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where con.contype = 'f' and {PROJECT_SCHEMA} and {not_extension_member("c.oid")}
  and not exists (
    select from pg_catalog.pg_index i
    where i.indrelid = con.conrelid and i.indisvalid
      and (pg_catalog.string_to_array(i.indkey::text, ' ')::int2[])[1:pg_catalog.cardinality(con.conkey)] = con.conkey)
order by 1, 2, 5
"""


async def check_unindexed_foreign_keys(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    out = []
    for schema, table, plain_schema, qtable, fkey, attnums, cols in await rows(
        conn, UNINDEXED_FK_SQL, skip=list(SYSTEM_SCHEMAS)
    ):
        obj = f"{plain_schema}.{table}"
        collist = ", ".join(cols)
        sql = f"create index on {qtable} ({collist});"
        out.append(
            UNINDEXED_FOREIGN_KEYS.finding(
                obj=obj,
                detail=f"Table `{schema}.{table}` has a foreign key `{fkey}` without a covering index. This can lead "
                f"to suboptimal query performance.",
                metadata={**table_metadata(schema, table), "fkey_name": fkey, "fkey_columns": list(attnums)},
                cache_key=f"unindexed_foreign_keys_{schema}_{table}_{fkey}",
                message=f"foreign key {fkey} on {obj} ({collist}) has no index that starts with its columns: joins "
                f"on it and every delete or key update of the referenced row scan the whole table",
                fix=sql,
                sql=sql,
            )
        )
    return out


# -- 0004 no_primary_key ----------------------------------------------------------------------------
NO_PRIMARY_KEY_SQL = f"""
select n.nspname, c.relname, {QUOTED_RELATION}
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where c.relkind = 'r' and {PROJECT_SCHEMA} and {not_extension_member("c.oid")}
  and not exists (select from pg_catalog.pg_index i where i.indrelid = c.oid and i.indisprimary)
order by 1, 2
"""


async def check_no_primary_key(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    out = []
    for schema, table, qtable in await rows(conn, NO_PRIMARY_KEY_SQL, skip=list(SYSTEM_SCHEMAS)):
        out.append(
            NO_PRIMARY_KEY.finding(
                obj=f"{schema}.{table}",
                detail=f"Table `{schema}.{table}` does not have a primary key",
                metadata=table_metadata(schema, table),
                cache_key=f"no_primary_key_{schema}_{table}",
                message=f"{schema}.{table} has no primary key: rows cannot be addressed one by one (updates from "
                f"the Data API, logical replication and the dashboard's table editor need one)",
                fix=f"alter table {qtable} add primary key (<its unique, not-null columns>); or, without a natural "
                f"key: alter table {qtable} add column id bigint generated always as identity primary key;",
            )
        )
    return out


# -- 0005 unused_index --------------------------------------------------------------------------------
UNUSED_INDEX_SQL = f"""
select s.schemaname::text, s.relname::text, s.indexrelname::text,
       pg_catalog.quote_ident(s.schemaname) || '.' || pg_catalog.quote_ident(s.indexrelname)
from pg_catalog.pg_stat_user_indexes s
join pg_catalog.pg_index i on i.indexrelid = s.indexrelid
where s.idx_scan = 0 and not i.indisunique and not i.indisprimary
  and s.schemaname <> all(%(skip)s::text[]) and {not_extension_member("s.relid")}
order by 1, 2, 3
"""


async def check_unused_indexes(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    out = []
    for schema, table, index, qindex in await rows(conn, UNUSED_INDEX_SQL, skip=list(SYSTEM_SCHEMAS)):
        out.append(
            UNUSED_INDEX.finding(
                obj=f"{schema}.{table}",
                detail=f"Index `{index}` on table `{schema}.{table}` has not been used",
                metadata=table_metadata(schema, table),
                cache_key=f"unused_index_{schema}_{table}_{index}",
                message=f"index {index} on {schema}.{table} has not been scanned since the statistics were last "
                f"reset (on a database that has not served queries yet, no index has)",
                fix=f"keep it while a foreign key or a policy needs it; if it stays unused under real traffic: "
                f"drop index {qindex};",
            )
        )
    return out


# -- 0009 duplicate_index -----------------------------------------------------------------------------
# Identical: the same definition once the index's own name is taken out of it.
DUPLICATE_INDEX_SQL = f"""
select n.nspname, c.relname, c.relkind::text,
       pg_catalog.array_agg(ic.relname::text order by ic.relname),
       pg_catalog.array_agg(ic.relname order by ic.relname)::text,
       pg_catalog.array_agg(pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(ic.relname)
                            order by ic.relname),
       pg_catalog.array_agg(exists (select from pg_catalog.pg_constraint k
                                    where k.conindid = ic.oid and k.contype in ('p', 'u', 'x'))
                            order by ic.relname)
from pg_catalog.pg_index i  -- pg_indexes, without deparsing the catalog's own indexes first
join pg_catalog.pg_class c on c.oid = i.indrelid
join pg_catalog.pg_class ic on ic.oid = i.indexrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'm') and ic.relkind in ('i', 'I') and {PROJECT_SCHEMA} and {not_extension_member("c.oid")}
group by n.nspname, c.relkind, c.relname, pg_catalog.replace(pg_catalog.pg_get_indexdef(ic.oid), ic.relname, '')
having pg_catalog.count(*) > 1
order by 1, 2, 5
"""


def _drop_duplicates(qindexes: list[str], backs_constraint: list[bool]) -> str | None:
    """Drop every index but one, keeping one that backs a constraint; None when two back constraints."""
    if sum(backs_constraint) > 1:
        return None
    keep = backs_constraint.index(True) if any(backs_constraint) else 0
    return " ".join(f"drop index {q};" for i, q in enumerate(qindexes) if i != keep)


async def check_duplicate_indexes(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    out = []
    for schema, table, relkind, names, names_text, qindexes, backs in await rows(
        conn, DUPLICATE_INDEX_SQL, skip=list(SYSTEM_SCHEMAS)
    ):
        kind = "table" if relkind == "r" else "materialized view"
        sql = _drop_duplicates(qindexes, backs)
        out.append(
            DUPLICATE_INDEX.finding(
                obj=f"{schema}.{table}",
                detail=f"Table `{schema}.{table}` has identical indexes {names_text}. Drop all except one of them",
                metadata={**table_metadata(schema, table, kind), "indexes": list(names)},
                cache_key=f"duplicate_index_{schema}_{table}_{names_text}",
                message=f"{kind} {schema}.{table} has identical indexes {', '.join(names)}: every write updates "
                f"each of them, and queries use only one",
                fix=sql
                or "two of them back constraints: drop the duplicate constraint (alter table ... drop constraint ...)",
                sql=sql,
            )
        )
    return out
