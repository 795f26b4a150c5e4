-- lint: 0020 table_bloat
-- ~55 MB of rows, of which one in 500 stays: the pages remain (no vacuum), the statistics say 800 rows
-- expect: 0020 table_bloat_public_churn
create table public.churn (id bigint primary key, user_id uuid, filler text) with (autovacuum_enabled = false);
alter table public.churn enable row level security;
create policy churn_own on public.churn for select to authenticated using (user_id = (select auth.uid()));
insert into public.churn (id, filler) select i, repeat('x', 100) from generate_series(1, 400000) i;
delete from public.churn where id % 500 <> 0;
analyze public.churn;
