-- lint: 0020 table_bloat
create table public.churn (id bigint primary key, user_id uuid, filler text) with (autovacuum_enabled = false);
alter table public.churn enable row level security;
create policy churn_own on public.churn for select to authenticated using (user_id = (select auth.uid()));
insert into public.churn (id, filler) select i * 500, repeat('x', 100) from generate_series(1, 800) i;
analyze public.churn;
