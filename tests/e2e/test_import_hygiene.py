"""The engine never imports Textual, and `musekit --help` stays light (checked in fresh interpreters,
since this test process has imported everything already)."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import wizard

ROOT = Path(__file__).resolve().parents[2]
# The wizard's UI side. wizard.messages holds Textual Message classes and wizard.palette the command
# palette's Provider, so they are UI too.
UI_MODULES = ("wizard.app", "wizard.messages", "wizard.palette")
UI_PACKAGES = ("wizard.screens", "wizard.widgets")
NOT_IMPORTABLE = ("wizard.__main__",)  # runs the CLI when imported


def engine_modules() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(wizard.__path__, "wizard.")]
    return sorted(
        n
        for n in names
        if n not in UI_MODULES + NOT_IMPORTABLE and not any(n == p or n.startswith(p + ".") for p in UI_PACKAGES)
    )


def run_python(code: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )


def test_no_engine_module_imports_textual():
    modules = engine_modules()
    assert "wizard.clone.engine" in modules and "wizard.api.client" in modules and "wizard.sandbox.server" in modules
    assert not any(m.startswith("wizard.screens") for m in modules)
    code = (
        "import importlib, json, sys\n"
        "loaded = {}\n"
        "for name in sys.argv[1:]:\n"
        "    importlib.import_module(name)\n"
        "    loaded[name] = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))[:3]\n"
        "print(json.dumps(loaded))\n"
    )
    result = run_python(code, *modules)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert list(loaded) == modules
    culprits = {name: mods for name, mods in loaded.items() if mods}
    assert not culprits, f"importing these pulled in textual: {culprits}"


def test_the_ui_modules_do_import_textual():
    """The check above can fail: importing the wizard's app really loads textual."""
    result = run_python("import sys, wizard.app; print('textual' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_musekit_help_imports_no_heavy_library():
    heavy = ("textual", "psycopg", "pglast", "httpx", "pydantic", "asyncio")
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "wizard", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert "musekit" in result.stdout and "--sandbox" in result.stdout
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "wizard.cli" in imported  # the import log is what we think it is
    offenders = sorted(m for m in imported if m.split(".")[0] in heavy)
    assert not offenders, f"`musekit --help` imported {offenders}"


def test_the_api_client_leaves_out_httpx_command_line_client():
    """httpx imports its CLI (click, rich.console, pygments) when click is installed, as uvicorn installs
    it: about 0.1 s of every command that talks to the API, for a client musekit never runs."""
    code = (
        "import importlib.util, sys, wizard.api\n"
        "print(importlib.util.find_spec('click') is not None, 'httpx' in sys.modules,"
        " sorted(m for m, mod in sys.modules.items()"
        " if mod is not None and (m.split('.')[0] in ('click', 'pygments') or m == 'httpx._main')))\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True True []"


SPY_PLUGIN = """
from pathlib import Path


class Spy:
    def new_schema_validator(self, schema, schema_type, schema_type_path, schema_kind, config, plugin_settings):
        def on_enter(input, **kwargs):
            with open(Path(__file__).with_name("seen.txt"), "a") as out:
                out.write(repr(input) + "\\n")

        class Handler:
            pass

        handler = Handler()
        handler.on_enter = on_enter
        return handler, handler, handler


plugin = Spy()
"""


def test_a_pydantic_plugin_installed_beside_musekit_never_sees_a_value(tmp_path):
    """An installed package can register a pydantic plugin (entry point group `pydantic`) that sees every
    value pydantic validates: musekit's models carry access tokens. Importing wizard turns plugins off."""
    (tmp_path / "spyplugin.py").write_text(SPY_PLUGIN)
    dist = tmp_path / "spyplugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: spyplugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[pydantic]\nspy = spyplugin:plugin\n")
    validate = (
        "from wizard.api.models import Organization\n"
        "Organization.model_validate({'slug': 'acme', 'name': 'sbp_secret_in_a_model'})\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"}
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    seen = tmp_path / "seen.txt"

    # pydantic alone loads the plugin, which sees the value: the check below can fail
    control = "from pydantic import BaseModel\n\nclass M(BaseModel):\n    name: str\n\n"
    control += "M.model_validate({'name': 'sbp_secret_in_a_model'})\n"
    done = subprocess.run([sys.executable, "-c", control], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "sbp_secret_in_a_model" in seen.read_text()
    seen.unlink()

    done = subprocess.run([sys.executable, "-c", validate], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not seen.exists()
