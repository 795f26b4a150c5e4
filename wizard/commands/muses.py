from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from wizard.commands.options import add_db_url, database_url
from wizard.errors import ExitCode, exit_codes_help

if TYPE_CHECKING:
    from pathlib import Path

    from wizard.guard import PurityFinding
    from wizard.scaffold import FlagSpec

HELP = "list, preview, apply and create Muse templates"
DESCRIPTION = """\
A Muse template is a folder with muse.toml (name, description, version, core_version) and
migrations/<14-digit version>_<name>.sql: the Muse's own tables, enums, views and policies,
applied after the MuseKit core and never changing it.

  musekit muses list                      the templates: shipped with musekit, then yours
  musekit muses show SLUG|PATH            what the SQL creates: tables, columns, RLS, policies, views
  musekit muses apply SLUG|PATH --db-url  pending core migrations, then the Muse's (purity-guarded)
  musekit muses new SLUG ...              scaffold a new template (tables with RLS, grants, indexes)

Your templates live in musekit's data dir (muses/<slug>; see --help of `new`): `muses new` and the
wizard's scaffold save there, and `list`, `show`, `apply` and the wizard find them by slug beside
the shipped ones. --templates DIR adds another folder of templates; a shipped slug always wins."""
EPILOG = """\
examples:
  musekit muses list --json
  musekit muses show socioscheduler
  musekit muses show ./my-muse --json
  MUSEKIT_DB_URL=... musekit muses apply realtor --dry-run
  musekit muses new recipes --table 'recipes:Recipes a user saves' \\
      --column 'recipes.title:text:notnull' --column "recipes.servings:integer:null:2" \\
      --enum 'difficulty:easy,medium,hard' --column "recipes.difficulty:difficulty:notnull:'easy'"
  musekit muses new dogwalk --table 'dogs:Dogs a user walks' --table 'walks:Walks of a dog' \\
      --column 'walks.dog_id:uuid:notnull:references=dogs:cascade' \\
      --column 'walks.product_id:uuid:references=products:set_null'
  musekit muses new recipes --spec recipes.toml --dir templates/muses
  musekit muses list --templates ~/team-muses

""" + exit_codes_help(
    ExitCode.OK,
    ExitCode.FAILED,
    ExitCode.USAGE,
    ExitCode.FINDINGS,
    notes={
        ExitCode.FAILED: "the operation failed (database, migration)",
        ExitCode.USAGE: "bad usage or an invalid template/spec (nothing changed)",
        ExitCode.FINDINGS: "the template breaks the core-purity rules (nothing applied)",
    },
)

SUB_EPILOGS = {
    "list": """\
examples:
  musekit muses list                                the shipped templates, then yours
  musekit muses list --json | jq '.[].slug'
  musekit muses list --templates ~/team-muses       also a folder of templates

"""
    + exit_codes_help(
        ExitCode.OK,
        ExitCode.FAILED,
        ExitCode.USAGE,
        notes={
            ExitCode.FAILED: "a shipped template is broken (reinstall musekit)",
            ExitCode.USAGE: "a --templates folder is not a folder of templates",
        },
    ),
    "show": """\
examples:
  musekit muses show socioscheduler                 tables, RLS, policies, views; the purity check
  musekit muses show ./my-template --json           the parsed model, as the wizard's preview reads it
  musekit muses show realtor --sql                  the raw migration files

"""
    + exit_codes_help(
        ExitCode.OK,
        ExitCode.USAGE,
        notes={ExitCode.USAGE: "no such template, or its files are invalid (the message says which)"},
    ),
    "apply": """\
examples:
  export MUSEKIT_DB_URL='postgresql://postgres.<ref>:<password>@<pooler host>:5432/postgres'
  musekit muses apply realtor --dry-run             what would be applied; nothing changes
  musekit muses apply ./my-template --json          events, then the result, one JSON per line

"""
    + exit_codes_help(
        ExitCode.OK,
        ExitCode.FAILED,
        ExitCode.USAGE,
        ExitCode.FINDINGS,
        ExitCode.INTERRUPTED,
        notes={
            ExitCode.FAILED: "the database refused a migration (what was applied is kept, the failed file rolled back)",
            ExitCode.FINDINGS: "the template breaks the core-purity rules (nothing of it applied)",
        },
    ),
    "new": """\
examples:
  musekit muses new recipes --table 'recipes:Recipes a user saves' --column 'recipes.title:text:notnull'
  musekit muses new dogwalk --table 'dogs:Dogs a user walks' --ownership organization
  musekit muses new recipes --spec recipes.toml --dir templates/muses

"""
    + exit_codes_help(
        ExitCode.OK,
        ExitCode.FAILED,
        ExitCode.USAGE,
        notes={
            ExitCode.FAILED: "the folder could not be written (the message says why)",
            ExitCode.USAGE: "an invalid spec or flag, or the folder exists (nothing was written)",
        },
    ),
}


