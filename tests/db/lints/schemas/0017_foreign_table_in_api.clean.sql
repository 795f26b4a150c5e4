-- lint: 0017 foreign_table_in_api
-- run as: superuser
create foreign data wrapper lint_fdw;
create server lint_server foreign data wrapper lint_fdw;
create foreign table public.remote (id int) server lint_server;
