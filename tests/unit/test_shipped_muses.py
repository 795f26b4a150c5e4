"""The two shipped Muse templates (socioscheduler, realtor) as files: they load, target the last core
version, and the core never mentions them. (Applied to a real database: tests/db/test_shipped_muses.py.)"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from tests.support.muse_rls_cases import MUSES
from wizard.settings import core_migrations_dir, muses_root

SLUGS = sorted(MUSES)


def muse_files(slug: str) -> list[Path]:
    return sorted((muses_root() / slug / "migrations").glob("*.sql"))


# -- the template files --------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_template_loads_and_targets_the_last_core_version(slug):
    from wizard.muses import load_template

    template = load_template(slug)
    last_core = max(p.name[:14] for p in core_migrations_dir().glob("*.sql"))
    manifest = tomllib.loads((muses_root() / slug / "muse.toml").read_text())
    assert set(manifest) == {"name", "description", "version", "core_version"}
    assert template.manifest.core_version == last_core
    assert [f.version for f in template.files] == sorted(f.version for f in template.files)
    assert all(f.version > last_core for f in template.files)


def test_the_shipped_muses_are_exactly_these():
    assert sorted(p.name for p in muses_root().iterdir() if (p / "muse.toml").is_file()) == SLUGS


def test_core_sql_mentions_no_muse():
    core_text = "\n".join(p.read_text() for p in core_migrations_dir().glob("*.sql")).lower()
    muse_words = set()
    for slug in SLUGS:
        muse_words |= {slug, tomllib.loads((muses_root() / slug / "muse.toml").read_text())["name"].lower()}
        for path in muse_files(slug):
            muse_words |= set(re.findall(r"create (?:table|type|view) public\.(\w+)", path.read_text().lower()))
    assert muse_words >= {"socioscheduler", "realtor", "brand_preferences", "listings", "brand_profiles"}
    assert [w for w in sorted(muse_words) if re.search(rf"\b{re.escape(w)}\b", core_text)] == []
