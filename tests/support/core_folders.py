"""A core folder as a maintainer's checkout holds it for `--core-dir`: the shipped core files, plus new ones."""

from __future__ import annotations

import shutil
from pathlib import Path

from wizard.muses import core_files


def core_folder(folder: Path, extra: dict[str, str]) -> Path:
    """`folder`, made with a copy of every shipped core file and `extra` (file name -> SQL) beside them."""
    folder.mkdir()
    for f in core_files():
        shutil.copy(f.path, folder / f.filename)
    for filename, sql in extra.items():
        (folder / filename).write_text(sql)
    return folder
