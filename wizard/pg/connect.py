"""Connecting to a Postgres URL the same way everywhere: autocommit, no server-side prepared
statements (Supabase's pooler breaks them), and errors that name user, host, port and database
but never the password — even when libpq echoes part of a malformed URL."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import unquote

from wizard.errors import ExitCode, MusekitError

if TYPE_CHECKING:
    import psycopg


class DatabaseError(MusekitError):
    """Base class; messages never contain a password."""


class InvalidDatabaseUrl(DatabaseError, ValueError):
    exit_code = ExitCode.USAGE


class DatabaseConnectError(DatabaseError):
    pass


class SessionRoleRefused(DatabaseConnectError):
    """The login worked, the step down to the session role did not: trying again will not help."""


class RoleUrl(str):
    """A database URL whose login steps down to `session_role` right after connecting
    (`SET SESSION ROLE`), as the official CLI's temporary login roles do: the pooler does not pass
    `options=-c role=…` on, so the step down cannot live in the URL itself. `connect` honours it,
    so what a migration creates is owned by `session_role`, not by the short-lived login."""

    session_role: str

    def __new__(cls, url: str, session_role: str) -> RoleUrl:
        made = super().__new__(cls, url)
        made.session_role = session_role
        return made


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_RESERVED = re.compile(r"[@/:?#]")


def _password_candidates(url: str, parsed: dict[str, str] | None) -> list[str]:
    """Every text that may be (part of) the password: libpq's reading, ours up to the last `@`
    (a password with an unencoded @ or /), both percent-decoded, and their pieces."""
    found = {parsed.get("password", "")} if parsed else set()
    m = _SCHEME.match(url)
    if m and "@" in url[m.end() :]:
        userinfo = url[m.end() : url.rindex("@")]
        if ":" in userinfo:
            found.add(userinfo.split(":", 1)[1])
    found |= {unquote(s) for s in found}
    found |= {piece for s in list(found) for piece in _RESERVED.split(s) if len(piece) >= 3}
    public = {parsed.get(k) for k in ("user", "host", "port", "dbname")} if parsed else set()
    return sorted((s for s in found if s and s not in public), key=len, reverse=True)


def _scrub(text: str, secrets: list[str]) -> str:
    """Words that hold a secret, replaced whole. Replacing only the secret's characters would show a
    short password by the gaps it leaves (`p***ssword ***uthentic***tion` says the password is "a"),
    so a short secret masks only a word that is exactly it."""

    def holds_secret(word: str) -> bool:
        bare = word.strip("\"'.,;:()[]")
        return any(bare == s or (len(s) >= _MIN_SUBSTRING_SECRET and s in word) for s in secrets)

    return " ".join("***" if holds_secret(word) else word for word in text.split(" "))


_MIN_SUBSTRING_SECRET = 4


def _one_line(exc: Exception) -> str:
    return " ".join(line.strip() for line in str(exc).splitlines() if line.strip()) or type(exc).__name__


def describe_target(parsed: dict[str, str]) -> str:
    return (
        f"user {parsed.get('user', '?')} at {parsed.get('host', 'localhost')}:{parsed.get('port', '5432')}"
        f"/{parsed.get('dbname', parsed.get('user', '?'))}"
    )


_URL_HELP = (
    "Expected postgresql://user:password@host:port/dbname; percent-encode @ / ? # : in the password "
    "(%40 %2F %3F %23 %3A)."
)


def parse_url(url: str) -> dict[str, str]:
    """libpq's reading of `url`; InvalidDatabaseUrl (without the password) when it has none
    or when the host, port or database name look like they swallowed part of a password."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        parsed = {k: str(v) for k, v in conninfo_to_dict(url).items()}
    except psycopg.Error as exc:
        reason = _scrub(_one_line(exc), _password_candidates(url, None))
        raise InvalidDatabaseUrl(f"the database URL could not be read: {reason}\n  {_URL_HELP}") from None
    ports = parsed.get("port", "5432").split(",")
    if "@" in parsed.get("host", "") + parsed.get("dbname", "") or not all(p.strip().isdigit() for p in ports):
        raise InvalidDatabaseUrl(
            f"the host, port or database name of the database URL could not be read "
            f"(a password with an unencoded @ or / splits the URL in the wrong place)\n"
            f"  {_URL_HELP}"
        )
    return parsed


