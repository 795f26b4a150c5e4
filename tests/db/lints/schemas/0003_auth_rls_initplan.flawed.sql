-- lint: 0003 auth_rls_initplan
-- expect: 0003 auth_rls_init_plan_public_notes_notes_read
-- expect: 0003 auth_rls_init_plan_public_events_events_read
-- one call wrapped, one not: splinter is satisfied by the wrapped one, musekit is not
-- expect: musekit_0003_strict auth_rls_initplan_partly_wrapped_public_notes_notes_change
create table public.notes (id bigint primary key, user_id uuid not null);
alter table public.notes enable row level security;
create policy notes_read on public.notes for select to authenticated using (user_id = auth.uid());
create policy notes_change on public.notes for update to authenticated
  using ((select auth.uid()) = user_id or user_id = auth.uid());

-- policies on a partitioned table's parent count too
create table public.events (id bigint, user_id uuid not null, day date not null, primary key (id, day))
  partition by range (day);
create table public.events_2026 partition of public.events for values from ('2026-01-01') to ('2027-01-01');
alter table public.events enable row level security;
create policy events_read on public.events for select to authenticated using (user_id = auth.uid());
alter table public.events_2026 enable row level security;
create policy events_2026_read on public.events_2026 for select to authenticated
  using (user_id = (select auth.uid()));
