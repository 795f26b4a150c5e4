-- lint: 0022 extension_versions_outdated
-- run as: superuser
-- The embedded server can install each extension at its default version only; pg_search also
-- lists 0.22.0 (reachable by an update script), so its catalog row is set to that version: the
-- state a project is in when an extension's default version differs from the installed one.
-- expect: 0022 extension_versions_outdated_pg_search_0.22.0
create extension pg_search;
update pg_catalog.pg_extension set extversion = '0.22.0' where extname = 'pg_search';
