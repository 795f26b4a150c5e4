"""Running `musekit muses …` in-process, and small Muse templates written by the tests."""

from __future__ import annotations

from pathlib import Path

from wizard.cli import main
from wizard.muses import core_files


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write_muse(root: Path, slug: str, sql: str) -> Path:
    folder = root / slug
    (folder / "migrations").mkdir(parents=True)
    (folder / "muse.toml").write_text(
        f'name = "{slug}"\ndescription = "test muse"\nversion = "0.1.0"\n'
        f'core_version = "{max(f.version for f in core_files())}"\n'
    )
    (folder / "migrations" / f"20270101000000_{slug}.sql").write_text(sql)
    return folder


GOOD_SQL = """\
create table public.journal (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  body text not null
);
create index journal_user_id_idx on public.journal (user_id);
alter table public.journal enable row level security;
create policy journal_select_own on public.journal for select to authenticated
  using (user_id = (select auth.uid()));
grant select on table public.journal to authenticated;
"""


NEW_FLAGS = (
    "--table",
    "recipes:Recipes a user saves",
    "--column",
    "recipes.title:text:notnull",
    "--column",
    "recipes.servings:integer:null:2",
    "--enum",
    "difficulty:easy,medium,hard",
    "--column",
    "recipes.difficulty:difficulty:notnull:'easy'",
    "--user-view",
)
