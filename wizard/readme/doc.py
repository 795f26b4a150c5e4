"""What a Muse's README table list says, and how it is rendered.

`TableListDoc` is the small intermediate both sources fill: `TableListDoc.from_model` (the
parsed migration SQL, `wizard.sql.model`) and `await table_list_from_catalog` (the live
database, `wizard.readme.catalog`). `render_table_list` is the one pure renderer.

Which objects are the Muse's always comes from the model: the ones its own migration files
create. Types and default expressions are put in one canonical spelling whichever source they
come from (`timestamptz`, `varchar(255)`, `'draft'` rather than `'draft'::public.item_status`),
so the SQL and the catalog render the same README for the same schema."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from wizard.errors import ExitCode, MusekitError
from wizard.sql import SchemaModel, StatementInfo, Table, canonical_type

if TYPE_CHECKING:
    from pglast import ast


class ReadmeError(MusekitError):
    """The README table list can't be built or written (bad folder, broken markers): the message
    says where and what to do."""

    exit_code = ExitCode.USAGE


class ReadmeDatabaseError(ReadmeError):
    """The database could not be read, or lacks objects the Muse's migrations create."""

    exit_code = ExitCode.FAILED


@dataclass(frozen=True, slots=True)
class ColumnDoc:
    name: str
    type: str  # canonical, see wizard.sql.canonical_type
    nullable: bool
    default: str | None  # canonical expression; "identity (always)" / GENERATED for those
    primary_key: bool = False
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class ForeignKeyDoc:
    columns: tuple[str, ...]
    ref_table: str  # qualified
    ref_columns: tuple[str, ...]  # empty when the SQL names none and the target is not in the model
    on_delete: str  # "no action" | "restrict" | "cascade" | "set null" | "set default"


@dataclass(frozen=True, slots=True)
class PolicyDoc:
    name: str
    command: str  # all | select | insert | update | delete
    roles: tuple[str, ...]  # sorted
    permissive: bool = True


@dataclass(frozen=True, slots=True)
class TableDoc:
    name: str  # qualified
    file: str  # the migration file (name only) that creates it
    comment: str | None
    columns: tuple[ColumnDoc, ...]
    foreign_keys: tuple[ForeignKeyDoc, ...]
    rls_enabled: bool
    rls_forced: bool
    policies: tuple[PolicyDoc, ...]  # sorted by name


@dataclass(frozen=True, slots=True)
class EnumDoc:
    name: str  # qualified
    values: tuple[str, ...]
    comment: str | None


@dataclass(frozen=True, slots=True)
class ViewDoc:
    name: str  # qualified
    comment: str | None
    security_invoker: bool
    materialized: bool
    reads: tuple[str, ...]  # qualified relations, sorted


@dataclass(frozen=True, slots=True)
class CoreUse:
    """A core table or function the Muse relies on, and which Muse objects use it."""

    name: str  # qualified
    used_by: tuple[str, ...]  # e.g. "foreign key `post_queues.org_id`", "view `brand_profiles`"; sorted


