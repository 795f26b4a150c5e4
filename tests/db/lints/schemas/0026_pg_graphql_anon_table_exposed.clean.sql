-- lint: 0026 pg_graphql_anon_table_exposed
create table public.catalog (id bigint primary key, name text, cost int);
alter table public.catalog enable row level security;
create policy catalog_read on public.catalog for select to authenticated using (true);
