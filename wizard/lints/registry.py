"""Every lint, and the check that reports it.

Splinter's lints keep splinter's number, name, level, facing and categories; where musekit is
deliberately stricter, its findings carry a `musekit_` id instead (they come from the same
check as the splinter lint they extend)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.lints import exposure, extensions, functions, indexes, policies, rls, storage_graphql_queues, tables, views
from wizard.lints.model import Finding, Level, Lint

if TYPE_CHECKING:
    import psycopg

    from wizard.lints.catalog import Context

CheckFunction = Callable[["psycopg.AsyncConnection", "Context"], Awaitable[list[Finding]]]
Requirement = Callable[["Context"], "str | None"]  # why the check cannot run here, or None


@dataclass(frozen=True)
class Check:
    run: CheckFunction
    lints: tuple[Lint, ...]  # what it may report
    requires: Requirement | None = None


_sgq = storage_graphql_queues

CHECK_LIST: tuple[Check, ...] = (
    Check(indexes.check_unindexed_foreign_keys, (indexes.UNINDEXED_FOREIGN_KEYS,)),
    Check(views.check_auth_users_exposed, (views.AUTH_USERS_EXPOSED,)),
    Check(policies.check_auth_rls_initplan, (policies.INITPLAN, policies.INITPLAN_STRICT)),
    Check(indexes.check_no_primary_key, (indexes.NO_PRIMARY_KEY,)),
    Check(indexes.check_unused_indexes, (indexes.UNUSED_INDEX,)),
    Check(policies.check_multiple_permissive_policies, (policies.MULTIPLE_PERMISSIVE,)),
    Check(
        rls.check_rls_tables, (rls.POLICY_RLS_DISABLED, rls.RLS_NO_POLICY, rls.RLS_DISABLED, rls.RLS_DISABLED_STRICT)
    ),
    Check(indexes.check_duplicate_indexes, (indexes.DUPLICATE_INDEX,)),
    Check(views.check_security_definer_views, (views.DEFINER_VIEW, views.DEFINER_VIEW_STRICT)),
    Check(functions.check_function_search_path, (functions.SEARCH_PATH_MUTABLE,)),
    Check(extensions.check_extensions_in_public, (extensions.EXTENSION_IN_PUBLIC,)),
    Check(policies.check_rls_references_user_metadata, (policies.USER_METADATA,)),
    Check(exposure.check_materialized_views, (exposure.MATERIALIZED_VIEW_IN_API,)),
    Check(exposure.check_foreign_tables, (exposure.FOREIGN_TABLE_IN_API,)),
    Check(tables.check_unsupported_reg_types, (tables.UNSUPPORTED_REG_TYPES,)),
    Check(_sgq.check_insecure_queues, (_sgq.INSECURE_QUEUE,), _sgq.needs_pgmq),
    Check(tables.check_table_bloat, (tables.TABLE_BLOAT,)),
    Check(tables.check_fkey_to_auth_unique, (tables.FKEY_TO_AUTH_UNIQUE,)),
    Check(extensions.check_outdated_extensions, (extensions.EXTENSION_OUTDATED,)),
    Check(exposure.check_sensitive_columns, (exposure.SENSITIVE_COLUMNS,)),
    Check(policies.check_policies_always_true, (policies.ALWAYS_TRUE,)),
    Check(_sgq.check_public_bucket_listing, (_sgq.PUBLIC_BUCKET_LISTING,), _sgq.needs_storage),
    Check(_sgq.check_graphql_anon, (_sgq.GRAPHQL_ANON,), _sgq.needs_graphql),
    Check(_sgq.check_graphql_authenticated, (_sgq.GRAPHQL_AUTHENTICATED,), _sgq.needs_graphql),
    Check(functions.check_anon_definer_functions, (functions.ANON_DEFINER,)),
    Check(functions.check_authenticated_definer_functions, (functions.AUTHENTICATED_DEFINER,)),
)

# Splinter's lints first (by number), then musekit's.
LINTS: tuple[Lint, ...] = tuple(
    sorted((lint for check in CHECK_LIST for lint in check.lints), key=lambda lint: (not lint.id[0].isdigit(), lint.id))
)
LINTS_BY_ID: dict[str, Lint] = {lint.id: lint for lint in LINTS}
SPLINTER_LINTS: tuple[Lint, ...] = tuple(lint for lint in LINTS if lint.id[0].isdigit())

# id -> (name, level), for every lint
CHECKS: dict[str, tuple[str, Level]] = {lint.id: (lint.name, lint.level) for lint in LINTS}
