-- lint: 0019 insecure_queue_exposed_in_api
-- run as: superuser
-- A stand-in for Supabase Queues (the embedded server has no pgmq): a queue table in schema pgmq,
-- and pgmq_public exposed through PostgREST's setting. splinter reuses 0013's cache key here.
-- expect: 0019 rls_disabled_in_public_pgmq_q_jobs
create schema pgmq;
create schema pgmq_public;
create table pgmq.q_jobs (msg_id bigint primary key, message jsonb);
create table pgmq.a_jobs (msg_id bigint primary key, message jsonb);  -- an archive: not a q_ table
grant usage on schema pgmq to anon, authenticated;
grant select on pgmq.q_jobs, pgmq.a_jobs to anon;
do $$ begin
  execute format('alter database %I set pgrst.db_schemas = %L', current_database(), 'public, pgmq_public');
end $$;
