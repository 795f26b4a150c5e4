-- lint: 0015 rls_references_user_metadata
-- expect: 0015 rls_references_user_metadata_public_reports_reports_admins
-- expect: 0015 rls_references_user_metadata_public_reports_reports_claims
create table public.reports (id bigint primary key, body text);
alter table public.reports enable row level security;
create policy reports_admins on public.reports for select to authenticated
  using (((select auth.jwt()) -> 'user_metadata' ->> 'role') = 'admin');
create policy reports_claims on public.reports for update to authenticated
  using ((((select current_setting('request.jwt.claims', true))::jsonb) -> 'user_metadata' ->> 'role') = 'admin');
