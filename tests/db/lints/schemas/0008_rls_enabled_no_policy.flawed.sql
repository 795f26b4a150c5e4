-- lint: 0008 rls_enabled_no_policy
-- expect: 0008 rls_enabled_no_policy_private_queue
create schema private;
create table private.queue (id bigint primary key);
alter table private.queue enable row level security;
