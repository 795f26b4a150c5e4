"""The rules a Muse spec must follow before it becomes SQL: Postgres identifier rules (keywords
from pglast, i.e. from PostgreSQL's own grammar), no collision with the core (names read from
the parsed core migrations) or within the spec, references only to tables of the spec or to core
tables signed-in users can read (also read from the core migrations), and column defaults limited
to constants that are re-quoted by psycopg after parsing (never pasted into the SQL as written)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import TYPE_CHECKING

from wizard.scaffold.spec import (
    CURATED_TYPES,
    MAX_IDENTIFIER,
    SYSTEM_COLUMNS,
    ColumnSpec,
    MuseSpec,
    SpecProblem,
    TableSpec,
    column_types,
    generated_columns,
    index_name,
    indexed_columns,
    muse_references,
    normalize_type,
    primary_key_name,
    unique_key_name,
    view_name,
    view_user_columns,
)

if TYPE_CHECKING:
    from wizard.sql import SchemaModel

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
GENERATED_SUFFIXES = ("_pkey", "_idx", "_key", "_fkey")  # names Postgres and the scaffold derive
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@cache
def reserved_keywords() -> frozenset[str]:
    """Keywords that can't be a bare column, table or policy name (PostgreSQL's RESERVED and
    TYPE_FUNC_NAME categories, as pglast ships them)."""
    from pglast import keywords

    return frozenset(keywords.RESERVED_KEYWORDS) | frozenset(keywords.TYPE_FUNC_NAME_KEYWORDS)


def identifier_problem(name: str, what: str) -> str | None:
    """Why `name` can't be a `what` (table, column, enum ...) name, or None."""
    if not name:
        return f"the {what} name is empty"
    if len(name.encode()) > MAX_IDENTIFIER:
        return (
            f"{name!r} is {len(name.encode())} bytes; Postgres identifiers are at most {MAX_IDENTIFIER} "
            f"bytes (longer ones are silently cut). Use a shorter {what} name"
        )
    if not IDENTIFIER.match(name):
        return (
            f"{name!r} is not a plain Postgres identifier: use lowercase letters a-z, digits and "
            f"underscores, starting with a letter (e.g. {_suggest(name)!r})"
        )
    if name in reserved_keywords():
        return f"{name!r} is a reserved SQL keyword; pick another {what} name (e.g. {name + '_value'!r})"
    return None


def _suggest(name: str) -> str:
    cleaned = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
    cleaned = re.sub(r"^[^a-z]+", "", cleaned)
    return (cleaned or "my_name")[:MAX_IDENTIFIER]


# -- the core's names ------------------------------------------------------------------------
@dataclass(frozen=True)
class CoreTable:
    """A core table in public that a Muse column may reference: its one-column primary key."""

    name: str
    key: str
    key_type: str
    readable: bool  # signed-in users may select from it (a reference is checked against what they see)


@dataclass(frozen=True)
class CoreNames:
    relations: frozenset[str]  # tables, views, indexes (named and constraint ones) in public
    types: frozenset[str]  # enums and the row types of tables/views in public
    core_version: str
    tables: tuple[CoreTable, ...] = ()

    def table(self, name: str) -> CoreTable | None:
        return next((t for t in self.tables if t.name == name), None)


@cache
def core_names() -> CoreNames:
    """Names the core migrations create in `public`, read from their parsed SQL."""
    from wizard.muses import core_files, core_model

    files = core_files()
    model = core_model()
    tables = {t.name for t in model.tables if t.schema == "public"}
    views = {v.name for v in model.views if v.schema == "public"}
    relations = set(tables) | views | {i.name for i in model.indexes if i.schema == "public"}
    for t in model.tables:
        if t.schema != "public":
            continue
        if t.primary_key:
            relations.add(primary_key_name(t.name))
        relations.update(f"{t.name}_{'_'.join(u.columns)}_key" for u in t.uniques)
        relations.update(f"{t.name}_{c.name}_key" for c in t.columns if c.unique)
    types = tables | views | {e.name for e in model.enums if e.schema == "public"}
    return CoreNames(frozenset(relations), frozenset(types), max(f.version for f in files), _core_tables(model))


def core_reference_tables() -> tuple[str, ...]:
    """Core tables a Muse column may reference (read from the core migrations)."""
    return tuple(t.name for t in core_names().tables if t.readable)


