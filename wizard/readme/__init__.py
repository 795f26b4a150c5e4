from wizard.readme.catalog import table_list_from_catalog
from wizard.readme.doc import (
    ReadmeError,
    TableListDoc,
    clear_expression_cache,
    code,
    count_phrase,
    render_table_list,
)
from wizard.readme.files import (
    END,
    START,
    MuseSources,
    ReadmeDatabaseError,
    ReadmeMarkersError,
    build_doc,
    ensure_readme,
    find_block,
    table_list_is_current,
    update_readme,
    write_table_list,
)
from wizard.readme.next_steps import NextStep, musekit_command, next_steps, render_next_steps, resume_command
from wizard.readme.supabase_config import (
    CONFIG_FILE,
    InvalidProjectRef,
    SupabaseConfigResult,
    write_supabase_config,
)

__all__ = [
    "CONFIG_FILE",
    "END",
    "START",
    "InvalidProjectRef",
    "MuseSources",
    "NextStep",
    "ReadmeDatabaseError",
    "ReadmeError",
    "ReadmeMarkersError",
    "SupabaseConfigResult",
    "TableListDoc",
    "build_doc",
    "clear_expression_cache",
    "code",
    "count_phrase",
    "ensure_readme",
    "find_block",
    "musekit_command",
    "next_steps",
    "render_next_steps",
    "render_table_list",
    "resume_command",
    "table_list_from_catalog",
    "table_list_is_current",
    "update_readme",
    "write_supabase_config",
    "write_table_list",
]
