"""A folder of `<version>_<name>.sql` files, read and ordered as the Supabase CLI reads them."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from wizard.migrations.errors import MigrationFolderError
from wizard.migrations.split import Statement, split_statements

FILENAME = re.compile(r"^([0-9]+)_(.*)\.sql$")  # the CLI's pattern


@dataclass(frozen=True)
class MigrationFile:
    version: str
    name: str
    path: Path
    text: str

    @cached_property
    def statements(self) -> list[Statement]:
        return split_statements(self.text)

    @cached_property
    def checksum(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def filename(self) -> str:
        return self.path.name


def parse_filename(path: Path) -> tuple[str, str]:
    match = FILENAME.match(path.name)
    if not match:
        raise MigrationFolderError(
            f"{path}: not a migration file name. Expected <version>_<name>.sql, where <version> is digits "
            f"(`supabase migration new` uses a 14-digit UTC timestamp, e.g. 20260101120000_add_tables.sql). "
            f"Rename the file; nothing was applied."
        )
    return match.group(1), match.group(2)


def load_files(paths: Sequence[Path]) -> list[MigrationFile]:
    """Read and order migration files; refuse bad names and duplicate versions before anything runs."""
    files: list[MigrationFile] = []
    seen: dict[str, Path] = {}
    for path in paths:
        version, name = parse_filename(path)
        if version in seen:
            raise MigrationFolderError(
                f"duplicate migration version {version}: {seen[version]} and {path}. Each file needs its own "
                f"version; rename one (e.g. bump its timestamp). Nothing was applied."
            )
        seen[version] = path
        try:
            text = _read(path).decode("utf-8")  # exact bytes: no newline translation (CRLF stays CRLF)
        except UnicodeDecodeError as exc:
            raise MigrationFolderError(
                f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}). Nothing was applied."
            ) from exc
        files.append(MigrationFile(version=version, name=name, path=path, text=text))
    return sorted(files, key=lambda f: (len(f.version), f.version))


MAX_FILE_BYTES = 5 * 1024 * 1024  # a migration is SQL someone reviews, not a data dump


def _read(path: Path) -> bytes:
    """The file's bytes, after refusing (without reading a byte) what is not a plain file of at most
    MAX_FILE_BYTES: a symlink could point anywhere on the machine, a FIFO would block forever."""
    try:
        info = path.lstat()
    except OSError as exc:
        raise MigrationFolderError(f"{path}: can't be read ({exc.strerror}). Nothing was applied.") from None
    if stat.S_ISLNK(info.st_mode):
        raise MigrationFolderError(
            f"{path}: a symbolic link. Migration files must be plain files in the folder: copy the file "
            f"in instead of linking it. Nothing was applied."
        )
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a plain file (a FIFO, socket or device)"
        raise MigrationFolderError(f"{path}: {kind}, named like a migration. Move it away. Nothing was applied.")
    if info.st_size > MAX_FILE_BYTES:
        raise MigrationFolderError(
            f"{path}: {info.st_size / 1024 / 1024:.1f} MB, over the {MAX_FILE_BYTES // 1024 // 1024} MB a "
            f"migration file may have. Load data with COPY or a seed script instead. Nothing was applied."
        )
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise MigrationFolderError(f"{path}: can't be read ({exc.strerror}). Nothing was applied.") from None
    with os.fdopen(fd, "rb") as fh:
        return fh.read(MAX_FILE_BYTES + 1)[:MAX_FILE_BYTES]


def load_folder(folder: Path) -> list[MigrationFile]:
    folder = Path(folder)
    if not folder.is_dir():
        raise MigrationFolderError(
            f"{folder}: no such folder. Pass the folder holding your <version>_<name>.sql files."
        )
    return load_files([p for p in folder.iterdir() if p.suffix == ".sql" and not p.name.startswith(".")])
