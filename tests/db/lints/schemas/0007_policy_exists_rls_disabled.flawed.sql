-- lint: 0007 policy_exists_rls_disabled
-- expect: 0007 policy_exists_rls_disabled_private_jobs
create schema private;
create table private.jobs (id bigint primary key, user_id uuid not null);
create policy jobs_own on private.jobs for all to authenticated using (user_id = (select auth.uid()));
