"""The Supabase platform shim for local databases: roles, auth/extensions/storage schemas,
`auth.users` and the `auth.*()` claim functions, as a hosted project has them.

Never applied to a hosted project; never part of a Muse's migrations."""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

API_ROLES_SQL = """
do $$
begin
  if not exists (select from pg_roles where rolname = 'anon') then create role anon nologin noinherit; end if;
  if not exists (select from pg_roles where rolname = 'authenticated') then create role authenticated nologin noinherit; end if;
  if not exists (select from pg_roles where rolname = 'service_role') then create role service_role nologin noinherit bypassrls; end if;
  if not exists (select from pg_roles where rolname = 'authenticator') then create role authenticator login noinherit; end if;
  if not exists (select from pg_roles where rolname = 'supabase_auth_admin') then create role supabase_auth_admin login noinherit createrole; end if;
end $$;
grant anon, authenticated, service_role to authenticator;
"""


def shim_sql(migrator: str) -> str:
    from psycopg import sql

    text = files("wizard.pg").joinpath("platform_shim.sql").read_text()
    return text.replace("@migrator@", sql.Identifier(migrator).as_string())


def create_migrator_role(conn: psycopg.Connection, role: str, password: str) -> None:
    """A login role shaped like hosted `postgres`: not a superuser, member of the API roles.
    `conn` is a superuser psycopg connection in autocommit mode."""
    from psycopg import sql

    ident = sql.Identifier(role)
    exists = conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone()
    verb = "alter" if exists else "create"
    conn.execute(
        sql.SQL(verb + " role {} login nosuperuser createdb createrole replication bypassrls password {}").format(
            ident, sql.Literal(password)
        )
    )
    conn.execute(
        sql.SQL("grant anon, authenticated, service_role, authenticator to {} with admin option").format(ident)
    )
    conn.execute(sql.SQL("grant pg_monitor, pg_read_all_data, pg_signal_backend to {}").format(ident))


def ensure_cluster_roles(admin_conninfo: str, migrator_password: str, migrator: str = "postgres") -> None:
    import psycopg

    with psycopg.connect(admin_conninfo, autocommit=True) as conn:
        conn.execute(API_ROLES_SQL)
        create_migrator_role(conn, migrator, migrator_password)


def create_database(admin_conninfo_for: Callable[[str], str], name: str, owner: str = "postgres") -> None:
    """Create database `name` owned by `owner`, with the shim applied.

    `admin_conninfo_for(dbname)` returns a superuser conninfo for that database."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_conninfo_for("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("create database {} owner {}").format(sql.Identifier(name), sql.Identifier(owner)))
        conn.execute(sql.SQL("revoke connect on database {} from public").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("grant connect on database {} to {}, authenticator").format(
                sql.Identifier(name), sql.Identifier(owner)
            )
        )
    with psycopg.connect(admin_conninfo_for(name), autocommit=True) as conn:
        conn.execute(shim_sql(owner))


def drop_database(admin_conninfo_for: Callable[[str], str], name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_conninfo_for("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