_WEAK_SSLMODES = frozenset({"disable", "allow", "prefer"})


def _is_local(host: str) -> bool:
    """A Unix socket or a loopback address (`127.0.0.1.nip.io` is a name, resolved anywhere: not local)."""
    import ipaddress

    if host in ("", "localhost") or host.startswith(("/", "@")):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tls_options(parsed: dict[str, str]) -> dict[str, str]:
    """Connection options that make a non-local database reachable over TLS only: `sslmode=require`
    when the URL says nothing, InvalidDatabaseUrl when it asks for less. Local hosts (loopback, a
    Unix socket) need nothing: the password never crosses a network."""
    hosts = [h.strip() for h in (parsed.get("hostaddr") or parsed.get("host", "")).split(",")]
    if all(_is_local(h) for h in hosts):
        return {}
    mode = parsed.get("sslmode", "")
    if mode in _WEAK_SSLMODES:
        raise InvalidDatabaseUrl(
            f"sslmode={mode} for {parsed.get('host')}: a database on another host is reached over TLS only, "
            f"so the password never crosses the network in clear. Use sslmode=require (or verify-full)."
        )
    return {} if mode else {"sslmode": "require"}


async def connect(url: str) -> psycopg.AsyncConnection:
    """Autocommit connection without prepared statements (Supabase's pooler breaks them), over TLS
    to any non-local host. Errors name user, host, port and database, never the password."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    parsed = parse_url(url)
    conninfo = make_conninfo(url, **tls_options(parsed))
    try:
        conn = await psycopg.AsyncConnection.connect(
            conninfo, autocommit=True, prepare_threshold=None, connect_timeout=15
        )
    except psycopg.Error as exc:
        reason = _scrub(_one_line(exc), _password_candidates(url, parsed))
        raise DatabaseConnectError(
            f"could not connect as {describe_target(parsed)}: {reason}\n  Check the host, port, user and "
            f"password (for a hosted project: the pooler host, port 5432, user postgres.<project ref>)."
        ) from None
    if isinstance(url, RoleUrl):
        await _step_down(conn, url.session_role, parsed)
    return conn


async def _step_down(conn: psycopg.AsyncConnection, role: str, parsed: dict[str, str]) -> None:
    import psycopg
    from psycopg import sql

    try:
        await conn.execute(sql.SQL("SET SESSION ROLE {}").format(sql.Identifier(role)))
    except BaseException as exc:
        await conn.close()
        if isinstance(exc, psycopg.Error):
            raise SessionRoleRefused(
                f"connected as {describe_target(parsed)}, but could not step down to role {role}: {_one_line(exc)}"
            ) from None
        raise


async def discard_session(conn: psycopg.AsyncConnection, role: str | None = None) -> None:
    """Leave the session as a new one would be: no transaction, role, setting, temporary object or advisory
    lock left by the work done in it (DISCARD ALL), stepped down to `role` again when given (a RoleUrl's
    session role); closed when that fails, so nobody goes on in a session of unknown state."""
    import psycopg
    from psycopg import sql

    if conn.closed:
        return
    try:
        await conn.rollback()  # an error may leave the session's transaction open
        await conn.execute("discard all")
        if role is not None:
            await conn.execute(sql.SQL("SET SESSION ROLE {}").format(sql.Identifier(role)))
    except psycopg.Error:
        await conn.close()


def describe_url(url: str) -> str:
    """`user X at host:port/db` of a URL, without the password."""
    try:
        return describe_target(parse_url(url))
    except InvalidDatabaseUrl:
        return "the given database URL (it could not be read)"
