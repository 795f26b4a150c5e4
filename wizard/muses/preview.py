"""The plain-text preview of a Muse template (`musekit muses show`): what its SQL creates —
enums, tables (columns, keys, RLS and policies, indexes), views, functions, triggers — read
from the `SchemaModel`, never from the database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.muses.templates import MuseTemplate
    from wizard.sql import Column, SchemaModel, Table, View

INDENT = "  "


def preview_text(template: MuseTemplate, model: SchemaModel, findings: Sequence[object] = ()) -> str:
    return "\n".join(preview_lines(template, model, findings)) + "\n"


def preview_lines(template: MuseTemplate, model: SchemaModel, findings: Sequence[object] = ()) -> list[str]:
    m = template.manifest
    origin = "shipped with musekit" if template.shipped else str(template.path)
    lines = [
        f"{m.name} ({template.slug}) {m.version}, needs core {m.core_version}; {origin}",
        f"{INDENT}{m.description}",
        f"{INDENT}{len(template.files)} migration file{'s' if len(template.files) != 1 else ''}: "
        + ", ".join(f.filename for f in template.files),
    ]
    lines += _section("enums", [f"{e.qualified_name}: {', '.join(e.values)}" for e in model.enums])
    lines += _section("tables", [], always=True) if not model.tables else ["", "tables"]
    first = len(lines)
    for table in model.tables:
        lines += _table_lines(table, model)
    if model.tables:
        del lines[first]  # no blank line right under the heading
    lines += _section("views", [_view_line(v) for v in model.views])
    lines += _section(
        "functions",
        [
            f"{f.signature} returns {f.returns} ({f.language}{', security definer' if f.security_definer else ''})"
            for f in model.functions
        ],
    )
    lines += _section(
        "triggers",
        [
            f"{t.name} on {t.table}: {t.timing} {' or '.join(t.events)} for each {t.level} -> {t.function}"
            for t in model.triggers
        ],
    )
    lines += ["", "core purity (static check)"]
    lines += [f"{INDENT}{line}" for f in findings for line in str(f).splitlines()] or [
        f"{INDENT}ok: the SQL only references MuseKit core, never changes it"
    ]
    return lines


def _section(title: str, items: list[str], always: bool = False) -> list[str]:
    if not items:
        return ["", title, f"{INDENT}(none)"] if always else []
    return ["", title, *(f"{INDENT}{item}" for item in items)]


def _table_lines(table: Table, model: SchemaModel) -> list[str]:
    rls = "RLS on" + (" (forced)" if table.rls_forced else "") if table.rls_enabled else "RLS OFF"
    head = f"{INDENT}{table.qualified_name}  [{rls}]"
    if table.comment:
        head += f"  -- {table.comment}"
    width = max((len(c.name) for c in table.columns), default=0)
    type_width = max((len(c.type) for c in table.columns), default=0)
    out = ["", head]
    out += [f"{INDENT * 2}{_column_line(c, table, width, type_width)}" for c in table.columns]
    for fk in table.foreign_keys:
        if len(fk.columns) > 1:
            out.append(
                f"{INDENT * 2}foreign key ({', '.join(fk.columns)}) -> {fk.ref_table} "
                f"({', '.join(fk.ref_columns)}) on delete {fk.on_delete}"
            )
    for u in table.uniques:
        out.append(f"{INDENT * 2}unique ({', '.join(u.columns)})")
    for check in table.checks:
        if check.column is None:
            out.append(f"{INDENT * 2}check ({check.expression})")
    policies = model.policies_on(table.qualified_name)
    if policies:
        out.append(f"{INDENT * 2}policies:")
        for p in policies:
            line = (
                f"{INDENT * 3}{p.name}: {p.command} to {', '.join(p.roles)}{'' if p.permissive else ' (restrictive)'}"
            )
            out.append(line)
            if p.using:
                out.append(f"{INDENT * 4}using ({p.using})")
            if p.with_check:
                out.append(f"{INDENT * 4}with check ({p.with_check})")
    elif table.rls_enabled:
        out.append(f"{INDENT * 2}policies: none (only service_role reaches the rows)")
    indexes = [i for i in model.indexes if i.table == table.qualified_name]
    if indexes:
        out.append(f"{INDENT * 2}indexes:")
        out += [
            f"{INDENT * 3}{i.name} ({', '.join(i.columns)}){' unique' if i.unique else ''}"
            f"{f' where {i.where}' if i.where else ''}"
            for i in indexes
        ]
    return out


def _column_line(column: Column, table: Table, width: int, type_width: int) -> str:
    parts = [column.name.ljust(width), column.type.ljust(type_width), "null    " if column.nullable else "not null"]
    if column.primary_key or column.name in table.primary_key:
        parts.append("primary key")
    if column.unique:
        parts.append("unique")
    if column.default is not None:
        parts.append(f"default {column.default}")
    if column.identity:
        parts.append(f"generated {column.identity} as identity")
    if column.generated:
        parts.append(f"generated always as ({column.generated})")
    for fk in table.foreign_keys:
        if fk.columns == [column.name]:
            ref = f"{fk.ref_table} ({', '.join(fk.ref_columns)})" if fk.ref_columns else fk.ref_table
            parts.append(f"-> {ref}" + (f" on delete {fk.on_delete}" if fk.on_delete != "no action" else ""))
    return " ".join(parts).rstrip()


def _view_line(view: View) -> str:
    kind = "materialized view" if view.materialized else "view"
    mode = "security_invoker" if view.security_invoker else "security DEFINER (bypasses RLS)"
    line = f"{view.qualified_name} ({kind}, {mode}) reads {', '.join(view.references) or 'nothing'}"
    return line + (f"  -- {view.comment}" if view.comment else "")
