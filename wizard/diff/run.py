"""`musekit diff` as one call: both sides' snapshots, the core scope, the comparison."""

from __future__ import annotations

import asyncio

from wizard.diff.compare import SchemaDiff, compare
from wizard.diff.sides import Side, core_scope, snapshot_of


async def diff_sides(a: Side, b: Side, *, include_core: bool = False) -> SchemaDiff:
    """What B adds to A, lacks of it, changes in it. Both sides are read at once (a database
    side in one round trip); core objects are left out unless `include_core`."""
    snapshot_a, snapshot_b = await asyncio.gather(snapshot_of(a), snapshot_of(b))
    return compare(snapshot_a, snapshot_b, core_scope(a, b), include_core=include_core)
