"""Relations the Data API serves without row level security to apply: 0016 materialized_view_in_api,
0017 foreign_table_in_api, 0023 sensitive_columns_exposed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.lints.catalog import (
    EXPOSED_SCHEMA,
    QUOTED_RELATION,
    Context,
    api_role_can,
    not_extension_member,
    params,
    rows,
    table_metadata,
)
from wizard.lints.model import Finding, Lint

if TYPE_CHECKING:
    import psycopg

MATERIALIZED_VIEW_IN_API = Lint(
    "0016",
    "materialized_view_in_api",
    "Materialized View in API",
    "WARN",
    ("SECURITY",),
    "Detects materialized views that are accessible over the Data APIs.",
)
FOREIGN_TABLE_IN_API = Lint(
    "0017",
    "foreign_table_in_api",
    "Foreign Table in API",
    "WARN",
    ("SECURITY",),
    "Detects foreign tables that are accessible over APIs. Foreign tables do not respect row level security policies.",
)
SENSITIVE_COLUMNS = Lint(
    "0023",
    "sensitive_columns_exposed",
    "Sensitive Columns Exposed",
    "ERROR",
    ("SECURITY",),
    "Detects tables exposed via API that contain columns with potentially sensitive data (PII, credentials, "
    "financial info) without RLS protection.",
)

SELECTABLE_SQL = f"""
select n.nspname, c.relname, {QUOTED_RELATION}
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where c.relkind = %(relkind)s and {api_role_can("SELECT")} and {EXPOSED_SCHEMA} and {not_extension_member("c.oid")}
order by 1, 2
"""


async def _selectable(
    conn: psycopg.AsyncConnection, ctx: Context, lint: Lint, relkind: str, kind: str, detail: str
) -> list[Finding]:
    out = []
    for schema, name, qname in await rows(conn, SELECTABLE_SQL, **params(ctx), relkind=relkind):
        revoke = f"revoke select on {qname} from anon, authenticated;"
        out.append(
            lint.finding(
                obj=f"{schema}.{name}",
                detail=detail.format(f"{schema}.{name}"),
                metadata=table_metadata(schema, name, kind),
                cache_key=f"{lint.name}_{schema}_{name}",
                message=f"{kind} {schema}.{name} is in a schema the Data API exposes and the API roles can select "
                f"it; a {kind} has no row level security, so every row is readable",
                fix=f"{revoke} serve what users may see through a view with (security_invoker = true) or a function "
                f"that checks the caller, or move it to a schema the Data API does not expose",
                sql=revoke,
            )
        )
    return out


async def check_materialized_views(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    detail = "Materialized view `{}` is selectable by anon or authenticated roles"
    return await _selectable(conn, ctx, MATERIALIZED_VIEW_IN_API, "m", "materialized view", detail)


async def check_foreign_tables(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    detail = "Foreign table `{}` is accessible over APIs"
    return await _selectable(conn, ctx, FOREIGN_TABLE_IN_API, "f", "foreign table", detail)


# -- 0023 sensitive_columns_exposed ----------------------------------------------------------------
# Column names splinter treats as sensitive (after lower-casing and '-' -> '_').
SENSITIVE_NAMES = (
    # credentials
    "password", "passwd", "pwd", "passphrase", "secret", "secret_key", "private_key", "api_key", "apikey",
    "auth_key", "token", "jwt", "access_token", "refresh_token", "oauth_token", "session_token", "bearer_token",
    "auth_code", "session_id", "session_key", "session_secret", "recovery_code", "backup_code",
    "verification_code", "otp", "two_factor", "2fa_secret", "2fa_code",
    # personal identifiers
    "ssn", "social_security", "social_security_number", "driver_license", "drivers_license", "license_number",
    "passport_number", "passport_id", "national_id", "tax_id",
    # financial
    "credit_card", "card_number", "cvv", "cvc", "cvn", "bank_account", "account_number", "routing_number",
    "iban", "swift_code", "bic",
    # health
    "health_record", "medical_record", "patient_id", "insurance_number", "health_insurance",
    "medical_insurance", "treatment",
    # devices, keys, biometrics
    "mac_address", "macaddr", "imei", "device_uuid", "pgp_key", "gpg_key", "ssh_key", "certificate",
    "license_key", "activation_key", "facial_recognition",
)  # fmt: skip

SENSITIVE_SQL = f"""
select n.nspname, c.relname, {QUOTED_RELATION},
       pg_catalog.array_agg(distinct a.attname order by a.attname)::text[],
       pg_catalog.array_agg(distinct pg_catalog.replace(pg_catalog.lower(a.attname), '-', '_')
                            order by pg_catalog.replace(pg_catalog.lower(a.attname), '-', '_'))
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
where c.relkind = 'r' and not c.relrowsecurity and {api_role_can("SELECT")} and {EXPOSED_SCHEMA}
  and pg_catalog.replace(pg_catalog.lower(a.attname), '-', '_') = any(%(names)s::text[])
group by n.nspname, c.relname
order by 1, 2
"""


async def check_sensitive_columns(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    out = []
    for schema, name, qtable, columns, patterns in await rows(
        conn, SENSITIVE_SQL, **params(ctx), names=list(SENSITIVE_NAMES)
    ):
        enable = f"alter table {qtable} enable row level security;"
        out.append(
            SENSITIVE_COLUMNS.finding(
                obj=f"{schema}.{name}",
                detail=f"Table `{schema}.{name}` is exposed via API without RLS and contains potentially sensitive "
                f"column(s): {', '.join(columns)}. This may lead to data exposure.",
                metadata={**table_metadata(schema, name), "sensitive_columns": columns, "matched_patterns": patterns},
                cache_key=f"sensitive_columns_exposed_{schema}_{name}",
                message=f"{schema}.{name} has no row level security and the API roles can select it, so anyone "
                f"with the project's anon key can read {', '.join(columns)} of every row",
                fix=f"{enable} then add policies for who may read which rows; store secrets hashed (as the core's "
                f"api_keys.key_hash), never in a column the API serves",
                sql=enable,
            )
        )
    return out
