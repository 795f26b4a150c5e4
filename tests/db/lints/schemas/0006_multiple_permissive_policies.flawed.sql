-- lint: 0006 multiple_permissive_policies
-- expect: 0006 multiple_permissive_policies_public_items_authenticated_SELECT
-- a `for all` policy overlaps a `for select` one on select
-- expect: 0006 multiple_permissive_policies_public_docs_authenticated_SELECT
create table public.items (id bigint primary key, user_id uuid not null, shared boolean not null);
alter table public.items enable row level security;
create policy items_own on public.items for select to authenticated using (user_id = (select auth.uid()));
create policy items_shared on public.items for select to authenticated using (shared);

create table public.docs (id bigint primary key, user_id uuid not null, shared boolean not null);
alter table public.docs enable row level security;
create policy docs_shared on public.docs for select to authenticated using (shared);
create policy docs_own on public.docs for all to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
-- not counted: a restrictive policy, a policy for another role
create policy docs_live on public.docs as restrictive for select to authenticated using (not shared or shared);
create policy docs_anon on public.docs for select to anon using (shared);