def _core_tables(model: SchemaModel) -> tuple[CoreTable, ...]:
    out = []
    for t in model.tables:
        key = t.column(t.primary_key[0]) if t.schema == "public" and len(t.primary_key) == 1 else None
        if key is not None:
            out.append(
                CoreTable(t.name, key.name, normalize_type(key.type), _authenticated_reads(model, t.qualified_name))
            )
    return tuple(out)


def _authenticated_reads(model: SchemaModel, table: str) -> bool:
    """Whether the core's grants and revokes, in order, leave `authenticated` allowed to select."""
    readable = False
    for g in model.grants:
        if (
            g.object_kind != "table"
            or g.object != table
            or not {"select", "all"} & {p.split(" ")[0] for p in g.privileges}
        ):
            continue
        if g.action == "grant" and {"authenticated", "public"} & set(g.roles):
            readable = True
        elif g.action == "revoke" and "authenticated" in g.roles:  # a revoke from public leaves its own grant
            readable = False
    return readable


# -- column defaults -------------------------------------------------------------------------
DEFAULT_HELP = (
    "a default is a constant of the column's type: 'text' (in single quotes), 42, 12.50, true/false, "
    "'2026-01-31', '2026-01-31 09:00:00+00', '{\"key\": 1}' for jsonb, '{a,b}' for text[], one of "
    "the enum's values in quotes, now() (date/timestamptz) or gen_random_uuid() (uuid)"
)
_NUMBER = re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_INT_RANGE = {"integer": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}
_FUNCTIONS = {"now": ("date", "timestamptz"), "gen_random_uuid": ("uuid",)}


class DefaultError(ValueError):
    pass


Checker = Callable[[str, str], str]  # (constant kind, value) -> the default's SQL, or DefaultError
AddProblem = Callable[[str, str | None], None]  # (field, message or None when there is no problem)


def default_sql(text: str, column_type: str, enum_values: dict[str, list[str]]) -> str:
    """The SQL of a column default: `text` parsed by pglast, checked against the column's
    type, and written back from the parsed value (strings quoted by psycopg)."""
    kind, value = _parse_constant(text)
    if kind == "call":
        allowed = _FUNCTIONS[value]
        if column_type not in allowed:
            raise DefaultError(f"{value}() is only a default for {' or '.join(allowed)} columns, not {column_type}")
        return f"{value}()"
    if column_type in enum_values:
        if kind != "string" or value not in enum_values[column_type]:
            raise DefaultError(
                f"must be one of the enum's values in single quotes: "
                f"{', '.join(_quote(v) for v in enum_values[column_type])}"
            )
        return _quote(value)
    checker = _CHECKERS.get(column_type)
    if checker is None:
        raise DefaultError(f"unknown column type {column_type!r}")
    return checker(kind, value)


def _parse_constant(text: str) -> tuple[str, str]:
    """("string" | "integer" | "number" | "boolean" | "call", value) of a lone constant."""
    from pglast.parser import ParseError, parse_sql_json

    if not text.strip():
        raise DefaultError("is empty; leave the default out instead")
    if not _encodable(text):
        raise DefaultError("is not valid Unicode text (it holds a lone surrogate)")
    try:
        tree = json.loads(parse_sql_json("SELECT " + text))
    except ParseError as exc:
        raise DefaultError(f"{text!r} is not valid SQL ({exc.args[0] if exc.args else exc}); {DEFAULT_HELP}") from None
    stmts = tree.get("stmts", [])
    select = stmts[0]["stmt"].get("SelectStmt") if len(stmts) == 1 else None
    if (
        not select
        or set(select) - {"targetList", "limitOption", "op"}
        or select.get("op") != "SETOP_NONE"
        or len(select.get("targetList", [])) != 1
    ):
        raise DefaultError(f"{text!r} is not a single constant; {DEFAULT_HELP}")
    target = select["targetList"][0]["ResTarget"]
    if "name" in target:
        raise DefaultError(f"{text!r} is not a single constant; {DEFAULT_HELP}")
    ((node_kind, node),) = target["val"].items()
    if node_kind == "A_Const":
        # libpg_query's JSON leaves out zero values: {"ival": {}} is 0, {"sval": {}} is ''
        for key, kind, zero in (
            ("sval", "string", ""),
            ("ival", "integer", 0),
            ("fval", "number", "0"),
            ("boolval", "boolean", False),
        ):
            if key in node:
                return kind, str(node[key].get(key, zero))
        raise DefaultError("null is not a default: a nullable column is already null when no value is given")
    if node_kind == "FuncCall" and set(node) <= {"funcname", "funcformat", "location"}:
        name = [part["String"]["sval"] for part in node["funcname"]]
        if len(name) == 1 and name[0] in _FUNCTIONS:
            return "call", name[0]
    raise DefaultError(f"{text!r} is not allowed; {DEFAULT_HELP}")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _quote(value: str) -> str:
    from psycopg import sql

    if _CONTROL.search(value):
        # a raw CR would not survive the migration file being read back (universal newlines)
        raise DefaultError("contains a control character (only tab and line feed are allowed)")
    return sql.Literal(value).as_string(None).strip()


