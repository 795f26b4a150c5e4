"""The preview model of a set of migration files: what the SQL creates (tables, enums, views,
indexes, policies, functions, triggers, grants, schemas), each object with the file and line
that defined it, plus every statement's effects on named objects (what the purity guard reads).

Derived only from the SQL, through pglast (`wizard.sql.builder` builds it); serialisable to JSON
(`musekit muses show --json`, the TUI preview and the README table list all use it).
Plain dataclasses inside; pydantic's TypeAdapter at the JSON boundary."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.errors import ExitCode, MusekitError

if TYPE_CHECKING:
    from pydantic import TypeAdapter


@dataclass(frozen=True, slots=True)
class SqlSource:
    """One migration file: `path` is what messages show (e.g. `templates/core/migrations/x.sql`)."""

    path: str
    text: str


class SqlParseError(MusekitError, ValueError):
    exit_code = ExitCode.USAGE

    """A statement pglast cannot parse; names the file, the 1-based line and pglast's message."""

    def __init__(self, path: str, line: int, message: str, statement: str = "") -> None:
        self.path = path
        self.line = line
        self.pglast_message = message
        self.statement = statement
        text = f"{path}:{line}: SQL syntax error: {message}"
        if statement:
            text += f"\n    in: {statement}"
        text += "\n    Fix the statement (it must be valid PostgreSQL SQL) and try again."
        super().__init__(text)


@dataclass(frozen=True, slots=True)
class Location:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(slots=True)
class Column:
    name: str
    type: str  # as written, normalised: `text[]`, `public.tone`, `varchar(255)`, `bigint`
    location: Location
    nullable: bool = True
    default: str | None = None  # SQL text of the default expression
    primary_key: bool = False
    unique: bool = False
    identity: str | None = None  # "always" | "by default" for identity columns
    generated: str | None = None  # SQL text of a `generated always as (...) stored` expression
    comment: str | None = None


@dataclass(slots=True)
class ForeignKey:
    columns: list[str]
    ref_table: str  # qualified, e.g. "public.users"
    ref_columns: list[str]  # empty = the referenced table's primary key
    on_delete: str  # "no action" | "restrict" | "cascade" | "set null" | "set default"
    on_update: str
    location: Location
    name: str | None = None


@dataclass(slots=True)
class UniqueKey:
    columns: list[str]
    location: Location
    name: str | None = None
    nulls_not_distinct: bool = False


@dataclass(slots=True)
class CheckConstraint:
    expression: str
    location: Location
    name: str | None = None
    column: str | None = None  # set for a column-level check


@dataclass(slots=True)
class Table:
    schema: str
    name: str
    location: Location
    columns: list[Column] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    uniques: list[UniqueKey] = field(default_factory=list)
    checks: list[CheckConstraint] = field(default_factory=list)
    comment: str | None = None
    rls_enabled: bool = False
    rls_forced: bool = False
    if_not_exists: bool = False
    inherits: list[str] = field(default_factory=list)  # qualified parents (inherits / partition of)

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(slots=True)
class EnumType:
    schema: str
    name: str
    values: list[str]
    location: Location
    comment: str | None = None

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(slots=True)
class View:
    schema: str
    name: str
    location: Location
    security_invoker: bool = False
    materialized: bool = False
    references: list[str] = field(default_factory=list)  # qualified relations the query reads
    comment: str | None = None

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(slots=True)
class Index:
    schema: str
    name: str  # Postgres' generated name when the SQL gives none
    table: str  # qualified
    columns: list[str]  # column names, or the SQL text of an expression
    location: Location
    unique: bool = False
    method: str = "btree"
    where: str | None = None

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(slots=True)
class Policy:
    name: str
    table: str  # qualified
    command: str  # "all" | "select" | "insert" | "update" | "delete"
    location: Location
    permissive: bool = True
    roles: list[str] = field(default_factory=lambda: ["public"])
    using: str | None = None  # deparsed by pglast
    with_check: str | None = None


@dataclass(slots=True)
class Function:
    schema: str
    name: str
    arguments: str  # e.g. "org_id uuid"
    identity_arguments: str  # argument types only, e.g. "uuid"
    returns: str
    language: str
    location: Location
    security_definer: bool = False
    search_path: list[str] | None = None  # None = not set; [""] = `set search_path = ''`
    volatility: str = "volatile"
    comment: str | None = None

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def signature(self) -> str:
        return f"{self.schema}.{self.name}({self.identity_arguments})"


@dataclass(slots=True)
class Trigger:
    name: str
    table: str  # qualified
    timing: str  # "before" | "after" | "instead of"
    events: list[str]  # "insert", "update", "update of a, b", "delete", "truncate"
    level: str  # "row" | "statement"
    function: str  # qualified trigger function
    location: Location


