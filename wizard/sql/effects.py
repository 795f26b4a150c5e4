"""What each statement does to which named object: one `Effect` per (action, object).

This is what the static purity guard reads. Statement kinds without a rule below fall back to
"alters every relation it names", so an unfamiliar statement can only be over-reported."""

from __future__ import annotations

import re
from collections.abc import Callable

from wizard.sql.model import Effect, ObjectRef
from wizard.sql.nodes import (
    DEFAULT_SCHEMA,
    Node,
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
    tree_references,
    type_qualified,
    unwrap,
)
from wizard.sql.source import RawStatement

_AUTH_USERS_IN_TEXT = re.compile(r'\bauth\s*\.\s*"?users"?\b', re.IGNORECASE)
_EXECUTE_IN_PLPGSQL = re.compile(r"\bexecute\b", re.IGNORECASE)

RELATION_TYPES = frozenset(
    {
        "OBJECT_TABLE",
        "OBJECT_VIEW",
        "OBJECT_MATVIEW",
        "OBJECT_SEQUENCE",
        "OBJECT_FOREIGN_TABLE",
    }
)
_KINDS = {
    "OBJECT_INDEX": "index",
    "OBJECT_TYPE": "type",
    "OBJECT_DOMAIN": "type",
    "OBJECT_FUNCTION": "function",
    "OBJECT_PROCEDURE": "function",
    "OBJECT_ROUTINE": "function",
    "OBJECT_AGGREGATE": "function",
    "OBJECT_SCHEMA": "schema",
    "OBJECT_POLICY": "policy",
    "OBJECT_TRIGGER": "trigger",
    "OBJECT_RULE": "rule",
    "OBJECT_COLUMN": "column",
    "OBJECT_TABCONSTRAINT": "constraint",
    "OBJECT_EXTENSION": "extension",
    "OBJECT_PUBLICATION": "publication",
    "OBJECT_ROLE": "role",
    "OBJECT_ATTRIBUTE": "type",
}
_CHILD_KINDS = frozenset({"policy", "trigger", "rule", "constraint"})
_NAME_ONLY_KINDS = frozenset({"schema", "extension", "publication", "role"})


def relation(schema: str, name: str) -> ObjectRef:
    return ObjectRef("relation", schema, name)


def kind_of(objtype: str) -> str:
    return "relation" if objtype in RELATION_TYPES else _KINDS.get(objtype, "other")


def object_ref(objtype: str, obj: Node | list[Node] | None) -> ObjectRef:
    """The object named by (objtype, object) in COMMENT / DROP / ALTER ... OWNER / SECURITY LABEL."""
    kind = kind_of(objtype)
    if obj is None:
        return ObjectRef(kind, None, "?")
    if isinstance(obj, dict) and ("ObjectWithArgs" in obj or "objname" in obj):
        schema, name, _ = object_with_args(obj)
        return ObjectRef(kind, schema, name)
    if isinstance(obj, dict) and ("TypeName" in obj or "names" in obj):
        type_schema, name = type_qualified(obj)
        return ObjectRef(kind, type_schema or DEFAULT_SCHEMA, name)
    if isinstance(obj, dict) and "String" in obj:
        return ObjectRef(kind, None, obj["String"].get("sval", ""))
    names = svals(obj if isinstance(obj, list) else obj.get("List", obj).get("items", []))
    if not names:
        return ObjectRef(kind, None, "?")
    if kind in _NAME_ONLY_KINDS:
        return ObjectRef(kind, None, names[-1])
    if kind in _CHILD_KINDS or kind == "column":
        return ObjectRef(kind, None, names[-1], parent=qualified(*qualify(names[:-1])))
    return ObjectRef(kind, *qualify(names))


def _refs(node: object, detail: str) -> list[Effect]:
    relations, functions = tree_references(node)
    effects = [Effect("reference", relation(*rv), detail) for rv in relations]
    for schema, name in functions:
        if schema is not None:
            effects.append(Effect("reference", ObjectRef("function", schema, name), detail))
    return effects