@dataclass(frozen=True, slots=True)
class TableListDoc:
    tables: tuple[TableDoc, ...]
    enums: tuple[EnumDoc, ...]
    views: tuple[ViewDoc, ...]
    core_tables: tuple[CoreUse, ...]
    core_functions: tuple[CoreUse, ...]

    @classmethod
    def from_model(cls, model: SchemaModel, muse_files: Collection[str]) -> TableListDoc:
        """From the parsed SQL. `muse_files`: the `SqlSource.path`s of the Muse's own files."""
        scope = MuseScope(model, muse_files)
        tables = [_table_from_model(model, t) for t in scope.tables]
        enums = [EnumDoc(e.qualified_name, tuple(e.values), e.comment) for e in scope.enums]
        views = [
            ViewDoc(v.qualified_name, v.comment, v.security_invoker, v.materialized, tuple(sorted(v.references)))
            for v in scope.views
        ]
        return cls.assemble(tables, enums, views, scope.core_uses_from_model(), scope)

    @classmethod
    def assemble(
        cls,
        tables: Iterable[TableDoc],
        enums: Iterable[EnumDoc],
        views: Iterable[ViewDoc],
        uses: Iterable[tuple[str, str, str]],
        scope: MuseScope,
    ) -> TableListDoc:
        """Sort everything; `uses` = (target kind "relation"/"function", qualified target, used-by label)."""
        by_target: dict[tuple[str, str], set[str]] = {}
        for kind, target, label in uses:
            core = scope.core_tables if kind == "relation" else scope.core_functions
            if target in core:
                by_target.setdefault((kind, target), set()).add(label)

        def core_uses(kind: str) -> tuple[CoreUse, ...]:
            return tuple(
                CoreUse(name, tuple(sorted(labels))) for (k, name), labels in sorted(by_target.items()) if k == kind
            )

        return cls(
            tables=tuple(sorted(tables, key=lambda t: t.name)),
            enums=tuple(sorted(enums, key=lambda e: e.name)),
            views=tuple(sorted(views, key=lambda v: v.name)),
            core_tables=core_uses("relation"),
            core_functions=core_uses("function"),
        )


class MuseScope:
    """Which objects of a model are the Muse's (created in its files) and which are core."""

    def __init__(self, model: SchemaModel, muse_files: Collection[str]) -> None:
        files = set(muse_files)
        self.model = model
        self.muse_files = files
        self.tables = [t for t in model.tables if t.location.file in files]
        self.enums = [e for e in model.enums if e.location.file in files]
        self.views = [v for v in model.views if v.location.file in files]
        self.functions = [f for f in model.functions if f.location.file in files]
        self.core_tables = {t.qualified_name for t in model.tables if t.location.file not in files}
        self.core_functions = {f.qualified_name for f in model.functions if f.location.file not in files}

    def core_uses_from_model(self) -> list[tuple[str, str, str]]:
        uses = [
            ("relation", fk.ref_table, fk_label(t.qualified_name, fk.columns))
            for t in self.tables
            for fk in t.foreign_keys
        ]
        live = self._live_owners()
        for stmt in self.model.statements:
            if stmt.location.file not in self.muse_files:
                continue
            owner = _statement_owner(stmt)
            if owner is None or owner[0] not in live:
                continue
            for effect in stmt.effects:
                if (
                    effect.action == "reference"
                    and effect.detail != "foreign key"
                    and effect.target.kind in ("relation", "function")
                ):
                    uses.append((effect.target.kind, effect.target.qualified_name, owner[1]))
        return uses

    def _live_owners(self) -> set[tuple[str, ...]]:
        """Keys of the Muse objects that still exist at the end of its migrations."""
        tables = {t.qualified_name for t in self.tables}
        return (
            {("view", v.qualified_name) for v in self.views}
            | {("function", f.qualified_name) for f in self.functions}
            | {("policy", p.name, p.table) for p in self.model.policies if p.table in tables}
            | {("trigger", t.name, t.table) for t in self.model.triggers if t.table in tables}
        )


def _statement_owner(stmt: StatementInfo) -> tuple[tuple[str, ...], str] | None:
    """(key, used-by label) of the object a Muse statement creates, for statements whose
    references the catalog also records (views, policies, functions, triggers)."""
    made = [e.target for e in stmt.effects if e.action in ("create", "replace", "alter")]
    if not made:
        return None
    target = made[0]
    if stmt.kind in ("ViewStmt", "CreateTableAsStmt") and target.kind == "relation":
        return ("view", target.qualified_name), used_by_label("view", target.qualified_name)
    if stmt.kind in ("CreatePolicyStmt", "AlterPolicyStmt") and target.kind == "policy":
        return ("policy", target.name, target.parent or ""), used_by_label("policy", target.name, target.parent)
    if stmt.kind == "CreateFunctionStmt" and target.kind == "function":
        return ("function", target.qualified_name), used_by_label("function", target.qualified_name)
    if stmt.kind == "CreateTrigStmt" and target.kind == "trigger":
        return ("trigger", target.name, target.parent or ""), used_by_label("trigger", target.name, target.parent)
    return None


