"""What each statement does to which named object: one `Effect` per (action, object).

This is what the static purity guard reads. Statement kinds without a rule below fall back to
"alters every relation it names", so an unfamiliar statement can only be over-reported.

Besides objects, effects name what a statement does to the session and the server: transaction
control (action "transaction"), settings ("set" on a `setting`, also through set_config),
procedure calls ("call"), programs, server files and libraries ("server"). A DO block or a
function body in plpgsql or SQL is parsed too (also the constant strings it EXECUTEs); what its
statements do, references left out, is added to the statement's own effects. Only what stays
unseen (EXECUTE of a computed string, another language) makes the statement `dynamic`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

from wizard.sql.model import Effect, ObjectRef, SqlParseError, SqlSource
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
    string_constant,
    svals,
    tree_references,
    type_qualified,
    unwrap,
    writes_and_settings,
)
from wizard.sql.source import RawStatement, parse_source

_AUTH_USERS_IN_TEXT = re.compile(r'\bauth\s*\.\s*"?users"?\b', re.IGNORECASE)

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
    "OBJECT_DATABASE": "database",
    "OBJECT_EVENT_TRIGGER": "event-trigger",
    "OBJECT_LANGUAGE": "language",
    "OBJECT_PARAMETER_ACL": "parameter",
    "OBJECT_FDW": "foreign-data-wrapper",
    "OBJECT_FOREIGN_SERVER": "foreign-server",
    "OBJECT_USER_MAPPING": "user-mapping",
    "OBJECT_SUBSCRIPTION": "subscription",
    "OBJECT_TABLESPACE": "tablespace",
    "OBJECT_ACCESS_METHOD": "access-method",
    "OBJECT_OPERATOR": "operator",
    "OBJECT_OPCLASS": "operator",
    "OBJECT_OPFAMILY": "operator",
    "OBJECT_CAST": "cast",
}
_CHILD_KINDS = frozenset({"policy", "trigger", "rule", "constraint"})
# Objects of the whole database or cluster, named without a schema.
_SERVER_KINDS = frozenset(
    {
        "database",
        "event-trigger",
        "parameter",
        "foreign-data-wrapper",
        "foreign-server",
        "user-mapping",
        "subscription",
        "tablespace",
        "access-method",
    }
)
_NAME_ONLY_KINDS = frozenset({"schema", "extension", "publication", "role", "language"}) | _SERVER_KINDS


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


def _operator_object(key: str, action: str) -> Callable[[RawStatement], list[Effect]]:
    """CREATE / ALTER OPERATOR CLASS and FAMILY, ALTER OPERATOR: `key` holds the name."""

    def effects(stmt: RawStatement) -> list[Effect]:
        name = stmt.node.get(key)
        if isinstance(name, dict):  # ALTER OPERATOR: an ObjectWithArgs
            return [Effect(action, ObjectRef("operator", *object_with_args(name)[:2]))]
        return [Effect(action, ObjectRef("operator", *qualify(svals(name))))]

    return effects


def _cast(stmt: RawStatement) -> list[Effect]:
    source, target = (".".join(filter(None, type_qualified(stmt.node[k]))) for k in ("sourcetype", "targettype"))
    return [Effect("create", ObjectRef("cast", None, f"({source} as {target})"))]


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
    elif "object" not in node and node.get("subname"):
        target = ObjectRef(kind, None, node["subname"])  # schema, database, role ...
    else:
        target = object_ref(rtype, node.get("object"))
    effects = [Effect("rename", target, f"rename to {newname}")]
    if target.kind in _RENAMED_INTO_SCHEMA:
        effects.append(Effect("create", ObjectRef(target.kind, target.schema, newname), "rename"))
    return effects


_RENAMED_INTO_SCHEMA = frozenset({"relation", "type", "function", "index"})


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


def _drop(stmt: RawStatement) -> list[Effect]:
    rtype = stmt.node.get("removeType", "")
    return [Effect("drop", object_ref(rtype, obj)) for obj in stmt.node.get("objects", ())]


def _truncate(stmt: RawStatement) -> list[Effect]:
    detail = "cascade" if stmt.node.get("behavior") == "DROP_CASCADE" else ""
    return [Effect("truncate", relation(*range_var(r)), detail) for r in stmt.node.get("relations", ())]


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
    node = stmt.node
    effects: list[Effect] = []
    if "filename" in node:
        what = "program" if node.get("is_program") else "file"
        direction = "copies from" if node.get("is_from") else "copies to"
        effects.append(Effect("server", ObjectRef("server", None, f"{what} {node['filename']!r}"), direction))
    if "relation" not in node:
        return effects + _refs(node.get("query"), "query")
    action = "write" if node.get("is_from") else "reference"
    return [Effect(action, relation(*range_var(node["relation"])), "copy"), *effects]


def _load(stmt: RawStatement) -> list[Effect]:
    return [Effect("server", ObjectRef("server", None, f"library {stmt.node.get('filename', '')!r}"), "loads")]


def _language(stmt: RawStatement) -> list[Effect]:
    return [Effect("create", ObjectRef("language", None, stmt.node.get("plname", "")))]


def _server_object(kind: str, key: str) -> Callable[[RawStatement], list[Effect]]:
    def effects(stmt: RawStatement) -> list[Effect]:
        action = "create" if stmt.kind.startswith(("Create", "Import")) else "alter"
        name = stmt.node.get(key)
        if isinstance(name, dict):  # a user mapping names its role
            name = role_name(name)
        return [Effect(action, ObjectRef(kind, None, str(name or "?")))]

    return effects


def _conversion(stmt: RawStatement) -> list[Effect]:
    target = ObjectRef("conversion", *qualify(svals(stmt.node.get("conversion_name"))))
    return [Effect("create", target, "default" if stmt.node.get("def") else "")]


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
    if stmt.kind == "AlterRoleSetStmt" and "role" not in node:
        names.append("all")  # ALTER ROLE ALL SET ...
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
    action = "create" if stmt.kind == "CreatePublicationStmt" else "alter"
    return [
        Effect("alter", relation(*rv), f"publication {name}") for rv in relations_read(stmt.node.get("pubobjects", []))
    ] + [Effect(action, ObjectRef("publication", None, name))]


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
    """SET / RESET of one setting (lower case); `set transaction ...` is "transaction",
    `set session characteristics ...` "session characteristics", `reset all` "all"."""
    node = stmt.node
    kind = node.get("kind", "")
    name = "all" if kind == "VAR_RESET_ALL" else node.get("name", "").lower()
    how = "reset" if kind.startswith("VAR_RESET") else "set local" if node.get("is_local") else "set"
    return [Effect("set", ObjectRef("setting", None, name), how)]


_TRANSACTION_WORDS = {
    "TRANS_STMT_BEGIN": "BEGIN",
    "TRANS_STMT_START": "START TRANSACTION",
    "TRANS_STMT_COMMIT": "COMMIT",
    "TRANS_STMT_ROLLBACK": "ROLLBACK",
    "TRANS_STMT_SAVEPOINT": "SAVEPOINT",
    "TRANS_STMT_RELEASE": "RELEASE SAVEPOINT",
    "TRANS_STMT_ROLLBACK_TO": "ROLLBACK TO SAVEPOINT",
    "TRANS_STMT_PREPARE": "PREPARE TRANSACTION",
    "TRANS_STMT_COMMIT_PREPARED": "COMMIT PREPARED",
    "TRANS_STMT_ROLLBACK_PREPARED": "ROLLBACK PREPARED",
}


def _transaction(stmt: RawStatement) -> list[Effect]:
    kind = stmt.node.get("kind", "")
    words = _TRANSACTION_WORDS.get(kind, kind.removeprefix("TRANS_STMT_"))
    if stmt.node.get("chain"):
        words += " AND CHAIN"
    return [Effect("transaction", ObjectRef("transaction", None, words))]


def _call(stmt: RawStatement) -> list[Effect]:
    call = stmt.node.get("funccall", {})
    target = ObjectRef("function", *qualify(svals(call.get("funcname")) or ["?"]))
    return [Effect("call", target), *_refs(call.get("args", []), "call")]


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
    "AlterOperatorStmt": _operator_object("opername", "alter"),
    "CreateOpClassStmt": _operator_object("opclassname", "create"),
    "CreateOpFamilyStmt": _operator_object("opfamilyname", "create"),
    "AlterOpFamilyStmt": _operator_object("opfamilyname", "alter"),
    "CreateCastStmt": _cast,
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
    "CallStmt": _call,
    "TransactionStmt": _transaction,
    "LoadStmt": _load,
    "CreatePLangStmt": _language,
    "CreateConversionStmt": _conversion,
    "CreateFdwStmt": _server_object("foreign-data-wrapper", "fdwname"),
    "AlterFdwStmt": _server_object("foreign-data-wrapper", "fdwname"),
    "CreateForeignServerStmt": _server_object("foreign-server", "servername"),
    "AlterForeignServerStmt": _server_object("foreign-server", "servername"),
    "CreateUserMappingStmt": _server_object("user-mapping", "user"),
    "AlterUserMappingStmt": _server_object("user-mapping", "user"),
    "DropUserMappingStmt": _server_object("user-mapping", "user"),
    "ImportForeignSchemaStmt": _server_object("foreign-server", "server_name"),
    "CreateSubscriptionStmt": _server_object("subscription", "subname"),
    "AlterSubscriptionStmt": _server_object("subscription", "subname"),
    "DropSubscriptionStmt": _server_object("subscription", "subname"),
    "CreateTableSpaceStmt": _server_object("tablespace", "tablespacename"),
    "AlterTableSpaceOptionsStmt": _server_object("tablespace", "tablespacename"),
    "DropTableSpaceStmt": _server_object("tablespace", "tablespacename"),
    "CreateAmStmt": _server_object("access-method", "amname"),
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


def statement_effects(stmt: RawStatement, depth: int = 0) -> tuple[list[Effect], bool]:
    """(effects, dynamic): dynamic when the statement runs SQL the parser cannot see.
    `depth` counts the bodies this statement is nested in (a DO block inside a DO block ...)."""
    handler = _HANDLERS.get(stmt.kind, _relation_maintenance(stmt.kind))
    effects = handler(stmt) + _embedded_effects(stmt)
    definer = _makes_definer(stmt)
    if definer is not None:
        effects.append(Effect("definer", definer, "security definer"))
    effects += _function_settings(stmt)
    body = _body(stmt, depth)
    if body is None:
        return effects, False
    # a body's reads are kept apart ("body-read"): reading is allowed, reading with the owner's rights or copying
    # core rows into the open is not
    return effects + body.effects + body.reads, body.unseen


def _function_settings(stmt: RawStatement) -> list[Effect]:
    """The settings a function's SET clauses change at each call of it (CREATE or ALTER FUNCTION)."""
    key = {"CreateFunctionStmt": "options", "AlterFunctionStmt": "actions"}.get(stmt.kind)
    if key is None:
        return []
    effects = []
    for item in stmt.node.get(key) or ():
        elem = item.get("DefElem", {})
        setting = (elem.get("arg") or {}).get("VariableSetStmt")
        if elem.get("defname") == "set" and setting is not None:
            name = setting.get("name", "all").lower()
            effects.append(Effect("set", ObjectRef("setting", None, name), "function set clause"))
    return effects


