-- lint: 0002 auth_users_exposed
-- expect: 0002 auth_users_exposed_public_user_emails
-- a view that reads auth.users with its owner's rights is also a security definer view
-- expect: 0010 security_definer_view_public_user_emails
create view public.user_emails as select id, email from auth.users;
grant select on public.user_emails to authenticated;
