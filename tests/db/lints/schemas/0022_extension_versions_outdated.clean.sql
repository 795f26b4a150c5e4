-- lint: 0022 extension_versions_outdated
-- run as: superuser
create extension pg_search;
