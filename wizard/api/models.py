"""Pydantic models of the Supabase Management API v1 responses and request bodies we use
(names and enums from the API's OpenAPI document; see shared reference management-api.md).

Responses are read as leniently as the API grows: every response enum is "a known member, or the
plain string the API sent" (project status gained PAUSE_FAILED and RESIZING in 2024, region codes
come and go); fields musekit does not use are optional; a list item musekit cannot read is skipped
with a debug log instead of failing the whole call. What musekit relies on (a project's ref, name,
organization and status; a pooler's user, host, port and database) stays required and checked.
Request bodies are strict: they must match the API's schema exactly."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    PlainValidator,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

log = logging.getLogger(__name__)

PROJECT_REF_PATTERN = r"^[a-z]{20}$"
ProjectRef = Annotated[str, StringConstraints(pattern=PROJECT_REF_PATTERN)]
Slug = Annotated[str, StringConstraints(pattern=r"^[\w-]+$")]


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


def known_or_text[E: StrEnum](enum: type[E], value: object) -> E | str:
    """The enum member for a value musekit knows, else the string itself (the API's enums grow)."""
    if isinstance(value, enum):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    try:
        return enum(value)
    except ValueError:
        log.debug("the API sent a %s musekit does not know: %r", enum.__name__, value)
        return value


def _lenient[E: StrEnum](enum: type[E]) -> PlainValidator:
    return PlainValidator(lambda value: known_or_text(enum, value))


def summarize(exc: ValidationError) -> str:
    """What failed and where, never the input (it may hold API keys)."""
    parts = [
        f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}"
        for e in exc.errors(include_input=False, include_url=False)[:3]
    ]
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def readable_items[T](adapter: TypeAdapter[T], raw: object, what: str) -> list[T]:
    """Each item of a JSON list that parses; the others are skipped with a debug log, so one odd
    project (or key, or region) never fails the whole call. Not a list at all: ValueError."""
    if not isinstance(raw, list):
        raise ValueError(f"expected a list, got {type(raw).__name__}")
    items: list[T] = []
    for index, item in enumerate(raw):
        try:
            items.append(adapter.validate_python(item))
        except ValidationError as exc:
            log.debug("skipped item %d of %s: musekit cannot read it (%s)", index, what, summarize(exc))
    return items


def _items_of[T](model: type[T]) -> PlainValidator:
    adapter = TypeAdapter(model)
    return PlainValidator(lambda raw: readable_items(adapter, raw, f"a list of {model.__name__}"))


def _datetime_or_none(value: object) -> datetime | None:
    """created_at and friends: musekit only shows them, so an unexpected format is dropped, not fatal."""
    if value is None or isinstance(value, datetime):
        return value
    try:
        return _DATETIME.validate_python(value)
    except ValidationError:
        log.debug("the API sent a timestamp musekit cannot read: %r", value)
        return None


_DATETIME = TypeAdapter(datetime)
LenientDatetime = Annotated[datetime | None, PlainValidator(_datetime_or_none)]


def _text(value: object) -> object:
    """A service's `error` is a string, often a JSON document in one; an object is kept as its JSON text."""
    return value if value is None or isinstance(value, str) else json.dumps(value)


# --- enums: the values the API documents today (responses may bring others) -----------------


class ProjectStatus(StrEnum):
    INACTIVE = "INACTIVE"
    ACTIVE_HEALTHY = "ACTIVE_HEALTHY"
    ACTIVE_UNHEALTHY = "ACTIVE_UNHEALTHY"
    COMING_UP = "COMING_UP"
    UNKNOWN = "UNKNOWN"
    GOING_DOWN = "GOING_DOWN"
    INIT_FAILED = "INIT_FAILED"
    REMOVED = "REMOVED"
    RESTORING = "RESTORING"
    UPGRADING = "UPGRADING"
    PAUSING = "PAUSING"
    RESTORE_FAILED = "RESTORE_FAILED"
    RESTARTING = "RESTARTING"
    PAUSE_FAILED = "PAUSE_FAILED"
    RESIZING = "RESIZING"


