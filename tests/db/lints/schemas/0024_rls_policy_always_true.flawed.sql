-- lint: 0024 rls_policy_always_true
-- expect: 0024 rls_policy_always_true_public_posts_posts_edit
-- expect: 0024 rls_policy_always_true_public_posts_posts_submit
-- expect: 0024 rls_policy_always_true_public_posts_posts_purge
create table public.posts (id bigint primary key, user_id uuid not null, body text);
alter table public.posts enable row level security;
create policy posts_edit on public.posts for update to authenticated using (true);
create policy posts_submit on public.posts for insert to anon with check (true);
create policy posts_purge on public.posts for delete to authenticated using (1 = 1);
-- not flagged: public reads, the server role, a restrictive policy
create policy posts_read on public.posts for select to authenticated using (true);
create policy posts_server on public.posts for delete to service_role using (true);
create policy posts_limit on public.posts as restrictive for insert to anon with check (true);
