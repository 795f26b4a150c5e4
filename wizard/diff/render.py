"""A SchemaDiff for people (lines that fit 80 columns, `+ table walks`, `- enum mood: …`,
`~ column dogs.name: text → varchar(80)`) and for programs (one JSON object, every kind present)."""

from __future__ import annotations

import textwrap
from typing import Any

from wizard.diff.compare import KINDS, PLURALS, STATUSES, Change, Difference, Kind, SchemaDiff, Value
from wizard.diff.sides import Side
from wizard.diff.snapshot import (
    ColumnShape,
    EnumShape,
    FunctionShape,
    IndexShape,
    PolicyShape,
    TableShape,
    ViewShape,
)

WIDTH = 80
MARKS = {"added": "+", "removed": "-", "changed": "~"}
CORE_NOTE = "MuseKit core objects are not compared (--include-core compares them)"


def text_lines(diff: SchemaDiff, a: Side, b: Side, *, live: bool = False, include_core: bool = False) -> list[str]:
    width = max(len(a.label), len(b.label))
    lines = _wrapped(f"--- {a.label.ljust(width)}  ", a.description, align=True)
    lines += _wrapped(f"+++ {b.label.ljust(width)}  ", b.description, align=True)
    for difference in diff.differences:
        lines += difference_lines(difference)
    lines += _summary(diff, live=live, include_core=include_core)
    return lines


def difference_lines(d: Difference) -> list[str]:
    head = f"{MARKS[d.status]} {d.kind} {_short_label(d)}"
    if d.status != "changed":
        detail = _summary_of(d.shape)
        one = f"{head}{detail}" if detail.startswith(":") else f"{head} {detail}".rstrip()
        if len(one) <= WIDTH or not detail:
            return [one]
        return [head, *_wrapped("    ", detail.removeprefix(": "))]
    lines: list[str] = []
    for change in d.changes:
        values = _enum_values_change(change)
        if values is not None:
            lines += _wrapped(f"{head}: ", values)
            continue
        a, b = _change_texts(change)
        one = f"{head}: {a} → {b}"
        if len(one) <= WIDTH:
            lines.append(one)
        else:
            lines.append(f"{head}: {change.field.replace('_', ' ')}")
            lines += _wrapped("    - ", a) + _wrapped("    + ", b)
    return lines


def _summary(diff: SchemaDiff, *, live: bool, include_core: bool) -> list[str]:
    lines = []
    if diff.equal:
        lines.append("no drift: the database matches the migration files" if live else "no differences")
    else:
        for status in STATUSES:
            counts = [_count(len(diff.of(status, kind)), kind) for kind in KINDS if diff.of(status, kind)]
            if counts:
                lines += _wrapped(f"{status} ", ", ".join(counts))
        if live:
            lines += [
                "drift: + only in the database (made outside musekit), - only in the migration",
                "files (not applied, or dropped by hand), ~ different in the database",
            ]
    if diff.hidden_core:
        n = len(diff.hidden_core)
        lines += _wrapped(
            "", f"{n} difference{'s' if n != 1 else ''} in MuseKit core objects not shown (--include-core shows them)"
        )
    elif not include_core:
        lines.append(CORE_NOTE)
    return lines


def _count(n: int, kind: Kind) -> str:
    return f"{n} {PLURALS[kind] if n != 1 else kind}"


def _short(name: str) -> str:
    return name.removeprefix("public.")


def _short_label(d: Difference) -> str:
    if d.kind == "policy":
        return f"{d.name} on {_short(d.table or '')}"
    return _short(d.name)


def _summary_of(shape: object) -> str:
    match shape:
        case TableShape(columns=columns, rls=rls):
            return f"({len(columns)} column{'s' if len(columns) != 1 else ''}{', RLS OFF' if rls == 'off' else ''})"
        case ColumnShape():
            return _column_text(shape)
        case EnumShape(values=values):
            return ": " + ", ".join(values)
        case ViewShape(materialized=materialized, reads=reads):
            kind = "materialized, " if materialized else ""
            return f"({kind}reads {', '.join(_short(r) for r in reads) or 'nothing'})"
        case IndexShape():
            return "on " + _index_text(shape)
        case PolicyShape(command=command, roles=roles):
            return f"(for {command} to {', '.join(roles)})"
        case FunctionShape(returns=returns):
            return f"returns {returns}"
    return ""


