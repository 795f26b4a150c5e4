"""Tables and their columns: 0018 unsupported_reg_types, 0020 table_bloat, 0021 fkey_to_auth_unique."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.lints.catalog import Context, rows, table_metadata
from wizard.lints.model import Finding, Lint

if TYPE_CHECKING:
    import psycopg

UNSUPPORTED_REG_TYPES = Lint(
    "0018",
    "unsupported_reg_types",
    "Unsupported reg types",
    "WARN",
    ("SECURITY",),
    "Identifies columns using unsupported reg* types outside pg_catalog schema, which prevents database upgrades "
    "using pg_upgrade.",
    remediation="https://supabase.com/docs/guides/database/database-linter?lint=unsupported_reg_types",
)
TABLE_BLOAT = Lint(
    "0020",
    "table_bloat",
    "Table Bloat",
    "INFO",
    ("PERFORMANCE",),
    "Detects if a table has excess bloat and may benefit from maintenance operations like vacuum full or cluster.",
    remediation="Consider running vacuum full (WARNING: incurs downtime) and tweaking autovacuum settings to reduce "
    "bloat.",
)
FKEY_TO_AUTH_UNIQUE = Lint(
    "0021",
    "fkey_to_auth_unique",
    "Foreign Key to Auth Unique Constraint",
    "ERROR",
    ("SECURITY",),
    "Detects user defined foreign keys to unique constraints in the auth schema.",
    remediation="Drop the foreign key constraint that references the auth schema.",
)

# -- 0018 unsupported_reg_types -------------------------------------------------------------------------
# pg_upgrade cannot carry these (they store OIDs); regclass, regtype and regrole it can.
REG_TYPES = (
    "regcollation",
    "regconfig",
    "regdictionary",
    "regnamespace",
    "regoper",
    "regoperator",
    "regproc",
    "regprocedure",
)

REG_TYPES_SQL = """
select n.nspname, c.relname, a.attname::text, t.typname::text, c.relkind::text,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname), pg_catalog.quote_ident(a.attname)
from pg_catalog.pg_attribute a
join pg_catalog.pg_class c on c.oid = a.attrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
join pg_catalog.pg_type t on t.oid = a.atttypid
join pg_catalog.pg_namespace tn on tn.oid = t.typnamespace
where tn.nspname = 'pg_catalog' and t.typname = any(%(types)s::text[])
  and n.nspname not in ('pg_catalog', 'information_schema', 'pgsodium')
order by 1, 2, 3
"""


async def check_unsupported_reg_types(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    out = []
    for schema, table, column, typname, relkind, qtable, qcolumn in await rows(
        conn, REG_TYPES_SQL, types=list(REG_TYPES)
    ):
        sql = (
            f"alter table {qtable} alter column {qcolumn} type text using {qcolumn}::text;" if relkind == "r" else None
        )
        out.append(
            UNSUPPORTED_REG_TYPES.finding(
                obj=f"{schema}.{table}",
                detail=f"Table `{schema}.{table}` has a column `{column}` with unsupported reg* type `{typname}`.",
                metadata={**table_metadata(schema, table), "column": column},
                cache_key=f"unsupported_reg_types_{schema}_{table}_{column}",
                message=f"column {column} of {schema}.{table} has type {typname}, which stores OIDs that pg_upgrade "
                f"cannot carry over: the project's Postgres cannot be upgraded while it exists",
                fix=sql or f"store the name as text instead of {typname} in {schema}.{table}",
                sql=sql,
            )
        )
    return out


# -- 0020 table_bloat -------------------------------------------------------------------------------------
# The classic estimate from the planner statistics: `otta` is the number of pages the live rows
# would need (row header 23 bytes, 4-byte alignment); bloat = pages / otta. Flagged above 70x
# with more than 20 MB wasted. As waste <= pages * block size, only a table over 20 MB can be flagged:
# planning the estimate alone costs about 20 ms on a new session (pg_stats is a large view), so it
# runs only when such a table exists, and reads pg_stats for those tables only.
_LARGE_TABLE = """
select n.nspname, c.relname
from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where c.relkind = 'r' and c.relpages::numeric * pg_catalog.current_setting('block_size')::numeric > 20 * 1024 * 1024"""

LARGE_TABLE_EXISTS_SQL = f"select exists ({_LARGE_TABLE})"

TABLE_BLOAT_SQL = f"""
with candidates as ({_LARGE_TABLE}
),
stats as (
  select s.schemaname, s.tablename,
         pg_catalog.sum((1 - s.null_frac) * s.avg_width) as datawidth,
         pg_catalog.max(s.null_frac) as maxfracsum,
         23 + (1 + pg_catalog.count(*) filter (where s.null_frac <> 0) / 8) as nullhdr
  from pg_catalog.pg_stats s
  join candidates k on k.nspname = s.schemaname and k.relname = s.tablename
  group by s.schemaname, s.tablename
),
widths as (
  select schemaname, tablename,
         (datawidth + (23 + 4 - 3))::numeric as datahdr,  -- 23 %% 4 = 3
         maxfracsum * (nullhdr + 4 - (case when nullhdr %% 4 = 0 then 4 else nullhdr %% 4 end)) as nullhdr2
  from stats
),
estimates as (
  select w.schemaname, w.tablename, cc.relpages, b.bs,
         pg_catalog.ceil((cc.reltuples * ((w.datahdr + 4 - (case when w.datahdr %% 4 = 0 then 4 else w.datahdr %% 4 end))
                                          + w.nullhdr2 + 4)) / (b.bs - 20::float)) as otta
  from widths w
  cross join (select pg_catalog.current_setting('block_size')::numeric as bs) b
  join pg_catalog.pg_namespace nn on nn.nspname = w.schemaname and nn.nspname <> 'information_schema'
  join pg_catalog.pg_class cc on cc.relname = w.tablename and cc.relnamespace = nn.oid
  where cc.relkind = 'r' and cc.relam = (select oid from pg_catalog.pg_am where amname = 'heap')
),
bloat as (
  select schemaname, tablename, relpages, otta,
         pg_catalog.round(case when otta = 0 then 0.0 else relpages / otta::numeric end, 1) as ratio,
         case when relpages < otta then 0 else (bs * (relpages - otta)::bigint)::bigint end as waste
  from estimates
)
select schemaname::text, tablename::text, pg_catalog.quote_ident(schemaname) || '.' || pg_catalog.quote_ident(tablename),
       relpages, otta::bigint, ratio, waste