def _text(kind: str, value: str, limit: int | None = None) -> str:
    if kind != "string":
        raise DefaultError(f"a text default goes in single quotes, e.g. '{value}'")
    if limit is not None and len(value) > limit:
        raise DefaultError(f"is {len(value)} characters; the column holds at most {limit}")
    return _quote(value)


def _integer(type_name: str) -> Checker:
    low, high = _INT_RANGE[type_name]

    def check(kind: str, value: str) -> str:
        # integers past 32 bits arrive from the parser as "number"
        if kind not in ("integer", "number") or not re.fullmatch(r"-?\d+", value):
            raise DefaultError(f"must be a whole number (the column is {type_name}), e.g. 0")
        number = int(value)
        if not low <= number <= high:
            raise DefaultError(f"{number} is out of range for {type_name} ({low} .. {high})")
        return str(number)

    return check


def _number(precision: tuple[int, int] | None, *, double: bool = False) -> Checker:
    def check(kind: str, value: str) -> str:
        if kind not in ("integer", "number") or not _NUMBER.match(value):
            raise DefaultError("must be a number, e.g. 0 or 12.50 (no quotes)")
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise DefaultError(f"{value!r} is not a number") from None
        if precision is not None:
            digits, scale = precision
            if abs(number.quantize(Decimal(1).scaleb(-scale))) >= Decimal(10) ** (digits - scale):
                raise DefaultError(
                    f"{value} does not fit numeric({digits},{scale}) (at most {digits - scale} digits before the point)"
                )
        if number and (number.adjusted() > (307 if double else 1000) or number.adjusted() < -300):
            raise DefaultError(
                f"{value} is too large or too small for a {'double precision' if double else 'numeric'} default"
            )
        return value

    return check


def _boolean(kind: str, value: str) -> str:
    if kind != "boolean":
        raise DefaultError("must be true or false (no quotes)")
    return "true" if value == "True" else "false"


def _date(kind: str, value: str) -> str:
    if kind != "string" or not _DATE.match(value):
        raise DefaultError("must be a date in quotes, 'YYYY-MM-DD', or now()")
    try:
        date.fromisoformat(value)
    except ValueError as exc:
        raise DefaultError(f"{value!r} is not a real date ({exc})") from None
    return _quote(value)


def _timestamptz(kind: str, value: str) -> str:
    if kind != "string" or not _TIMESTAMP.match(value):
        raise DefaultError("must be a timestamp in quotes, e.g. '2026-01-31 09:00:00+00', or now()")
    try:
        datetime.fromisoformat(value)
    except ValueError as exc:
        raise DefaultError(f"{value!r} is not a real timestamp ({exc})") from None
    return _quote(value)


def _uuid(kind: str, value: str) -> str:
    if kind != "string" or not _UUID.match(value.lower()):
        raise DefaultError("must be a uuid in quotes ('xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx') or gen_random_uuid()")
    return _quote(str(uuid.UUID(value)))


def _jsonb(kind: str, value: str) -> str:
    if kind != "string":
        raise DefaultError("must be JSON in single quotes, e.g. '{}' or '[]'")

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    try:
        parsed = json.loads(value, parse_constant=refuse)
    except ValueError as exc:
        raise DefaultError(f"{value!r} is not valid JSON ({exc})") from None
    if any("\x00" in s or _SURROGATE.search(s) for s in _json_strings(parsed)):
        raise DefaultError("holds \\u0000 or a lone surrogate escape, which Postgres jsonb refuses")
    return _quote(value)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _json_strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def _text_array(kind: str, value: str) -> str:
    if kind != "string":
        raise DefaultError("must be an array literal in single quotes, e.g. '{}' or '{news,tech}'")
    parse_text_array(value)
    return _quote(value)


