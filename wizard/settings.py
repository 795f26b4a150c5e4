"""Every setting musekit reads from its environment, and its default paths, in one place.

Values are read when asked for (not at import), so a test or a long-lived process sees the
environment as it is at that moment.

`ENVIRONMENT` below names each variable and what it sets (`musekit --help` and the README list it
from there); `STATE` says what lives in the data dir.
"""

from __future__ import annotations

import os
from pathlib import Path

TOKEN_ENV = "SUPABASE_ACCESS_TOKEN"
API_URL_ENV = "SUPABASE_API_URL"
DB_PASSWORD_ENV = "MUSEKIT_DB_PASSWORD"
DB_URL_ENV = "MUSEKIT_DB_URL"
DATA_DIR_ENV = "MUSEKIT_DATA_DIR"
SANDBOX_TOKEN_ENV = "MUSEKIT_SANDBOX_TOKEN"
SANDBOX_HEALTH_DELAY_ENV = "MUSEKIT_SANDBOX_HEALTH_DELAY"
FAILPOINT_ENV = "MUSEKIT_FAILPOINT"
HEALTH_TIMEOUT_ENV = "MUSEKIT_HEALTH_TIMEOUT"
EXIT_AFTER_FIRST_PAINT_ENV = "MUSEKIT_EXIT_AFTER_FIRST_PAINT"

# Every variable read below, with what it sets: `musekit --help` prints this (a unit test checks that
# every variable this module reads is here).
ENVIRONMENT: tuple[tuple[str, str], ...] = (
    (TOKEN_ENV, "the Management API access token, when the OS keyring has none (as the Supabase CLI reads it)"),
    (API_URL_ENV, "the Management API's base URL (default https://api.supabase.com)"),
    (DB_PASSWORD_ENV, "a new project's database password, when the OS keyring has none"),
    (DB_URL_ENV, "the database of `migrate`, `verify`, `readme`, `muses apply` when --db-url is not given"),
    (DATA_DIR_ENV, "musekit's data dir (default: the platform's user data dir, see below)"),
    (SANDBOX_TOKEN_ENV, "the access token `musekit sandbox` accepts (default: a new one at each start)"),
    (SANDBOX_HEALTH_DELAY_ENV, "seconds a new sandbox project stays COMING_UP (default 3)"),
    (HEALTH_TIMEOUT_ENV, "seconds a clone waits for a new project to become healthy (default 600)"),
    (FAILPOINT_ENV, "tests only: the clone step boundary at which the process kills itself"),
    (EXIT_AFTER_FIRST_PAINT_ENV, "benchmarks only: 1 makes the wizard exit after its first frame"),
)

# What musekit keeps in its data dir (nothing else is written outside the Muse folders).
STATE: tuple[tuple[str, str], ...] = (
    ("clones.json", "the registry of clones the wizard lists (folders and ids; no secrets)"),
    ("sandbox/", "the local sandbox: its projects (state.json) and one PostgreSQL cluster per project"),
    ("muses/", "your own Muse templates (`musekit muses new`, the wizard's scaffold)"),
    ("core-fingerprints/", "a cache: the core schema's catalog fingerprint, per core version"),
    ("rollouts/", "the journals of `musekit fleet` rollouts"),
)

DEFAULT_API_URL = "https://api.supabase.com"
DEFAULT_SANDBOX_HEALTH_DELAY = 3.0
DEFAULT_HEALTH_TIMEOUT = 600.0  # real provisioning takes 1-3 minutes
# Muses a portfolio command looks at at once. Each costs 4 API calls on 4 endpoints (project, pooler
# config, login role made and removed): the platform's 120 requests per minute per endpoint, not this,
# bounds a large portfolio.
DEFAULT_FLEET_CONCURRENCY = 8

_PACKAGE = Path(__file__).resolve().parent


def _env(name: str) -> str | None:
    return os.environ.get(name) or None


def access_token_from_env() -> str | None:
    return _env(TOKEN_ENV)


def db_password_from_env() -> str | None:
    return _env(DB_PASSWORD_ENV)


def db_url() -> str | None:
    return _env(DB_URL_ENV)


def api_url() -> str:
    return _env(API_URL_ENV) or DEFAULT_API_URL


def sandbox_token() -> str | None:
    return _env(SANDBOX_TOKEN_ENV)


def sandbox_health_delay() -> float:
    raw = _env(SANDBOX_HEALTH_DELAY_ENV)
    return float(raw) if raw else DEFAULT_SANDBOX_HEALTH_DELAY


def health_timeout() -> float:
    raw = _env(HEALTH_TIMEOUT_ENV)
    return float(raw) if raw else DEFAULT_HEALTH_TIMEOUT


def failpoint() -> str | None:
    return _env(FAILPOINT_ENV)


def exit_after_first_paint() -> bool:
    return _env(EXIT_AFTER_FIRST_PAINT_ENV) == "1"


def data_dir_from_env() -> Path | None:
    """$MUSEKIT_DATA_DIR, absolute (a command printed for later must not depend on the folder it runs in)."""
    override = _env(DATA_DIR_ENV)
    return Path(override).absolute() if override else None


def data_dir() -> Path:
    """musekit's data dir: $MUSEKIT_DATA_DIR, else the platform's user data dir."""
    override = data_dir_from_env()
    if override:
        return override
    from platformdirs import user_data_path

    return user_data_path("musekit", appauthor=False)


def sandbox_data_dir() -> Path:
    """The local sandbox's state and clusters (`clone --sandbox`, `musekit sandbox` by default)."""
    return data_dir() / "sandbox"


def user_templates_dir() -> Path:
    """The user's own Muse templates (`muses/<slug>` in musekit's data dir): the scaffold saves there."""
    return data_dir() / "muses"


def templates_root() -> Path:
    """The shipped templates: inside the installed wheel (`wizard/templates`, mapped from the
    repo's top-level `templates/` at build time) or, in a source checkout, beside the package."""
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
