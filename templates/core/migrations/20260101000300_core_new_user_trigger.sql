-- MuseKit core, part 3: keep public.users in step with auth.users.
--
-- The auth triggers fire inside the auth server's session (role supabase_auth_admin), which
-- has no rights on public: the functions are security definer (owned by the migrating role),
-- `set search_path = ''`, and name everything fully. A trigger on auth.users is allowed on a
-- hosted project; altering auth.users is not, and nothing here does.

-- A new auth user gets a profile row, a personal organization whose id is the user id, and
-- the owner membership of that organization.
create function private.handle_new_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  display_name text := nullif(btrim(coalesce(new.raw_user_meta_data ->> 'full_name',
                                             new.raw_user_meta_data ->> 'name', '')), '');
begin
  insert into public.users (id, email, full_name, avatar_url)
  values (new.id, new.email, display_name, new.raw_user_meta_data ->> 'avatar_url');

  insert into public.organizations (id, name, personal, created_by)
  values (
    new.id,
    left(coalesce(display_name, nullif(split_part(coalesce(new.email, ''), '@', 1), ''), 'Personal'), 200),
    true,
    new.id
  );

  insert into public.memberships (org_id, user_id, role)
  values (new.id, new.id, 'owner');

  return new;
end
$$;
comment on function private.handle_new_user() is 'Trigger on auth.users insert: creates the users row, the personal organization (id = user id) and its owner membership.';
revoke all on function private.handle_new_user() from public, anon, authenticated;

create trigger on_auth_user_created
  after insert on auth.users
  for each row execute function private.handle_new_user();

-- The profile keeps the auth email (the only auth field it mirrors).
create function private.handle_user_email_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.users set email = new.email where id = new.id;
  return new;
end
$$;
comment on function private.handle_user_email_change() is 'Trigger on auth.users email update: copies the new email to public.users.';
revoke all on function private.handle_user_email_change() from public, anon, authenticated;

create trigger on_auth_user_email_changed
  after update of email on auth.users
  for each row
  when (old.email is distinct from new.email)
  execute function private.handle_user_email_change();

-- Deleting an auth user cascades to public.users (foreign key); the personal organization
-- goes with it, and with it everything that organization owned.
create function private.handle_user_deleted()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.organizations where id = old.id and personal;
  return old;
end
$$;
comment on function private.handle_user_deleted() is 'Trigger on public.users delete: removes the personal organization of the deleted user.';
revoke all on function private.handle_user_deleted() from public, anon, authenticated;

create trigger on_user_deleted
  after delete on public.users
  for each row execute function private.handle_user_deleted();