def used_by_label(kind: str, name: str, on: str | None = None) -> str:
    shown = name if kind in ("policy", "trigger") else short(name)
    return f"{kind} {code(shown)}" + (f" on {code(short(on))}" if on else "")


def fk_label(table: str, columns: Iterable[str]) -> str:
    """The used-by label of a foreign key: foreign key `post_queues.org_id` / `showings(listing_id, org_id)`."""
    cols = list(columns)
    shown = f"{short(table)}.{cols[0]}" if len(cols) == 1 else f"{short(table)}({', '.join(cols)})"
    return "foreign key " + code(shown)


def _table_from_model(model: SchemaModel, table: Table) -> TableDoc:
    types = [canonical_type(c.type) for c in table.columns]
    defaults = display_defaults([(c.default, t) for c, t in zip(table.columns, types, strict=False)])
    columns = []
    for col, typ, default in zip(table.columns, types, defaults, strict=False):
        if col.identity:
            default = f"identity ({col.identity})"
        elif col.generated:
            default = GENERATED
        # Postgres makes primary key and serial columns not null whatever the SQL says
        key = col.primary_key or col.name in table.primary_key
        nullable = col.nullable and not key and typ not in SERIAL_TYPES
        columns.append(ColumnDoc(col.name, typ, nullable, default, key, col.comment))
    fks = []
    for fk in table.foreign_keys:
        ref_columns = fk.ref_columns
        if not ref_columns and (target := model.table(fk.ref_table)) is not None:
            ref_columns = target.primary_key
        fks.append(ForeignKeyDoc(tuple(fk.columns), fk.ref_table, tuple(ref_columns), fk.on_delete))
    policies = [
        PolicyDoc(p.name, p.command, tuple(sorted(p.roles)), p.permissive)
        for p in model.policies_on(table.qualified_name)
    ]
    return TableDoc(
        table.qualified_name,
        PurePath(table.location.file).name,
        table.comment,
        tuple(columns),
        tuple(sorted(fks, key=lambda f: f.columns)),
        table.rls_enabled,
        table.rls_forced,
        tuple(sorted(policies, key=lambda p: p.name)),
    )


# --- canonical spellings ----------------------------------------------------------------------

SERIAL_TYPES = frozenset({"serial", "bigserial", "smallserial"})
# The expression of a generated column is not shown: the catalog prints it with the implicit
# casts Postgres added (`fee * 100::numeric`), which the SQL as written does not have.
GENERATED = "generated (stored)"

_CAST = re.compile(r"CAST\(('(?:[^']|'')*') AS ([^()]+?(?:\([0-9, ]*\))?(?:\[\])*)\)")


def display_defaults(items: list[tuple[str | None, str]]) -> list[str | None]:
    """Canonical text of default expressions, given (expression, display type of the column).

    Both sources go through pglast: the SQL as written (`'{}'`, `interval '7 days'`) and the
    catalog's pg_get_expr (`'{}'::text[]`, `'7 days'::interval`) print the same. A literal cast to
    the column's own type is dropped (Postgres adds it when it stores a default)."""
    keys = [(expr, typ) if expr and expr.strip() else None for expr, typ in items]
    misses = list(dict.fromkeys(k for k in keys if k is not None and k not in _EXPRESSIONS))
    if misses:
        if len(_EXPRESSIONS) > 20_000:
            _EXPRESSIONS.clear()
        nodes = _parse_expressions([expr for expr, _ in misses])
        printed = _print_expressions([(node, typ) for node, (_, typ) in zip(nodes, misses, strict=True) if node])
        for (expr, typ), node in zip(misses, nodes, strict=True):
            _EXPRESSIONS[(expr, typ)] = next(printed) if node is not None else " ".join(expr.split())
    return [_EXPRESSIONS[k] if k is not None else None for k in keys]


# (expression, column type) -> canonical text; the same defaults recur in every table
_EXPRESSIONS: dict[tuple[str, str], str] = {}


