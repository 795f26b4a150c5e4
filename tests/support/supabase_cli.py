"""Locate the official Supabase CLI (`make tools` installs it into .tools/ from the npm registry)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def supabase_bin() -> str:
    local = ROOT / ".tools" / "node_modules" / ".bin" / "supabase"
    found = str(local) if local.exists() else shutil.which("supabase")
    if not found:
        pytest.fail("the official Supabase CLI is missing: run `make tools` (npm install --prefix .tools supabase)")
    return found


def run_supabase(*args: str, cwd: Path, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([supabase_bin(), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
