from wizard.lints.verify import CHECKS, Finding, UnknownSchemaError, verify_url

__all__ = ["CHECKS", "Finding", "UnknownSchemaError", "verify_url"]
