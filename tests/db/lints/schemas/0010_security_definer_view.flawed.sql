-- lint: 0010 security_definer_view
-- expect: 0010 security_definer_view_public_profile_names
-- not granted to an API role yet: splinter waits for the grant, musekit does not
-- expect: musekit_0010_strict security_definer_view_not_granted_yet_public_profile_ids
create table public.profiles (id bigint primary key, user_id uuid not null, body text);
alter table public.profiles enable row level security;
create policy profiles_own on public.profiles for select to authenticated using (user_id = (select auth.uid()));
create view public.profile_names as select id, body from public.profiles;
grant select on public.profile_names to authenticated;
create view public.profile_ids as select id from public.profiles;
-- not exposed: private is not a Data API schema
create schema private;
create view private.all_profiles as select * from public.profiles;
