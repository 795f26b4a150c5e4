-- lint: 0004 no_primary_key
-- expect: 0004 no_primary_key_public_logbook
create table public.logbook (line text not null, user_id uuid not null);
alter table public.logbook enable row level security;
create policy logbook_own on public.logbook for select to authenticated using (user_id = (select auth.uid()));
