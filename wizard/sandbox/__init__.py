"""A local, faithful emulator of the Supabase Management API (the subset MuseKit uses), whose
projects are real PostgreSQL clusters, one per project. Start one with
`start_sandbox(data_dir, ...)` (in-process, for tests and `musekit clone --sandbox`) or with
`musekit sandbox` (a separate process).

As on the platform:
- Each project is its own embedded PostgreSQL 17 cluster with the platform's roles (`postgres`,
  `anon`, `authenticated`, `service_role`, `authenticator`, `supabase_auth_admin`) and the
  platform shim in its database `postgres`; `postgres` is not a superuser (LOGIN, CREATEDB,
  CREATEROLE, REPLICATION, BYPASSRLS, member of the API roles, pg_read_all_data, ...) and its
  password is the project's db_pass. The superuser `supabase_admin` is reachable only through the
  cluster's private Unix socket, by the sandbox itself; no request ever gets a superuser session.
  Nothing a project does to its roles or data reaches another project.
- The pooler (Supavisor) listens on one host with session mode on 5432 and transaction mode on
  6543; the pooler config reports the transaction item, as recorded, and a client gets session
  mode the CLI's way (`:6543/` -> `:5432/`). Logins are `<role>.<ref>`; transaction mode resets
  session state (SET ROLE, settings) between transactions.
- The SQL endpoint runs as the project's `postgres`, over a login that cannot switch identity.
- Temporary login roles (`cli_login_postgres`, valid for 300 s, member of `postgres` only and
  inheriting nothing) and the advisors (splinter's lints, as `musekit verify` runs them).
- The rate limit is real (default 120/min per endpoint and project/organization/user, fixed
  windows; POST /v1/projects counts per organization of its body). No `retry-after` header.

Where it differs from api.supabase.com, and why:
- The pooler host is a loopback address of the sandbox's own (127.x.y.z, kept across restarts),
  so its ports are free whatever runs on 127.0.0.1; where only 127.0.0.1 exists (macOS) the pooler
  takes two free ports there and the `:6543/` -> `:5432/` rewrite cannot find session mode.
  `database.host` is the pooler host too: the platform's direct host is IPv6-only, and here a
  login without the `.<ref>` suffix is refused ("Tenant or user not found").
- Only the database is real: auth, rest, realtime and storage are reported healthy (with the
  platform's `info`) once the project is, but nothing serves them.
- A project is created synchronously (its cluster runs when POST answers 201 with status
  UNKNOWN), then reads COMING_UP until the health delay has passed since the create request (the
  cluster's making counts in it, as on the platform), then ACTIVE_HEALTHY (or INIT_FAILED with
  the fault). DELETE while COMING_UP answers 400 "Project not ready for deletion.", as recorded;
  the SQL, login-role and advisors endpoints answer 400 until ACTIVE_HEALTHY (the real text is
  unknown), and the pooler refuses the tenant until then.
- The read-only login role's name (`cli_login_read_only`) is a guess; the platform's is not
  recorded. Deleting the login roles fails (500) while one of them still owns objects.
- Faults (off by default) make it as unkind as the platform can be: 5xx bursts, 429s, latency,
  a create that commits and then drops the connection or answers 5xx, INIT_FAILED, slow health,
  /health 404s and a pooler "not found" while a project comes up, foreign projects in states a
  client has never seen, short-lived login roles (see Faults).
- SQL endpoint rows: of the last statement that returns any; date/time/numeric/bytea as Postgres
  text, bigint as a number when it is a safe integer (as the real endpoint's node-postgres does).
- Error texts for validation (400), unknown organizations (404) and non-ready projects are
  class-validator-like guesses: the real texts are not recorded. 404 is `{"message":"Not Found"}`.
"""

from wizard.sandbox.faults import Faults
from wizard.sandbox.server import SandboxError, SandboxHandle, default_data_dir, new_token, start_sandbox

__all__ = ["Faults", "SandboxError", "SandboxHandle", "default_data_dir", "new_token", "start_sandbox"]