def parse_text_array(value: str) -> list[str]:
    """Elements of a one-dimensional Postgres array literal ('{a,"b c"}'); DefaultError if malformed."""
    bad = DefaultError(f"{value!r} is not a one-dimensional array literal such as '{{}}' or '{{news,\"big tech\"}}'")
    if not (value.startswith("{") and value.endswith("}")):
        raise bad
    body, items, i = value[1:-1], [], 0
    if not body.strip():
        return []
    while True:
        while i < len(body) and body[i].isspace():
            i += 1
        if i < len(body) and body[i] == '"':
            i, chars = i + 1, []
            while i < len(body) and body[i] != '"':
                if body[i] == "\\":
                    i += 1
                if i < len(body):
                    chars.append(body[i])
                i += 1
            if i >= len(body):
                raise bad
            i += 1
            items.append("".join(chars))
            while i < len(body) and body[i].isspace():
                i += 1
        else:
            start = i
            while i < len(body) and body[i] not in ',{}"\\':
                i += 1
            item = body[start:i].strip()
            if not item or item.lower() == "null":
                raise bad
            items.append(item)
        if i == len(body):
            return items
        if body[i] != ",":
            raise bad
        i += 1


_CHECKERS: dict[str, Checker] = {
    "text": _text,
    "varchar(255)": lambda k, v: _text(k, v, 255),
    "integer": _integer("integer"),
    "bigint": _integer("bigint"),
    "numeric": _number(None),
    "numeric(12,2)": _number((12, 2)),
    "double precision": _number(None, double=True),
    "boolean": _boolean,
    "date": _date,
    "timestamptz": _timestamptz,
    "uuid": _uuid,
    "jsonb": _jsonb,
    "text[]": _text_array,
}
assert set(_CHECKERS) == set(CURATED_TYPES)


# -- the whole spec --------------------------------------------------------------------------
def validate_spec(spec: MuseSpec, existing_tables: Iterable[str] = ()) -> list[SpecProblem]:
    """Every problem of the spec, each naming its field and the rule; empty = ready to render."""
    problems: list[SpecProblem] = []

    def add(field: str, message: str | None) -> None:
        if message:
            problems.append(SpecProblem(field=field, message=message))

    _check_manifest_fields(spec, add)
    core = core_names()
    existing = {t.removeprefix("public.").strip() for t in existing_tables}
    taken: dict[str, str] = {}  # relation/type name in public -> field that claims it
    _check_enums(spec, add, core, taken)
    _check_tables(spec, add, core, existing, taken)
    return problems


def _check_manifest_fields(spec: MuseSpec, add: AddProblem) -> None:
    from wizard.muses import SLUG, shipped_slugs

    if not SLUG.match(spec.slug):
        add(
            "slug",
            f"{spec.slug!r} is not a template slug: lowercase letters, digits, '-' and '_', starting "
            f"with a letter, at most 63 characters (e.g. {_suggest(spec.slug).replace('_', '-')!r})",
        )
    elif spec.slug in shipped_slugs():
        add(
            "slug",
            f"{spec.slug!r} is the slug of a template shipped with musekit, which would hide yours in every "
            f"list; choose another slug (e.g. {spec.slug + '-mine'!r})",
        )
    for field, limit in (("name", 80), ("description", 200)):
        value = getattr(spec, field)
        if not value:
            add(field, f"is empty; give the Muse a {field}")
        elif len(value) > limit:
            add(field, f"is {len(value)} characters; at most {limit}")
        elif "\n" in value or "\r" in value or _CONTROL.search(value) or not _encodable(value):
            add(field, "must be one line of text without control characters")
    if not spec.tables:
        add("tables", "a Muse adds at least one table")