def _column_text(c: ColumnShape) -> str:
    text = f"{c.type} {'null' if c.nullable else 'not null'}"
    if c.default is None:
        return text
    return f"{text} {c.default}" if c.default.startswith("generated") else f"{text} default {c.default}"


def _index_text(i: IndexShape) -> str:
    text = f"{_short(i.table)} ({', '.join(i.columns)})"
    text += " unique" if i.unique else ""
    text += f" using {i.method}" if i.method != "btree" else ""
    return text + (f" where {i.where}" if i.where else "")


def _change_texts(change: Change) -> tuple[str, str]:
    return _value_text(change.field, change.a), _value_text(change.field, change.b)


def _enum_values_change(change: Change) -> str | None:
    """`+ archived, - pending` when values were added or removed; None when only the order changed."""
    if change.field != "values" or not isinstance(change.a, tuple) or not isinstance(change.b, tuple):
        return None
    new = [f"+ {v}" for v in change.b if v not in change.a]
    gone = [f"- {v}" for v in change.a if v not in change.b]
    return ", ".join(new + gone) or None


_FLAGS: dict[str, tuple[str, str]] = {
    "nullable": ("null", "not null"),
    "unique": ("unique", "not unique"),
    "materialized": ("materialized view", "view"),
    "security_invoker": ("security invoker", "security definer"),
    "security_definer": ("security definer", "security invoker"),
    "permissive": ("permissive", "restrictive"),
}
_PREFIXES = {
    "default": ("default ", "no default"),
    "rls": ("RLS ", ""),
    "reads": ("reads ", "reads nothing"),
    "table": ("on ", ""),
    "method": ("using ", ""),
    "where": ("where ", "no where clause"),
    "command": ("for ", ""),
    "roles": ("to ", "to nobody"),
    "using": ("using (", "no using clause"),
    "with_check": ("with check (", "no with check clause"),
    "returns": ("returns ", ""),
    "language": ("language ", ""),
}


def _value_text(field: str, value: Value) -> str:
    if field in _FLAGS:
        yes, no = _FLAGS[field]
        return yes if value else no
    if isinstance(value, tuple):
        text = ", ".join(_short(v) for v in value)
        value = f"({text})" if field == "columns" else text
    if field == "default" and isinstance(value, str) and value.startswith("generated"):
        return value
    if field in _PREFIXES:
        prefix, missing = _PREFIXES[field]
        if value in (None, ""):
            return missing
        text = _short(str(value)) if field == "table" else str(value)
        return prefix + text + (")" if prefix.endswith("(") else "")
    return str(value)


def _wrapped(first: str, text: str, *, align: bool = False) -> list[str]:
    """`first` then `text`, wrapped at WIDTH (a path or name longer than a line stays whole); the
    next lines indented under the text (`align`) or two spaces deeper than `first`."""
    indent = len(first) if align else len(first) - len(first.lstrip()) + 2
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=first,
        subsequent_indent=" " * indent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first.rstrip()]


# --- JSON -----------------------------------------------------------------------------------------


def json_data(diff: SchemaDiff, a: Side, b: Side, *, live: bool, include_core: bool) -> dict[str, Any]:
    """The `diff` event: sides, and per status every kind (plural) with the labels of what differs;
    a changed object also lists its changed fields, each with its value on side a and side b."""
    data: dict[str, Any] = {
        "mode": "drift" if live else "diff",
        "a": a.as_dict(),
        "b": b.as_dict(),
        "include_core": include_core,
        "equal": diff.equal,
    }
    for status in STATUSES:
        data[status] = {PLURALS[kind]: [_json_entry(d) for d in diff.of(status, kind)] for kind in KINDS}
    data["core_hidden"] = len(diff.hidden_core)
    return data


def _json_entry(d: Difference) -> str | dict[str, Any]:
    if d.status != "changed":
        return d.label
    return {
        "name": d.label,
        "core": d.core,
        "changes": {c.field: {"a": _json_value(c.a), "b": _json_value(c.b)} for c in d.changes},
    }


def _json_value(value: Value) -> Any:
    return list(value) if isinstance(value, tuple) else value
