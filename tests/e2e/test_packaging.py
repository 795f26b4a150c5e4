"""A non-editable install (the wheel) carries the templates and finds them."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_ships_the_templates_and_an_installed_copy_finds_them(tmp_path):
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("musekit_wizard-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    shipped_sql = sorted(n for n in names if n.startswith("wizard/templates/") and n.endswith(".sql"))
    source_sql = sorted(
        f"wizard/templates/{p.relative_to(ROOT / 'templates')}" for p in (ROOT / "templates").rglob("*.sql")
    )
    assert shipped_sql == source_sql and len(shipped_sql) >= 11
    assert "wizard/templates/muses/socioscheduler/muse.toml" in names

    target = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr
    code = (
        "import wizard.settings as p, wizard.muses.templates as m; "
        "print(p.templates_root()); print(','.join(t.slug for t in m.list_templates()))"
    )
    env = dict(os.environ, PYTHONPATH=str(target))
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    root, slugs = out.stdout.split()
    assert Path(root) == target / "wizard" / "templates"
    assert slugs == "realtor,socioscheduler"
