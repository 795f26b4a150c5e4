"""The public names of wizard.widgets (loaded lazily: see __init__.py)."""

from .apply_verify import ApplyVerifyView, VerifyResults, VerifyResultsView
from .common import ErrorPanel, Stepper, age, error_text, plain
from .core_migrations import CoreMigrationsView
from .fleet_plan import FleetPlanView
from .fleet_rollout import FleetRolloutView
from .fleet_table import FleetTable, status_detail
from .footer import KeysFooter
from .forms import FOCUS_KEYS, FormInput
from .preview import SchemaPreview, SqlView
from .provision import ProvisionView
from .readme_section import ReadmeView
from .schema_diff import SchemaDiffView
from .stepper import FlowStepper

__all__ = [
    "FOCUS_KEYS",
    "ApplyVerifyView",
    "CoreMigrationsView",
    "ErrorPanel",
    "FleetPlanView",
    "FleetRolloutView",
    "FleetTable",
    "FlowStepper",
    "FormInput",
    "KeysFooter",
    "ProvisionView",
    "ReadmeView",
    "SchemaDiffView",
    "SchemaPreview",
    "SqlView",
    "Stepper",
    "VerifyResults",
    "VerifyResultsView",
    "age",
    "error_text",
    "plain",
    "status_detail",
]
