from wizard.guard.fingerprint import Fingerprint, core_fingerprint, diff_fingerprints
from wizard.guard.purity import RULES, PurityFinding, check_static, format_findings, has_errors

__all__ = [
    "RULES",
    "Fingerprint",
    "PurityFinding",
    "check_static",
    "core_fingerprint",
    "diff_fingerprints",
    "format_findings",
    "has_errors",
]