# --- one function per statement kind ------------------------------------------------------------


def _create_schema(stmt: RawStatement) -> list[Effect]:
    return [Effect("create", ObjectRef("schema", None, stmt.node.get("schemaname", "")))]


def _create_type_from_names(key: str) -> Callable[[RawStatement], list[Effect]]:
    def effects(stmt: RawStatement) -> list[Effect]:
        return [Effect("create", ObjectRef("type", *qualify(svals(stmt.node.get(key)))))]

    return effects


def _composite_type(stmt: RawStatement) -> list[Effect]:
    return [Effect("create", ObjectRef("type", *range_var(stmt.node["typevar"])))]


def _define(stmt: RawStatement) -> list[Effect]:
    kind = kind_of(stmt.node.get("kind", ""))
    return [Effect("create", ObjectRef(kind, *qualify(svals(stmt.node.get("defnames")))))]


def _alter_type(key: str) -> Callable[[RawStatement], list[Effect]]:
    def effects(stmt: RawStatement) -> list[Effect]:
        node = stmt.node
        detail = ""
        if stmt.kind == "AlterEnumStmt":
            detail = (
                f"rename value {node.get('oldVal')!r}" if node.get("oldVal") else f"add value {node.get('newVal')!r}"
            )
        return [Effect("alter", ObjectRef("type", *qualify(svals(node.get(key)))), detail)]

    return effects


def _foreign_key_refs(constraints: list[Node]) -> list[Effect]:
    return [
        Effect("reference", relation(*range_var(c["pktable"])), "foreign key")
        for c in constraints
        if c.get("contype") == "CONSTR_FOREIGN" and "pktable" in c
    ]


def _table_constraints(elements: list[Node]) -> list[Node]:
    found: list[Node] = []
    for item in elements:
        kind, inner = unwrap(item)
        if kind == "Constraint":
            found.append(inner)
        elif kind == "ColumnDef":
            found.extend(c["Constraint"] for c in inner.get("constraints", ()))
    return found


def _create_table(stmt: RawStatement) -> list[Effect]:
    node = stmt.node
    target = relation(*range_var(node["relation"]))
    effects = [Effect("create", target, "if not exists" if node.get("if_not_exists") else "")]
    elements = node.get("tableElts", [])
    effects += _foreign_key_refs(_table_constraints(elements))
    how = "partition of" if "partbound" in node else "inherits"
    effects += [
        Effect("alter", relation(*range_var(p)), f"{how} (new child table {target.qualified_name})")
        for p in node.get("inhRelations", ())
    ]
    for item in elements:
        kind, inner = unwrap(item)
        if kind == "TableLikeClause":
            effects.append(Effect("reference", relation(*range_var(inner["relation"])), "like"))
    return effects


def _create_table_as(stmt: RawStatement) -> list[Effect]:
    into = stmt.node["into"]
    detail = "materialized view" if stmt.node.get("objtype") == "OBJECT_MATVIEW" else "create table as"
    return [Effect("create", relation(*range_var(into["rel"])), detail), *_refs(stmt.node.get("query"), "query")]


def _select(stmt: RawStatement) -> list[Effect]:
    effects = _refs({k: v for k, v in stmt.node.items() if k != "intoClause"}, "query")
    if "intoClause" in stmt.node:
        effects.insert(0, Effect("create", relation(*range_var(stmt.node["intoClause"]["rel"])), "select into"))
    return effects


def _view(stmt: RawStatement) -> list[Effect]:
    action = "replace" if stmt.node.get("replace") else "create"
    return [
        Effect(action, relation(*range_var(stmt.node["view"])), "view"),
        *_refs(stmt.node.get("query"), "view query"),
    ]


