"""Small readers for libpg_query parse-tree JSON (what `pglast.parser.parse_sql_json` gives):
names, qualified names (unqualified = public), type names, roles, and walks that find the
relations and functions an expression reads.

libpg_query's JSON leaves out false/zero/empty fields, so every read has a default."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

DEFAULT_SCHEMA = "public"
TEMP_SCHEMA = "pg_temp"  # where CREATE TEMP puts a relation (a session's own pg_temp_N)
Node = dict[str, Any]

_PLAIN_IDENT = re.compile(r"^[a-z_][a-z0-9_$]*$")
_NAMEDATALEN = 63


def unwrap(item: Node) -> tuple[str, Node]:
    """{"RangeVar": {...}} -> ("RangeVar", {...})."""
    ((kind, inner),) = item.items()
    return kind, inner


def svals(items: list[Node] | Node | None) -> list[str]:
    """[{"String": {"sval": "a"}}, ...] -> ["a", ...] (also accepts a {"List": ...} wrapper)."""
    if isinstance(items, dict):
        wrapped: list[Node] = items.get("List", items).get("items", [])
        items = wrapped
    return [i["String"].get("sval", "") for i in items or () if "String" in i]


def qualify(names: list[str], default_schema: str = DEFAULT_SCHEMA) -> tuple[str, str]:
    if len(names) >= 2:
        return names[-2], names[-1]
    return default_schema, names[-1]


def range_var(rv: Node) -> tuple[str, str]:
    """(schema, name) of a RangeVar: a temporary relation made without a schema is pg_temp's, not public's."""
    if "RangeVar" in rv:
        rv = rv["RangeVar"]
    default = TEMP_SCHEMA if rv.get("relpersistence") == "t" else DEFAULT_SCHEMA
    return rv.get("schemaname") or default, rv["relname"]


def qualified(schema: str, name: str) -> str:
    return f"{schema}.{name}"


def quote_ident(name: str) -> str:
    from pglast.keywords import RESERVED_KEYWORDS

    if _PLAIN_IDENT.match(name) and name not in RESERVED_KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def role_name(spec: Node) -> str:
    if "RoleSpec" in spec:
        spec = spec["RoleSpec"]
    kind: str = spec.get("roletype", "ROLESPEC_CSTRING")
    if kind == "ROLESPEC_CSTRING":
        rolename: str = spec.get("rolename", "")
        return rolename
    return kind.removeprefix("ROLESPEC_").lower()  # public, current_user, session_user, current_role


def const_value(node: Node) -> str | int | float | bool | None:
    """Value of an A_Const (string, integer, float, boolean) or None."""
    const = node.get("A_Const", node)
    if const.get("isnull"):
        return None
    for key, caster in (("sval", str), ("ival", int), ("fval", float), ("boolval", bool)):
        if key in const:
            return caster(const[key].get(key, caster()))
    return None


def type_name(tn: Node) -> str:
    """A TypeName as SQL, close to how it was written: `text[]`, `public.tone`, `varchar(255)`."""
    from pglast.printers.dml import interval_ranges, system_types

    if "TypeName" in tn:
        tn = tn["TypeName"]
    names = svals(tn.get("names"))
    dotted = ".".join(names)
    text: str
    suffix = ""
    if dotted in system_types:
        text, suffix = system_types[dotted]
    elif dotted == "char":
        text = '"char"'
    else:
        text = ".".join(quote_ident(n) for n in names)
    if tn.get("pct_type"):
        text += "%type"
    mods = [const_value(m) for m in tn.get("typmods", ())]
    if dotted == "pg_catalog.interval" and mods:
        text += (" " + interval_ranges[mods[0]]) if mods[0] in interval_ranges else ""
        mods = mods[1:]
    if mods and not (dotted == "pg_catalog.bpchar" and mods == [1]):
        text += "(" + ", ".join(str(m) for m in mods) + ")"
    text += suffix
    for bound in tn.get("arrayBounds", ()):
        size = bound.get("Integer", {}).get("ival", -1)
        text += f"[{size}]" if size >= 0 else "[]"
    return ("setof " + text) if tn.get("setof") else text


def type_qualified(tn: Node) -> tuple[str | None, str]:
    """(schema, name) of a type; schema None for unqualified names (built-in or search_path)."""
    if "TypeName" in tn:
        tn = tn["TypeName"]
    names = svals(tn.get("names"))
    return (names[-2] if len(names) >= 2 else None), names[-1]


def walk(node: Any) -> Iterator[Node]:
    """Every dict inside a parse tree, depth first."""
    stack = [node]
    pop, push = stack.pop, stack.append
    while stack:
        item = pop()
        if type(item) is dict:
            yield item
            for value in item.values():
                if type(value) is dict or type(value) is list:
                    push(value)
        else:
            for value in item:
                if type(value) is dict or type(value) is list:
                    push(value)


def tree_references(node: Any) -> tuple[list[tuple[str, str]], list[tuple[str | None, str]]]:
    """(relations read, functions called) by a query or expression; CTE names left out.
    Relations are (schema, name) with unqualified = public; functions (schema or None, name)."""
    ctes: set[str] = set()
    relations: dict[tuple[str, str | None, str], None] = {}
    functions: dict[tuple[str | None, str], None] = {}
    for d in walk(node):
        if "relname" in d:
            relations[(d["relname"], d.get("schemaname"), d["relname"])] = None
        elif "ctename" in d:
            ctes.add(d["ctename"])
        elif "funcname" in d and "funcformat" in d:
            names = svals(d["funcname"])
            if names:
                functions[(names[-2] if len(names) >= 2 else None, names[-1])] = None
    rels = [(schema or DEFAULT_SCHEMA, name) for (_, schema, name) in relations if schema or name not in ctes]
    return list(dict.fromkeys(rels)), list(functions)


def relations_read(node: Any) -> list[tuple[str, str]]:
    """Relations a query or expression reads (FROM items, subqueries), CTE names left out."""
    return tree_references(node)[0]


def object_with_args(owa: Node) -> tuple[str, str, str | None]:
    """(schema, name, identity argument types or None when unspecified) of an ObjectWithArgs."""
    if "ObjectWithArgs" in owa:
        owa = owa["ObjectWithArgs"]
    schema, name = qualify(svals(owa.get("objname")))
    if owa.get("args_unspecified"):
        return schema, name, None
    return schema, name, ", ".join(type_name(a) for a in owa.get("objargs", ()))


def def_options(options: list[Node] | None) -> dict[str, Any]:
    """DefElem list -> {defname: arg node}."""
    result: dict[str, Any] = {}
    for item in options or ():
        elem = item.get("DefElem", item)
        result[elem.get("defname", "")] = elem.get("arg")
    return result


def def_value(arg: Any) -> str | None:
    """The value of a DefElem argument as text (String, Boolean, Integer, TypeName ...)."""
    if arg is None:
        return None
    if "String" in arg:
        sval: str = arg["String"].get("sval", "")
        return sval
    if "Boolean" in arg:
        return "true" if arg["Boolean"].get("boolval") else "false"
    if "Integer" in arg:
        return str(arg["Integer"].get("ival", 0))
    if "TypeName" in arg:
        return type_name(arg)
    return None


def index_name(node: Node) -> str:
    """The index's name, or the one Postgres chooses for `create index on t (a, b)`: t_a_b_idx."""
    if node.get("idxname"):
        given: str = node["idxname"]
        return given
    _, table = range_var(node["relation"])
    parts = []
    for item in node.get("indexParams", ()):
        elem = item["IndexElem"]
        if elem.get("name"):
            parts.append(elem["name"])
        else:
            call = elem.get("expr", {}).get("FuncCall")
            parts.append(svals(call["funcname"])[-1] if call else "expr")
    suffix = "excl" if node.get("excludeOpNames") else "idx"
    label = "_".join(parts)
    name = f"{table}_{label}_{suffix}" if label else f"{table}_{suffix}"
    if len(name.encode()) > _NAMEDATALEN:  # Postgres shortens the longer of table and label
        budget = _NAMEDATALEN - len(suffix) - 2
        while len(table.encode()) + len(label.encode()) > budget:
            if len(table) > len(label):
                table = table[:-1]
            else:
                label = label[:-1]
        name = f"{table}_{label}_{suffix}"
    return name


