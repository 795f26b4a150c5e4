-- Realtor, part 2: row level security through core memberships (private.is_org_member /
-- private.is_org_admin) and user ownership, and table privileges. One permissive policy per
-- table, role and command; anon gets nothing; service_role gets DML.

-- listings: the brokerage's members read, add and edit its listings; owners and admins delete.
-- A listing never moves to another organization (no update privilege on org_id).
create policy listings_select_members on public.listings
  for select to authenticated
  using (private.is_org_member(org_id));
create policy listings_insert_members on public.listings
  for insert to authenticated
  with check (private.is_org_member(org_id) and created_by = (select auth.uid()));
create policy listings_update_members on public.listings
  for update to authenticated
  using (private.is_org_member(org_id))
  with check (private.is_org_member(org_id));
create policy listings_delete_admins on public.listings
  for delete to authenticated
  using (private.is_org_admin(org_id));
grant select, delete on table public.listings to authenticated;
grant insert (org_id, mls_number, address, city, state, postal_code, list_price, beds, baths, sqft, status, created_by)
  on table public.listings to authenticated;
grant update (mls_number, address, city, state, postal_code, list_price, beds, baths, sqft, status)
  on table public.listings to authenticated;
grant select, insert, update, delete on table public.listings to service_role;

-- saved_searches: the user only, over an organization they belong to.
create policy saved_searches_select_own on public.saved_searches
  for select to authenticated
  using (user_id = (select auth.uid()));
create policy saved_searches_insert_own_in_member_org on public.saved_searches
  for insert to authenticated
  with check (user_id = (select auth.uid()) and private.is_org_member(org_id));
create policy saved_searches_update_own on public.saved_searches
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));
create policy saved_searches_delete_own on public.saved_searches
  for delete to authenticated
  using (user_id = (select auth.uid()));
grant select, delete on table public.saved_searches to authenticated;
grant insert (user_id, org_id, name, criteria, notify) on table public.saved_searches to authenticated;
grant update (name, criteria, notify) on table public.saved_searches to authenticated;
grant select, insert, update, delete on table public.saved_searches to service_role;

-- showings: the brokerage's members see its showings (a shared calendar) and book showings
-- as themselves; the agent who booked one, or an owner/admin, changes or cancels it.
create policy showings_select_members on public.showings
  for select to authenticated
  using (private.is_org_member(org_id));
create policy showings_insert_own_as_member on public.showings
  for insert to authenticated
  with check (user_id = (select auth.uid()) and private.is_org_member(org_id));
create policy showings_update_own_or_admin on public.showings
  for update to authenticated
  using (user_id = (select auth.uid()) or private.is_org_admin(org_id))
  with check (private.is_org_member(org_id));
create policy showings_delete_own_or_admin on public.showings
  for delete to authenticated
  using (user_id = (select auth.uid()) or private.is_org_admin(org_id));
grant select, delete on table public.showings to authenticated;
grant insert (listing_id, org_id, user_id, scheduled_at, status, notes) on table public.showings to authenticated;
grant update (scheduled_at, status, notes) on table public.showings to authenticated;
grant select, insert, update, delete on table public.showings to service_role;
