-- lint: 0029 authenticated_security_definer_function_executable
-- the core's pattern: the definer code in a schema the Data API does not expose, an invoker function in public
create table public.members (id bigint primary key, user_id uuid not null, team text not null);
alter table public.members enable row level security;
create policy members_own on public.members for select to authenticated using (user_id = (select auth.uid()));
create schema private;
grant usage on schema private to authenticated;
create function private.join_team(team text) returns void language sql security definer set search_path = ''
  as $$ insert into public.members (id, user_id, team) values (1, (select auth.uid()), join_team.team) $$;
revoke execute on function private.join_team(text) from public, anon;
grant execute on function private.join_team(text) to authenticated;
create function public.join_team(team text) returns void language sql security invoker set search_path = ''
  as $$ select private.join_team(join_team.team) $$;
revoke execute on function public.join_team(text) from public, anon;
grant execute on function public.join_team(text) to authenticated;
