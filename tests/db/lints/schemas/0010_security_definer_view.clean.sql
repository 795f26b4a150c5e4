-- lint: 0010 security_definer_view
create table public.profiles (id bigint primary key, user_id uuid not null, body text);
alter table public.profiles enable row level security;
create policy profiles_own on public.profiles for select to authenticated using (user_id = (select auth.uid()));
create view public.profile_names with (security_invoker = on) as select id, body from public.profiles;
grant select on public.profile_names to authenticated;
create view public.profile_ids with (security_invoker = true) as select id from public.profiles;
