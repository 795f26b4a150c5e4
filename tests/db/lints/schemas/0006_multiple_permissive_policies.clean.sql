-- lint: 0006 multiple_permissive_policies
create table public.items (id bigint primary key, user_id uuid not null, shared boolean not null);
alter table public.items enable row level security;
create policy items_select on public.items for select to authenticated
  using (user_id = (select auth.uid()) or shared);
create policy items_anon on public.items for select to anon using (shared);
create policy items_live on public.items as restrictive for select to authenticated using (id > 0);
