"""A SchemaSnapshot read from a live database: read-only catalog queries sent in one pipeline,
inside a read-only transaction whose search_path holds only pg_catalog, so format_type() and
pg_get_expr() qualify every other name the same way (as `wizard.readme.catalog` reads it).

Read: every schema but the platform's (auth, storage, extensions, pg_*, information_schema, …);
objects that belong to an extension are left out; indexes that back a primary key, unique or
exclusion constraint are left out (the migration files do not name them as indexes either)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wizard.diff.canonical import SERIAL_TYPES, canonical_expression, canonical_returns
from wizard.diff.snapshot import (
    PLATFORM_SCHEMAS,
    ColumnShape,
    EnumShape,
    FunctionShape,
    IndexShape,
    PolicyShape,
    SchemaSnapshot,
    TableShape,
    ViewShape,
)
from wizard.sql import canonical_type

if TYPE_CHECKING:
    import psycopg

Row = tuple[Any, ...]  # one catalog row, as psycopg returns it

_OWN_SCHEMA = "n.nspname <> all(%(platform)s::text[]) and n.nspname not like 'pg\\_%%'"


def _not_extension_member(catalog: str, oid: str) -> str:
    return (
        "not exists (select 1 from pg_catalog.pg_depend e where e.classid = "
        f"'pg_catalog.{catalog}'::pg_catalog.regclass and e.objid = {oid} and e.deptype = 'e')"
    )


_RELATIONS = f"""
select n.nspname, c.relname, c.relkind::text, c.relrowsecurity, c.relforcerowsecurity,
       coalesce((select pg_catalog.lower(o.option_value) in ('true', 'on', 'yes', '1')
                 from pg_catalog.pg_options_to_table(c.reloptions) o where o.option_name = 'security_invoker'), false)
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p', 'v', 'm') and {_OWN_SCHEMA} and {_not_extension_member("pg_class", "c.oid")}
"""

# serial: a nextval() default on a sequence owned by the column (identity columns excluded)
_COLUMNS = f"""
select n.nspname, c.relname, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text,
       a.atthasdef and a.attidentity = '' and exists (
         select 1 from pg_catalog.pg_depend dep join pg_catalog.pg_class s on s.oid = dep.objid
         where dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass and dep.refobjid = c.oid
           and dep.refobjsubid = a.attnum and dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
           and dep.deptype = 'a' and s.relkind = 'S')
from pg_catalog.pg_attribute a
join pg_catalog.pg_class c on c.oid = a.attrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
where a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'p')
  and {_OWN_SCHEMA} and {_not_extension_member("pg_class", "c.oid")}
order by n.nspname, c.relname, a.attnum
"""

_ENUMS = f"""
select n.nspname, t.typname::text,
       array(select e.enumlabel::text from pg_catalog.pg_enum e where e.enumtypid = t.oid order by e.enumsortorder)
from pg_catalog.pg_type t
join pg_catalog.pg_namespace n on n.oid = t.typnamespace
where t.typtype = 'e' and {_OWN_SCHEMA} and {_not_extension_member("pg_type", "t.oid")}
"""

# What reads a view: the relations its rewrite rule depends on (pg_depend), the view itself left out.
_VIEW_READS = f"""
select distinct n.nspname, c.relname, rn.nspname || '.' || rc.relname
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
join pg_catalog.pg_rewrite rw on rw.ev_class = c.oid
join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass and d.objid = rw.oid
     and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.refobjid <> c.oid
join pg_catalog.pg_class rc on rc.oid = d.refobjid and rc.relkind in ('r', 'p', 'v', 'm', 'f')
join pg_catalog.pg_namespace rn on rn.oid = rc.relnamespace
where c.relkind in ('v', 'm') and {_OWN_SCHEMA}
"""

_INDEXES = f"""
select n.nspname, ic.relname, n.nspname || '.' || c.relname, i.indisunique, am.amname::text,
       array(select pg_catalog.pg_get_indexdef(i.indexrelid, k, true)
             from pg_catalog.generate_series(1, i.indnkeyatts) k order by k),
       pg_catalog.pg_get_expr(i.indpred, i.indrelid)
from pg_catalog.pg_index i
join pg_catalog.pg_class ic on ic.oid = i.indexrelid
join pg_catalog.pg_class c on c.oid = i.indrelid
join pg_catalog.pg_namespace n on n.oid = ic.relnamespace
join pg_catalog.pg_am am on am.oid = ic.relam
where c.relkind in ('r', 'p', 'm') and {_OWN_SCHEMA} and {_not_extension_member("pg_class", "c.oid")}
  and not exists (select 1 from pg_catalog.pg_constraint con
                  where con.conindid = i.indexrelid and con.conrelid = i.indrelid and con.contype in ('p', 'u', 'x'))
"""

_POLICIES = f"""
select n.nspname || '.' || c.relname, pol.polname::text, pol.polcmd::text, pol.polpermissive,
       array(select case when r = 0 then 'public' else pg_catalog.pg_get_userbyid(r)::text end
             from pg_catalog.unnest(pol.polroles) r order by 1),
       pg_catalog.pg_get_expr(pol.polqual, pol.polrelid), pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid)
