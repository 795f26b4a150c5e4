-- lint: 0023 sensitive_columns_exposed
create table public.accounts (id bigint primary key, user_id uuid not null, api_key_hash text, nickname text);
alter table public.accounts enable row level security;
create policy accounts_own on public.accounts for select to anon, authenticated using (user_id = (select auth.uid()));
grant select on public.accounts to anon;
