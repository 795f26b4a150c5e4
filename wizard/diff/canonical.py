"""One spelling per type and per expression, whether read from the SQL as written or printed by
the catalog (format_type, pg_get_expr), so that a schema built from migration files and the
same schema read from a live database compare equal.

Types: `timestamp with time zone` -> `timestamptz`, `character varying(80)` -> `varchar(80)`,
`int4` -> `integer`, `public.tone` -> `tone`. Expressions go through pglast and drop what the
catalog adds or the author may write either way: casts (`'{}'::jsonb` -> `'{}'`), output names in
subqueries (`SELECT auth.uid() AS uid`), the `public.` and `pg_catalog.` qualifiers, `IN (…)`
(the catalog prints `= ANY (ARRAY[…])`) and `BETWEEN` (printed as `>= … AND <= …`)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from wizard.sql import canonical_type
from wizard.sql.types import IMPLIED_SCHEMAS

if TYPE_CHECKING:
    from pglast import ast

SERIAL_TYPES = {"integer": "serial", "bigint": "bigserial", "smallint": "smallserial"}  # the type under each


def canonical_types(texts: list[str] | tuple[str, ...]) -> str:
    """A comma-separated list of types (a function's identity arguments)."""
    return ", ".join(canonical_type(t) for t in texts if t.strip())


def canonical_returns(text: str) -> str:
    """A function's result: `uuid`, `setof public.x`, `TABLE(id uuid, n bigint)` -> `table(id uuid, n bigint)`."""
    text = text.strip()
    lowered = text.lower()
    if lowered.startswith("setof "):
        return "setof " + canonical_type(text[6:])
    if lowered.startswith("table(") and text.endswith(")"):
        columns = []
        for part in split_top_level(text[6:-1]):
            name, _, typ = part.strip().partition(" ")
            columns.append(f"{name} {canonical_type(typ)}")
        return "table(" + ", ".join(columns) + ")"
    return canonical_type(text)


def split_top_level(text: str) -> list[str]:
    """`numeric(10, 2), text` -> [`numeric(10, 2)`, ` text`]: commas inside parentheses stay."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p for p in parts if p.strip()]


def canonical_expression(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    return _canonical_expression(" ".join(text.split()))


@lru_cache(maxsize=4096)
def _canonical_expression(text: str) -> str:
    from pglast import ast, parse_sql
    from pglast.parser import ParseError
    from pglast.stream import RawStream

    try:
        stmt = parse_sql(f"select ({text}\n)")[0].stmt
    except ParseError:
        return text  # compared as written (whitespace collapsed)
    assert isinstance(stmt, ast.SelectStmt) and stmt.targetList
    target = stmt.targetList[0]
    assert isinstance(target, ast.ResTarget)
    normalised = _normalise(target.val)
    assert isinstance(normalised, ast.Node)  # an expression node stays one
    printed: str = RawStream()(normalised)
    return printed


def _normalise(node: object) -> object:
    """The node with casts, subquery output names, implied qualifiers, IN and BETWEEN rewritten."""
    from pglast import ast

    if isinstance(node, tuple):
        return tuple(_normalise(item) for item in node)
    if not isinstance(node, ast.Node):
        return node
    if isinstance(node, ast.TypeCast):
        return _normalise(node.arg)
    for member in node:
        setattr(node, member, _normalise(getattr(node, member)))
    if isinstance(node, ast.ResTarget):
        node.name = None
    elif isinstance(node, ast.FuncCall):
        node.funcname = _unqualified(node.funcname)
    elif isinstance(node, ast.RangeVar) and node.schemaname in IMPLIED_SCHEMAS:
        node.schemaname = None
    elif isinstance(node, ast.A_Expr):
        return _rewrite_a_expr(node)
    return node


def _unqualified(names: tuple[ast.String, ...] | None) -> tuple[ast.String, ...] | None:
    if names and len(names) == 2 and names[0].sval in IMPLIED_SCHEMAS:
        return names[1:]
    return names


def _rewrite_a_expr(node: ast.A_Expr) -> ast.Node:
    from pglast import ast
    from pglast.enums import A_Expr_Kind, BoolExprType

    operator = node.name[0].sval if node.name else ""
    if node.kind == A_Expr_Kind.AEXPR_IN and isinstance(node.rexpr, tuple):
        kind = A_Expr_Kind.AEXPR_OP_ANY if operator == "=" else A_Expr_Kind.AEXPR_OP_ALL
        return ast.A_Expr(kind=kind, name=node.name, lexpr=node.lexpr, rexpr=ast.A_ArrayExpr(elements=node.rexpr))
    if node.kind in (A_Expr_Kind.AEXPR_BETWEEN, A_Expr_Kind.AEXPR_NOT_BETWEEN) and isinstance(node.rexpr, tuple):
        low, high = node.rexpr
        negated = node.kind == A_Expr_Kind.AEXPR_NOT_BETWEEN
        ops = ("<", ">") if negated else (">=", "<=")
        parts = tuple(
            ast.A_Expr(kind=A_Expr_Kind.AEXPR_OP, name=(ast.String(sval=op),), lexpr=node.lexpr, rexpr=bound)
            for op, bound in zip(ops, (low, high), strict=True)
        )
        return ast.BoolExpr(boolop=BoolExprType.OR_EXPR if negated else BoolExprType.AND_EXPR, args=parts)
    return node
