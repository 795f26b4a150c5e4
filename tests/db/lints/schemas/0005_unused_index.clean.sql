-- lint: 0005 unused_index
create table public.things (id bigint primary key, label text not null);
alter table public.things enable row level security;
create policy things_read on public.things for select to authenticated using ((select auth.uid()) is not null);
create index on public.things (label);
-- scanned once; the statistics reach shared memory when this session goes idle
set enable_seqscan = off;
select count(*) from public.things where label = 'x';
select pg_stat_force_next_flush();
