"""A SchemaSnapshot from migration files, through the pglast model of `wizard.sql` (the files are
the single source of truth: nothing is applied anywhere)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from wizard.diff.canonical import (
    SERIAL_TYPES,
    canonical_expression,
    canonical_returns,
    split_top_level,
)
from wizard.diff.snapshot import (
    ColumnShape,
    EnumShape,
    FunctionShape,
    IndexShape,
    PolicyShape,
    SchemaSnapshot,
    TableShape,
    ViewShape,
)
from wizard.sql import Column, SchemaModel, SqlSource, Table, canonical_type, parse_sql_files


def snapshot_from_sources(sources: Sequence[SqlSource]) -> SchemaSnapshot:
    """The files applied in the given order. Raises SqlParseError (file and line) on bad SQL."""
    return _cached(tuple(sources))


@lru_cache(maxsize=16)
def _cached(sources: tuple[SqlSource, ...]) -> SchemaSnapshot:
    return snapshot_from_model(parse_sql_files(sources))


def snapshot_from_model(model: SchemaModel) -> SchemaSnapshot:
    return SchemaSnapshot(
        tables={t.qualified_name: _table(t) for t in model.tables},
        enums={e.qualified_name: EnumShape(tuple(e.values)) for e in model.enums},
        views={
            v.qualified_name: ViewShape(v.materialized, v.security_invoker, tuple(sorted(v.references)))
            for v in model.views
        },
        indexes={
            i.qualified_name: IndexShape(
                i.table,
                tuple(_index_column(c) for c in i.columns),
                i.unique,
                i.method.lower(),
                canonical_expression(i.where),
            )
            for i in model.indexes
        },
        policies={
            (p.table, p.name): PolicyShape(
                p.command.lower(),
                p.permissive,
                tuple(sorted(p.roles)),
                canonical_expression(p.using),
                canonical_expression(p.with_check),
            )
            for p in model.policies
        },
        functions={
            f"{f.schema}.{f.name}({', '.join(canonical_type(a) for a in split_top_level(f.identity_arguments))})": (
                FunctionShape(canonical_returns(f.returns), f.language.lower(), f.security_definer)
            )
            for f in model.functions
        },
    ).without_platform()


def _table(table: Table) -> TableShape:
    rls = "forced" if table.rls_enabled and table.rls_forced else "on" if table.rls_enabled else "off"
    return TableShape({c.name: _column(c, table) for c in table.columns}, rls)


def _column(column: Column, table: Table) -> ColumnShape:
    type_ = canonical_type(column.type)
    nullable = column.nullable and column.name not in table.primary_key and type_ not in SERIAL_TYPES.values()
    if column.identity:
        default: str | None = f"generated {column.identity} as identity"
    elif column.generated:
        default = f"generated always as ({canonical_expression(column.generated)}) stored"
    else:
        default = canonical_expression(column.default)
    return ColumnShape(type_, nullable, default)


def _index_column(text: str) -> str:
    return canonical_expression(text) or text
