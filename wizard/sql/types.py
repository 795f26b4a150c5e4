"""One spelling per SQL type, whether written in a migration or printed by the catalog's
format_type(): `timestamp with time zone` -> `timestamptz`, `character varying(255)` -> `varchar(255)`,
`int`/`int4` -> `integer`, `public.tone` -> `tone`, `numeric(12, 2)` -> `numeric(12,2)`. The README's
table list and `musekit diff` both compare files with live databases through it."""

from __future__ import annotations

import re

_TYPE_ALIASES = {
    "int": "integer",
    "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "bool": "boolean",
    "float8": "double precision",
    "float4": "real",
    "decimal": "numeric",
    "character varying": "varchar",
    "character": "char",
    "bpchar": "char",
    "bit varying": "varbit",
    "timestamp with time zone": "timestamptz",
    "time with time zone": "timetz",
    "timestamp without time zone": "timestamp",
    "time without time zone": "time",
    "serial4": "serial",
    "serial8": "bigserial",
    "serial2": "smallserial",
}
_TYPE = re.compile(
    r"^(?P<base>.+?)\s*(?P<mod>\([^)]*\))?(?P<tz>\s+with(?:out)?\s+time\s+zone)?"
    r"(?P<arr>(?:\s*\[\s*\d*\s*\])*)$",
    re.IGNORECASE | re.DOTALL,
)
IMPLIED_SCHEMAS = ("pg_catalog", "public")


def canonical_type(text: str) -> str:
    m = _TYPE.match(text.strip())
    if m is None:
        return text.strip()
    base = re.sub(r"\s+", " ", m["base"])
    for schema in IMPLIED_SCHEMAS:
        base = base.removeprefix(schema + ".")
    if '"' not in base:
        base = base.lower()
    if m["tz"]:
        base += " " + " ".join(m["tz"].lower().split())
    base = _TYPE_ALIASES.get(base, base)
    mod = re.sub(r"\s+", "", m["mod"] or "")
    if base == "char" and mod == "(1)":
        mod = ""
    return base + mod + ("[]" if m["arr"] else "")  # Postgres does not tell array dimensions apart
