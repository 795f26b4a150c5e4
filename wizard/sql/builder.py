"""Builds the SchemaModel from migration files: applies each statement, in file order, to the
objects created so far (ALTER TABLE ... ADD COLUMN changes the table, DROP removes it, ...).

Statements about objects these files did not create (e.g. a Muse altering a core table) leave
the objects alone; they still appear in `SchemaModel.statements` with their effects."""

from __future__ import annotations

import functools
import gc
import marshal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from wizard.sql.effects import function_language, statement_effects
from wizard.sql.model import (
    Analysis,
    CheckConstraint,
    Column,
    EnumType,
    ForeignKey,
    Function,
    Grant,
    Index,
    OpaqueBlock,
    Policy,
    Schema,
    SchemaModel,
    SqlSource,
    StatementInfo,
    Table,
    Trigger,
    UniqueKey,
    View,
    read_source,
)
from wizard.sql.nodes import (
    Node,
    const_value,
    def_options,
    def_value,
    index_name,
    object_with_args,
    qualified,
    qualify,
    range_var,
    relations_read,
    role_name,
    svals,
    type_name,
    type_qualified,
    unwrap,
)
from wizard.sql.source import RawStatement, TokenSpan, deparse_expression, parse_source, shorten

_FK_ACTIONS = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}
_DEFAULT_ENDS = frozenset(
    {
        "NOT",
        "NULL_P",
        "PRIMARY",
        "UNIQUE",
        "REFERENCES",
        "CHECK",
        "CONSTRAINT",
        "DEFAULT",
        "GENERATED",
        "COLLATE",
        "DEFERRABLE",
        "INITIALLY",
    }
)
_TRUE = frozenset({"true", "on", "yes", "1"})