def _claim(
    name: str, field: str, what: str, core: CoreNames, existing: set[str], taken: dict[str, str], add: AddProblem
) -> None:
    if name in core.relations or name in core.types:
        add(
            field,
            f"{name!r} is already a core object in public (MuseKit core); a Muse never reuses or "
            f"alters core objects, so choose another {what} name (e.g. {f'{name}_entries'[:63]!r})",
        )
    elif name in existing:
        add(field, f"{name!r} already exists in the target database's Muse tables; choose another {what} name")
    elif name in taken:
        add(field, f"{name!r} is already used by {taken[name]}; table, view and enum names share one namespace")
    elif name.endswith(GENERATED_SUFFIXES):
        add(
            field,
            f"{name!r} ends like a name Postgres generates for keys and indexes "
            f"({', '.join(GENERATED_SUFFIXES)}); choose another {what} name",
        )
    else:
        taken[name] = field


def _check_enums(spec: MuseSpec, add: AddProblem, core: CoreNames, taken: dict[str, str]) -> None:
    for i, enum in enumerate(spec.enums):
        field = f"enums[{i}]"
        problem = identifier_problem(enum.name, "enum")
        add(f"{field}.name", problem)
        if not problem:
            if enum.name in CURATED_TYPES:
                add(f"{field}.name", f"{enum.name!r} is a built-in type name; choose another enum name")
            else:
                _claim(enum.name, f"{field}.name", "enum", core, set(), taken, add)
        if not enum.values:
            add(f"{field}.values", "an enum needs at least one value")
        seen: set[str] = set()
        for j, value in enumerate(enum.values):
            if not value:
                add(f"{field}.values[{j}]", "is empty; enum values need at least one character")
            elif len(value.encode()) > MAX_IDENTIFIER:
                add(
                    f"{field}.values[{j}]",
                    f"{value!r} is {len(value.encode())} bytes; enum values are at most {MAX_IDENTIFIER} bytes",
                )
            elif _CONTROL.search(value) or "\n" in value or not _encodable(value):
                add(f"{field}.values[{j}]", "must be text without control characters or line breaks")
            elif value in seen:
                add(f"{field}.values[{j}]", f"{value!r} appears twice; enum values must be distinct")
            seen.add(value)


def _check_tables(spec: MuseSpec, add: AddProblem, core: CoreNames, existing: set[str], taken: dict[str, str]) -> None:
    enums = {e.name: list(e.values) for e in spec.enums if not identifier_problem(e.name, "enum")}
    fixed = generated_columns(spec.ownership)
    for i, table in enumerate(spec.tables):
        field = f"tables[{i}]"
        problem = identifier_problem(table.name, "table")
        add(f"{field}.name", problem)
        if not problem:
            _claim(table.name, f"{field}.name", "table", core, existing, taken, add)
        if not table.comment:
            add(
                f"{field}.comment",
                "is empty; say in a few words what the table holds (it becomes the "
                "table's comment and the README's table list)",
            )
        elif _CONTROL.search(table.comment) or not _encodable(table.comment):
            add(f"{field}.comment", "must be text without control characters (tab and line feed are fine)")
        names: set[str] = set()
        for j, column in enumerate(table.columns):
            _check_column(column, f"{field}.columns[{j}]", fixed, names, enums, spec, add)
            if column.references is not None:
                _check_reference(column, table, f"{field}.columns[{j}]", spec, core, add)
    _check_view(spec, add, core, existing, taken)
    _check_derived_indexes(spec, add, core, taken)


def _check_column(
    column: ColumnSpec,
    field: str,
    fixed: tuple[str, ...],
    names: set[str],
    enums: dict[str, list[str]],
    spec: MuseSpec,
    add: AddProblem,
) -> None:
    problem = identifier_problem(column.name, "column")
    if problem:
        add(f"{field}.name", problem)
    elif column.name in fixed:
        add(
            f"{field}.name",
            f"{column.name!r} is added to every table of {'a user' if spec.ownership == 'user' else 'an organization'}-owned Muse "
            f"({', '.join(fixed)}); leave it out or use another name",
        )
    elif column.name in SYSTEM_COLUMNS:
        add(f"{field}.name", f"{column.name!r} is a Postgres system column name; choose another column name")
    elif column.name in names:
        add(f"{field}.name", f"{column.name!r} appears twice in this table; column names must be distinct")
    names.add(column.name)
    type_name = normalize_type(column.type)
    if type_name not in CURATED_TYPES and type_name not in enums:
        add(f"{field}.type", f"{column.type!r} is not one of the offered types: {', '.join(column_types(spec))}")
        return
    if column.default is not None:
        try:
            default_sql(column.default, type_name, enums)
        except DefaultError as exc:
            add(f"{field}.default", str(exc))


