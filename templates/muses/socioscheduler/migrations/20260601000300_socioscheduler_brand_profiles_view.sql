-- SocioScheduler, part 3: a view joining the core profile with the brand preferences.
-- security_invoker: the view reads as the caller, so the RLS of public.users and
-- public.brand_preferences applies (a user sees their own brand profile only).

create view public.brand_profiles
with (security_invoker = true)
as
select
  u.id as user_id,
  u.email,
  u.full_name,
  u.avatar_url,
  b.tone,
  b.niche,
  b.location,
  b.sample_urls
from public.users u
join public.brand_preferences b on b.user_id = u.id;

comment on view public.brand_profiles is 'A user''s profile (name, email, avatar) with their brand preferences; RLS of both tables applies.';
revoke all on table public.brand_profiles from anon, authenticated, service_role;
grant select on table public.brand_profiles to authenticated, service_role;
