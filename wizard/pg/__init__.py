from wizard.pg.connect import (
    DatabaseConnectError,
    DatabaseError,
    InvalidDatabaseUrl,
    RoleUrl,
    SessionRoleRefused,
    connect,
    describe_target,
    describe_url,
    discard_session,
    parse_url,
    tls_options,
)
from wizard.pg.embedded import EmbeddedPostgres, free_port, leftover_servers, process_alive
from wizard.pg.shim import create_database, create_migrator_role, drop_database

__all__ = [
    "DatabaseConnectError",
    "DatabaseError",
    "EmbeddedPostgres",
    "InvalidDatabaseUrl",
    "RoleUrl",
    "SessionRoleRefused",
    "connect",
    "create_database",
    "create_migrator_role",
    "describe_target",
    "describe_url",
    "discard_session",
    "drop_database",
    "free_port",
    "leftover_servers",
    "parse_url",
    "process_alive",
    "tls_options",
]
