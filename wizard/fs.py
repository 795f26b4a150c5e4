"""Write a file so that a crash at any instant leaves either the old content or the new one."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from wizard.errors import MusekitError


class WriteError(MusekitError):
    """A file could not be written (disk full, permissions, a file where a folder should be); the
    old content, if any, is intact."""


_WHY = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder",
}


class LinkRefused(WriteError):
    """A path in a folder musekit works on goes through a symbolic link: it would read or write elsewhere."""


def inside(folder: Path, relative: str | Path) -> Path:
    """`folder / relative`, refusing a symbolic link anywhere below `folder` on the way (the path itself
    included, when it exists): a Muse or template folder is a tree anyone can commit to, and a link in it
    would make musekit read or write outside it (a README linked to ~/.ssh/authorized_keys ...)."""
    path = Path(folder)
    for part in Path(relative).parts:
        path = path / part
        if path.is_symlink():
            raise LinkRefused(
                f"{path} is a symbolic link (to {os.readlink(path)}). musekit reads and writes only real files "
                f"and folders inside the folder it works on: replace the link with the file or folder itself, "
                f"then run the same command again. Nothing was written."
            )
    return path


def write_atomic(path: Path, data: str | bytes, mode: int = 0o644) -> None:
    path = Path(path)
    try:
        _write(path, data.encode() if isinstance(data, str) else data, mode)
    except OSError as exc:
        why = _WHY.get(exc.errno or 0, exc.strerror or type(exc).__name__)
        raise WriteError(
            f"could not write {path}: {why}. Nothing was half-written (the old file, if any, is intact); "
            f"free space or fix the permissions, then run the same command again."
        ) from None


def _write(path: Path, raw: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