def _makes_definer(stmt: RawStatement) -> ObjectRef | None:
    """The function a CREATE or ALTER FUNCTION makes security definer, else None."""
    node = stmt.node
    if stmt.kind == "CreateFunctionStmt":
        options = def_options(node.get("options"))
        name = ObjectRef("function", *qualify(svals(node.get("funcname"))))
    elif stmt.kind == "AlterFunctionStmt":
        options = def_options(node.get("actions"))
        name = ObjectRef("function", *object_with_args(node["func"])[:2])
    else:
        return None
    return name if "security" in options and def_value(options["security"]) == "true" else None


def _embedded_effects(stmt: RawStatement) -> list[Effect]:
    """What a statement does besides its own kind: set_config calls anywhere in it, and the
    INSERT/UPDATE/DELETE/MERGE nested in it (WITH queries, EXPLAIN ANALYZE, rule actions)."""
    writes, settings = writes_and_settings(stmt.node)
    effects = [Effect("set", ObjectRef("setting", None, name), "set_config") for name in settings]
    if stmt.kind == "ExplainStmt":
        options = def_options(stmt.node.get("options"))
        if "analyze" not in options or def_value(options["analyze"]) == "false":
            return effects  # plain EXPLAIN does not run the statement
    for kind, node in writes:
        if "relation" in node:
            detail = kind.removesuffix("Stmt").lower() + (" (explain analyze)" if stmt.kind == "ExplainStmt" else "")
            effects.append(Effect("write", relation(*range_var(node["relation"])), detail))
    return effects


