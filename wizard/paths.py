"""Where the shipped templates live: inside the installed wheel (`wizard/templates`, mapped
from the repo's top-level `templates/` at build time) or, in a source checkout, beside the package."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def templates_root() -> Path:
    for candidate in (_PACKAGE / "templates", _PACKAGE.parent / "templates"):
        if (candidate / "core").is_dir():
            return candidate
    raise FileNotFoundError(
        f"musekit templates not found next to {_PACKAGE}: the installation is incomplete; reinstall musekit-wizard"
    )


def core_migrations_dir() -> Path:
    return templates_root() / "core" / "migrations"


def muses_root() -> Path:
    return templates_root() / "muses"
