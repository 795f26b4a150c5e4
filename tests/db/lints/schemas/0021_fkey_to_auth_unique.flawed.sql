-- lint: 0021 fkey_to_auth_unique
-- expect: 0021 fkey_to_auth_unique_public_contacts_contacts_phone_fkey
create table public.contacts (id bigint primary key, phone text references auth.users (phone));
create index on public.contacts (phone);
alter table public.contacts enable row level security;
create policy contacts_read on public.contacts for select to authenticated using ((select auth.uid()) is not null);
