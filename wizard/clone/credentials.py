"""Secrets: the access token and database passwords. OS keyring (service `musekit`) first, then
environment variables (SUPABASE_ACCESS_TOKEN as the official CLI reads it, MUSEKIT_DB_PASSWORD),
then a prompt. They live only there and in memory: never in files, logs or error messages."""

from __future__ import annotations

import secrets
import string
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from wizard import settings
from wizard.settings import DB_PASSWORD_ENV as DB_PASSWORD_ENV  # re-exported: callers name it in messages
from wizard.settings import TOKEN_ENV as TOKEN_ENV

SERVICE = "musekit"
TOKEN_KEY = "access-token"

Notify = Callable[[str], None]


def _stderr(text: str) -> None:
    print(text, file=sys.stderr)


@dataclass
class SecretStore:
    """Keyring access that degrades plainly where no keyring backend exists (headless Linux)."""

    notify: Notify = _stderr
    _told: bool = field(default=False, repr=False)
    _unavailable: bool = field(default=False, repr=False)

    def _no_keyring(self, exc: Exception) -> None:
        self._unavailable = True
        if not self._told:
            self._told = True
            self.notify(
                f"note: no OS keyring is available here ({type(exc).__name__}); musekit will not store "
                f"secrets. It reads {TOKEN_ENV} / {DB_PASSWORD_ENV} from the environment or asks you."
            )

    def get(self, key: str) -> str | None:
        if self._unavailable:
            return None
        import keyring
        from keyring.errors import KeyringError

        try:
            return keyring.get_password(SERVICE, key)
        except (KeyringError, RuntimeError) as exc:
            self._no_keyring(exc)
            return None

    def set(self, key: str, value: str) -> bool:
        if self._unavailable:
            return False
        import keyring
        from keyring.errors import KeyringError

        try:
            keyring.set_password(SERVICE, key, value)
            return True
        except (KeyringError, RuntimeError) as exc:
            self._no_keyring(exc)
            return False

    @property
    def available(self) -> bool:
        return not self._unavailable

    def probe(self) -> bool:
        """Whether a keyring works here (asking it once, as reading the token does)."""
        self.get(TOKEN_KEY)
        return self.available


def db_password_key(ref: str) -> str:
    return f"db-password:{ref}"


def pending_db_password_key(clone_id: str) -> str:
    """Before the project (and its ref) exists, the generated password is kept under the clone id."""
    return f"db-password:clone:{clone_id}"


def generate_db_password(length: int = 32) -> str:
    """A strong password using characters that need no escaping in URLs or shells."""
    alphabet = string.ascii_letters + string.digits
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c.islower() for c in pw) and any(c.isupper() for c in pw) and any(c.isdigit() for c in pw):
            return pw


def find_access_token(store: SecretStore) -> tuple[str | None, str]:
    """(token, where it came from) — keyring first, then the environment."""
    token = store.get(TOKEN_KEY)
    if token:
        return token, "keyring"
    token = settings.access_token_from_env()
    if token:
        return token, f"${TOKEN_ENV}"
    return None, ""


def find_db_password(store: SecretStore, ref: str | None, clone_id: str) -> str | None:
    for key in ([db_password_key(ref)] if ref else []) + [pending_db_password_key(clone_id)]:
        value = store.get(key)
        if value:
            return value
    return settings.db_password_from_env()
