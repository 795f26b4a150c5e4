"""Request bodies (validated like the real API: V1CreateProjectBody, V1RunQueryBody) and the
response shapes of the Management API, copied from the reference (management-api.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError
from pydantic_core import ErrorDetails

from wizard.sandbox.state import Project

Region = Literal[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ap-east-1",
    "ap-southeast-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "eu-central-1",
    "eu-central-2",
    "ca-central-1",
    "ap-south-1",
    "sa-east-1",
]  # in the spec's enum order
SmartGroup = Literal["americas", "emea", "apac"]
Size = Literal[
    "nano",
    "micro",
    "small",
    "medium",
    "large",
    "xlarge",
    "2xlarge",
    "4xlarge",
    "8xlarge",
    "12xlarge",
    "16xlarge",
    "24xlarge",
    "24xlarge_optimized_memory",
    "24xlarge_optimized_cpu",
    "24xlarge_high_memory",
    "48xlarge",
    "48xlarge_optimized_memory",
    "48xlarge_optimized_cpu",
    "48xlarge_high_memory",
]
SIZES: tuple[Size, ...] = get_args(Size)

REGIONS: dict[Region, tuple[str, str]] = {  # code -> (name, continent), every Region in its order
    "us-east-1": ("East US (North Virginia)", "NA"),
    "us-east-2": ("East US (Ohio)", "NA"),
    "us-west-1": ("West US (North California)", "NA"),
    "us-west-2": ("West US (Oregon)", "NA"),
    "ap-east-1": ("East Asia (Hong Kong)", "AS"),
    "ap-southeast-1": ("Southeast Asia (Singapore)", "AS"),
    "ap-northeast-1": ("Northeast Asia (Tokyo)", "AS"),
    "ap-northeast-2": ("Northeast Asia (Seoul)", "AS"),
    "ap-southeast-2": ("Oceania (Sydney)", "OC"),
    "eu-west-1": ("West EU (Ireland)", "EU"),
    "eu-west-2": ("West Europe (London)", "EU"),
    "eu-west-3": ("West EU (Paris)", "EU"),
    "eu-north-1": ("North EU (Stockholm)", "EU"),
    "eu-central-1": ("Central EU (Frankfurt)", "EU"),
    "eu-central-2": ("Central Europe (Zurich)", "EU"),
    "ca-central-1": ("Canada (Central)", "NA"),
    "ap-south-1": ("South Asia (Mumbai)", "AS"),
    "sa-east-1": ("South America (São Paulo)", "SA"),
}
SMART_GROUPS: dict[SmartGroup, tuple[str, Region, tuple[str, ...]]] = {  # code -> (name, default region, continents)
    "americas": ("Americas", "us-east-1", ("NA", "SA")),
    "emea": ("Europe, Middle East and Africa", "eu-central-1", ("EU", "AF")),
    "apac": ("Asia-Pacific", "ap-southeast-1", ("AS", "OC", "AN")),
}
CONTINENTS = ("NA", "SA", "EU", "AF", "AS", "OC", "AN")
# A region code no client knows yet (the foreign_projects fault lists it, and accepts it at create).
UNKNOWN_REGION = ("me-central-1", "Middle East (UAE)", "AS")
HEALTH_SERVICES = ("auth", "db", "db_postgres_user", "pooler", "realtime", "rest", "storage", "pg_bouncer")
PROJECT_STATUSES = (
    "INACTIVE",
    "ACTIVE_HEALTHY",
    "ACTIVE_UNHEALTHY",
    "COMING_UP",
    "UNKNOWN",
    "GOING_DOWN",
    "INIT_FAILED",
    "REMOVED",
    "RESTORING",
    "UPGRADING",
    "PAUSING",
    "RESTORE_FAILED",
    "RESTARTING",
    "PAUSE_FAILED",
    "RESIZING",
)

Slug = Annotated[StrictStr, Field(pattern=r"^[\w-]+$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class SpecificRegion(_Body):
    type: Literal["specific"]
    code: Region


class SmartGroupRegion(_Body):
    type: Literal["smartGroup"]
    code: SmartGroup


class CreateProjectBody(_Body):
    """V1CreateProjectBody (additionalProperties: false)."""

    db_pass: StrictStr
    name: Annotated[StrictStr, Field(max_length=256)]
    organization_slug: Slug | None = None  # required by the spec; older clients send organization_id
    organization_id: StrictStr | None = None
    plan: Literal["free", "pro"] | None = None
    region: Region | None = None
    region_selection: Annotated[SpecificRegion | SmartGroupRegion, Field(discriminator="type")] | None = None
    kps_enabled: StrictBool | None = None
    desired_instance_size: Size | None = None
    template_url: Annotated[StrictStr, Field(pattern=r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")] | None = None

    def org(self) -> str:
        return self.organization_slug or self.organization_id or ""

    def resolved_region(self) -> str:
        if self.region is not None:
            return self.region
        assert self.region_selection is not None
        if self.region_selection.type == "specific":
            return self.region_selection.code
        return SMART_GROUPS[self.region_selection.code][1]


class RunQueryBody(_Body):
    """V1RunQueryBody."""

    query: Annotated[StrictStr, Field(min_length=1)]
    parameters: list[Any] | None = None
    read_only: StrictBool | None = None


class LoginRoleBody(_Body):
    """CreateRoleBody."""

    read_only: StrictBool


class UpdatePasswordBody(_Body):
    """V1UpdatePasswordBody."""

    password: Annotated[StrictStr, Field(min_length=4, repr=False)]


class ReadOnlyQueryBody(_Body):
    query: Annotated[StrictStr, Field(min_length=1)]
    parameters: list[Any] | None = None


class BodyError(ValueError):
    """A request body the real API would refuse with 400; str() is the `message`."""


def parse_create_project(data: object, extra_region: str | None = None) -> tuple[CreateProjectBody, str]:
    """The body and the project's region; `extra_region` is accepted besides the known codes."""
    problems = _cross_field_problems(data) if isinstance(data, dict) else []
    chosen = _extra_region_chosen(data, extra_region)
    if chosen is not None:  # validate the rest with a known code in its place
        data = chosen
    try:
        body = _parse(CreateProjectBody, data)
    except BodyError as exc:
        raise BodyError(", ".join([str(exc), *problems])) from None
    if problems:
        raise BodyError(", ".join(problems))
    return body, extra_region if chosen is not None and extra_region else body.resolved_region()