_DML = ("InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt")
COMPUTED = "?"  # the name of a setting set_config computes at run time


def writes_and_settings(node: Any) -> tuple[list[tuple[str, Node]], list[str]]:
    """One pass over a statement's tree: (kind, node) of every INSERT/UPDATE/DELETE/MERGE nested in it
    (data-modifying WITH queries, EXPLAIN ANALYZE, rule actions, BEGIN ATOMIC bodies), and the settings
    it changes through `set_config(name, value, is_local)`, lower case; COMPUTED when the name is not a
    constant."""
    writes: list[tuple[str, Node]] = []
    settings: list[str] = []
    for d in walk(node):
        writes += [(kind, d[kind]) for kind in _DML if kind in d]
        if "funcformat" in d and (name := _set_config_name(d)) is not None:
            settings.append(name)
    return writes, settings


def _set_config_name(call: Node) -> str | None:
    """The setting a FuncCall of the built-in set_config changes (COMPUTED when not a constant), else None."""
    names = svals(call.get("funcname"))
    if names[-1:] != ["set_config"] or names[:-1] not in ([], ["pg_catalog"]):
        return None  # another function, or someone's own set_config
    args = call.get("args") or [{}]
    name = string_constant(args[0])
    return name.lower() if name is not None else COMPUTED


def string_constant(expr: Node) -> str | None:
    """The value of a string literal (also `'...'::text`), else None."""
    if "TypeCast" in expr:
        expr = expr["TypeCast"].get("arg", {})
    const = expr.get("A_Const")
    if const is None or "sval" not in const:
        return None
    value: str = const["sval"].get("sval", "")
    return value
