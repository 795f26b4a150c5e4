"""Every setting musekit reads from its environment, and its default paths, in one place.

Values are read when asked for (not at import), so a test or a long-lived process sees the
environment as it is at that moment.

| variable | what it sets |
|---|---|
| SUPABASE_ACCESS_TOKEN | the Management API token, when the OS keyring has none (as the Supabase CLI reads it) |
| SUPABASE_API_URL | the Management API's base URL (default https://api.supabase.com) |
| MUSEKIT_DB_PASSWORD | a project's database password, when the OS keyring has none |
| MUSEKIT_DB_URL | the database URL of `migrate`, `verify`, `readme` and `muses apply` when --db-url is not given |
| MUSEKIT_DATA_DIR | musekit's data dir (the clone registry, the sandbox's state); default: the platform's user data dir |
| MUSEKIT_SANDBOX_TOKEN | the token `musekit sandbox` accepts (default: a new one each start) |
| MUSEKIT_SANDBOX_HEALTH_DELAY | seconds a sandbox project stays COMING_UP (default 3) |
| MUSEKIT_HEALTH_TIMEOUT | seconds a clone waits for a new project to become healthy (default 600) |
| MUSEKIT_FAILPOINT | tests only: the clone step boundary at which to stop dead |
| MUSEKIT_EXIT_AFTER_FIRST_PAINT | benchmarks only: the wizard exits after its first frame |
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


def data_dir() -> Path:
    """musekit's data dir: $MUSEKIT_DATA_DIR, else the platform's user data dir."""
    override = _env(DATA_DIR_ENV)
    if override:
        return Path(override)
    from platformdirs import user_data_path

    return user_data_path("musekit", appauthor=False)


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