from bloat
where ratio > 70.0 and waste > 20 * 1024 * 1024
order by 1, 2
"""


async def check_table_bloat(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    if not (await rows(conn, LARGE_TABLE_EXISTS_SQL))[0][0]:
        return out
    for schema, table, qtable, pages, needed, ratio, waste in await rows(conn, TABLE_BLOAT_SQL):
        out.append(
            TABLE_BLOAT.finding(
                obj=f"{schema}.{table}",
                detail=f"Table `{schema}`.`{table}` has excessive bloat",
                metadata=table_metadata(schema, table),
                cache_key=f"table_bloat_{schema}_{table}",
                message=f"{schema}.{table} takes {pages} pages where its live rows need about {needed} ({ratio}x): "
                f"{waste // (1024 * 1024)} MB of dead space that every sequential scan reads",
                fix=f"vacuum full {qtable}; (rewrites the table under an exclusive lock: run it in a quiet moment), "
                f"then let autovacuum visit it more often: alter table {qtable} set "
                f"(autovacuum_vacuum_scale_factor = 0.05);",
                sql=f"vacuum full {qtable};",
            )
        )
    return out


# -- 0021 fkey_to_auth_unique --------------------------------------------------------------------------
FKEY_TO_AUTH_SQL = """
select n.nspname, c.relname, con.conname::text,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname), pg_catalog.quote_ident(con.conname),
       rn.nspname || '.' || r.relname
from pg_catalog.pg_constraint con
join pg_catalog.pg_class c on c.oid = con.conrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
join pg_catalog.pg_class r on r.oid = con.confrelid
join pg_catalog.pg_namespace rn on rn.oid = r.relnamespace
join pg_catalog.pg_index i on i.indexrelid = con.conindid
where con.contype = 'f' and rn.nspname = 'auth' and i.indisunique and not i.indisprimary
order by 1, 2, 3
"""


async def check_fkey_to_auth_unique(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    out = []
    for schema, table, fkey, qtable, qfkey, referenced in await rows(conn, FKEY_TO_AUTH_SQL):
        sql = f"alter table {qtable} drop constraint {qfkey};"
        out.append(
            FKEY_TO_AUTH_UNIQUE.finding(
                obj=f"{schema}.{table}",
                detail=f"Table `{schema}`.`{table}` has a foreign key `{fkey}` referencing an auth unique constraint",
                metadata={"schema": schema, "name": table, "foreign_key": fkey},
                cache_key=f"fkey_to_auth_unique_{schema}_{table}_{fkey}",
                message=f"foreign key {fkey} on {schema}.{table} references a unique constraint of {referenced} "
                f"other than its primary key; Supabase Auth may drop or change those constraints in an upgrade, "
                f"which this foreign key would block",
                fix=f"{sql} and reference {referenced} by its primary key (id) instead",
                sql=sql,
            )
        )
    return out
