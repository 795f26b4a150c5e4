"""Connection URLs of a hosted project's database, through Supabase's pooler (Supavisor).

Migrations need session mode (port 5432): the pooler's transaction mode (6543) breaks session
state and prepared statements. The Supabase CLI derives it the same way: it takes the PRIMARY
pooler entry and rewrites `:6543/` to `:5432/` unless the pool mode is already `session`.
URLs here carry no password; `url_with_password` returns a `SecretUrl`, whose str/repr mask it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NoReturn
from urllib.parse import quote, urlencode

from wizard.api.errors import PrimaryDatabaseNotFound

if TYPE_CHECKING:
    from wizard.api.models import PoolerConfig

SESSION_PORT = 5432
TRANSACTION_PORT = 6543
PASSWORD_MASK = "********"


class SecretUrl:
    """A database URL with a password. str() and repr() show it masked; `reveal()` gives the real one."""

    __slots__ = ("_masked", "_url")

    def __init__(self, url: str, masked: str) -> None:
        self._url = url
        self._masked = masked

    def reveal(self) -> str:
        return self._url

    get_secret_value = reveal  # the pydantic SecretStr spelling

    def __str__(self) -> str:
        return self._masked

    def __repr__(self) -> str:
        return f"SecretUrl({self._masked!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretUrl) and other._url == self._url

    def __hash__(self) -> int:
        return hash(self._url)

    def __reduce__(self) -> NoReturn:  # pickling would be a way to write the password somewhere
        raise TypeError("SecretUrl cannot be pickled")


@dataclass(frozen=True)
class DatabaseConnection:
    user: str
    host: str
    dbname: str
    session_port: int
    transaction_port: int

    @property
    def session_url(self) -> str:
        """For migrations (session mode), without the password."""
        return self._url(self.session_port, None)

    @property
    def transaction_url(self) -> str:
        """For display and the app's serverless runtime (transaction mode), without the password."""
        return self._url(self.transaction_port, None)

    def url_with_password(self, password: str, mode: Literal["session", "transaction"] = "session") -> SecretUrl:
        if not password:
            raise ValueError("the database password is empty")
        port = self.session_port if mode == "session" else self.transaction_port
        return SecretUrl(self._url(port, password), self._url(port, PASSWORD_MASK, encode=False))

    def login_url(self, role: str, password: str, ref: str) -> SecretUrl:
        """The session-mode URL for a temporary login role (POST /cli/login-role), as the official CLI builds it:
        through the pooler the user is `<role>.<ref>` (when the pooler's own user is `postgres.<ref>`), and a
        non-local host is reached over TLS only (`sslmode=require`)."""
        from wizard.pg import tls_options

        if not password:
            raise ValueError("the login role's password is empty")
        suffix = f".{ref}"
        user = role + suffix if self.user.endswith(suffix) and not role.endswith(suffix) else role
        tls = tls_options({"host": self.host})
        query = f"?{urlencode(tls)}" if tls else ""
        as_role = DatabaseConnection(user, self.host, self.dbname, self.session_port, self.transaction_port)
        port = self.session_port
        return SecretUrl(as_role._url(port, password) + query, as_role._url(port, PASSWORD_MASK, encode=False) + query)

    def _url(self, port: int, password: str | None, *, encode: bool = True) -> str:
        user = quote(self.user, safe="")
        secret = "" if password is None else ":" + (quote(password, safe="") if encode else password)
        return f"postgresql://{user}{secret}@{self.host}:{port}/{quote(self.dbname, safe='')}"


def connection_from_pooler(configs: list[PoolerConfig]) -> DatabaseConnection:
    from wizard.api.models import DatabaseType, PoolMode

    primary = next((c for c in configs if c.database_type is DatabaseType.PRIMARY), None)
    if primary is None:
        raise PrimaryDatabaseNotFound(
            "primary database not found: the pooler configuration lists no PRIMARY database "
            f"({len(configs)} entr{'y' if len(configs) == 1 else 'ies'}). Check the project's database in the "
            "Supabase dashboard; if it is still being created, wait and run `musekit resume`."
        )
    if primary.pool_mode is PoolMode.SESSION:
        session = primary.db_port
        transaction = TRANSACTION_PORT if primary.db_port == SESSION_PORT else primary.db_port
    else:
        transaction = primary.db_port
        session = SESSION_PORT if primary.db_port == TRANSACTION_PORT else primary.db_port
    return DatabaseConnection(
        user=primary.db_user,
        host=primary.db_host,
        dbname=primary.db_name,
        session_port=session,
        transaction_port=transaction,
    )
