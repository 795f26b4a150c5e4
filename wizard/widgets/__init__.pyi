"""The public names of wizard.widgets (loaded lazily: see __init__.py)."""

from .apply_verify import ApplyVerifyView
from .common import ErrorPanel, Stepper, age, error_text, plain
from .core_migrations import CoreMigrationsView
from .preview import SchemaPreview, SqlView
from .provision import ProvisionView
from .readme_section import ReadmeView

__all__ = [
    "ApplyVerifyView",
    "CoreMigrationsView",
    "ErrorPanel",
    "ProvisionView",
    "ReadmeView",
    "SchemaPreview",
    "SqlView",
    "Stepper",
    "age",
    "error_text",
    "plain",
]