# States a project does not leave by itself on the way to healthy: waiting longer is pointless. The
# Terraform provider's list (internal/provider/utils.go); every other status, a new one included,
# means "keep waiting" until the deadline.
TERMINAL_PROJECT_STATUSES = frozenset(
    {
        ProjectStatus.INIT_FAILED,
        ProjectStatus.REMOVED,
        ProjectStatus.GOING_DOWN,
        ProjectStatus.INACTIVE,
        ProjectStatus.RESTORE_FAILED,
        ProjectStatus.PAUSE_FAILED,
    }
)


class Region(StrEnum):
    """The codes the API documented when musekit was built: an example, never a validation list (the spec: codes
    "are not a stable API, and should be retrieved from the /available-regions endpoint")."""

    US_EAST_1 = "us-east-1"
    US_EAST_2 = "us-east-2"
    US_WEST_1 = "us-west-1"
    US_WEST_2 = "us-west-2"
    AP_EAST_1 = "ap-east-1"
    AP_SOUTHEAST_1 = "ap-southeast-1"
    AP_NORTHEAST_1 = "ap-northeast-1"
    AP_NORTHEAST_2 = "ap-northeast-2"
    AP_SOUTHEAST_2 = "ap-southeast-2"
    EU_WEST_1 = "eu-west-1"
    EU_WEST_2 = "eu-west-2"
    EU_WEST_3 = "eu-west-3"
    EU_NORTH_1 = "eu-north-1"
    EU_CENTRAL_1 = "eu-central-1"
    EU_CENTRAL_2 = "eu-central-2"
    CA_CENTRAL_1 = "ca-central-1"
    AP_SOUTH_1 = "ap-south-1"
    SA_EAST_1 = "sa-east-1"


class SmartGroup(StrEnum):
    AMERICAS = "americas"
    EMEA = "emea"
    APAC = "apac"


class InstanceSize(StrEnum):
    NANO = "nano"
    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"
    XLARGE = "xlarge"
    X2LARGE = "2xlarge"
    X4LARGE = "4xlarge"
    X8LARGE = "8xlarge"
    X12LARGE = "12xlarge"
    X16LARGE = "16xlarge"
    X24LARGE = "24xlarge"
    X24LARGE_OPTIMIZED_MEMORY = "24xlarge_optimized_memory"
    X24LARGE_OPTIMIZED_CPU = "24xlarge_optimized_cpu"
    X24LARGE_HIGH_MEMORY = "24xlarge_high_memory"
    X48LARGE = "48xlarge"
    X48LARGE_OPTIMIZED_MEMORY = "48xlarge_optimized_memory"
    X48LARGE_OPTIMIZED_CPU = "48xlarge_optimized_cpu"
    X48LARGE_HIGH_MEMORY = "48xlarge_high_memory"


class Continent(StrEnum):
    NA = "NA"
    SA = "SA"
    EU = "EU"
    AF = "AF"
    AS = "AS"
    OC = "OC"
    AN = "AN"


class ServiceName(StrEnum):
    AUTH = "auth"
    DB = "db"
    DB_POSTGRES_USER = "db_postgres_user"
    POOLER = "pooler"
    REALTIME = "realtime"
    REST = "rest"
    STORAGE = "storage"
    PG_BOUNCER = "pg_bouncer"


class ServiceHealthStatus(StrEnum):
    COMING_UP = "COMING_UP"
    ACTIVE_HEALTHY = "ACTIVE_HEALTHY"
    UNHEALTHY = "UNHEALTHY"


class ApiKeyType(StrEnum):
    LEGACY = "legacy"
    PUBLISHABLE = "publishable"
    SECRET = "secret"


