from wizard.scaffold.checks import DefaultError, core_reference_tables, default_sql
from wizard.scaffold.flags import FlagError, FlagSpec, spec_from_flags
from wizard.scaffold.spec import ON_DELETE, OnDelete
from wizard.scaffold.writer import (
    CURATED_TYPES,
    ColumnSpec,
    EnumSpec,
    MuseSpec,
    ScaffoldError,
    SpecError,
    SpecProblem,
    TableSpec,
    column_types,
    load_spec,
    render_manifest,
    render_migration,
    validate_spec,
    write_template,
)

__all__ = [
    "CURATED_TYPES",
    "ON_DELETE",
    "ColumnSpec",
    "DefaultError",
    "EnumSpec",
    "FlagError",
    "FlagSpec",
    "MuseSpec",
    "OnDelete",
    "ScaffoldError",
    "SpecError",
    "SpecProblem",
    "TableSpec",
    "column_types",
    "core_reference_tables",
    "default_sql",
    "load_spec",
    "render_manifest",
    "render_migration",
    "spec_from_flags",
    "validate_spec",
    "write_template",
]