def register(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="muses_command", metavar="SUBCOMMAND")
    fmt = argparse.RawDescriptionHelpFormatter

    ls = sub.add_parser(
        "list",
        help="the Muse templates: shipped, yours, and any --templates folder",
        formatter_class=fmt,
        description="The Muse templates: slug, name, where each comes from (shipped, yours, or a --templates "
        "folder), how many tables their SQL creates, description. A template that fails the checks, or "
        "whose slug an earlier folder already has, is left out with a warning on stderr.",
        epilog=SUB_EPILOGS["list"],
    )
    ls.add_argument("--json", action="store_true", help="print one JSON list")
    _add_templates(ls)

    show = sub.add_parser(
        "show",
        help="preview what a template's SQL creates",
        formatter_class=fmt,
        description="Preview a template from its SQL alone (no database): enums, tables with "
        "columns, types, nullability, defaults and foreign keys, row level security "
        "and policies (command, roles, USING / WITH CHECK), indexes, views, and the "
        "static core-purity check.",
        epilog=SUB_EPILOGS["show"],
    )
    show.add_argument("template", metavar="SLUG|PATH", help="a template's slug (see `musekit muses list`) or a folder")
    _add_templates(show)
    out = show.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="the parsed model as JSON (the TUI preview reads the same)")
    out.add_argument("--sql", action="store_true", help="print the raw migration files")

    apply = sub.add_parser(
        "apply",
        help="apply the core migrations, then the template's, to a database",
        formatter_class=fmt,
        description="Apply the pending MuseKit core migrations (one transaction per file), then "
        "the template's migrations in ONE transaction between two fingerprints of "
        "the core objects. A template that breaks the core-purity rules statically "
        "is refused before anything is applied (exit 3); one that changes the core "
        "at run time is rolled back (exit 3).",
        epilog=SUB_EPILOGS["apply"],
    )
    apply.add_argument("template", metavar="SLUG|PATH", help="a template's slug or a template folder")
    _add_templates(apply)
    add_db_url(apply, "the database to apply to")
    apply.add_argument("--dry-run", action="store_true", help="list what would be applied; change nothing")
    apply.add_argument("--json", action="store_true", help="one JSON object per line: events, then the result")

    new = sub.add_parser(
        "new",
        help="scaffold a new Muse template",
        formatter_class=fmt,
        description="Write a new template folder: muse.toml and one migration with your tables "
        "(id, owner column, your columns, created_at), enums, an index on every "
        "foreign-key and policy column, row level security with one policy per "
        "command, explicit grants, table comments, and optionally a security_invoker "
        "view joining core users with the first table. Describe it with flags or "
        "with --spec FILE (TOML with the same fields: slug, name, description, "
        "ownership, user_view, [[enums]] name/values, [[tables]] name/comment with "
        "[[tables.columns]] name/type/nullable/default/references/on_delete). A column may "
        "reference a table of this Muse or a core table (users, organizations, products, ...): it "
        "gets a foreign key, an index, and policies that only accept rows of the same owner "
        "(Muse tables) or rows the user can see (core tables).",
        epilog=SUB_EPILOGS["new"],
    )
    new.add_argument("slug", help="the template's slug: lowercase letters, digits, '-' and '_'")
    new.add_argument("--spec", metavar="FILE", help="a TOML spec file (instead of the table/column/enum flags)")
    new.add_argument("--name", help="display name (default: from the slug)")
    new.add_argument("--description", help="one line describing the Muse")
    new.add_argument(
        "--ownership",
        choices=("user", "organization"),
        help="rows belong to a user (user_id) or an organization (org_id); default: user",
    )
    new.add_argument(
        "--table",
        action="append",
        default=[],
        metavar="'NAME:COMMENT'",
        help="a table and what it holds; repeat for several",
    )
    new.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="'TABLE.COL:TYPE[:null|notnull][:references=TABLE[:ON_DELETE]][:DEFAULT]'",
        help="a column of a --table; the default is a constant ('text' in quotes, 42, true, now(), "
        "gen_random_uuid()); references=TABLE makes it a foreign key to a --table or a core table "
        "(type uuid), ON_DELETE is restrict (the default), cascade or set_null, e.g. "
        "'walks.dog_id:uuid:notnull:references=dogs:cascade'; repeat for several",
    )
    new.add_argument(
        "--enum",
        action="append",
        default=[],
        metavar="'NAME:V1,V2'",
        help="an enum type; columns use it by name; repeat for several",
    )
    new.add_argument(
        "--user-view", action="store_true", help="add a security_invoker view joining core users with the first table"
    )
    new.add_argument(
        "--dir",
        metavar="DIR",
        help="create the template folder DIR/<slug> (default: your template folder, muses/ in musekit's "
        "data dir, where `muses list` and the wizard find it)",
    )
    new.add_argument("--force", action="store_true", help="replace an existing template folder of that name")
    p.set_defaults(_muses_parser=p)


