-- lint: 0024 rls_policy_always_true
create table public.posts (id bigint primary key, user_id uuid not null, body text);
alter table public.posts enable row level security;
create policy posts_edit on public.posts for update to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
create policy posts_read on public.posts for select to authenticated using (true);