class DatabaseType(StrEnum):
    PRIMARY = "PRIMARY"
    READ_REPLICA = "READ_REPLICA"


class PoolMode(StrEnum):
    TRANSACTION = "transaction"
    SESSION = "session"


# a response field of one of these enums: the member when musekit knows the value, else the plain string
ProjectStatusValue = Annotated[ProjectStatus | str, _lenient(ProjectStatus)]
RegionCode = Annotated[Region | str, _lenient(Region)]
SmartGroupCode = Annotated[SmartGroup | str, _lenient(SmartGroup)]
ServiceNameValue = Annotated[ServiceName | str, _lenient(ServiceName)]
ServiceHealthStatusValue = Annotated[ServiceHealthStatus | str, _lenient(ServiceHealthStatus)]
ApiKeyTypeValue = Annotated[ApiKeyType | str, _lenient(ApiKeyType)]
DatabaseTypeValue = Annotated[DatabaseType | str, _lenient(DatabaseType)]
PoolModeValue = Annotated[PoolMode | str, _lenient(PoolMode)]


# --- organizations and projects -------------------------------------------------------------


class Organization(ApiModel):
    """OrganizationResponseV1. `id` is deprecated ("Use slug instead")."""

    slug: Slug
    name: str
    id: str | None = None


class Project(ApiModel):
    """V1ProjectResponse (the answer to create). `id` and `organization_id` are deprecated aliases of
    `ref` and `organization_slug`; `region` and `created_at` are only shown."""

    ref: ProjectRef
    name: str
    organization_slug: Slug
    status: ProjectStatusValue
    region: str | None = None
    created_at: LenientDatetime = None
    id: str | None = None
    organization_id: str | None = None


class ProjectDatabase(ApiModel):
    host: str | None = None
    version: str | None = None
    postgres_engine: str | None = None
    release_channel: str | None = None


class ProjectWithDatabase(Project):
    """V1ProjectWithDatabaseResponse (list and get). `database` is required by the spec but musekit does not
    need it: a project listed without one (being set up, or shaped by a newer API) still counts."""

    database: ProjectDatabase | None = None


class DeletedProject(ApiModel):
    """V1ProjectRefResponse (the platform also sends `slug`)."""

    ref: ProjectRef
    name: str | None = None
    id: int | None = None


# --- health --------------------------------------------------------------------------------


class ServiceHealth(ApiModel):
    """V1ServiceHealthResponse. `healthy` is deprecated ("Use status instead"); `error` is text, often a JSON
    document in a string (`{"error":"not found"}`)."""

    name: ServiceNameValue
    status: ServiceHealthStatusValue
    healthy: bool | None = None
    error: Annotated[str | None, BeforeValidator(_text)] = None
    info: JsonValue = None

    @property
    def is_healthy(self) -> bool:
        return self.status is ServiceHealthStatus.ACTIVE_HEALTHY


# --- API keys ------------------------------------------------------------------------------


MASK = "····"


class ApiKey(ApiModel):
    """ApiKeyResponse. Key material stays out of repr (a secret key is as good as a password)."""

    name: str
    api_key: str | None = Field(default=None, repr=False)
    id: str | None = None
    type: ApiKeyTypeValue | None = None
    prefix: str | None = None
    description: str | None = None
    hash: str | None = Field(default=None, repr=False)
    secret_jwt_template: dict[str, JsonValue] | None = None
    inserted_at: LenientDatetime = None
    updated_at: LenientDatetime = None

    @property
    def is_secret(self) -> bool:
        return self.type is ApiKeyType.SECRET or (self.type is ApiKeyType.LEGACY and self.name == "service_role")

    @property
    def is_masked(self) -> bool:
        """True when the API hid the key (secret keys without `reveal=true`)."""
        return self.api_key is None or MASK in self.api_key


