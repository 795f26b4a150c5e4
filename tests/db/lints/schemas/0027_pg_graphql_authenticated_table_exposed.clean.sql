-- lint: 0027 pg_graphql_authenticated_table_exposed
create table public.catalog (id bigint primary key, name text, cost int);
alter table public.catalog enable row level security;
create policy catalog_read on public.catalog for select to service_role using (true);
