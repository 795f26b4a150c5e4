"""The README table list from the live catalog: a handful of read-only queries sent in one
pipeline (one network round trip, whatever the number of tables), inside a read-only
transaction whose search_path holds only pg_catalog, so that format_type() and pg_get_expr()
qualify every other name the same way and nothing outside pg_catalog shadows a catalog name."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from wizard.readme.doc import (
    GENERATED,
    ColumnDoc,
    EnumDoc,
    ForeignKeyDoc,
    MuseScope,
    PolicyDoc,
    ReadmeDatabaseError,
    TableDoc,
    TableListDoc,
    ViewDoc,
    display_defaults,
    fk_label,
    used_by_label,
)
from wizard.sql import canonical_type

if TYPE_CHECKING:
    import psycopg

    from wizard.sql import SchemaModel

Row = tuple[Any, ...]  # one catalog row, as psycopg returns it

# `w(s, r)`: the (schema, name) pairs asked for, joined instead of looked up one by one
_RELATIONS = """
select n.nspname, c.relname, c.relkind::text, c.relrowsecurity, c.relforcerowsecurity,
       pg_catalog.obj_description(c.oid, 'pg_class'),
       coalesce((select pg_catalog.lower(o.option_value) in ('true', 'on', 'yes', '1')
                 from pg_catalog.pg_options_to_table(c.reloptions) o where o.option_name = 'security_invoker'), false)
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
join rows from (pg_catalog.unnest(%(rel_schemas)s::text[]), pg_catalog.unnest(%(rel_names)s::text[])) as w(s, r) on n.nspname = w.s and c.relname = w.r
where c.relkind in ('r', 'p', 'f', 'v', 'm')
"""

_COLUMNS = """
select n.nspname, c.relname, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text,
       pg_catalog.col_description(c.oid, a.attnum),
       exists (select 1 from pg_catalog.pg_constraint p
               where p.conrelid = c.oid and p.contype = 'p' and a.attnum = any (p.conkey)),
       -- serial: a nextval() default on a sequence owned by the column (identity columns excluded)
       a.atthasdef and a.attidentity = '' and exists (
         select 1 from pg_catalog.pg_depend dep join pg_catalog.pg_class s on s.oid = dep.objid
         where dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass and dep.refobjid = c.oid and dep.refobjsubid = a.attnum
           and dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass and dep.deptype = 'a' and s.relkind = 'S')
from pg_catalog.pg_attribute a
join pg_catalog.pg_class c on c.oid = a.attrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
join rows from (pg_catalog.unnest(%(rel_schemas)s::text[]), pg_catalog.unnest(%(rel_names)s::text[])) as w(s, r) on n.nspname = w.s and c.relname = w.r
left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
where a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'p', 'f')
order by n.nspname, c.relname, a.attnum
"""

_FOREIGN_KEYS = """
select n.nspname, c.relname,
       array(select a.attname::text from pg_catalog.unnest(con.conkey) with ordinality k(num, ord)
             join pg_catalog.pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.num order by k.ord),
       rn.nspname, rc.relname,
       array(select a.attname::text from pg_catalog.unnest(con.confkey) with ordinality k(num, ord)
             join pg_catalog.pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.num order by k.ord),
       con.confdeltype::text
from pg_catalog.pg_constraint con
join pg_catalog.pg_class c on c.oid = con.conrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
join rows from (pg_catalog.unnest(%(rel_schemas)s::text[]), pg_catalog.unnest(%(rel_names)s::text[])) as w(s, r) on n.nspname = w.s and c.relname = w.r
join pg_catalog.pg_class rc on rc.oid = con.confrelid
join pg_catalog.pg_namespace rn on rn.oid = rc.relnamespace
where con.contype = 'f'
"""

_POLICIES = """
select n.nspname, c.relname, pol.polname::text, pol.polcmd::text, pol.polpermissive,
       array(select case when r = 0 then 'public' else pg_catalog.pg_get_userbyid(r)::text end
             from pg_catalog.unnest(pol.polroles) r order by 1)
from pg_catalog.pg_policy pol
join pg_catalog.pg_class c on c.oid = pol.polrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
join rows from (pg_catalog.unnest(%(rel_schemas)s::text[]), pg_catalog.unnest(%(rel_names)s::text[])) as w(s, r) on n.nspname = w.s and c.relname = w.r
"""

_ENUMS = """
select n.nspname, t.typname::text,
       array(select e.enumlabel::text from pg_catalog.pg_enum e where e.enumtypid = t.oid order by e.enumsortorder),
       pg_catalog.obj_description(t.oid, 'pg_type')