@dataclass(slots=True)
class Grant:
    action: str  # "grant" | "revoke"
    object_kind: str  # "table" | "function" | "schema" | "sequence" | "type" | "all tables in schema" ...
    object: str  # qualified name / function signature / schema name
    privileges: list[str]  # ["all"] or e.g. ["select", "update (email)"]
    roles: list[str]
    location: Location


@dataclass(slots=True)
class Schema:
    name: str
    location: Location


@dataclass(slots=True)
class OpaqueBlock:
    """A DO block: recorded with its place only; the dynamic SQL inside is invisible here."""

    language: str
    excerpt: str
    location: Location


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """A named database object a statement acts on or reads.

    kind: relation (table/view/sequence; SQL often does not say which), index, type, function,
    schema, policy, trigger, rule, column, constraint, schema-contents (`all tables in schema`),
    extension, role, publication, default-privileges. `parent` is the qualified table of a
    policy, trigger, rule, column or constraint."""

    kind: str
    schema: str | None
    name: str
    parent: str | None = None

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name

    def describe(self) -> str:
        if self.kind == "schema-contents":
            return f"all {self.name} in schema {self.schema}"
        if self.parent:
            return f"{self.kind} {self.name} on {self.parent}"
        return f"{self.kind} {self.qualified_name}"


@dataclass(frozen=True, slots=True)
class Effect:
    """What one statement does to one object.

    action: create, replace, alter, drop, rename, truncate, comment, grant, revoke, write
    (DML), reference (reads it; `detail` says how: foreign key, view query, policy, type ...)."""

    action: str
    target: ObjectRef
    detail: str = ""


@dataclass
class StatementInfo:
    kind: str  # pglast node name, e.g. "AlterTableStmt"
    text: str  # the statement, whitespace collapsed, shortened
    location: Location
    # No defaults on these two: a default would be a class attribute, read instead of a deferred analysis.
    effects: list[Effect]
    dynamic: bool  # DO block / EXECUTE of dynamic SQL: effects unknown statically

    @classmethod
    def deferred(cls, kind: str, text: str, location: Location, analyse: Analysis) -> StatementInfo:
        """A statement whose `effects` and `dynamic` are worked out by `analyse` when first read. The guard
        reads them; a preview or a README from the catalog does not, and they are a third of a parse."""
        info = cls.__new__(cls)
        info.kind, info.text, info.location = kind, text, location
        info.__dict__["_analyse"] = analyse
        return info

    if not TYPE_CHECKING:  # hidden from mypy, which would otherwise accept any attribute name

        def __getattr__(self, name: str) -> Any:
            # Called only for an attribute not set yet: a deferred statement's effects, read for the first time.
            # Two threads may both analyse it (they store the same result), or find it done meanwhile.
            analyse = self.__dict__.get("_analyse")
            if name in ("effects", "dynamic") and name in self.__dict__:
                return self.__dict__[name]
            if analyse is None or name not in ("effects", "dynamic"):
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            try:
                self.effects, self.dynamic = analyse()
            except AttributeError as exc:  # raised from here it would read as "no such attribute" (hasattr)
                raise RuntimeError(f"analysing the statement at {self.location} failed: {exc}") from exc
            self.__dict__.pop("_analyse", None)  # the parse tree it holds goes with it
            return getattr(self, name)


Analysis = Callable[[], tuple[list[Effect], bool]]  # a statement's (effects, dynamic), worked out when asked


@dataclass(slots=True)
class SchemaModel:
    files: list[str] = field(default_factory=list)
    schemas: list[Schema] = field(default_factory=list)
    enums: list[EnumType] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    views: list[View] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)
    do_blocks: list[OpaqueBlock] = field(default_factory=list)
    statements: list[StatementInfo] = field(default_factory=list)

    def table(self, qualified_name: str) -> Table | None:
        return next((t for t in self.tables if t.qualified_name == qualified_name), None)

    def enum(self, qualified_name: str) -> EnumType | None:
        return next((e for e in self.enums if e.qualified_name == qualified_name), None)

    def view(self, qualified_name: str) -> View | None:
        return next((v for v in self.views if v.qualified_name == qualified_name), None)

    def policies_on(self, qualified_table: str) -> list[Policy]:
        return [p for p in self.policies if p.table == qualified_table]

    def to_dict(self, *, statements: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = _adapter().dump_python(self, mode="json")
        if not statements:
            data.pop("statements")
        return data

    def to_json(self, *, indent: int | None = None, statements: bool = True) -> str:
        import json

        return json.dumps(self.to_dict(statements=statements), indent=indent, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> SchemaModel:
        return _adapter().validate_json(text)


@cache
def _adapter() -> TypeAdapter[SchemaModel]:
    from pydantic import TypeAdapter

    return TypeAdapter(SchemaModel)


def read_source(path: Path, *, relative_to: Path | None = None) -> SqlSource:
    shown = path
    if relative_to is not None:
        try:
            shown = path.resolve().relative_to(relative_to.resolve())
        except ValueError:
            shown = path
    return SqlSource(str(shown), path.read_text(encoding="utf-8"))
