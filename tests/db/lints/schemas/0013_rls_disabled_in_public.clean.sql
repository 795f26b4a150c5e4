-- lint: 0013 rls_disabled_in_public
create table public.ledger (id bigint primary key, user_id uuid not null);
alter table public.ledger enable row level security;
create policy ledger_own on public.ledger for select to anon, authenticated using (user_id = (select auth.uid()));
grant select on public.ledger to anon;
