-- lint: 0017 foreign_table_in_api
-- run as: superuser
-- expect: 0017 foreign_table_in_api_public_remote
create foreign data wrapper lint_fdw;
create server lint_server foreign data wrapper lint_fdw;
create foreign table public.remote (id int) server lint_server;
grant select on public.remote to authenticated;
