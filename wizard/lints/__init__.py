from wizard.lints.model import Finding, Level, Lint, NotApplicable, Report, UnknownSchemaError, VerifyError
from wizard.lints.registry import CHECKS, LINTS, LINTS_BY_ID, SPLINTER_LINTS
from wizard.lints.runner import PLATFORM_DEFAULT_SCHEMAS, report_url, run_lints, run_report, verify_url

__all__ = [
    "CHECKS",
    "LINTS",
    "LINTS_BY_ID",
    "PLATFORM_DEFAULT_SCHEMAS",
    "SPLINTER_LINTS",
    "Finding",
    "Level",
    "Lint",
    "NotApplicable",
    "Report",
    "UnknownSchemaError",
    "VerifyError",
    "report_url",
    "run_lints",
    "run_report",
    "verify_url",
]
