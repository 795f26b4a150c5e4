"""GigMuse: a small Muse template of the README tests' own, a cloned folder of it, and helpers."""

from __future__ import annotations

import textwrap
from pathlib import Path

import psycopg

from wizard.clone import CloneInputs, Journal, save_journal
from wizard.muses import MuseTemplate, core_files, load_template

MUSE_TABLES = textwrap.dedent("""\
    create type public.gig_status as enum ('open', 'booked', 'done');
    comment on type public.gig_status is 'Where a gig is.';

    create table public.venues (
      id integer generated always as identity primary key,
      org_id uuid not null references public.organizations (id) on delete cascade,
      name varchar(120) not null,
      capacity int,
      unique (id, org_id)
    );
    comment on table public.venues is 'Places that host gigs, per organization.';
    comment on column public.venues.capacity is 'Seats; null when unknown.';
    create index venues_org_id_idx on public.venues (org_id);
    alter table public.venues enable row level security;

    create table public.gigs (
      id bigserial primary key,
      venue_id integer not null,
      org_id uuid not null,
      user_id uuid not null default auth.uid() references public.users (id) on delete cascade,
      status public.gig_status not null default 'open',
      fee numeric(10, 2) default 0,
      tags text[] not null default '{}',
      meta jsonb not null default '{}'::jsonb,
      starts_at timestamp with time zone not null default (now() + interval '1 day'),
      paid bool default false,
      fee_cents bigint generated always as ((fee * 100)::bigint) stored,
      updated_at timestamptz not null default now(),
      foreign key (venue_id, org_id) references public.venues (id, org_id) on delete cascade
    );
    comment on table public.gigs is 'Gigs | booked at a venue <!-- musekit:tables:end --> & paid.';
    create index gigs_venue_id_org_id_idx on public.gigs (venue_id, org_id);
    create index gigs_user_id_idx on public.gigs (user_id);
    alter table public.gigs enable row level security;

    create trigger set_updated_at before update on public.gigs
      for each row execute function private.set_updated_at();

    create table public.scratch (note text);
""")

MUSE_POLICIES = textwrap.dedent("""\
    create policy venues_select_members on public.venues
      for select to authenticated using (private.is_org_member(org_id));
    create policy gigs_select_in_my_orgs on public.gigs
      for select to authenticated, service_role
      using (exists (select 1 from public.memberships m
                     where m.org_id = gigs.org_id and m.user_id = (select auth.uid())));
    create policy gigs_write_own on public.gigs
      using (user_id = (select auth.uid()));
    create policy gigs_no_done on public.gigs as restrictive
      for update to authenticated using (status <> 'done');

    create view public.gig_owners with (security_invoker = true) as
      select g.id, u.full_name from public.gigs g join public.users u on u.id = g.user_id;
    comment on view public.gig_owners is 'Who booked each gig.';

    create function public.org_title(o uuid) returns text language sql stable
    begin atomic
      select name from public.organizations where id = o;
    end;
""")


def make_template(root: Path, *, extra_sql: str = "") -> MuseTemplate:
    folder = root / "gigmuse"
    (folder / "migrations").mkdir(parents=True)
    core_version = max(f.version for f in core_files())
    (folder / "muse.toml").write_text(
        f'name = "GigMuse"\ndescription = "Books gigs at venues."\nversion = "0.1.0"\ncore_version = "{core_version}"\n'
    )
    (folder / "migrations" / "29990101000100_gig_tables.sql").write_text(MUSE_TABLES)
    (folder / "migrations" / "29990101000200_gig_policies.sql").write_text(MUSE_POLICIES + extra_sql)
    return load_template(folder)


def make_clone(tmp_path: Path, template: MuseTemplate) -> Path:
    """A cloned Muse folder as `musekit clone` leaves it: the migrations copied, a journal."""
    folder = tmp_path / "my-gigs"
    dest = folder / "supabase" / "migrations"
    dest.mkdir(parents=True)
    for f in [*core_files(), *template.files]:
        (dest / f.path.name).write_bytes(f.path.read_bytes())
    save_journal(
        folder,
        Journal(
            inputs=CloneInputs(
                muse=str(template.path),
                name="my-gigs",
                organization="org",
                region="us-east-1",
                api_url="http://127.0.0.1:1",
            )
        ),
    )
    return folder


def apply_muse(url: str, template: MuseTemplate) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for f in template.files:
            with conn.transaction():
                conn.execute(f.text)


def snapshot(path: Path) -> tuple[bytes, int, int]:
    st = path.stat()
    return path.read_bytes(), st.st_mtime_ns, st.st_ino
