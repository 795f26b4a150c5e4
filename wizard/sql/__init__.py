from wizard.sql.builder import parse_sql_files, parse_sql_once, parse_sql_paths
from wizard.sql.model import (
    Column,
    Effect,
    ObjectRef,
    SchemaModel,
    SqlParseError,
    SqlSource,
    StatementInfo,
    Table,
    View,
)
from wizard.sql.nodes import TEMP_SCHEMA
from wizard.sql.source import clear_deparse_cache
from wizard.sql.types import canonical_type

__all__ = [
    "TEMP_SCHEMA",
    "Column",
    "Effect",
    "ObjectRef",
    "SchemaModel",
    "SqlParseError",
    "SqlSource",
    "StatementInfo",
    "Table",
    "View",
    "canonical_type",
    "clear_deparse_cache",
    "parse_sql_files",
    "parse_sql_once",
    "parse_sql_paths",
]
