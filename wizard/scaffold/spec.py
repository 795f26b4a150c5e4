"""The spec of a new Muse (what `musekit muses new` and the TUI's builder collect) and the
names it implies: the columns every table gets, its index, policy and view names.

The models only check shapes (types of fields); the rules live in `wizard.scaffold.checks`,
so a half-filled spec from the TUI still loads and gets every problem reported at once."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from wizard.errors import ExitCode, MusekitError

# Postgres types a scaffolded column may have (plus the spec's own enums, by name).
CURATED_TYPES: tuple[str, ...] = (
    "text",
    "varchar(255)",
    "integer",
    "bigint",
    "numeric",
    "numeric(12,2)",
    "double precision",
    "boolean",
    "date",
    "timestamptz",
    "uuid",
    "jsonb",
    "text[]",
)
# spellings people type for a curated type
TYPE_ALIASES: dict[str, str] = {
    "int": "integer",
    "int4": "integer",
    "int8": "bigint",
    "bool": "boolean",
    "float8": "double precision",
    "timestamp with time zone": "timestamptz",
    "decimal": "numeric",
    "decimal(12,2)": "numeric(12,2)",
    "character varying(255)": "varchar(255)",
    "string": "text",
    "text []": "text[]",
}

Ownership = Literal["user", "organization"]
OnDelete = Literal["restrict", "cascade", "set null"]
ON_DELETE: tuple[OnDelete, ...] = ("restrict", "cascade", "set null")
COMMANDS = ("select", "insert", "update", "delete")
MAX_IDENTIFIER = 63  # bytes: Postgres' NAMEDATALEN - 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ColumnSpec(_Model):
    name: str
    type: str
    nullable: bool = True
    default: str | None = Field(
        default=None, description="SQL text of a constant: 'text', 12.5, true, now(), gen_random_uuid()"
    )
    references: str | None = Field(
        default=None, description="a table of this Muse or a core table (public); the column holds its id"
    )
    on_delete: OnDelete = Field(default="restrict", description="what deleting the referenced row does to this one")

    @field_validator("default", "references", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        # an empty field in a form or spec file means "none"
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("on_delete", mode="before")
    @classmethod
    def _spelled_on_delete(cls, value: object) -> object:
        # "set_null", "SET NULL", "setnull" are what people type
        if isinstance(value, str):
            flat = " ".join(value.strip().lower().replace("_", " ").split())
            return "set null" if flat == "setnull" else flat
        return value

    @property
    def referenced_table(self) -> str | None:
        """The referenced table's bare name (a `public.` prefix is allowed in specs)."""
        return self.references.removeprefix("public.") if self.references else None


class TableSpec(_Model):
    name: str
    comment: str
    columns: list[ColumnSpec] = Field(default_factory=list)


class EnumSpec(_Model):
    name: str
    values: list[str]


class MuseSpec(_Model):
    slug: str
    name: str
    description: str
    ownership: Ownership = "user"
    tables: list[TableSpec]
    enums: list[EnumSpec] = Field(default_factory=list)
    user_view: bool = False


class SpecProblem(_Model):
    field: str  # e.g. "tables[1].columns[0].name"
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class SpecError(MusekitError, ValueError):
    exit_code = ExitCode.USAGE

    """A spec that can't become a template; `.problems` names each field and the rule it breaks."""

    def __init__(self, problems: list[SpecProblem], where: str = "the Muse spec") -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{where} has {len(problems)} problem{'s' if len(problems) != 1 else ''}:\n{lines}")


def column_types(spec: MuseSpec) -> tuple[str, ...]:
    """The types a column of this spec may have: the curated ones, then the spec's enums."""
    return CURATED_TYPES + tuple(e.name for e in spec.enums)


def normalize_type(text: str) -> str:
    flat = " ".join(text.strip().lower().split())
    for sep in ("(", ")", ","):
        flat = flat.replace(f" {sep}", sep).replace(f"{sep} ", sep)
    flat = flat.removeprefix("public.")
    return TYPE_ALIASES.get(flat, flat)


# -- columns every scaffolded table gets --------------------------------------------------
def owner_column(ownership: Ownership) -> str:
    return "user_id" if ownership == "user" else "org_id"


def generated_columns(ownership: Ownership) -> tuple[str, ...]:
    if ownership == "user":
        return ("id", "user_id", "created_at")
    return ("id", "org_id", "created_by", "created_at")


def indexed_columns(ownership: Ownership) -> tuple[str, ...]:
    """Foreign-key and policy columns: each gets an index."""
    return ("user_id",) if ownership == "user" else ("org_id", "created_by")


SYSTEM_COLUMNS = frozenset({"tableoid", "xmin", "cmin", "xmax", "cmax", "ctid"})


# -- names the generated SQL creates --------------------------------------------------------
def index_name(table: str, column: str) -> str:
    """`<table>_<column>_idx`, shortened the way Postgres shortens generated names (the table
    part is cut first) so it fits in 63 bytes."""
    return _fit(table, column, "idx")


def primary_key_name(table: str) -> str:
    """The name Postgres gives the primary key's index (`<table>_pkey`, shortened to fit)."""
    return _fit(table, "", "pkey")


def _fit(name1: str, name2: str, suffix: str) -> str:
    # Postgres' makeObjectName: shorten the longer of the two parts until everything fits
    overhead = len(suffix) + 1 + (1 if name2 else 0)
    a, b = name1, name2
    while len(a) + len(b) + overhead > MAX_IDENTIFIER:
        if len(a) > len(b):
            a = a[:-1]
        else:
            b = b[:-1]
    return "_".join(part for part in (a, b, suffix) if part)


def policy_name(table: str, command: str, ownership: Ownership) -> str:
    """`<table>_<command>_<who>`; just `<command>_<who>` when that would pass 63 bytes
    (policy names are per table, so they stay unique)."""
    who = "own" if ownership == "user" else ("admins" if command == "delete" else "members")
    full = f"{table}_{command}_{who}"
    return full if len(full) <= MAX_IDENTIFIER else f"{command}_{who}"


def unique_key_name(table: str, ownership: Ownership) -> str:
    """The name Postgres gives the `unique (id, <owner>)` of a table other tables reference."""
    return _fit(table, f"id_{owner_column(ownership)}", "key")


def muse_references(spec: MuseSpec) -> set[str]:
    """Names of this Muse's tables that some column references (each gets `unique (id, <owner>)`)."""
    own = {t.name for t in spec.tables}
    referenced = {c.referenced_table for t in spec.tables for c in t.columns}
    return {name for name in referenced if name is not None and name in own}


def view_name(spec: MuseSpec) -> str | None:
    if not spec.user_view or not spec.tables:
        return None
    return f"{spec.tables[0].name}_with_user"


def view_user_columns(ownership: Ownership) -> dict[str, str]:
    """Columns the user view adds from public.users: view column -> users column."""
    prefix = "user" if ownership == "user" else "created_by"
    return {f"{prefix}_email": "email", f"{prefix}_full_name": "full_name"}