def clear_expression_cache() -> None:
    """Forget the printed expressions (a benchmark measures a cold process this way)."""
    _EXPRESSIONS.clear()


def _parse_expressions(exprs: list[str]) -> list[ast.Node | None]:
    from pglast import ast, parse_sql
    from pglast.parser import ParseError

    def targets(texts: list[str]) -> list[ast.Node | None]:
        stmt = parse_sql("select " + ", ".join(f"({t}\n)" for t in texts))[0].stmt
        assert isinstance(stmt, ast.SelectStmt)  # the first statement is the SELECT written here
        return [t.val for t in stmt.targetList or ()]

    try:
        return targets(exprs)
    except ParseError:
        found: list[ast.Node | None] = []
        for expr in exprs:
            try:
                found.append(targets([expr])[0])
            except ParseError:
                found.append(None)
        return found


def _print_expressions(items: list[tuple[ast.Node, str]]) -> Iterator[str]:
    """The printed text of each (expression, column type), in order: a literal cast to the column's own
    type is dropped, CAST(... AS t) is written ...::t."""
    from pglast import ast

    casts = {
        i: node
        for i, (node, _) in enumerate(items)
        if isinstance(node, ast.TypeCast) and isinstance(node.arg, ast.A_Const) and node.typeName is not None
    }
    types = dict(zip(casts, _printed([cast.typeName for cast in casts.values()]), strict=True))
    nodes = [
        casts[i].arg if i in casts and canonical_type(types[i]) == typ else node for i, (node, typ) in enumerate(items)
    ]
    for text in _printed(nodes):
        text = _CAST.sub(lambda m: f"{m[1]}::{canonical_type(m[2])}", text)
        yield text.lower() if text in ("TRUE", "FALSE", "NULL") else text


def _printed(nodes: list[Any]) -> list[str]:
    """`RawStream()(node)` of each node, standalone. RawStream's call first marks every node's ancestors,
    making a visitor class each time (most of the cost of a small expression): here that is done once,
    for all of them (each a root of its own, as when printed alone)."""
    from pglast.stream import RawStream
    from pglast.visitors import populate_ancestors

    if not nodes:
        return []
    populate_ancestors(tuple(nodes))
    texts = []
    for node in nodes:
        stream = RawStream()
        stream.print_node(node)
        texts.append(stream.getvalue())
    return texts


# --- rendering --------------------------------------------------------------------------------

GENERATED_NOTE = (
    "<!-- Generated by `musekit readme` from this Muse's migrations (or its database). "
    "Edit the migrations, then run `musekit readme` again: text between these markers is replaced. -->"
)


def render_table_list(doc: TableListDoc) -> str:
    """The Markdown that goes between the markers; ends with a newline. Pure and deterministic."""
    out: list[str] = [GENERATED_NOTE, "", "## Database", "", _summary(doc), ""]
    if doc.tables:
        out += ["### Tables", ""]
        for table in doc.tables:
            out += _render_table(table)
    if doc.enums:
        out += ["### Enums", "", "| enum | values | purpose |", "|---|---|---|"]
        out += [
            f"| {code(short(e.name))} | {', '.join(code(v) for v in e.values)} | {prose(e.comment)} |"
            for e in doc.enums
        ]
        out.append("")
    if doc.views:
        out += ["### Views", "", "| view | purpose | runs as | reads |", "|---|---|---|---|"]
        for v in doc.views:
            kind = (
                "materialized view"
                if v.materialized
                else ("the caller (security invoker)" if v.security_invoker else "the view owner")
            )
            out.append(
                f"| {code(short(v.name))} | {prose(v.comment)} | {kind} | "
                f"{', '.join(code(short(r)) for r in v.reads)} |"
            )
        out.append("")
    out += _render_uses(
        "Core tables it relies on", "core table", doc.core_tables, "None: it references no MuseKit core table."
    )
    if doc.core_functions:
        out += _render_uses("Core functions it calls", "core function", doc.core_functions, "")
    return "\n".join(out).rstrip("\n") + "\n"


