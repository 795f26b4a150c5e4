-- lint: 0015 rls_references_user_metadata
create table public.reports (id bigint primary key, body text);
alter table public.reports enable row level security;
create policy reports_admins on public.reports for select to authenticated
  using (((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'admin');