def parse_sql_files(files: Sequence[SqlSource]) -> SchemaModel:
    """Build the model from migration files, applied in the given order.

    Raises SqlParseError naming the file and line of the first statement pglast refuses."""
    builder = _Builder()
    with _collector_paused():
        for source in files:
            builder.model.files.append(source.path)
            for stmt in parse_source(source):
                builder.apply(stmt)
    return builder.finish()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Parse trees are thousands of small dicts that live until the model is built: the cyclic garbage
    collector would walk them again and again (about 40% of a large template's parse). They hold no
    cycles, so the collector waits until the model is done."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _analysis(stmt: RawStatement) -> Analysis:
    """statement_effects(stmt), when first asked. The tree waits as marshal bytes: kept as dicts, its tens of
    thousands of objects would be walked by every full garbage collection while the model lives."""
    tree = marshal.dumps(stmt.node)
    file, kind, start, end = stmt.file, stmt.kind, stmt.start, stmt.end
    return lambda: statement_effects(RawStatement(file, kind, marshal.loads(tree), start, end))


@functools.lru_cache(maxsize=16)
def parse_sql_once(files: tuple[SqlSource, ...]) -> SchemaModel:
    """parse_sql_files(), once per process for the same paths and texts: a command that looks at many Muses
    of one template parses it once. Callers share the model: only the builder changes a model."""
    return parse_sql_files(files)


def parse_sql_paths(paths: Sequence[Path], *, relative_to: Path | None = None) -> SchemaModel:
    """`parse_sql_files` for files on disk; messages show paths relative to `relative_to`."""
    return parse_sql_files([read_source(p, relative_to=relative_to) for p in paths])


class _Builder:
    def __init__(self) -> None:
        self.model = SchemaModel()
        self.schemas: dict[str, Schema] = {}
        self.enums: dict[str, EnumType] = {}
        self.tables: dict[str, Table] = {}
        self.views: dict[str, View] = {}
        self.indexes: dict[str, Index] = {}
        self.policies: dict[tuple[str, str], Policy] = {}
        self.functions: dict[str, Function] = {}
        self.triggers: dict[tuple[str, str], Trigger] = {}
        self._handlers: dict[str, Callable[[RawStatement], None]] = {
            "CreateSchemaStmt": self._schema,
            "CreateEnumStmt": self._enum,
            "AlterEnumStmt": self._alter_enum,
            "CreateStmt": self._table,
            "CreateTableAsStmt": self._table_as,
            "SelectStmt": self._select_into,
            "ViewStmt": self._view,
            "AlterTableStmt": self._alter_table,
            "IndexStmt": self._index,
            "CreatePolicyStmt": self._policy,
            "AlterPolicyStmt": self._alter_policy,
            "CreateFunctionStmt": self._function,
            "CreateTrigStmt": self._trigger,
            "GrantStmt": self._grant,
            "CommentStmt": self._comment,
            "DoStmt": self._do,
            "DropStmt": self._drop,
            "RenameStmt": self._rename,
        }

    def apply(self, stmt: RawStatement) -> None:
        info = StatementInfo.deferred(stmt.kind, stmt.short_text(), stmt.location, _analysis(stmt))
        self.model.statements.append(info)
        handler = self._handlers.get(stmt.kind)
        if handler is not None:
            handler(stmt)

    def finish(self) -> SchemaModel:
        m = self.model
        m.schemas = list(self.schemas.values())
        m.enums = list(self.enums.values())
        m.tables = list(self.tables.values())
        m.views = list(self.views.values())
        m.indexes = list(self.indexes.values())
        m.policies = list(self.policies.values())
        m.functions = list(self.functions.values())
        m.triggers = list(self.triggers.values())
        return m

    # --- schemas and types ---------------------------------------------------------------------

    def _schema(self, stmt: RawStatement) -> None:
        name = stmt.node.get("schemaname", "")
        self.schemas.setdefault(name, Schema(name, stmt.location))

    def _enum(self, stmt: RawStatement) -> None:
        schema, name = qualify(svals(stmt.node.get("typeName")))
        self.enums[qualified(schema, name)] = EnumType(schema, name, svals(stmt.node.get("vals")), stmt.location)

    def _alter_enum(self, stmt: RawStatement) -> None:
        node = stmt.node
        enum = self.enums.get(qualified(*qualify(svals(node.get("typeName")))))
        if enum is None:
            return
        new = node.get("newVal", "")
        if node.get("oldVal"):
            enum.values = [new if v == node["oldVal"] else v for v in enum.values]
            return
        if new in enum.values:
            return
        neighbor = node.get("newValNeighbor")
        if neighbor in enum.values:
            at = enum.values.index(neighbor) + (1 if node.get("newValIsAfter") else 0)
            enum.values.insert(at, new)
        else:
            enum.values.append(new)

    # --- tables --------------------------------------------------------------------------------

    def _table(self, stmt: RawStatement) -> None:
        node = stmt.node
        schema, name = range_var(node["relation"])
        key = qualified(schema, name)
        if key in self.tables and node.get("if_not_exists"):
            return
        table = Table(
            schema,
            name,
            stmt.location,
            if_not_exists=bool(node.get("if_not_exists")),
            inherits=[qualified(*range_var(p)) for p in node.get("inhRelations", ())],
        )
        elements = [unwrap(item) for item in node.get("tableElts", ())]
        for i, (kind, inner) in enumerate(elements):
            limit = elements[i + 1][1].get("location") if i + 1 < len(elements) else None
            if kind == "ColumnDef":
                self._add_column(stmt, table, inner, limit)
            elif kind == "Constraint":
                self._add_constraint(stmt, table, inner, limit)
        self.tables[key] = table

    def _table_as(self, stmt: RawStatement) -> None:
        schema, name = range_var(stmt.node["into"]["rel"])
        if stmt.node.get("objtype") == "OBJECT_MATVIEW":
            refs = sorted({qualified(*r) for r in relations_read(stmt.node.get("query"))})
            self.views[qualified(schema, name)] = View(schema, name, stmt.location, materialized=True, references=refs)
        else:
            self.tables[qualified(schema, name)] = Table(schema, name, stmt.location)

    def _select_into(self, stmt: RawStatement) -> None:
        if "intoClause" in stmt.node:
            schema, name = range_var(stmt.node["intoClause"]["rel"])
            self.tables[qualified(schema, name)] = Table(schema, name, stmt.location)

    def _add_column(self, stmt: RawStatement, table: Table, coldef: Node, limit: int | None = None) -> None:
        """`limit`: where the next table element starts (None: the end of the statement)."""
        column = Column(
            coldef.get("colname", ""), type_name(coldef["typeName"]), stmt.location_at(coldef.get("location"))
        )
        constraints = [c["Constraint"] for c in coldef.get("constraints", ())]
        for i, con in enumerate(constraints):
            later = [c["location"] for c in constraints[i + 1 :] if c.get("location", -1) >= 0]
            self._column_constraint(stmt, table, column, con, later[0] if later else limit)
        table.columns = [c for c in table.columns if c.name != column.name] + [column]

    def _column_constraint(
        self, stmt: RawStatement, table: Table, column: Column, con: Node, limit: int | None
    ) -> None:
        contype = con.get("contype", "")
        here = con.get("location")
        if contype == "CONSTR_NOTNULL":
            column.nullable = False
        elif contype == "CONSTR_NULL":
            column.nullable = True
        elif contype == "CONSTR_DEFAULT":
            column.default = _expr(stmt.span(here, limit).expression(1, _DEFAULT_ENDS))
        elif contype == "CONSTR_PRIMARY":
            column.primary_key, column.nullable = True, False
            table.primary_key = [column.name]
        elif contype == "CONSTR_UNIQUE":
            column.unique = True
            table.uniques.append(
                UniqueKey(
                    [column.name], stmt.location_at(here), con.get("conname"), bool(con.get("nulls_not_distinct"))
                )
            )
        elif contype == "CONSTR_FOREIGN":
            table.foreign_keys.append(self._foreign_key(stmt, con, [column.name]))
        elif contype == "CONSTR_CHECK":
            table.checks.append(
                CheckConstraint(
                    _expr(stmt.span(here, limit).paren_group(("CHECK",))),
                    stmt.location_at(here),
                    con.get("conname"),
                    column.name,
                )
            )
        elif contype == "CONSTR_IDENTITY":
            column.identity = "always" if con.get("generated_when") == "a" else "by default"
            column.nullable = False
        elif contype == "CONSTR_GENERATED":
            column.generated = _expr(stmt.span(here, limit).paren_group())

    def _foreign_key(self, stmt: RawStatement, con: Node, columns: list[str]) -> ForeignKey:
        return ForeignKey(
            columns=columns,
            ref_table=qualified(*range_var(con["pktable"])),
            ref_columns=svals(con.get("pk_attrs")),
            on_delete=_FK_ACTIONS.get(con.get("fk_del_action", "a"), "no action"),
            on_update=_FK_ACTIONS.get(con.get("fk_upd_action", "a"), "no action"),
            location=stmt.location_at(con.get("location")),
            name=con.get("conname"),
        )

    def _add_constraint(self, stmt: RawStatement, table: Table, con: Node, limit: int | None = None) -> None:
        contype = con.get("contype", "")
        keys = svals(con.get("keys"))
        here = stmt.location_at(con.get("location"))
        if contype == "CONSTR_PRIMARY":
            table.primary_key = keys
            for column in filter(None, map(table.column, keys)):
                column.primary_key, column.nullable = True, False
        elif contype == "CONSTR_UNIQUE":
            table.uniques.append(UniqueKey(keys, here, con.get("conname"), bool(con.get("nulls_not_distinct"))))
            if len(keys) == 1 and (unique := table.column(keys[0])) is not None:
                unique.unique = True
        elif contype == "CONSTR_FOREIGN":
            table.foreign_keys.append(self._foreign_key(stmt, con, svals(con.get("fk_attrs"))))
        elif contype == "CONSTR_CHECK":
            text = _expr(stmt.span(con.get("location"), limit).paren_group(("CHECK",)))
            table.checks.append(CheckConstraint(text, here, con.get("conname")))

    def _alter_table(self, stmt: RawStatement) -> None:
        key = qualified(*range_var(stmt.node["relation"]))
        if key in self.views:
            self._alter_view(stmt, self.views[key])
            return
        table = self.tables.get(key)
        if table is None:
            return
        for item in stmt.node.get("cmds", ()):
            self._alter_table_cmd(stmt, table, item["AlterTableCmd"])

    def _alter_table_cmd(self, stmt: RawStatement, table: Table, cmd: Node) -> None:
        subtype = cmd.get("subtype", "")
        column = table.column(cmd.get("name", "")) if cmd.get("name") else None
        if subtype == "AT_AddColumn":
            if not (cmd.get("missing_ok") and table.column(cmd["def"]["ColumnDef"].get("colname", ""))):
                self._add_column(stmt, table, cmd["def"]["ColumnDef"])
        elif subtype == "AT_AddConstraint":
            self._add_constraint(stmt, table, cmd["def"]["Constraint"])
        elif subtype in ("AT_EnableRowSecurity", "AT_DisableRowSecurity"):
            table.rls_enabled = subtype == "AT_EnableRowSecurity"
        elif subtype in ("AT_ForceRowSecurity", "AT_NoForceRowSecurity"):
            table.rls_forced = subtype == "AT_ForceRowSecurity"
        elif subtype == "AT_DropColumn":
            table.columns = [c for c in table.columns if c.name != cmd.get("name")]
        elif subtype == "AT_DropConstraint":
            self._drop_constraint(table, cmd.get("name", ""))
        elif column is not None:
            self._alter_column(stmt, column, subtype, cmd)

    def _alter_column(self, stmt: RawStatement, column: Column, subtype: str, cmd: Node) -> None:
        if subtype == "AT_ColumnDefault":
            column.default = self._set_default_text(stmt, column.name) if "def" in cmd else None
        elif subtype in ("AT_SetNotNull", "AT_DropNotNull"):
            column.nullable = subtype == "AT_DropNotNull"
        elif subtype == "AT_AlterColumnType":
            column.type = type_name(cmd["def"]["ColumnDef"]["typeName"])

    @staticmethod
    def _set_default_text(stmt: RawStatement, column: str) -> str:
        # `alter [column] <column> set default <expr>`: the expression follows that SET DEFAULT
        span = stmt.span()
        toks = span.tokens
        for i in range(1, len(toks) - 1):
            if toks[i].name == "SET" and toks[i + 1].name == "DEFAULT":
                name = span.text[toks[i - 1].start : toks[i - 1].end + 1].strip('"')
                if name == column:
                    return _expr(TokenSpan(span.text[toks[i + 1].start :]).expression(1))
        return ""

    @staticmethod
    def _drop_constraint(table: Table, name: str) -> None:
        table.foreign_keys = [f for f in table.foreign_keys if f.name != name]
        table.uniques = [u for u in table.uniques if u.name != name]
        table.checks = [c for c in table.checks if c.name != name]

    @staticmethod
    def _alter_view(stmt: RawStatement, view: View) -> None:
        for item in stmt.node.get("cmds", ()):
            cmd = item["AlterTableCmd"]
            if cmd.get("subtype") in ("AT_SetRelOptions", "AT_ResetRelOptions"):
                options = def_options(cmd.get("def", {}).get("List", {}).get("items"))
                if "security_invoker" in options:
                    reset = cmd.get("subtype") == "AT_ResetRelOptions"
                    view.security_invoker = not reset and _truthy(options["security_invoker"])

    def _view(self, stmt: RawStatement) -> None:
        node = stmt.node
        schema, name = range_var(node["view"])
        key = qualified(schema, name)
        options = def_options(node.get("options"))
        view = View(
            schema,
            name,
            stmt.location,
            security_invoker="security_invoker" in options and _truthy(options["security_invoker"]),
            references=sorted({qualified(*r) for r in relations_read(node.get("query"))}),
        )
        if key in self.views:
            view.comment = self.views[key].comment
        self.views[key] = view

    # --- indexes, policies, triggers --------------------------------------------------------------

    def _index(self, stmt: RawStatement) -> None:
        node = stmt.node
        schema, table = range_var(node["relation"])
        name = index_name(node)
        key = qualified(schema, name)
        if key in self.indexes and node.get("if_not_exists"):
            return
        span = stmt.span(node["relation"].get("location"))
        written = span.paren_items()
        columns = []
        for i, item in enumerate(node.get("indexParams", ())):
            elem = item["IndexElem"]
            columns.append(elem.get("name") or (_expr(written[i]) if i < len(written) else "expr"))
        where = _expr(span.text_after(("WHERE",))) if "whereClause" in node else None
        self.indexes[key] = Index(
            schema,
            name,
            qualified(schema, table),
            columns,
            stmt.location,
            unique=bool(node.get("unique")),
            method=node.get("accessMethod", "btree"),
            where=where,
        )

    def _policy(self, stmt: RawStatement) -> None:
        node = stmt.node
        table = qualified(*range_var(node["table"]))
        using, with_check = _deparse_policy(stmt)
        self.policies[(table, node.get("policy_name", ""))] = Policy(
            name=node.get("policy_name", ""),
            table=table,
            command=node.get("cmd_name", "all"),
            location=stmt.location,
            permissive=bool(node.get("permissive")),
            roles=[role_name(r) for r in node.get("roles", ())] or ["public"],
            using=using,
            with_check=with_check,
        )

    def _alter_policy(self, stmt: RawStatement) -> None:
        node = stmt.node
        policy = self.policies.get((qualified(*range_var(node["table"])), node.get("policy_name", "")))
        if policy is None:
            return
        using, with_check = _deparse_policy(stmt)
        if "roles" in node:
            policy.roles = [role_name(r) for r in node["roles"]]
        if "qual" in node:
            policy.using = using
        if "with_check" in node:
            policy.with_check = with_check

    def _trigger(self, stmt: RawStatement) -> None:
        node = stmt.node
        table = qualified(*range_var(node["relation"]))
        timing = node.get("timing", 0)
        events_bits = node.get("events", 0)
        events = []
        for bit, word in ((4, "insert"), (16, "update"), (8, "delete"), (32, "truncate")):
            if events_bits & bit:
                cols = svals(node.get("columns")) if bit == 16 else []
                events.append(f"update of {', '.join(cols)}" if cols else word)
        self.triggers[(table, node.get("trigname", ""))] = Trigger(
            name=node.get("trigname", ""),
            table=table,
            timing="before" if timing & 2 else "instead of" if timing & 64 else "after",
            events=events,
            level="row" if node.get("row") else "statement",
            function=qualified(*qualify(svals(node.get("funcname")))),
            location=stmt.location,
        )

    # --- functions, grants, comments ---------------------------------------------------------------

    def _function(self, stmt: RawStatement) -> None:
        node = stmt.node
        schema, name = qualify(svals(node.get("funcname")))
        params = [p["FunctionParameter"] for p in node.get("parameters", ())]
        in_params = [
            p for p in params if p.get("mode", "FUNC_PARAM_DEFAULT") not in ("FUNC_PARAM_OUT", "FUNC_PARAM_TABLE")
        ]
        table_params = [p for p in params if p.get("mode") == "FUNC_PARAM_TABLE"]
        options = def_options(node.get("options"))
        returns = type_name(node["returnType"]) if "returnType" in node else "void"
        if table_params:
            returns = "table(" + ", ".join(f"{p.get('name', '')} {type_name(p['argType'])}" for p in table_params) + ")"
        header_end = node.get("returnType", {}).get("location")  # the body is not scanned
        written = stmt.span(None, header_end).paren_items() if params else []
        function = Function(
            schema=schema,
            name=name,
            arguments=", ".join(
                w for w, p in zip(written, params, strict=False) if p.get("mode") != "FUNC_PARAM_TABLE"
            ),
            identity_arguments=", ".join(type_name(p["argType"]) for p in in_params),
            returns=returns,
            language=function_language(node),
            location=stmt.location,
            security_definer=def_value(options.get("security")) == "true",
            search_path=_search_path(options.get("set")),
            volatility=def_value(options.get("volatility")) or "volatile",
        )
        key = function.signature
        if key in self.functions:
            function.comment = self.functions[key].comment
        self.functions[key] = function

    def _grant(self, stmt: RawStatement) -> None:
        node = stmt.node
        objtype = node.get("objtype", "").removeprefix("OBJECT_").lower()
        privileges = []
        for p in node.get("privileges", ()):
            priv = p["AccessPriv"]
            cols = svals(priv.get("cols"))
            word = priv.get("priv_name", "all")
            privileges.append(f"{word} ({', '.join(cols)})" if cols else word)
        roles = [role_name(r) for r in node.get("grantees", ())]
        action = "grant" if node.get("is_grant") else "revoke"
        for obj in node.get("objects", ()):
            kind, label = _grant_object(node, objtype, obj)
            self.model.grants.append(Grant(action, kind, label, privileges or ["all"], roles, stmt.location))

    def _comment(self, stmt: RawStatement) -> None:
        node = stmt.node
        objtype = node.get("objtype", "")
        text = node.get("comment")
        obj: Node = node.get("object", {})
        if objtype in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW"):
            key = qualified(*qualify(svals(obj)))
            target = self.tables.get(key) or self.views.get(key)
            if target is not None:
                target.comment = text
        elif objtype == "OBJECT_COLUMN":
            names = svals(obj)
            table = self.tables.get(qualified(*qualify(names[:-1])))
            column = table.column(names[-1]) if table else None
            if column is not None:
                column.comment = text
        elif objtype == "OBJECT_TYPE":
            schema, name = type_qualified(obj)
            enum = self.enums.get(qualified(schema or "public", name))
            if enum is not None:
                enum.comment = text
        elif objtype == "OBJECT_FUNCTION":
            schema, name, args = object_with_args(obj)
            for function in self.functions.values():
                if (function.schema, function.name) == (schema, name) and args in (None, function.identity_arguments):
                    function.comment = text

    def _do(self, stmt: RawStatement) -> None:
        options = def_options(stmt.node.get("args"))
        body = def_value(options.get("as")) or ""
        language = (def_value(options.get("language")) or "plpgsql").lower()
        self.model.do_blocks.append(OpaqueBlock(language, shorten(body, 200), stmt.location))

    # --- drops and renames ----------------------------------------------------------------------------

    def _drop(self, stmt: RawStatement) -> None:
        rtype = stmt.node.get("removeType", "")
        for obj in stmt.node.get("objects", ()):
            self._drop_one(rtype, obj)

    def _drop_one(self, rtype: str, obj: Node) -> None:
        if rtype in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_INDEX"):
            key = qualified(*qualify(svals(obj)))
            for store in (self.tables, self.views, self.indexes):
                store.pop(key, None)
            if rtype == "OBJECT_TABLE":
                self._forget_children(key)
        elif rtype in ("OBJECT_POLICY", "OBJECT_TRIGGER"):
            names = svals(obj)
            children = self.policies if rtype == "OBJECT_POLICY" else self.triggers
            children.pop((qualified(*qualify(names[:-1])), names[-1]), None)
        elif rtype == "OBJECT_TYPE":
            schema, name = type_qualified(obj)
            self.enums.pop(qualified(schema or "public", name), None)
        elif rtype == "OBJECT_FUNCTION":
            schema, name, args = object_with_args(obj)
            for key, fn in list(self.functions.items()):
                if (fn.schema, fn.name) == (schema, name) and args in (None, fn.identity_arguments):
                    del self.functions[key]
        elif rtype == "OBJECT_SCHEMA":
            self.schemas.pop(svals([obj])[0], None)

    def _forget_children(self, table: str) -> None:
        self.indexes = {k: i for k, i in self.indexes.items() if i.table != table}
        self.policies = {k: p for k, p in self.policies.items() if p.table != table}
        self.triggers = {k: t for k, t in self.triggers.items() if t.table != table}

    def _rename(self, stmt: RawStatement) -> None:
        node = stmt.node
        rtype = node.get("renameType", "")
        new = node.get("newname", "")
        if "relation" not in node:
            return
        schema, name = range_var(node["relation"])
        key = qualified(schema, name)
        if rtype in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW"):
            self._rename_relation(key, schema, new)
        elif rtype == "OBJECT_COLUMN" and key in self.tables:
            column = self.tables[key].column(node.get("subname", ""))
            if column is not None:
                column.name = new
        elif rtype == "OBJECT_POLICY":
            policy = self.policies.pop((key, node.get("subname", "")), None)
            if policy is not None:
                policy.name = new
                self.policies[(key, new)] = policy
        elif rtype == "OBJECT_INDEX" and key in self.indexes:
            index = self.indexes.pop(key)
            index.name = new
            self.indexes[qualified(schema, new)] = index

    def _rename_relation(self, key: str, schema: str, new: str) -> None:
        new_key = qualified(schema, new)
        _rename_in(self.tables, key, new_key, new)
        _rename_in(self.views, key, new_key, new)
        for index in self.indexes.values():
            if index.table == key:
                index.table = new_key
        _move_to_table(self.policies, key, new_key)
        _move_to_table(self.triggers, key, new_key)


class _Named(Protocol):
    name: str


class _OnTable(Protocol):
    table: str


def _rename_in[N: _Named](store: dict[str, N], key: str, new_key: str, new: str) -> None:
    if key in store:
        obj = store.pop(key)
        obj.name = new
        store[new_key] = obj


def _move_to_table[C: _OnTable](children: dict[tuple[str, str], C], table: str, new_table: str) -> None:
    """Re-key a table's policies or triggers after the table was renamed."""
    for (parent, child), obj in list(children.items()):
        if parent == table:
            del children[(parent, child)]
            obj.table = new_table
            children[(new_table, child)] = obj


def _expr(text: str | None) -> str:
    return deparse_expression(text) if text else ""


def _truthy(arg: object) -> bool:
    value = def_value(arg) if isinstance(arg, dict) else None
    return arg is None or (value or "").lower() in _TRUE  # `with (security_invoker)` alone means true


def _search_path(set_option: object) -> list[str] | None:
    if not isinstance(set_option, dict):
        return None
    var = set_option.get("VariableSetStmt", {})
    if var.get("name") != "search_path" or var.get("kind") != "VAR_SET_VALUE":
        return None
    return [str(const_value(a)) for a in var.get("args", ())]


def _grant_object(node: Node, objtype: str, obj: Node) -> tuple[str, str]:
    if node.get("targtype") == "ACL_TARGET_ALL_IN_SCHEMA":
        return f"all {objtype}s in schema", svals([obj])[0]
    if "RangeVar" in obj:
        return objtype or "table", qualified(*range_var(obj))
    if "ObjectWithArgs" in obj:
        schema, name, args = object_with_args(obj)
        return objtype, f"{schema}.{name}({args or ''})"
    if "String" in obj:
        return objtype, obj["String"].get("sval", "")
    if "TypeName" in obj:
        return objtype, type_name(obj)
    return objtype, ".".join(svals(obj))


def _deparse_policy(stmt: RawStatement) -> tuple[str | None, str | None]:
    """USING and WITH CHECK as SQL text, through pglast's deparser."""
    node = stmt.node
    places = [node["table"].get("location", -1)] + [r["RoleSpec"].get("location", -1) for r in node.get("roles", ())]
    span = stmt.span(max(places) if max(places) >= 0 else None)  # only the clauses after table and roles
    using = span.paren_group(("USING",)) if "qual" in node else None
    check = span.paren_group(("WITH", "CHECK")) if "with_check" in node else None
    return (
        deparse_expression(using) if using is not None else None,
        deparse_expression(check) if check is not None else None,
    )