def _summary(doc: TableListDoc) -> str:
    counts = [
        count_phrase(len(doc.tables), "table"),
        count_phrase(len(doc.enums), "enum"),
        count_phrase(len(doc.views), "view"),
    ]
    listed = ", ".join(counts[:-1]) + " and " + counts[-1]
    return (
        f"This Muse adds {listed} to the MuseKit core schema, all created by its own migrations. "
        "It never alters a core table; the core tables it relies on are listed at the end."
    )


def count_phrase(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _render_table(t: TableDoc) -> list[str]:
    out = [
        f"#### {code(short(t.name))}",
        "",
        prose(t.comment, missing="_No table comment._"),
        "",
        f"Created in {code(t.file)}.",
        "",
    ]
    single_fk = {fk.columns[0]: fk for fk in t.foreign_keys if len(fk.columns) == 1}
    with_refs = bool(single_fk)
    with_notes = any(c.comment for c in t.columns)
    header = (
        ["column", "type", "nullable", "default"]
        + (["references"] if with_refs else [])
        + (["description"] if with_notes else [])
    )
    out += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for c in t.columns:
        name = code(c.name) + (" (primary key)" if c.primary_key else "")
        cells = [name, code(c.type), "yes" if c.nullable else "no", code(c.default) if c.default else ""]
        if with_refs:
            cells.append(_fk_target(single_fk[c.name]) if c.name in single_fk else "")
        if with_notes:
            cells.append(prose(c.comment, missing=""))
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    composite = [fk for fk in t.foreign_keys if len(fk.columns) != 1]
    for fk in composite:
        out.append(f"- Foreign key ({', '.join(code(c) for c in fk.columns)}) → {_fk_target(fk)}")
    if composite:
        out.append("")
    out += _render_rls(t)
    return out


def _fk_target(fk: ForeignKeyDoc) -> str:
    cols = ", ".join(fk.ref_columns)
    if len(fk.ref_columns) == 1:
        target = code(f"{short(fk.ref_table)}.{cols}")
    else:
        target = code(f"{short(fk.ref_table)}({cols})" if cols else short(fk.ref_table))
    return target + ("" if fk.on_delete == "no action" else f" (on delete {fk.on_delete})")


def _render_rls(t: TableDoc) -> list[str]:
    if not t.rls_enabled:
        return ["Row level security: **disabled**: every role granted access to the table sees every row.", ""]
    forced = " and forced for the owner" if t.rls_forced else ""
    if not t.policies:
        return [
            f"Row level security: **enabled**{forced}, no policies: only roles that bypass RLS "
            "(service_role) can read or write rows.",
            "",
        ]
    out = [
        f"Row level security: **enabled**{forced}, {count_phrase(len(t.policies), 'policy', 'policies')}:",
        "",
        "| policy | command | roles |",
        "|---|---|---|",
    ]
    for p in t.policies:
        command = p.command + ("" if p.permissive else " (restrictive)")
        out.append(f"| {code(p.name)} | {command} | {', '.join(p.roles)} |")
    return [*out, ""]


def _render_uses(title: str, column: str, uses: tuple[CoreUse, ...], empty: str) -> list[str]:
    out = [f"### {title}", ""]
    if not uses:
        return [*out, empty, ""]
    out += [f"| {column} | used by |", "|---|---|"]
    out += [f"| {code(short(u.name))} | {', '.join(u.used_by)} |" for u in uses]
    return [*out, ""]


def short(qualified: str) -> str:
    """Objects in `public` are shown without the schema."""
    return qualified.removeprefix("public.")


def code(text: str) -> str:
    """An inline code span that survives any backticks in the text, safe in a table cell."""
    text = " ".join(text.split()).replace("|", "\\|")
    run = max((len(r) for r in re.findall(r"`+", text)), default=0)
    fence = "`" * (run + 1)
    pad = " " if run or text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def prose(text: str | None, *, missing: str = "") -> str:
    """A comment as one line of Markdown text: no line breaks, no HTML, no table breaks."""
    if not text or not text.strip():
        return missing
    return " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
