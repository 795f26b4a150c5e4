"""Schema diff of two Muses: each side a Muse folder, a template, or a live database."""

from wizard.diff.compare import KINDS, PLURALS, Change, Difference, SchemaDiff, compare
from wizard.diff.errors import DiffError, DiffSideError
from wizard.diff.from_files import snapshot_from_model, snapshot_from_sources
from wizard.diff.run import diff_sides
from wizard.diff.sides import Side, files_snapshot, resolve_live, resolve_side, snapshot_of
from wizard.diff.snapshot import CoreScope, SchemaSnapshot

__all__ = [
    "KINDS",
    "PLURALS",
    "Change",
    "CoreScope",
    "DiffError",
    "DiffSideError",
    "Difference",
    "SchemaDiff",
    "SchemaSnapshot",
    "Side",
    "compare",
    "diff_sides",
    "files_snapshot",
    "resolve_live",
    "resolve_side",
    "snapshot_from_model",
    "snapshot_from_sources",
    "snapshot_of",
]