def public_key(keys: list[ApiKey]) -> ApiKey | None:
    """The key for browsers: the publishable key, else the legacy `anon` JWT."""
    return _first(keys, ApiKeyType.PUBLISHABLE, "anon")


def secret_key(keys: list[ApiKey]) -> ApiKey | None:
    """The server-side key: the secret key, else the legacy `service_role` JWT."""
    return _first(keys, ApiKeyType.SECRET, "service_role")


def _first(keys: list[ApiKey], kind: ApiKeyType, legacy_name: str) -> ApiKey | None:
    for key in keys:
        if key.type is kind:
            return key
    for key in keys:
        if key.name == legacy_name and key.type in (ApiKeyType.LEGACY, None):
            return key
    return None


# --- pooler --------------------------------------------------------------------------------


class PoolerConfig(ApiModel):
    """SupavisorConfigResponse (one item of the array)."""

    database_type: DatabaseTypeValue
    db_user: str
    db_host: str
    db_port: int
    db_name: str
    pool_mode: PoolModeValue
    connection_string: str | None = None
    identifier: str | None = None
    is_using_scram_auth: bool | None = None
    default_pool_size: int | None = None
    max_client_conn: int | None = None


# --- regions -------------------------------------------------------------------------------


class SmartGroupRegion(ApiModel):
    name: str
    code: SmartGroupCode
    type: str = "smartGroup"


class SpecificRegion(ApiModel):
    name: str
    code: RegionCode
    type: str = "specific"
    provider: str | None = None
    status: str | None = None  # "capacity", "other"


class RegionRecommendations(ApiModel):
    smart_group: SmartGroupRegion | None = Field(default=None, alias="smartGroup")
    specific: Annotated[list[SpecificRegion], _items_of(SpecificRegion)] = []


class RegionCatalog(ApiModel):
    smart_group: Annotated[list[SmartGroupRegion], _items_of(SmartGroupRegion)] = Field(default=[], alias="smartGroup")
    specific: Annotated[list[SpecificRegion], _items_of(SpecificRegion)] = []


class RegionsInfo(ApiModel):
    """RegionsInfo: `all` is what an organization may choose from, `recommendations` only advice."""

    all: RegionCatalog
    recommendations: RegionRecommendations | None = None

    @property
    def codes(self) -> frozenset[str]:
        """Every code a project may be created in: the specific regions and the smart groups."""
        return frozenset(str(r.code) for r in self.all.specific) | {str(g.code) for g in self.all.smart_group}


# --- request bodies ------------------------------------------------------------------------


class RegionSelection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    type: Literal["specific", "smartGroup"]
    code: str = Field(min_length=1)


class CreateProjectBody(BaseModel):
    """V1CreateProjectBody (`additionalProperties: false`). The region goes in `region_selection`, as the
    API asks ("region: deprecated, use region_selection instead")."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    organization_slug: Slug
    db_pass: str = Field(min_length=1, repr=False)
    region_selection: RegionSelection
    desired_instance_size: InstanceSize | None = None

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class RunQueryBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    query: str = Field(min_length=1)
    read_only: bool
    parameters: list[JsonValue] | None = None

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


# --- temporary login roles (what the official CLI connects with) --------------------------


class CreateRoleBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    read_only: bool

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class AdvisorLint(ApiModel):
    """One lint of V1ProjectAdvisorsResponse (splinter's row). Its enums (name, level, categories, metadata
    type) grow on the platform, so they are read as plain text."""

    name: str
    title: str = ""
    level: str = "INFO"
    facing: str | None = None
    categories: list[str] = Field(default_factory=list)
    description: str = ""
    detail: str = ""
    remediation: str | None = None
    metadata: JsonValue = None
    cache_key: str = ""


class CreatedRole(ApiModel):
    """CreateRoleResponse: a `cli_login_…` role and its temporary password."""

    role: str = Field(min_length=1)
    password: str = Field(min_length=1, repr=False)
    ttl_seconds: int = Field(ge=1)
