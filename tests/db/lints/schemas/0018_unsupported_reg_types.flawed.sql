-- lint: 0018 unsupported_reg_types
-- expect: 0018 unsupported_reg_types_public_hooks_handler
create table public.hooks (id bigint primary key, handler regproc not null);
alter table public.hooks enable row level security;
create policy hooks_read on public.hooks for select to authenticated using ((select auth.uid()) is not null);
