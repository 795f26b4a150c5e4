"""A local, faithful emulator of the Supabase Management API (the subset MuseKit uses), whose
projects are real databases on one embedded PostgreSQL cluster. Start one with
`start_sandbox(data_dir, ...)` (in-process, for tests and `musekit clone --sandbox`) or with
`musekit sandbox` (a separate process).

Where it differs from api.supabase.com, and why:
- One cluster serves every project: a project's database is named `<ref>` (not `postgres`) and
  its owner is the login role `postgres.<ref>` (the hosted pooler's user name), whose password is
  the project's db_pass. Use the pooler config's db_user/db_name; the cluster's own `postgres`
  database refuses project roles, so a client that hard-codes `postgres` fails loudly.
- The pooler config has one PRIMARY item in `transaction` mode whose port is the cluster's (a
  direct, session-capable connection). A client that derives the session URL the CLI's way
  (`:6543/` -> `:5432/`) gets the same URL back: the rewrite is a no-op, which is correct here.
- `database.host` is 127.0.0.1; only the database is real: auth, rest, realtime and storage are
  reported healthy once the project is, but nothing serves them.
- A project is created synchronously (its database exists when POST answers 201 with status
  UNKNOWN), then reads COMING_UP for the health delay, then ACTIVE_HEALTHY (or INIT_FAILED with
  the fault). DELETE while COMING_UP answers 400 "Project not ready for deletion.", as recorded;
  the SQL endpoints answer 400 until the project is ACTIVE_HEALTHY (the real text is unknown).
- The SQL endpoint runs as `postgres.<ref>` via SET SESSION AUTHORIZATION on a superuser socket
  connection; a top-level SET/RESET SESSION AUTHORIZATION is refused as on a hosted project, but
  dynamic SQL could still reach the superuser: it is a local, single-user tool, not a boundary.
  Rows of the last statement that returns any; date/time/numeric/bytea as Postgres text, bigint
  as a number when it is a safe integer (as the real endpoint's node-postgres does).
- Error texts for validation (400), unknown organizations (404) and non-ready projects are
  class-validator-like guesses: the real texts are not recorded. 404 is `{"message":"Not Found"}`.
- The rate limit is real (default 120/min per endpoint and project/organization/user, fixed
  windows); POST /v1/projects counts per user rather than per organization in its body.
  No `retry-after` header (undocumented for the real API).
"""

from wizard.sandbox.faults import Faults
from wizard.sandbox.server import SandboxError, SandboxHandle, default_data_dir, new_token, start_sandbox

__all__ = ["Faults", "SandboxError", "SandboxHandle", "default_data_dir", "new_token", "start_sandbox"]