# --- what runs inside DO blocks and function bodies ---------------------------------------------

_MAX_DEPTH = 4  # bodies inside bodies (EXECUTE 'do $x$ ... $x$'): deeper than this stays unseen
_SERVER_LANGUAGES = frozenset({"c", "internal"})
_PLPGSQL_TRANSACTION = {"PLpgSQL_stmt_commit": "COMMIT", "PLpgSQL_stmt_rollback": "ROLLBACK"}
# Where plpgsql takes a string to run as SQL: EXECUTE, FOR ... IN EXECUTE, OPEN ... FOR EXECUTE,
# RETURN QUERY EXECUTE.
_EXECUTE_SLOTS = frozenset(
    {
        ("PLpgSQL_stmt_dynexecute", "query"),
        ("PLpgSQL_stmt_dynfors", "query"),
        ("PLpgSQL_stmt_open", "dynquery"),
        ("PLpgSQL_stmt_return_query", "dynquery"),
    }
)
# libpg_query's RawParseMode of a PLpgSQL_expr
_MODE_STATEMENT, _MODE_TYPE, _MODE_EXPRESSION = 0, 1, 2


class _Body:
    """The statements inside one DO block or function body: their effects (references left out:
    the body runs later, and reading is allowed) and whether some of it stays unseen."""

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.effects: list[Effect] = []
        self.reads: list[Effect] = []  # "body-read" of each relation it reads (also in bodies nested in it)
        self.unseen = False

    def sql(self, text: str) -> None:
        try:
            statements = parse_source(SqlSource("<body>", text))
        except SqlParseError:
            self.unseen = True
            return
        for raw in statements:
            effects, dynamic = statement_effects(raw, self.depth + 1)
            self.effects += [e for e in effects if e.action not in ("reference", "body-read")]
            self.reads += [
                Effect("body-read", e.target, "body")
                for e in effects
                if e.action in ("reference", "body-read") and e.target.kind == "relation"
            ]
            self.unseen |= dynamic

    def plpgsql(self, statement: str) -> None:
        from pglast.parser import ParseError, parse_plpgsql_json

        try:
            tree = json.loads(parse_plpgsql_json(statement))
        except ParseError:
            self.unseen = True
            return
        for part, text in _plpgsql_parts(tree):
            if part == "transaction":
                self.effects.append(Effect("transaction", ObjectRef("transaction", None, text), "plpgsql"))
            elif part == "statement":
                self.sql(text)
            elif part == "expression":
                self.sql("SELECT " + text)
            elif part == "assignment":
                self.sql("SELECT " + _assigned_value(text))
            elif (literal := _string_literal(text)) is not None:
                self.sql(literal)  # EXECUTE 'constant': as plain as any statement
            else:
                self.unseen = True