def _check_reference(
    column: ColumnSpec, table: TableSpec, field: str, spec: MuseSpec, core: CoreNames, add: AddProblem
) -> None:
    target = column.referenced_table or ""
    who = f"{table.name or 'this table'}.{column.name or 'this column'}"
    own = [t.name for t in spec.tables if t.name]
    if target in own:
        key, key_type = "id", "uuid"
    else:
        core_table = core.table(target)
        if core_table is None:
            readable = ", ".join(t.name for t in core.tables if t.readable)
            add(
                f"{field}.references",
                f"{who} references {target!r}, which is neither a table of this Muse "
                f"({', '.join(own) or 'none yet'}) nor a core table ({readable}); use one of those names",
            )
            return
        if not core_table.readable:
            add(
                f"{field}.references",
                f"{who} references the core table {target!r}, which signed-in users cannot read, so they could "
                f"never choose a row of it; reference another table",
            )
            return
        key, key_type = core_table.key, core_table.key_type
    type_name = normalize_type(column.type)
    if type_name != key_type and type_name in column_types(spec):  # an unknown type is reported already
        add(
            f"{field}.type",
            f"{who} references {target}.{key}, so its type must be {key_type} (the type of {target}.{key}), "
            f"not {column.type!r}",
        )
    if column.on_delete == "set null" and not column.nullable:
        add(
            f"{field}.on_delete",
            f"on delete set null empties {who} when the {target} row goes, so the column must be nullable; "
            f"make it nullable or choose cascade or restrict",
        )


def _check_view(spec: MuseSpec, add: AddProblem, core: CoreNames, existing: set[str], taken: dict[str, str]) -> None:
    name = view_name(spec)
    if name is None:
        if spec.user_view and not spec.tables:
            add("user_view", "needs at least one table (the view joins core users with the first table)")
        return
    first = spec.tables[0]
    if identifier_problem(first.name, "table"):
        return
    if len(name) > MAX_IDENTIFIER:
        add(
            "user_view",
            f"the view's name {name!r} would pass {MAX_IDENTIFIER} bytes; shorten tables[0].name "
            f"to at most {MAX_IDENTIFIER - len('_with_user')} characters or turn the view off",
        )
        return
    _claim(name, "user_view", "view (tables[0].name + '_with_user')", core, existing, taken, add)
    for j, column in enumerate(first.columns):
        if column.name in view_user_columns(spec.ownership):
            add(
                f"tables[0].columns[{j}].name",
                f"{column.name!r} is a column of the user view (joined from "
                f"public.users); rename the column or turn the view off",
            )


def _check_derived_indexes(spec: MuseSpec, add: AddProblem, core: CoreNames, taken: dict[str, str]) -> None:
    """Index names the SQL gives (primary key, owner and reference columns, the unique key a
    referenced table gets) must not exist in the core nor repeat (names are cut to 63 bytes)."""
    seen: dict[str, str] = {}  # index name -> what implies it
    referenced = muse_references(spec)
    for i, table in enumerate(spec.tables):
        if taken.get(table.name) != f"tables[{i}].name":
            continue  # its name already has a problem
        implied = [(f"tables[{i}].name", f"table {table.name!r}", primary_key_name(table.name))]
        implied += [
            (f"tables[{i}].name", f"table {table.name!r}", index_name(table.name, c))
            for c in indexed_columns(spec.ownership)
        ]
        if table.name in referenced:
            implied.append((f"tables[{i}].name", f"table {table.name!r}", unique_key_name(table.name, spec.ownership)))
        implied += [
            (f"tables[{i}].columns[{j}].name", f"column {table.name}.{c.name}", index_name(table.name, c.name))
            for j, c in enumerate(table.columns)
            if c.references is not None and not identifier_problem(c.name, "column")
        ]
        for field, what, name in implied:
            if name in core.relations:
                add(field, f"the index {name!r} it implies already exists in the core; choose another name")
            elif name in seen and seen[name] != what:
                add(
                    field,
                    f"the index name {name!r} it implies is also implied by {seen[name]} "
                    f"(names are cut to 63 bytes); make the names differ sooner",
                )
            seen.setdefault(name, what)
