"""What a schema diff compares: the tables (columns with type, nullability, default; row level
security), enums and their values, views, indexes, policies and functions of one side, every
type and expression in its canonical spelling (`wizard.diff.canonical`), so a snapshot built
from migration files and one read from a live catalog compare with `==`.

Objects in the Supabase platform's schemas (auth, storage, extensions, …) are never part of a
snapshot: a Muse does not own them, and every hosted project has them."""

from __future__ import annotations

from dataclasses import dataclass, field

# Internal name, public list: guard does not re-export it, and this package must not redefine it.
from wizard.guard.core_objects import RESERVED_SCHEMAS

PLATFORM_SCHEMAS = tuple(sorted(RESERVED_SCHEMAS))


def is_platform_schema(schema: str) -> bool:
    return schema in RESERVED_SCHEMAS or schema.startswith("pg_")


def schema_of(qualified_name: str) -> str:
    return qualified_name.split(".", 1)[0]


@dataclass(frozen=True, slots=True)
class ColumnShape:
    type: str
    nullable: bool
    default: str | None  # canonical expression, "generated … as identity", "generated always as (…) stored"


@dataclass(frozen=True, slots=True)
class TableShape:
    columns: dict[str, ColumnShape]  # in column order
    rls: str  # "off" | "on" | "forced"


@dataclass(frozen=True, slots=True)
class EnumShape:
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ViewShape:
    materialized: bool
    security_invoker: bool
    reads: tuple[str, ...]  # qualified relations the query reads, sorted


@dataclass(frozen=True, slots=True)
class IndexShape:
    table: str
    columns: tuple[str, ...]  # column names or canonical expressions
    unique: bool
    method: str
    where: str | None


@dataclass(frozen=True, slots=True)
class PolicyShape:
    command: str  # all | select | insert | update | delete
    permissive: bool
    roles: tuple[str, ...]  # sorted
    using: str | None
    with_check: str | None


@dataclass(frozen=True, slots=True)
class FunctionShape:
    returns: str
    language: str
    security_definer: bool


Shape = TableShape | ColumnShape | EnumShape | ViewShape | IndexShape | PolicyShape | FunctionShape


@dataclass(slots=True)
class SchemaSnapshot:
    """Keys: qualified names (`public.walks`); indexes by `schema.index`; policies by
    (qualified table, policy name); functions by signature `schema.name(argument types)`."""

    tables: dict[str, TableShape] = field(default_factory=dict)
    enums: dict[str, EnumShape] = field(default_factory=dict)
    views: dict[str, ViewShape] = field(default_factory=dict)
    indexes: dict[str, IndexShape] = field(default_factory=dict)
    policies: dict[tuple[str, str], PolicyShape] = field(default_factory=dict)
    functions: dict[str, FunctionShape] = field(default_factory=dict)

    def without_platform(self) -> SchemaSnapshot:
        def keep(name: str) -> bool:
            return not is_platform_schema(schema_of(name))

        return SchemaSnapshot(
            tables={k: v for k, v in self.tables.items() if keep(k)},
            enums={k: v for k, v in self.enums.items() if keep(k)},
            views={k: v for k, v in self.views.items() if keep(k)},
            indexes={k: v for k, v in self.indexes.items() if keep(k) and keep(v.table)},
            policies={k: v for k, v in self.policies.items() if keep(k[0])},
            functions={k: v for k, v in self.functions.items() if keep(k)},
        )


@dataclass(frozen=True, slots=True)
class CoreScope:
    """Which objects are MuseKit core: whatever the core migrations create; columns, indexes and
    policies of core tables; every overload of a core function."""

    tables: frozenset[str]
    enums: frozenset[str]
    views: frozenset[str]
    indexes: frozenset[str]
    functions: frozenset[str]  # schema.name

    @classmethod
    def of(cls, *cores: SchemaSnapshot) -> CoreScope:
        return cls(
            tables=frozenset(k for c in cores for k in c.tables),
            enums=frozenset(k for c in cores for k in c.enums),
            views=frozenset(k for c in cores for k in c.views),
            indexes=frozenset(k for c in cores for k in c.indexes),
            functions=frozenset(function_name(k) for c in cores for k in c.functions),
        )

    @property
    def relations(self) -> frozenset[str]:
        return self.tables | self.views


def function_name(signature: str) -> str:
    return signature.split("(", 1)[0]