_AT_WORDS = {
    "AT_AddColumn": "add column",
    "AT_DropColumn": "drop column",
    "AT_ColumnDefault": "alter column default",
    "AT_SetNotNull": "set not null",
    "AT_DropNotNull": "drop not null",
    "AT_AlterColumnType": "alter column type",
    "AT_AddConstraint": "add constraint",
    "AT_DropConstraint": "drop constraint",
    "AT_EnableRowSecurity": "enable row level security",
    "AT_DisableRowSecurity": "disable row level security",
    "AT_ForceRowSecurity": "force row level security",
    "AT_NoForceRowSecurity": "no force row level security",
    "AT_ChangeOwner": "owner to",
    "AT_SetRelOptions": "set options",
    "AT_ResetRelOptions": "reset options",
    "AT_DisableTrig": "disable trigger",
    "AT_EnableTrig": "enable trigger",
    "AT_DisableTrigAll": "disable trigger all",
    "AT_EnableTrigAll": "enable trigger all",
    "AT_DisableTrigUser": "disable trigger user",
    "AT_EnableTrigUser": "enable trigger user",
    "AT_ReplicaIdentity": "replica identity",
}


def _alter_table(stmt: RawStatement) -> list[Effect]:
    node = stmt.node
    objtype = node.get("objtype", "OBJECT_TABLE")
    schema, name = range_var(node["relation"])
    target = ObjectRef(kind_of(objtype), schema, name)
    effects: list[Effect] = []
    for item in node.get("cmds", ()):
        cmd = item["AlterTableCmd"]
        subtype = cmd.get("subtype", "")
        words = _AT_WORDS.get(subtype, subtype.removeprefix("AT_"))
        column = cmd.get("name") or cmd.get("def", {}).get("ColumnDef", {}).get("colname")
        if subtype == "AT_AddColumn":
            effects.append(Effect("add-column", target, f"add column {column}"))
            effects += _foreign_key_refs([c["Constraint"] for c in cmd["def"]["ColumnDef"].get("constraints", ())])
            continue
        if subtype == "AT_AddConstraint":
            effects += _foreign_key_refs([cmd["def"]["Constraint"]])
        if subtype == "AT_ChangeOwner":
            words += " " + role_name(cmd.get("newowner", {}))
        elif column and subtype not in ("AT_AddConstraint",):
            words += f" {column}"
        effects.append(Effect("alter", target, words))
    return effects or [Effect("alter", target)]


def _rename(stmt: RawStatement) -> list[Effect]:
    node = stmt.node
    rtype = node.get("renameType", "")
    kind = kind_of(rtype)
    newname = node.get("newname", "")
    if "relation" in node:
        schema, name = range_var(node["relation"])
        if kind in ("column", *_CHILD_KINDS):
            target = ObjectRef(kind, None, node.get("subname", ""), parent=qualified(schema, name))
        else:
            target = ObjectRef(kind, schema, name)
    elif rtype == "OBJECT_SCHEMA":
        target = ObjectRef("schema", None, node.get("subname", ""))
    else:
        target = object_ref(rtype, node.get("object"))
    return [Effect("rename", target, f"rename to {newname}")]


def _alter_owner(stmt: RawStatement) -> list[Effect]:
    node = stmt.node
    target = _object_of(node.get("objectType", ""), node)
    return [Effect("alter", target, "owner to " + role_name(node.get("newowner", {})))]


def _object_of(objtype: str, node: Node) -> ObjectRef:
    if "relation" in node:
        return ObjectRef(kind_of(objtype), *range_var(node["relation"]))
    return object_ref(objtype, node.get("object"))


def _set_schema(stmt: RawStatement) -> list[Effect]:
    node = stmt.node
    target = _object_of(node.get("objectType", ""), node)
    moved = ObjectRef(target.kind, node.get("newschema", ""), target.name)
    return [Effect("alter", target, f"set schema {moved.schema}"), Effect("create", moved, "set schema")]


def _alter_function(stmt: RawStatement) -> list[Effect]:
    schema, name, _ = object_with_args(stmt.node["func"])
    return [Effect("alter", ObjectRef("function", schema, name))]


