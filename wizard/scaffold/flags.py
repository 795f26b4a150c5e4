"""`musekit muses new` flags -> a MuseSpec, remembering which flag each spec field came from so
a problem can name both (e.g. `tables[0].columns[1].name (--column 'posts.Title:text')`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wizard.errors import ExitCode, MusekitError
from wizard.scaffold.spec import ON_DELETE, ColumnSpec, EnumSpec, MuseSpec, OnDelete, SpecProblem, TableSpec

NULLABILITY = {"null": True, "nullable": True, "notnull": False, "not null": False, "not_null": False}
REFERENCES = "references="
ON_DELETE_SPELLINGS: dict[str, OnDelete] = {
    **{d: d for d in ON_DELETE},
    "set_null": "set null",
    "setnull": "set null",
}
COLUMN_FORM = "'table.column:type[:null|notnull][:references=TABLE[:cascade|restrict|set_null]][:default]'"


class FlagError(MusekitError, ValueError):
    exit_code = ExitCode.USAGE

    """A flag whose text can't be read (the message names the flag and its expected form)."""


@dataclass
class FlagSpec:
    spec: MuseSpec
    origins: dict[str, str] = field(default_factory=dict)  # spec field prefix -> the flag it came from

    def origin(self, problem: SpecProblem) -> str | None:
        """The flag behind a problem's field (longest matching prefix)."""
        best = None
        for prefix, flag in self.origins.items():
            if (
                problem.field == prefix
                or problem.field.startswith(prefix + ".")
                or problem.field.startswith(prefix + "[")
            ):
                if best is None or len(prefix) > len(best[0]):
                    best = (prefix, flag)
        return best[1] if best else None


def spec_from_flags(
    slug: str,
    *,
    name: str | None,
    description: str | None,
    ownership: str,
    tables: list[str],
    columns: list[str],
    enums: list[str],
    user_view: bool,
) -> FlagSpec:
    origins: dict[str, str] = {"slug": f"<slug> {slug!r}"}
    table_specs: list[TableSpec] = []
    index: dict[str, int] = {}
    for i, text in enumerate(tables):
        table_name, _, comment = text.partition(":")
        table_name = table_name.strip()
        if table_name in index:
            raise FlagError(f"--table {text!r}: table {table_name!r} is given twice")
        index[table_name] = i
        table_specs.append(TableSpec(name=table_name, comment=comment.strip(), columns=[]))
        origins[f"tables[{i}]"] = f"--table {text!r}"
    for text in columns:
        table_name, column = _column(text)
        if table_name not in index:
            known = ", ".join(index) or "none yet"
            raise FlagError(
                f"--column {text!r}: there is no --table {table_name!r} (tables: {known}); "
                f"add --table '{table_name}:<what it holds>' first"
            )
        i = index[table_name]
        origins[f"tables[{i}].columns[{len(table_specs[i].columns)}]"] = f"--column {text!r}"
        table_specs[i].columns.append(column)
    enum_specs = []
    for i, text in enumerate(enums):
        enum_name, sep, values = text.partition(":")
        if not sep:
            raise FlagError(f"--enum {text!r}: expected 'name:value1,value2,...'")
        enum_specs.append(EnumSpec(name=enum_name.strip(), values=[v.strip() for v in values.split(",")]))
        origins[f"enums[{i}]"] = f"--enum {text!r}"
    title = name or slug.replace("-", " ").replace("_", " ").title()
    if name:
        origins["name"] = "--name"
    if description:
        origins["description"] = "--description"
    listed = ", ".join(t.name for t in table_specs)
    default_description = f"{title}: adds {listed}." if listed else f"{title}, a MuseKit Muse."
    spec = MuseSpec(
        slug=slug,
        name=title,
        description=description or default_description,
        ownership=ownership,
        tables=table_specs,
        enums=enum_specs,
        user_view=user_view,
    )
    if user_view:
        origins["user_view"] = "--user-view"
    return FlagSpec(spec, origins)


def _column(text: str) -> tuple[str, ColumnSpec]:
    """COLUMN_FORM; the default comes last and may itself contain ':'."""
    target, sep, rest = text.partition(":")
    table_name, dot, column_name = target.partition(".")
    if not sep or not dot:
        raise FlagError(
            f"--column {text!r}: expected {COLUMN_FORM}, e.g. 'posts.title:text:notnull', "
            f"\"posts.status:post_status:notnull:'draft'\" or 'walks.dog_id:uuid:notnull:references=dogs:cascade'"
        )
    type_name, _, rest = rest.partition(":")
    nullable, references, on_delete = True, None, "restrict"
    head, sep2, tail = rest.partition(":")
    if head.strip().lower() in NULLABILITY or (sep2 and not head.strip()):
        nullable = NULLABILITY.get(head.strip().lower(), True)
        rest = tail if sep2 else ""
        head, sep2, tail = rest.partition(":")
    if head.strip().lower().startswith(REFERENCES):
        references = head.strip()[len(REFERENCES) :].strip()
        if not references:
            raise FlagError(f"--column {text!r}: references= needs a table, e.g. 'references=dogs'")
        rest = tail if sep2 else ""
        head, sep2, tail = rest.partition(":")
        spelled = head.strip().lower()
        if spelled in ON_DELETE_SPELLINGS:
            on_delete = ON_DELETE_SPELLINGS[spelled]
            rest = tail if sep2 else ""
        elif re.fullmatch(r"[a-z_ ]+", spelled) and spelled not in ("true", "false"):
            raise FlagError(
                f"--column {text!r}: {head.strip()!r} is not an on-delete action; after references=TABLE "
                f"write cascade, restrict or set_null (default: restrict)"
            )
    default = rest if rest.strip() else None
    return table_name.strip(), ColumnSpec(
        name=column_name.strip(),
        type=type_name.strip(),
        nullable=nullable,
        default=default,
        references=references,
        on_delete=on_delete,
    )
