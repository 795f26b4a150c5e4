from wizard.guard.fingerprint import Fingerprint, core_fingerprint, diff_fingerprints
from wizard.guard.purity import PurityFinding, RULES, check_static, format_findings, has_errors

__all__ = ["Fingerprint", "PurityFinding", "RULES", "check_static", "core_fingerprint", "diff_fingerprints", "format_findings", "has_errors"]