def _policy(stmt: RawStatement) -> list[Effect]:
    node = stmt.node
    table = qualified(*range_var(node["table"]))
    action = "create" if stmt.kind == "CreatePolicyStmt" else "alter"
    effects = [Effect(action, ObjectRef("policy", None, node.get("policy_name", ""), parent=table))]
    for key in ("qual", "with_check"):
        if key in node:
            effects += _refs(node[key], "policy")
    return effects


def _index(stmt: RawStatement) -> list[Effect]:
    node = stmt.node
    schema, table = range_var(node["relation"])
    ref = ObjectRef("index", schema, index_name(node), parent=qualified(schema, table))
    return [Effect("create", ref, "if not exists" if node.get("if_not_exists") else "")]


def _trigger(stmt: RawStatement) -> list[Effect]:
    node = stmt.node
    table = qualified(*range_var(node["relation"]))
    action = "replace" if node.get("replace") else "create"
    effects = [Effect(action, ObjectRef("trigger", None, node.get("trigname", ""), parent=table))]
    fn_schema, fn_name = qualify(svals(node.get("funcname")))
    effects.append(Effect("reference", ObjectRef("function", fn_schema, fn_name), "trigger function"))
    return effects


def _rule(stmt: RawStatement) -> list[Effect]:
    node = stmt.node
    table = qualified(*range_var(node["relation"]))
    action = "replace" if node.get("replace") else "create"
    return [Effect(action, ObjectRef("rule", None, node.get("rulename", ""), parent=table))]


def function_body(node: Node) -> str:
    options = def_options(node.get("options"))
    body = options.get("as")
    if isinstance(body, dict) and "List" in body:
        return "\n".join(svals(body["List"].get("items")))
    return def_value(body) or ""


def function_language(node: Node) -> str:
    language = def_value(def_options(node.get("options")).get("language"))
    return language.lower() if language else "sql"


def _create_function(stmt: RawStatement) -> list[Effect]:
    node = stmt.node
    action = "replace" if node.get("replace") else "create"
    effects = [Effect(action, ObjectRef("function", *qualify(svals(node.get("funcname")))))]
    if _AUTH_USERS_IN_TEXT.search(function_body(node)):
        effects.append(Effect("reference", relation("auth", "users"), "function body"))
    if "sql_body" in node:
        effects += _refs(node["sql_body"], "function body")
    return effects


def function_is_dynamic(node: Node) -> bool:
    return function_language(node) == "plpgsql" and bool(_EXECUTE_IN_PLPGSQL.search(function_body(node)))


def _drop(stmt: RawStatement) -> list[Effect]:
    rtype = stmt.node.get("removeType", "")
    return [Effect("drop", object_ref(rtype, obj)) for obj in stmt.node.get("objects", ())]


def _truncate(stmt: RawStatement) -> list[Effect]:
    return [Effect("truncate", relation(*range_var(r))) for r in stmt.node.get("relations", ())]


def _comment(stmt: RawStatement) -> list[Effect]:
    return [Effect("comment", object_ref(stmt.node.get("objtype", ""), stmt.node.get("object")))]


def _grant(stmt: RawStatement) -> list[Effect]:
    node = stmt.node
    action = "grant" if node.get("is_grant") else "revoke"
    objtype = node.get("objtype", "")
    privileges = [p["AccessPriv"].get("priv_name", "") for p in node.get("privileges", ())] or ["all"]
    detail = ", ".join(privileges)
    if node.get("targtype") == "ACL_TARGET_ALL_IN_SCHEMA":
        plural = objtype.removeprefix("OBJECT_").lower() + "s"
        return [
            Effect(action, ObjectRef("schema-contents", svals([o])[0], plural), detail) for o in node.get("objects", ())
        ]
    effects = []
    for obj in node.get("objects", ()):
        if "RangeVar" in obj:
            target = relation(*range_var(obj))
        else:
            target = object_ref(objtype, obj)
        effects.append(Effect(action, target, detail))
    return effects


