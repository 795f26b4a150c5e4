"""Which database objects belong to MuseKit core, given the model parsed from the core
migrations: whatever the core SQL creates (tables, views, enums, functions, indexes, schemas
such as `private`), plus the platform tables core hooks into (a trigger on `auth.users`)."""

from __future__ import annotations

from dataclasses import dataclass

from wizard.sql import ObjectRef, SchemaModel

AUTH_USERS = "auth.users"
# Schemas that belong to the Supabase platform: a Muse never creates or changes objects there.
RESERVED_SCHEMAS = frozenset(
    {
        "auth",
        "storage",
        "extensions",
        "realtime",
        "_realtime",
        "graphql",
        "graphql_public",
        "vault",
        "pgsodium",
        "pgsodium_masks",
        "net",
        "supabase_functions",
        "supabase_migrations",
        "cron",
        "pgbouncer",
        "pg_catalog",
        "information_schema",
        "pg_toast",
    }
)

# Names a Muse object may not take, in any schema. Every relation, view and type of pg_catalog,
# and most of its functions, start with pg_ (PostgreSQL reserves the prefix for system objects),
# information_schema's helpers with _pg_; information_schema's views (PostgreSQL 17) and domains
# are listed. Types, relations and functions of pg_catalog with other names (text, now(), lower())
# are not refused: pg_catalog is searched before public unless search_path says otherwise,
# which a Muse may not change, and the catalog readers qualify what they call.
CATALOG_PREFIXES = ("pg_", "_pg_")
INFORMATION_SCHEMA_NAMES = frozenset(
    {
        "administrable_role_authorizations",
        "applicable_roles",
        "attributes",
        "character_sets",
        "check_constraint_routine_usage",
        "check_constraints",
        "collation_character_set_applicability",
        "collations",
        "column_column_usage",
        "column_domain_usage",
        "column_options",
        "column_privileges",
        "column_udt_usage",
        "columns",
        "constraint_column_usage",
        "constraint_table_usage",
        "data_type_privileges",
        "domain_constraints",
        "domain_udt_usage",
        "domains",
        "element_types",
        "enabled_roles",
        "foreign_data_wrapper_options",
        "foreign_data_wrappers",
        "foreign_server_options",
        "foreign_servers",
        "foreign_table_options",
        "foreign_tables",
        "information_schema_catalog_name",
        "key_column_usage",
        "parameters",
        "referential_constraints",
        "role_column_grants",
        "role_routine_grants",
        "role_table_grants",
        "role_udt_grants",
        "role_usage_grants",
        "routine_column_usage",
        "routine_privileges",
        "routine_routine_usage",
        "routine_sequence_usage",
        "routine_table_usage",
        "routines",
        "schemata",
        "sequences",
        "sql_features",
        "sql_implementation_info",
        "sql_parts",
        "sql_sizing",
        "table_constraints",
        "table_privileges",
        "tables",
        "transforms",
        "triggered_update_columns",
        "triggers",
        "udt_privileges",
        "usage_privileges",
        "user_defined_types",
        "user_mapping_options",
        "user_mappings",
        "view_column_usage",
        "view_routine_usage",
        "view_table_usage",
        "views",
        # its domains
        "cardinal_number",
        "character_data",
        "sql_identifier",
        "time_stamp",
        "yes_or_no",
    }
)


def catalog_name_clash(name: str) -> str | None:
    """What a Muse object called `name` would be confused with, e.g. "pg_catalog.pg_attribute"."""
    if name.startswith(CATALOG_PREFIXES):
        return f"a system object (pg_catalog.{name})" if name.startswith("pg_") else f"information_schema.{name}"
    if name in INFORMATION_SCHEMA_NAMES:
        return f"information_schema.{name}"
    return None


@dataclass(frozen=True)
class CoreObjects:
    tables: frozenset[str]
    views: frozenset[str]
    types: frozenset[str]
    functions: frozenset[str]  # schema.name (every overload)
    indexes: frozenset[str]  # schema.name, including the implicit *_pkey / *_key indexes
    schemas_created: frozenset[str]  # e.g. private
    schemas: frozenset[str]  # every schema holding a core object (public, private)
    attached_tables: frozenset[str]  # tables core does not create but hooks into (auth.users)

    @property
    def relations(self) -> frozenset[str]:
        return self.tables | self.views

    @classmethod
    def from_model(cls, core: SchemaModel) -> CoreObjects:
        tables = frozenset(t.qualified_name for t in core.tables)
        views = frozenset(v.qualified_name for v in core.views)
        indexes = {i.qualified_name for i in core.indexes}
        for t in core.tables:
            if t.primary_key:
                indexes.add(f"{t.schema}.{t.name}_pkey")
            for u in t.uniques:
                indexes.add(f"{t.schema}.{u.name or t.name + '_' + '_'.join(u.columns) + '_key'}")
        functions = frozenset(f.qualified_name for f in core.functions)
        types = frozenset(e.qualified_name for e in core.enums)
        created = frozenset(s.name for s in core.schemas)
        holders = {name.split(".", 1)[0] for name in tables | views | functions | types}
        hooked = {t.table for t in core.triggers} | {p.table for p in core.policies} | {i.table for i in core.indexes}
        attached = frozenset((hooked - tables - views) | {AUTH_USERS})
        return cls(tables, views, types, functions, frozenset(indexes), created, frozenset(holders | created), attached)

    def owns(self, ref: ObjectRef) -> bool:
        """True when `ref` is a core object or part of one (a policy/trigger/column on a core table)."""
        name = ref.qualified_name
        if ref.parent is not None and ref.kind != "index":
            return ref.parent in self.relations
        match ref.kind:
            case "relation":
                return name in self.relations
            case "index":
                return name in self.indexes or ref.parent in self.relations
            case "type":
                return name in self.types or name in self.relations
            case "function":
                return name in self.functions
            case "schema":
                return ref.name in self.schemas
            case "schema-contents":
                return ref.schema in self.schemas
        return False
