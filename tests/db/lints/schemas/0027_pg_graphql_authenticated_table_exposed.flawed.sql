-- lint: 0027 pg_graphql_authenticated_table_exposed
-- The embedded server has no pg_graphql: the lint reports itself not applicable, and the test runs
-- its check with pg_graphql taken as installed.
-- expect: 0027 pg_graphql_authenticated_table_exposed_public_catalog
create table public.catalog (id bigint primary key, name text, cost int);
alter table public.catalog enable row level security;
create policy catalog_read on public.catalog for select to authenticated using (true);
grant select on public.catalog to authenticated;
