-- lint: 0018 unsupported_reg_types
-- regclass, regtype and regrole survive pg_upgrade
create table public.hooks (id bigint primary key, handler text not null, target regclass, kind regtype, who regrole);
alter table public.hooks enable row level security;
create policy hooks_read on public.hooks for select to authenticated using ((select auth.uid()) is not null);