def _extra_region_chosen(data: object, extra: str | None) -> dict[str, object] | None:
    if extra is None or not isinstance(data, dict):
        return None
    if data.get("region") == extra:
        return {**data, "region": "us-east-1"}
    selection = data.get("region_selection")
    if isinstance(selection, dict) and selection.get("type") == "specific" and selection.get("code") == extra:
        return {**data, "region_selection": {**selection, "code": "us-east-1"}}
    return None


def _cross_field_problems(data: dict[str, object]) -> list[str]:
    problems = []
    if not data.get("organization_slug") and not data.get("organization_id"):
        problems.append("organization_slug should not be empty")
    if data.get("region") is not None and data.get("region_selection") is not None:
        problems.append("Only one of region or region_selection can be specified.")
    if data.get("region") is None and data.get("region_selection") is None:
        problems.append("region or region_selection must be specified")
    if data.get("db_pass") == "":
        problems.append("db_pass should not be empty")
    return problems


def parse_login_role(data: object) -> LoginRoleBody:
    return _parse(LoginRoleBody, data)


def parse_update_password(data: object) -> UpdatePasswordBody:
    return _parse(UpdatePasswordBody, data)


def parse_query(data: object, read_only_endpoint: bool) -> RunQueryBody | ReadOnlyQueryBody:
    if read_only_endpoint:
        return _parse(ReadOnlyQueryBody, data)
    return _parse(RunQueryBody, data)