from pg_catalog.pg_policy pol
join pg_catalog.pg_class c on c.oid = pol.polrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where {_OWN_SCHEMA}
"""

_FUNCTIONS = f"""
select n.nspname, p.proname::text,
       array(select pg_catalog.format_type(t, null) from pg_catalog.unnest(p.proargtypes) with ordinality a(t, o) order by o),
       pg_catalog.pg_get_function_result(p.oid), l.lanname::text, p.prosecdef
from pg_catalog.pg_proc p
join pg_catalog.pg_namespace n on n.oid = p.pronamespace
join pg_catalog.pg_language l on l.oid = p.prolang
where p.prokind in ('f', 'p') and {_OWN_SCHEMA} and {_not_extension_member("pg_proc", "p.oid")}
"""

_COMMANDS = {"*": "all", "r": "select", "a": "insert", "w": "update", "d": "delete"}
_QUERIES = (_RELATIONS, _COLUMNS, _ENUMS, _VIEW_READS, _INDEXES, _POLICIES, _FUNCTIONS)


async def read_snapshot(conn: psycopg.AsyncConnection) -> SchemaSnapshot:
    """Read-only; one network round trip."""
    params = {"platform": list(PLATFORM_SCHEMAS)}
    async with conn.transaction():
        async with conn.pipeline():
            await conn.execute("set transaction read only")
            await conn.execute("set local search_path = pg_catalog, pg_temp")
            cursors = [await conn.execute(q, params) for q in _QUERIES]
        rows = [await c.fetchall() for c in cursors]
    return _assemble(*rows).without_platform()


def _assemble(
    relations: list[Row],
    columns: list[Row],
    enums: list[Row],
    view_reads: list[Row],
    indexes: list[Row],
    policies: list[Row],
    functions: list[Row],
) -> SchemaSnapshot:
    by_table: dict[str, dict[str, ColumnShape]] = {}
    for schema, table, name, type_, not_null, default, identity, generated, serial in columns:
        by_table.setdefault(f"{schema}.{table}", {})[name] = _column(
            type_, not_null, default, identity, generated, serial
        )
    reads: dict[str, list[str]] = {}
    for schema, view, read in view_reads:
        reads.setdefault(f"{schema}.{view}", []).append(read)
    snapshot = SchemaSnapshot()
    for schema, name, relkind, rls, forced, invoker in relations:
        key = f"{schema}.{name}"
        if relkind in ("r", "p"):
            snapshot.tables[key] = TableShape(
                by_table.get(key, {}), "forced" if rls and forced else "on" if rls else "off"
            )
        else:
            snapshot.views[key] = ViewShape(relkind == "m", bool(invoker), tuple(sorted(reads.get(key, ()))))
    for schema, name, values in enums:
        snapshot.enums[f"{schema}.{name}"] = EnumShape(tuple(values))
    for schema, name, table, unique, method, index_columns, where in indexes:
        snapshot.indexes[f"{schema}.{name}"] = IndexShape(
            table,
            tuple(canonical_expression(c) or c for c in index_columns),
            unique,
            method,
            canonical_expression(where),
        )
    for table, name, command, permissive, roles, using, with_check in policies:
        snapshot.policies[(table, name)] = PolicyShape(
            _COMMANDS[command],
            permissive,
            tuple(sorted(roles)),
            canonical_expression(using),
            canonical_expression(with_check),
        )
    for schema, name, arg_types, returns, language, definer in functions:
        signature = f"{schema}.{name}({', '.join(canonical_type(t) for t in arg_types)})"
        snapshot.functions[signature] = FunctionShape(canonical_returns(returns), language, definer)
    return _sorted(snapshot)


def _column(
    type_: str, not_null: bool, default: str | None, identity: str, generated: str, serial: bool
) -> ColumnShape:
    canonical = canonical_type(type_)
    if identity:
        return ColumnShape(
            canonical, False, "generated always as identity" if identity == "a" else "generated by default as identity"
        )
    if generated:
        return ColumnShape(canonical, not not_null, f"generated always as ({canonical_expression(default)}) stored")
    if serial and canonical in SERIAL_TYPES:
        return ColumnShape(SERIAL_TYPES[canonical], False, None)
    return ColumnShape(canonical, not not_null, canonical_expression(default))


def _sorted(snapshot: SchemaSnapshot) -> SchemaSnapshot:
    """Keys in a stable order (catalog rows come in no particular one)."""
    return SchemaSnapshot(
        tables=dict(sorted(snapshot.tables.items())),
        enums=dict(sorted(snapshot.enums.items())),
        views=dict(sorted(snapshot.views.items())),
        indexes=dict(sorted(snapshot.indexes.items())),
        policies=dict(sorted(snapshot.policies.items())),
        functions=dict(sorted(snapshot.functions.items())),
    )
