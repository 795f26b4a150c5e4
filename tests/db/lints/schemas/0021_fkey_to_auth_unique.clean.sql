-- lint: 0021 fkey_to_auth_unique
create table public.contacts (id bigint primary key, user_id uuid references auth.users (id));
create index on public.contacts (user_id);
alter table public.contacts enable row level security;
create policy contacts_read on public.contacts for select to authenticated using (user_id = (select auth.uid()));
