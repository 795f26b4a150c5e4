from wizard.muses.advisors import PlatformAdvice, platform_advice
from wizard.muses.apply import (
    PurityError,
    apply_muse,
    apply_template,
    core_differences,
    core_model,
    holds_core,
    static_findings,
    template_model,
    verify_database,
)
from wizard.muses.preview import preview_text
from wizard.muses.templates import (
    SLUG,
    MuseTemplate,
    TemplateError,
    core_files,
    list_templates,
    load_template,
    shipped_slugs,
)

__all__ = [
    "SLUG",
    "MuseTemplate",
    "PlatformAdvice",
    "PurityError",
    "TemplateError",
    "apply_muse",
    "apply_template",
    "core_differences",
    "core_files",
    "core_model",
    "holds_core",
    "list_templates",
    "load_template",
    "platform_advice",
    "preview_text",
    "shipped_slugs",
    "static_findings",
    "template_model",
    "verify_database",
]
