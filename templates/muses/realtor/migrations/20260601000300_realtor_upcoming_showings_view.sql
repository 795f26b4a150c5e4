-- Realtor, part 3: the brokerage calendar, showings with their listing and agent.
-- security_invoker: the view reads as the caller, so the RLS of showings, listings and the
-- core users table applies (a member sees their organizations' showings only).

create view public.upcoming_showings
with (security_invoker = true)
as
select
  s.id as showing_id,
  s.org_id,
  s.scheduled_at,
  s.status,
  l.id as listing_id,
  l.mls_number,
  l.address,
  l.city,
  s.user_id as agent_id,
  u.full_name as agent_name
from public.showings s
join public.listings l on l.id = s.listing_id and l.org_id = s.org_id
left join public.users u on u.id = s.user_id
where s.status in ('requested', 'confirmed')
  and s.scheduled_at >= now();

comment on view public.upcoming_showings is 'Future requested or confirmed showings with their listing and agent; RLS of the underlying tables applies.';
revoke all on table public.upcoming_showings from anon, authenticated, service_role;
grant select on table public.upcoming_showings to authenticated, service_role;