def _parse[M: BaseModel](model: type[M], data: object) -> M:
    if not isinstance(data, dict):
        raise BodyError("the request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BodyError(", ".join(_describe(e) for e in exc.errors())) from None


def _describe(error: ErrorDetails) -> str:
    """class-validator style texts (the real API is NestJS)."""
    loc = [str(p) for p in error["loc"] if not (isinstance(p, str) and p in ("specific", "smartGroup"))]
    name = ".".join(loc) or "body"
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "extra_forbidden":
        return f"property {name} should not exist"
    if kind == "missing":
        return f"{name} should not be empty"
    if kind == "literal_error":
        return f"{name} must be one of the following values: {ctx.get('expected', '').replace(chr(39), '')}"
    if kind == "string_too_long":
        return f"{name} must be shorter than or equal to {ctx['max_length']} characters"
    if kind == "string_too_short" and ctx.get("min_length", 1) > 1:
        return f"{name} must be longer than or equal to {ctx['min_length']} characters"
    if kind == "string_too_short":
        return f"{name} should not be empty"
    if kind == "string_pattern_mismatch" and name == "template_url":
        return f"{name} must be a URL address"
    if kind == "string_pattern_mismatch":
        return f"{name} must match {ctx['pattern']} regular expression"
    if kind == "string_type":
        return f"{name} must be a string"
    if kind == "bool_type":
        return f"{name} must be a boolean value"
    if kind in ("list_type", "union_tag_invalid", "union_tag_not_found", "model_type", "model_attributes_type"):
        return f"{name} has the wrong shape: {error['msg']}"
    return f"{name}: {error['msg']}"


# -- responses ---------------------------------------------------------------------------
def project_json(p: Project, status: str, *, database: dict[str, str] | None) -> dict[str, object]:
    """V1ProjectResponse, or V1ProjectWithDatabaseResponse when `database` is given
    (key order as recorded from the real API)."""
    out: dict[str, object] = {
        "id": p.ref,
        "ref": p.ref,
        "organization_id": p.organization_slug,
        "organization_slug": p.organization_slug,
        "name": p.name,
        "region": p.region,
    }
    if database is None:
        return out | {"created_at": p.created_at, "status": status}
    return out | {"status": status, "database": database, "created_at": p.created_at}


def regions_json(continent: str | None, unknown_region: bool = False) -> dict[str, object]:
    """RegionsInfo; with `unknown_region`, UNKNOWN_REGION too (listed last)."""
    regions: dict[str, tuple[str, str]] = {code: about for code, about in REGIONS.items()}
    if unknown_region:
        regions[UNKNOWN_REGION[0]] = UNKNOWN_REGION[1:]

    def specific(code: str) -> dict[str, str]:
        name, _ = regions[code]
        return {"name": name, "code": code, "type": "specific", "provider": "AWS", "status": "capacity"}

    def group(code: SmartGroup) -> dict[str, str]:
        return {"name": SMART_GROUPS[code][0], "code": code, "type": "smartGroup"}

    chosen: SmartGroup = next((g for g, (_, _, conts) in SMART_GROUPS.items() if continent in conts), "americas")
    near: list[str] = [c for c, (_, cont) in regions.items() if cont == continent] if continent else []
    near = near or [SMART_GROUPS[chosen][1]]
    return {
        "recommendations": {"smartGroup": group(chosen), "specific": [specific(c) for c in near]},
        "all": {"smartGroup": [group(g) for g in SMART_GROUPS], "specific": [specific(c) for c in regions]},
    }


# (name, status, region, with `database`): what the foreign_projects fault adds to the account
FOREIGN_PROJECTS: tuple[tuple[str, str, str, bool], ...] = (
    ("foreign-inactive", "INACTIVE", "us-east-1", True),
    ("foreign-pausing", "PAUSING", "eu-west-1", True),
    ("foreign-resizing", "RESIZING", "ap-south-1", True),
    ("foreign-status-never-seen", "MIGRATING_TO_NEW_HARDWARE", UNKNOWN_REGION[0], True),
    ("foreign-without-database", "ACTIVE_HEALTHY", "eu-central-1", False),
)


def foreign_projects_json(organization_slug: str, database: dict[str, str]) -> list[dict[str, object]]:
    """Projects made elsewhere (the dashboard, another tool) that the sandbox only lists."""
    out = []
    for number, (name, status, region, with_database) in enumerate(FOREIGN_PROJECTS):
        ref = ("foreign" + "abcdefghijklm"[number] * 13)[:20]
        item: dict[str, object] = {
            "id": ref,
            "ref": ref,
            "organization_id": organization_slug,
            "organization_slug": organization_slug,
            "name": name,
            "region": region,
            "status": status,
        }
        if with_database:
            item["database"] = {**database, "host": f"db.{ref}.supabase.red"}
        out.append(item | {"created_at": f"2025-01-0{number + 1}T00:00:00Z"})
    return out
