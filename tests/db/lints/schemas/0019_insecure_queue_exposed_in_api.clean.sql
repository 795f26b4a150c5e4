-- lint: 0019 insecure_queue_exposed_in_api
-- run as: superuser
create schema pgmq;
create schema pgmq_public;
create table pgmq.q_jobs (msg_id bigint primary key, message jsonb);
alter table pgmq.q_jobs enable row level security;
grant usage on schema pgmq to anon, authenticated;
grant select on pgmq.q_jobs to anon;
do $$ begin
  execute format('alter database %I set pgrst.db_schemas = %L', current_database(), 'public, pgmq_public');
end $$;
