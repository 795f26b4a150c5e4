-- lint: 0028 anon_security_definer_function_executable
-- new functions are executable by PUBLIC, so by anon and authenticated alike
-- expect: 0028 anon_security_definer_function_executable_public_user_count_
-- expect: 0029 authenticated_security_definer_function_executable_public_user_count_
create function public.user_count() returns bigint language sql stable security definer set search_path = ''
  as $$ select count(*) from auth.users $$;
