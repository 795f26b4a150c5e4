"""The core a portfolio is compared with and upgraded to: the shipped one, or a folder of core migrations
that starts with the shipped files, unchanged (a roll-out adds core migrations, never edits one)."""

from __future__ import annotations

from pathlib import Path

from wizard import migrations
from wizard.errors import UsageError


def core_for(core_dir: str | Path | None) -> list[migrations.MigrationFile]:
    from wizard.muses import core_files

    shipped = core_files()
    if core_dir is None:
        return shipped
    folder = Path(core_dir)
    if not folder.is_dir():
        raise UsageError(f"core folder {folder}: not a folder of core migration files")
    given = migrations.load_folder(folder)
    by_version = {f.version: f for f in given}
    for f in shipped:
        other = by_version.get(f.version)
        if other is None or other.checksum != f.checksum:
            raise UsageError(
                f"core folder {folder}: {f.filename} is {'missing' if other is None else 'changed'}. A core "
                f"roll-out adds new core migrations; it never changes or drops an applied one."
            )
    return given