def _default_privileges(stmt: RawStatement) -> list[Effect]:
    options = def_options(stmt.node.get("options"))
    schemas = svals(options.get("schemas")) if options.get("schemas") else []
    return [Effect("alter", ObjectRef("default-privileges", s, "default privileges")) for s in schemas] or [
        Effect("alter", ObjectRef("default-privileges", None, "default privileges"))
    ]


def _write(stmt: RawStatement) -> list[Effect]:
    target = range_var(stmt.node["relation"])
    rest = {k: v for k, v in stmt.node.items() if k != "relation"}
    reads = [e for e in _refs(rest, "query") if e.target != relation(*target)]
    return [Effect("write", relation(*target), stmt.kind.removesuffix("Stmt").lower()), *reads]


def _copy(stmt: RawStatement) -> list[Effect]:
    if "relation" not in stmt.node:
        return _refs(stmt.node.get("query"), "query")
    action = "write" if stmt.node.get("is_from") else "reference"
    return [Effect(action, relation(*range_var(stmt.node["relation"])), "copy")]


def _extension(stmt: RawStatement) -> list[Effect]:
    node = stmt.node
    schema = def_value(def_options(node.get("options")).get("schema"))
    action = "create" if stmt.kind == "CreateExtensionStmt" else "alter"
    return [Effect(action, ObjectRef("extension", schema, node.get("extname", "")))]


def _role(stmt: RawStatement) -> list[Effect]:
    node = stmt.node
    names = [node["role"]] if isinstance(node.get("role"), str) else []
    if isinstance(node.get("role"), dict):
        names.append(role_name(node["role"]))
    names += [role_name(r) for r in [*node.get("roles", []), *node.get("grantee_roles", [])]]
    names += [p["AccessPriv"].get("priv_name", "") for p in node.get("granted_roles", [])]
    action = {"CreateRoleStmt": "create", "DropRoleStmt": "drop"}.get(stmt.kind, "alter")
    return [Effect(action, ObjectRef("role", None, n)) for n in dict.fromkeys(names or ["?"])]


def _database(stmt: RawStatement) -> list[Effect]:
    node = stmt.node
    if stmt.kind in ("CreateEventTrigStmt", "AlterEventTrigStmt"):
        return [
            Effect(
                "create" if stmt.kind == "CreateEventTrigStmt" else "alter",
                ObjectRef("event-trigger", None, node.get("trigname", "")),
            )
        ]
    name = node.get("dbname") or (node.get("setstmt") or {}).get("name") or "configuration"
    return [Effect("alter", ObjectRef("database", None, name), stmt.kind)]


def _publication(stmt: RawStatement) -> list[Effect]:
    name = stmt.node.get("pubname", "")
    return [
        Effect("alter", relation(*rv), f"publication {name}") for rv in relations_read(stmt.node.get("pubobjects", []))
    ] + [Effect("alter", ObjectRef("publication", None, name))]


def _seclabel(stmt: RawStatement) -> list[Effect]:
    return [Effect("alter", object_ref(stmt.node.get("objtype", ""), stmt.node.get("object")), "security label")]


def _relation_maintenance(detail: str) -> Callable[[RawStatement], list[Effect]]:
    def effects(stmt: RawStatement) -> list[Effect]:
        return [Effect("alter", relation(*rv), detail) for rv in relations_read(stmt.node)]

    return effects


def _sequence(stmt: RawStatement) -> list[Effect]:
    action = "create" if stmt.kind == "CreateSeqStmt" else "alter"
    return [Effect(action, relation(*range_var(stmt.node["sequence"])))]


def _set(stmt: RawStatement) -> list[Effect]:
    name = stmt.node.get("name", "")
    return [Effect("set", ObjectRef("setting", None, name))] if name == "search_path" else []


def _reads_only(stmt: RawStatement) -> list[Effect]:
    return _refs(stmt.node, "query")


