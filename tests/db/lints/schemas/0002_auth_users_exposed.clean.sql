-- lint: 0002 auth_users_exposed
-- security invoker: the row level security of auth.users applies
create view public.user_emails with (security_invoker = true) as select id, email from auth.users;
grant select on public.user_emails to authenticated;