from pg_catalog.pg_type t
join pg_catalog.pg_namespace n on n.oid = t.typnamespace
join rows from (pg_catalog.unnest(%(enum_schemas)s::text[]), pg_catalog.unnest(%(enum_names)s::text[])) as w(s, r) on n.nspname = w.s and t.typname = w.r
where t.typtype = 'e'
"""

# What the Muse's views, policies, functions and triggers depend on (pg_depend: what the
# catalog itself records, e.g. a policy's subquery on public.memberships).
_DEPENDENCIES = """
with deps as (
  select 'view' as kind, n.nspname || '.' || c.relname as owner, null::text as on_table,
         d.refclassid, d.refobjid
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  join rows from (pg_catalog.unnest(%(rel_schemas)s::text[]), pg_catalog.unnest(%(rel_names)s::text[])) as w(s, r) on n.nspname = w.s and c.relname = w.r
  join pg_catalog.pg_rewrite rw on rw.ev_class = c.oid
  join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass and d.objid = rw.oid and d.refobjid <> c.oid
  where c.relkind in ('v', 'm')
  union all
  select 'policy', pol.polname::text, n.nspname || '.' || c.relname, d.refclassid, d.refobjid
  from pg_catalog.pg_policy pol
  join pg_catalog.pg_class c on c.oid = pol.polrelid
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  join rows from (pg_catalog.unnest(%(rel_schemas)s::text[]), pg_catalog.unnest(%(rel_names)s::text[])) as w(s, r) on n.nspname = w.s and c.relname = w.r
  join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass and d.objid = pol.oid and d.refobjid <> pol.polrelid
  union all
  select 'trigger', tg.tgname::text, n.nspname || '.' || c.relname, 'pg_catalog.pg_proc'::pg_catalog.regclass, tg.tgfoid
  from pg_catalog.pg_trigger tg
  join pg_catalog.pg_class c on c.oid = tg.tgrelid
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  join rows from (pg_catalog.unnest(%(rel_schemas)s::text[]), pg_catalog.unnest(%(rel_names)s::text[])) as w(s, r) on n.nspname = w.s and c.relname = w.r
  where not tg.tgisinternal
  union all
  select 'function', n.nspname || '.' || p.proname, null, d.refclassid, d.refobjid
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  join rows from (pg_catalog.unnest(%(fn_schemas)s::text[]), pg_catalog.unnest(%(fn_names)s::text[])) as w(s, r) on n.nspname = w.s and p.proname = w.r
  join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass and d.objid = p.oid
)
select distinct x.kind, x.owner, x.on_table,
       case when p.oid is not null then 'function' else 'relation' end,
       coalesce(rn.nspname || '.' || rc.relname, pn.nspname || '.' || p.proname)
from deps x
left join pg_catalog.pg_class rc on x.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass and rc.oid = x.refobjid
                     and rc.relkind in ('r', 'p', 'f', 'v', 'm')
left join pg_catalog.pg_namespace rn on rn.oid = rc.relnamespace
left join pg_catalog.pg_proc p on x.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass and p.oid = x.refobjid
left join pg_catalog.pg_namespace pn on pn.oid = p.pronamespace
where rc.oid is not null or p.oid is not null
"""

_COMMANDS = {"*": "all", "r": "select", "a": "insert", "w": "update", "d": "delete"}
_ON_DELETE = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}
_SERIAL_OF = {"integer": "serial", "bigint": "bigserial", "smallint": "smallserial"}


async def table_list_from_catalog(
    conn: psycopg.AsyncConnection, model: SchemaModel, muse_files: Collection[str]
) -> TableListDoc:
    """From the live catalog (read-only queries, one round trip). The model says which objects
    are the Muse's and which are core; the catalog gives everything else."""
    return await read_catalog(conn, MuseScope(model, muse_files))


async def read_catalog(conn: psycopg.AsyncConnection, scope: MuseScope) -> TableListDoc:
    params = _params(scope)
    queries = (_RELATIONS, _COLUMNS, _FOREIGN_KEYS, _POLICIES, _ENUMS, _DEPENDENCIES)
    async with conn.transaction():
        async with conn.pipeline():
            await conn.execute("set transaction read only")
            # pg_catalog only, pg_temp last: a temporary or public object named like a catalog one
            # never answers for it (and every catalog name below is qualified as well)
            await conn.execute("set local search_path = pg_catalog, pg_temp")
            cursors = [await conn.execute(q, params) for q in queries]
        relations, columns, fks, policies, enums, deps = [await c.fetchall() for c in cursors]
    return _assemble(scope, relations, columns, fks, policies, enums, deps)