def _body(stmt: RawStatement, depth: int) -> _Body | None:
    node = stmt.node
    if stmt.kind == "DoStmt":
        language = (def_value(def_options(node.get("args")).get("language")) or "plpgsql").lower()
    elif stmt.kind == "CreateFunctionStmt":
        language = function_language(node)
    else:
        return None
    body = _Body(depth)
    if depth >= _MAX_DEPTH:
        body.unseen = True
    elif language == "plpgsql":
        body.plpgsql(stmt.text)
    elif language == "sql":
        if "sql_body" not in node:  # BEGIN ATOMIC bodies are part of the statement's own tree
            body.sql(function_body(node))
    elif language in _SERVER_LANGUAGES:
        body.effects.append(Effect("server", ObjectRef("server", None, f"a library (language {language})"), "loads"))
    else:
        body.unseen = True  # plv8, plpython ...: not read here
    return body


def _plpgsql_parts(node: object, owner: str = "", slot: str = "") -> Iterator[tuple[str, str]]:
    """(part, text) of everything in a plpgsql parse tree that runs SQL, in order: "statement",
    "expression", "assignment" (`x := expr`), "execute" (the expression EXECUTE runs) and
    "transaction" (COMMIT / ROLLBACK). `owner` is the enclosing PLpgSQL_stmt_*, `slot` its field."""
    if isinstance(node, list):
        for item in node:
            yield from _plpgsql_parts(item, owner, slot)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "PLpgSQL_expr":
            query: str = value.get("query", "")
            mode = value.get("parseMode", _MODE_STATEMENT)
            if (owner, slot) in _EXECUTE_SLOTS:
                yield "execute", query
            elif mode == _MODE_STATEMENT:
                yield "statement", query
            elif mode == _MODE_EXPRESSION:
                yield "expression", query
            elif mode != _MODE_TYPE:
                yield "assignment", query
        elif key.startswith("PLpgSQL_stmt_"):
            if key in _PLPGSQL_TRANSACTION:
                yield "transaction", _PLPGSQL_TRANSACTION[key] + (" AND CHAIN" if value.get("chain") else "")
            yield from _plpgsql_parts(value, key, "")
        else:
            yield from _plpgsql_parts(value, owner, key)


def _assigned_value(assignment: str) -> str:
    """`x := expr` / `r.f[1] = expr` -> `expr`."""
    from pglast.parser import scan

    data = assignment.encode()
    depth = 0
    for token in scan(assignment):
        if token.name in ("ASCII_40", "ASCII_91"):
            depth += 1
        elif token.name in ("ASCII_41", "ASCII_93"):
            depth -= 1
        elif depth == 0 and token.name in ("COLON_EQUALS", "ASCII_61"):
            return data[token.end + 1 :].decode()
    return assignment


def _string_literal(expression: str) -> str | None:
    """The value of an expression that is one string literal ('...', E'...', $q$...$q$), else None."""
    from pglast.parser import ParseError, parse_sql_json

    try:
        stmts = json.loads(parse_sql_json("SELECT " + expression)).get("stmts", [])
    except ParseError:
        return None
    if len(stmts) != 1 or "SelectStmt" not in stmts[0]["stmt"]:
        return None
    select = stmts[0]["stmt"]["SelectStmt"]
    targets = select.get("targetList", [])
    if len(targets) != 1 or set(select) - {"targetList", "limitOption", "op"}:
        return None
    return string_constant(targets[0]["ResTarget"].get("val", {}))
