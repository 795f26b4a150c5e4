-- lint: 0026 pg_graphql_anon_table_exposed
-- The embedded server has no pg_graphql: the lint reports itself not applicable, and the test runs
-- its check with pg_graphql taken as installed.
-- expect: 0026 pg_graphql_anon_table_exposed_public_catalog
-- expect: 0026 pg_graphql_anon_table_exposed_public_catalog_names
create table public.catalog (id bigint primary key, name text, cost int);
alter table public.catalog enable row level security;
create policy catalog_read on public.catalog for select to anon using (true);
grant select (id, name) on public.catalog to anon;
create view public.catalog_names with (security_invoker = true) as select name from public.catalog;
grant select on public.catalog_names to anon;
