-- lint: 0003 auth_rls_initplan
create table public.notes (id bigint primary key, user_id uuid not null);
alter table public.notes enable row level security;
create policy notes_read on public.notes for select to authenticated using (user_id = (select auth.uid()));
create policy notes_change on public.notes for update to authenticated
  using ((select auth.uid()) = user_id)
  with check (((select current_setting('request.jwt.claims', true))::jsonb ->> 'sub') is not null
              and user_id = (select auth.uid()));