def _add_templates(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--templates",
        action="append",
        default=[],
        metavar="DIR",
        help="also look for templates in DIR (a folder of template folders); repeat for several",
    )


def _extra_dirs(args: argparse.Namespace) -> list[Path]:
    from pathlib import Path

    return [Path(d) for d in args.templates]


def run(args: argparse.Namespace) -> int:
    command = getattr(args, "muses_command", None)
    if command is None:
        args._muses_parser.print_help(sys.stderr)
        return ExitCode.USAGE
    return {"list": _list, "show": _show, "apply": _apply, "new": _new}[command](args)


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


# -- list ------------------------------------------------------------------------------------
def _list(args: argparse.Namespace) -> int:
    import json

    from wizard.muses import TemplateError, find_templates, template_folders, template_model
    from wizard.sql import SqlParseError

    extra = _extra_dirs(args)
    template_folders(extra)  # a --templates folder that is not one is a usage error (raised)
    try:
        catalog = find_templates(extra)
    except TemplateError as exc:  # only a shipped template stops the listing
        _error(f"a shipped template is broken (reinstall musekit): {exc}")
        return ExitCode.FAILED
    rows: list[dict[str, Any]] = []
    for t in catalog.templates:
        try:
            tables = [x.qualified_name for x in template_model(t).tables]
        except SqlParseError as exc:
            if t.shipped:
                _error(f"a shipped template is broken (reinstall musekit): {exc}")
                return ExitCode.FAILED
            catalog.warnings.append(f"{t.path} is not listed: {exc}")
            continue
        rows.append(
            {
                "slug": t.slug,
                "name": t.name,
                "source": t.source,
                "description": t.manifest.description,
                "version": t.manifest.version,
                "core_version": t.manifest.core_version,
                "table_count": len(tables),
                "tables": tables,
                "path": str(t.path),
            }
        )
    for warning in catalog.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return ExitCode.OK
    if not rows:
        print("no Muse templates found")
        return ExitCode.OK
    width = max(len(r["slug"]) for r in rows)
    name_width = max(len(r["name"]) for r in rows)
    source_width = max(len("SOURCE"), *(len(r["source"]) for r in rows))
    print(f"{'SLUG'.ljust(width)}  {'NAME'.ljust(name_width)}  {'SOURCE'.ljust(source_width)}  TABLES  DESCRIPTION")
    for r in rows:
        print(
            f"{r['slug'].ljust(width)}  {r['name'].ljust(name_width)}  {r['source'].ljust(source_width)}  "
            f"{str(r['table_count']).rjust(6)}  {r['description']}"
        )
    print("\npreview one with `musekit muses show <slug>`")
    return ExitCode.OK


