-- lint: 0009 duplicate_index
create table public.things (id bigint primary key, label text not null);
alter table public.things enable row level security;
create policy things_read on public.things for select to authenticated using ((select auth.uid()) is not null);
create index on public.things (label);
create unique index things_label_key on public.things (label);