def _nothing(stmt: RawStatement) -> list[Effect]:
    return []


_HANDLERS: dict[str, Callable[[RawStatement], list[Effect]]] = {
    "CreateSchemaStmt": _create_schema,
    "CreateEnumStmt": _create_type_from_names("typeName"),
    "CreateDomainStmt": _create_type_from_names("domainname"),
    "CreateRangeStmt": _create_type_from_names("typeName"),
    "CompositeTypeStmt": _composite_type,
    "DefineStmt": _define,
    "AlterEnumStmt": _alter_type("typeName"),
    "AlterDomainStmt": _alter_type("typeName"),
    "AlterTypeStmt": _alter_type("typeName"),
    "CreateStmt": _create_table,
    "CreateTableAsStmt": _create_table_as,
    "SelectStmt": _select,
    "ViewStmt": _view,
    "AlterTableStmt": _alter_table,
    "RenameStmt": _rename,
    "AlterOwnerStmt": _alter_owner,
    "AlterObjectSchemaStmt": _set_schema,
    "AlterFunctionStmt": _alter_function,
    "CreatePolicyStmt": _policy,
    "AlterPolicyStmt": _policy,
    "IndexStmt": _index,
    "CreateTrigStmt": _trigger,
    "RuleStmt": _rule,
    "CreateFunctionStmt": _create_function,
    "DropStmt": _drop,
    "TruncateStmt": _truncate,
    "CommentStmt": _comment,
    "GrantStmt": _grant,
    "AlterDefaultPrivilegesStmt": _default_privileges,
    "InsertStmt": _write,
    "UpdateStmt": _write,
    "DeleteStmt": _write,
    "MergeStmt": _write,
    "CopyStmt": _copy,
    "CreateExtensionStmt": _extension,
    "AlterExtensionStmt": _extension,
    "AlterExtensionContentsStmt": _extension,
    "CreateRoleStmt": _role,
    "AlterRoleStmt": _role,
    "AlterRoleSetStmt": _role,
    "DropRoleStmt": _role,
    "GrantRoleStmt": _role,
    "ReassignOwnedStmt": _role,
    "DropOwnedStmt": _role,
    "AlterDatabaseStmt": _database,
    "AlterDatabaseSetStmt": _database,
    "AlterDatabaseRefreshCollStmt": _database,
    "AlterSystemStmt": _database,
    "CreateEventTrigStmt": _database,
    "AlterEventTrigStmt": _database,
    "CreatePublicationStmt": _publication,
    "AlterPublicationStmt": _publication,
    "SecLabelStmt": _seclabel,
    "ClusterStmt": _relation_maintenance("cluster"),
    "CreateStatsStmt": _relation_maintenance("create statistics"),
    "CreateSeqStmt": _sequence,
    "AlterSeqStmt": _sequence,
    "VariableSetStmt": _set,
    "ExplainStmt": _reads_only,
    "LockStmt": _reads_only,
    "DoStmt": _nothing,
    "CallStmt": _nothing,
    "TransactionStmt": _nothing,
    "VariableShowStmt": _nothing,
    "VacuumStmt": _nothing,
    "ReindexStmt": _nothing,
    "NotifyStmt": _nothing,
    "ListenStmt": _nothing,
    "UnlistenStmt": _nothing,
    "CheckPointStmt": _nothing,
    "DiscardStmt": _nothing,
    "DeallocateStmt": _nothing,
}


def statement_effects(stmt: RawStatement) -> tuple[list[Effect], bool]:
    """(effects, dynamic): dynamic when the statement runs SQL the parser cannot see."""
    handler = _HANDLERS.get(stmt.kind, _relation_maintenance(stmt.kind))
    effects = handler(stmt)
    dynamic = stmt.kind in ("DoStmt", "CallStmt") or (
        stmt.kind == "CreateFunctionStmt" and function_is_dynamic(stmt.node)
    )
    return effects, dynamic