def _params(scope: MuseScope) -> dict[str, list[str]]:
    rels = [(t.schema, t.name) for t in scope.tables] + [(v.schema, v.name) for v in scope.views]
    fns = sorted({(f.schema, f.name) for f in scope.functions})
    return {
        "rel_schemas": [s for s, _ in rels],
        "rel_names": [n for _, n in rels],
        "enum_schemas": [e.schema for e in scope.enums],
        "enum_names": [e.name for e in scope.enums],
        "fn_schemas": [s for s, _ in fns],
        "fn_names": [n for _, n in fns],
    }


def _assemble(
    scope: MuseScope,
    relations: list[Row],
    columns: list[Row],
    fks: list[Row],
    policies: list[Row],
    enums: list[Row],
    deps: list[Row],
) -> TableListDoc:
    rel = {f"{r[0]}.{r[1]}": r for r in relations}
    _require_present(scope, rel, {f"{e[0]}.{e[1]}" for e in enums})
    cols = _columns_by_table(columns)
    fks_by_table: dict[str, list[ForeignKeyDoc]] = {}
    uses: list[tuple[str, str, str]] = []
    for schema, table, fk_cols, ref_schema, ref_table, ref_cols, deltype in fks:
        name, ref = f"{schema}.{table}", f"{ref_schema}.{ref_table}"
        fk = ForeignKeyDoc(tuple(fk_cols), ref, tuple(ref_cols), _ON_DELETE[deltype])
        fks_by_table.setdefault(name, []).append(fk)
        uses.append(("relation", ref, fk_label(name, fk_cols)))
    pols: dict[str, list[PolicyDoc]] = {}
    for schema, table, pname, cmd, permissive, roles in policies:
        policy = PolicyDoc(pname, _COMMANDS[cmd], tuple(sorted(roles)), permissive)
        pols.setdefault(f"{schema}.{table}", []).append(policy)
    tables = []
    for t in scope.tables:
        _, _, _, rls, forced, comment, _ = rel[t.qualified_name]
        tables.append(
            TableDoc(
                t.qualified_name,
                PurePath(t.location.file).name,
                comment,
                tuple(cols.get(t.qualified_name, ())),
                tuple(sorted(fks_by_table.get(t.qualified_name, []), key=lambda f: f.columns)),
                rls,
                forced,
                tuple(sorted(pols.get(t.qualified_name, []), key=lambda p: p.name)),
            )
        )
    views = []
    reads: dict[str, set[str]] = {}
    for kind, owner, on_table, target_kind, target in deps:
        uses.append((target_kind, target, used_by_label(kind, owner, on_table)))
        if kind == "view" and target_kind == "relation":
            reads.setdefault(owner, set()).add(target)
    for v in scope.views:
        _, _, relkind, _, _, comment, invoker = rel[v.qualified_name]
        views.append(
            ViewDoc(v.qualified_name, comment, invoker, relkind == "m", tuple(sorted(reads.get(v.qualified_name, ()))))
        )
    enum_docs = [EnumDoc(f"{s}.{n}", tuple(values), comment) for s, n, values, comment in enums]
    return TableListDoc.assemble(tables, enum_docs, views, uses, scope)


def _columns_by_table(rows: list[Row]) -> dict[str, list[ColumnDoc]]:
    types = [canonical_type(r[3]) for r in rows]
    defaults = display_defaults([(r[5] if not r[7] else None, t) for r, t in zip(rows, types, strict=False)])
    result: dict[str, list[ColumnDoc]] = {}
    for row, typ, default in zip(rows, types, defaults, strict=False):
        schema, table, name, _, not_null, _, identity, generated, comment, primary_key, serial = row
        if identity:
            default = "identity (always)" if identity == "a" else "identity (by default)"
        elif generated:
            default = GENERATED
        elif serial and typ in _SERIAL_OF:
            typ, default = _SERIAL_OF[typ], None
        result.setdefault(f"{schema}.{table}", []).append(
            ColumnDoc(name, typ, not not_null, default, primary_key, comment)
        )
    return result


def _require_present(scope: MuseScope, relations: dict[str, Any], enums: set[str]) -> None:
    missing = [
        (kind, obj.qualified_name, obj.location)
        for kind, objs, found in (
            ("table", scope.tables, relations),
            ("view", scope.views, relations),
            ("enum", scope.enums, enums),
        )
        for obj in objs
        if obj.qualified_name not in found
    ]
    if missing:
        listed = "; ".join(f"{kind} {name} (created at {loc})" for kind, name, loc in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise ReadmeDatabaseError(
            f"the database lacks objects the Muse's migrations create: {listed}{more}. "
            "Apply the Muse's migrations first (`musekit migrate`), or build the table list "
            "from the migration files (leave out the database URL)."
        )
