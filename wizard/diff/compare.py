"""Two SchemaSnapshots compared: what B adds, what it lacks, what it changes, per kind (tables,
columns, enums, views, indexes, policies, functions), in a deterministic order; the MuseKit
core's objects set apart unless asked for."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Literal

from wizard.diff.snapshot import CoreScope, SchemaSnapshot, Shape, function_name

Kind = Literal["table", "column", "enum", "view", "index", "policy", "function"]
Status = Literal["added", "removed", "changed"]
Value = str | bool | tuple[str, ...] | None

KINDS: tuple[Kind, ...] = ("table", "column", "enum", "view", "index", "policy", "function")
PLURALS: dict[Kind, str] = {
    "table": "tables",
    "column": "columns",
    "enum": "enums",
    "view": "views",
    "index": "indexes",
    "policy": "policies",
    "function": "functions",
}
STATUSES: tuple[Status, ...] = ("added", "removed", "changed")


@dataclass(frozen=True, slots=True)
class Change:
    field: str  # e.g. "type", "nullable", "default", "values", "using"
    a: Value
    b: Value


@dataclass(frozen=True, slots=True)
class Difference:
    """`name`: qualified (`public.walks`, `public.walks.dog_id`, index `public.walks_dog_idx`,
    function `public.f(uuid)`); a column's or policy's `table` is its qualified table."""

    kind: Kind
    status: Status
    name: str
    table: str | None = None
    changes: tuple[Change, ...] = ()
    shape: Shape | None = None  # the added or removed object's shape (for its one-line summary)
    core: bool = False

    @property
    def label(self) -> str:
        """`public.walks.dog_id`; a policy: `walks_own on public.walks`."""
        return f"{self.name} on {self.table}" if self.kind == "policy" else self.name

    @property
    def sort_key(self) -> tuple[int, str, str]:
        return KINDS.index(self.kind), self.table or self.name, self.name


@dataclass(frozen=True, slots=True)
class SchemaDiff:
    differences: tuple[Difference, ...]  # what is shown
    hidden_core: tuple[Difference, ...] = ()  # differences in core objects, left out (no --include-core)

    @property
    def equal(self) -> bool:
        return not self.differences

    def of(self, status: Status, kind: Kind) -> list[Difference]:
        return [d for d in self.differences if d.status == status and d.kind == kind]


def compare(a: SchemaSnapshot, b: SchemaSnapshot, core: CoreScope, *, include_core: bool = False) -> SchemaDiff:
    found = sorted(_all_differences(a, b, core), key=lambda d: d.sort_key)
    if include_core:
        return SchemaDiff(tuple(found))
    return SchemaDiff(tuple(d for d in found if not d.core), tuple(d for d in found if d.core))


def _all_differences(a: SchemaSnapshot, b: SchemaSnapshot, core: CoreScope) -> Iterator[Difference]:
    yield from _keyed("table", a.tables, b.tables, lambda k: k in core.tables, skip={"columns"})
    for table in sorted(a.tables.keys() & b.tables.keys()):
        yield from _keyed(
            "column",
            {f"{table}.{c}": s for c, s in a.tables[table].columns.items()},
            {f"{table}.{c}": s for c, s in b.tables[table].columns.items()},
            _always(table in core.tables),
            table=table,
        )
    yield from _keyed("enum", a.enums, b.enums, lambda k: k in core.enums)
    yield from _keyed("view", a.views, b.views, lambda k: k in core.views)
    yield from _keyed(
        "index", a.indexes, b.indexes, lambda k: k in core.indexes or _index_table(k, a, b) in core.relations
    )
    for (table, name), status, changes, shape in _pairs(a.policies, b.policies):
        yield Difference("policy", status, name, table, changes, shape, table in core.relations)
    yield from _keyed("function", a.functions, b.functions, lambda k: function_name(k) in core.functions)


def _keyed[S: Shape](
    kind: Kind,
    a: Mapping[str, S],
    b: Mapping[str, S],
    is_core: Callable[[str], bool],
    *,
    table: str | None = None,
    skip: frozenset[str] | set[str] = frozenset(),
) -> Iterator[Difference]:
    for key, status, changes, shape in _pairs(a, b, skip):
        yield Difference(kind, status, key, table, changes, shape, is_core(key))


def _pairs[K, S: Shape](
    a: Mapping[K, S], b: Mapping[K, S], skip: frozenset[str] | set[str] = frozenset()
) -> Iterator[tuple[K, Status, tuple[Change, ...], S | None]]:
    for key in a.keys() - b.keys():
        yield key, "removed", (), a[key]
    for key in b.keys() - a.keys():
        yield key, "added", (), b[key]
    for key in a.keys() & b.keys():
        changes = _changes(a[key], b[key], skip)
        if changes:
            yield key, "changed", changes, None


def _changes(a: Shape, b: Shape, skip: frozenset[str] | set[str]) -> tuple[Change, ...]:
    return tuple(
        Change(f.name, getattr(a, f.name), getattr(b, f.name))
        for f in fields(a)
        if f.name not in skip and getattr(a, f.name) != getattr(b, f.name)
    )


def _always(value: bool) -> Callable[[str], bool]:
    return lambda _key: value


def _index_table(key: str, a: SchemaSnapshot, b: SchemaSnapshot) -> str:
    index = a.indexes.get(key) or b.indexes[key]
    return index.table
