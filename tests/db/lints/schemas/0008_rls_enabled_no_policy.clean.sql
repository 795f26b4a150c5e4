-- lint: 0008 rls_enabled_no_policy
create schema private;
create table private.queue (id bigint primary key);
alter table private.queue enable row level security;
create policy queue_server on private.queue for select to service_role using (true);
