from wizard.widgets.apply_verify import ApplyVerifyView
from wizard.widgets.common import ErrorPanel, Stepper, age, error_text, plain
from wizard.widgets.core_migrations import CoreMigrationsView
from wizard.widgets.preview import SchemaPreview, SqlView
from wizard.widgets.provision import ProvisionView
from wizard.widgets.readme_section import ReadmeView

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
