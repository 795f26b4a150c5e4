from wizard.guard.core_objects import INFORMATION_SCHEMA_NAMES, RESERVED_SCHEMAS, CoreObjects, catalog_name_clash
from wizard.guard.fingerprint import (
    Fingerprint,
    core_fingerprint,
    core_part,
    diff_fingerprints,
    pinned_catalog_session,
    rename_role,
    without_privilege,
)
from wizard.guard.purity import RULES, PurityFinding, check_static, format_findings, has_errors, split_findings

__all__ = [
    "INFORMATION_SCHEMA_NAMES",
    "RESERVED_SCHEMAS",
    "RULES",
    "CoreObjects",
    "Fingerprint",
    "PurityFinding",
    "catalog_name_clash",
    "check_static",
    "core_fingerprint",
    "core_part",
    "diff_fingerprints",
    "format_findings",
    "has_errors",
    "pinned_catalog_session",
    "rename_role",
    "split_findings",
    "without_privilege",
]