# -- show ------------------------------------------------------------------------------------
def _show(args: argparse.Namespace) -> int:
    from wizard.muses import load_template, preview_text, static_findings, template_model
    from wizard.sql import SqlParseError

    template = load_template(args.template, extra_dirs=_extra_dirs(args))
    if args.sql:
        for f in template.files:
            print(f"-- ===== {f.path} =====")
            print(f.text if f.text.endswith("\n") else f.text + "\n")
        return ExitCode.OK
    try:
        model = template_model(template)
        findings = static_findings(template)
    except SqlParseError as exc:
        _error(str(exc))
        return ExitCode.USAGE
    if args.json:
        import json

        shown = json.loads(model.to_json())
        shown["purity"] = [_finding_json(f) for f in findings]
        print(json.dumps(shown, indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(preview_text(template, model, findings))
    return ExitCode.OK


# -- apply -----------------------------------------------------------------------------------
def _apply(args: argparse.Namespace) -> int:
    import asyncio

    from wizard.commands.output import MigrationPrinter, emit_json
    from wizard.muses import apply as muse_apply
    from wizard.muses import load_template
    from wizard.pg import describe_url
    from wizard.sql import SqlParseError

    template = load_template(args.template, extra_dirs=_extra_dirs(args))
    printer = MigrationPrinter(json_mode=args.json, stream=sys.stdout)
    try:
        findings = muse_apply.static_findings(template)
    except SqlParseError as exc:
        printer.failure(exc)
        return ExitCode.USAGE
    if any(f.is_error for f in findings):
        return _purity_refused(findings, args.json)
    _purity_warnings(findings, args.json)
    url = database_url(args)
    target = describe_url(url)
    if args.json:
        emit_json(
            sys.stdout,
            event="start",
            template=template.slug,
            path=str(template.path),
            target=target,
            dry_run=args.dry_run,
        )
    else:
        print(f"{template.name} ({template.slug}) -> {target}{' (dry run)' if args.dry_run else ''}", flush=True)
    try:
        result = asyncio.run(muse_apply.apply_template(url, template, progress=printer.event, dry_run=args.dry_run))
    except muse_apply.PurityError as exc:
        return _purity_refused(exc.findings, args.json)
    except (Exception, KeyboardInterrupt) as exc:
        return printer.fail(exc)
    for label, part in (("core", result.core), ("muse", result.muse)):
        if args.json:
            emit_json(
                sys.stdout,
                event="result",
                part=label,
                dry_run=part.dry_run,
                applied=[f.filename for f in part.applied],
                pending=[{"file": f.filename, "statements": len(f.statements)} for f in part.pending],
                seconds=round(part.seconds, 3),
            )
        else:
            print(f"{label} migrations:")
            printer.result(part)
    return ExitCode.OK


def _purity_refused(findings: Sequence[PurityFinding], json_mode: bool) -> int:
    from wizard.commands.output import emit_json

    if json_mode:
        emit_json(
            sys.stdout,
            event="purity",
            applied=False,
            findings=[_finding_json(f) for f in findings],
        )
    else:
        print(
            f"refused: the template breaks the core-purity rules ({len(findings)} finding"
            f"{'s' if len(findings) != 1 else ''}); nothing was applied",
            file=sys.stderr,
        )
        for f in findings:
            print(f"  {f.file}:{f.line} [{f.rule}] {f.message}\n      {f.statement}", file=sys.stderr)
    return ExitCode.FINDINGS


def _purity_warnings(findings: Sequence[PurityFinding], json_mode: bool) -> None:
    """What the guard lets through but the founder should see before it runs."""
    from wizard.commands.output import emit_json

    for f in findings:
        if json_mode:
            emit_json(sys.stdout, event="purity_warning", **_finding_json(f))
        else:
            print(f"warning: {f.file}:{f.line} [{f.rule}] {f.message}\n      {f.statement}", file=sys.stderr)


def _finding_json(f: PurityFinding) -> dict[str, object]:
    return {
        "file": f.file,
        "line": f.line,
        "statement": f.statement,
        "rule": f.rule,
        "severity": f.severity,
        "message": f.message,
    }


# -- new -------------------------------------------------------------------------------------
def _new(args: argparse.Namespace) -> int:
    from pathlib import Path

    from wizard.scaffold import validate_spec, write_template
    from wizard.settings import user_templates_dir

    built = _spec_from_args(args)
    problems = validate_spec(built.spec)
    if problems:
        _error(f"the Muse spec has {len(problems)} problem{'s' if len(problems) != 1 else ''}; nothing was written")
        for p in problems:
            origin = built.origin(p)
            print(f"  - {p.field}{f' (from {origin})' if origin else ''}: {p.message}", file=sys.stderr)
        return ExitCode.USAGE
    dest = (Path(args.dir) if args.dir is not None else user_templates_dir()) / built.spec.slug
    written = write_template(built.spec, dest, force=args.force)
    shown = _shown_path(written)
    files = sorted(p.relative_to(written) for p in written.rglob("*") if p.is_file())
    print(f"wrote Muse template {built.spec.name!r} to {shown}")
    for f in files:
        print(f"  {shown}/{f}")
    ref = built.spec.slug if args.dir is None else shown  # your folder is searched by slug
    print("\nnext:")
    print(f"  musekit muses show {ref}                 preview its tables and policies")
    print(f"  musekit muses apply {ref} --db-url URL   apply the core, then it (try `musekit localdb` for a URL)")
    return ExitCode.OK


def _spec_from_args(args: argparse.Namespace) -> FlagSpec:
    from pathlib import Path

    from wizard.scaffold import FlagError, FlagSpec, load_spec, spec_from_flags

    if args.spec:
        used = [
            flag for flag, value in (("--table", args.table), ("--column", args.column), ("--enum", args.enum)) if value
        ]
        if used:
            raise FlagError(f"--spec describes the whole Muse; drop {', '.join(used)} or put them in the spec file")
        spec = load_spec(Path(args.spec))
        if spec.slug != args.slug:
            raise FlagError(
                f"{args.spec} says slug = {spec.slug!r} but the command says {args.slug!r}; make them the same"
            )
        overrides = {
            k: v
            for k, v in (("name", args.name), ("description", args.description), ("ownership", args.ownership))
            if v
        }
        if args.user_view:
            overrides["user_view"] = True
        return FlagSpec(
            spec.model_copy(update=overrides), {"tables": f"--spec {args.spec}", "enums": f"--spec {args.spec}"}
        )
    return spec_from_flags(
        args.slug,
        name=args.name,
        description=args.description,
        ownership=args.ownership or "user",
        tables=args.table,
        columns=args.column,
        enums=args.enum,
        user_view=args.user_view,
    )


def _shown_path(path: Path) -> str:
    """A path to type into the next command: relative (./x) when under the current folder."""
    from pathlib import Path

    try:
        rel = path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return str(path)
    return f"./{rel}" if not str(rel).startswith(".") else str(rel)
