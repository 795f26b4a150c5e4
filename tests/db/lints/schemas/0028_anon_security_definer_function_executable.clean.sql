-- lint: 0028 anon_security_definer_function_executable
create function public.user_count() returns bigint language sql stable security definer set search_path = ''
  as $$ select count(*) from auth.users $$;
revoke execute on function public.user_count() from public, anon, authenticated;
grant execute on function public.user_count() to service_role;
