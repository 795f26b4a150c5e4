"""Pydantic models of the Supabase Management API v1 responses and request bodies we use
(names and enums from the API's OpenAPI document; see shared reference management-api.md).

Responses ignore fields the API may add later; the fields musekit relies on are required and
checked against the documented enums and patterns. Deprecated fields we never read are optional."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

PROJECT_REF_PATTERN = r"^[a-z]{20}$"
ProjectRef = Annotated[str, StringConstraints(pattern=PROJECT_REF_PATTERN)]
Slug = Annotated[str, StringConstraints(pattern=r"^[\w-]+$")]


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


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


# states a project does not leave by itself on the way to healthy: waiting longer is pointless
TERMINAL_PROJECT_STATUSES = frozenset(
    {
        ProjectStatus.INIT_FAILED,
        ProjectStatus.REMOVED,
        ProjectStatus.GOING_DOWN,
        ProjectStatus.INACTIVE,
        ProjectStatus.PAUSING,
        ProjectStatus.RESTORE_FAILED,
        ProjectStatus.PAUSE_FAILED,
    }
)


class Region(StrEnum):
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


# --- organizations and projects -------------------------------------------------------------


class Organization(ApiModel):
    """OrganizationResponseV1. `id` is deprecated ("Use slug instead")."""

    slug: Slug
    name: str
    id: str | None = None


class Project(ApiModel):
    """V1ProjectResponse (the answer to create). `id` and `organization_id` are deprecated aliases of
    `ref` and `organization_slug`."""

    ref: ProjectRef
    name: str
    organization_slug: Slug
    region: str
    status: ProjectStatus
    created_at: datetime
    id: str | None = None
    organization_id: str | None = None


class ProjectDatabase(ApiModel):
    host: str
    version: str
    postgres_engine: str
    release_channel: str


class ProjectWithDatabase(Project):
    """V1ProjectWithDatabaseResponse (list and get)."""

    database: ProjectDatabase


class DeletedProject(ApiModel):
    """V1ProjectRefResponse."""

    id: int
    ref: ProjectRef
    name: str


# --- health --------------------------------------------------------------------------------


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


class ServiceHealth(ApiModel):
    """V1ServiceHealthResponse. `healthy` is deprecated ("Use status instead")."""

    name: ServiceName
    status: ServiceHealthStatus
    healthy: bool | None = None
    error: str | None = None
    info: dict[str, Any] | None = None

    @property
    def is_healthy(self) -> bool:
        return self.status is ServiceHealthStatus.ACTIVE_HEALTHY


# --- API keys ------------------------------------------------------------------------------


class ApiKeyType(StrEnum):
    LEGACY = "legacy"
    PUBLISHABLE = "publishable"
    SECRET = "secret"


MASK = "····"


class ApiKey(ApiModel):
    """ApiKeyResponse. Key material stays out of repr (a secret key is as good as a password)."""

    name: str
    api_key: str | None = Field(default=None, repr=False)
    id: str | None = None
    type: ApiKeyType | None = None
    prefix: str | None = None
    description: str | None = None
    hash: str | None = Field(default=None, repr=False)
    secret_jwt_template: dict[str, Any] | None = None
    inserted_at: datetime | None = None
    updated_at: datetime | None = None

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


class DatabaseType(StrEnum):
    PRIMARY = "PRIMARY"
    READ_REPLICA = "READ_REPLICA"


class PoolMode(StrEnum):
    TRANSACTION = "transaction"
    SESSION = "session"


class PoolerConfig(ApiModel):
    """SupavisorConfigResponse (one item of the array)."""

    database_type: DatabaseType
    db_user: str
    db_host: str
    db_port: int
    db_name: str
    pool_mode: PoolMode
    connection_string: str | None = None
    identifier: str | None = None
    is_using_scram_auth: bool | None = None
    default_pool_size: int | None = None
    max_client_conn: int | None = None


# --- regions -------------------------------------------------------------------------------


class SmartGroupRegion(ApiModel):
    name: str
    code: SmartGroup
    type: Literal["smartGroup"]


class SpecificRegion(ApiModel):
    name: str
    code: Region
    type: Literal["specific"]
    provider: str
    status: str | None = None


class RegionRecommendations(ApiModel):
    smart_group: SmartGroupRegion = Field(alias="smartGroup")
    specific: list[SpecificRegion]


class RegionCatalog(ApiModel):
    smart_group: list[SmartGroupRegion] = Field(alias="smartGroup")
    specific: list[SpecificRegion]


class RegionsInfo(ApiModel):
    recommendations: RegionRecommendations
    all: RegionCatalog


# --- request bodies ------------------------------------------------------------------------


class RegionSelection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    type: Literal["specific", "smartGroup"]
    code: str


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
    parameters: list[Any] | None = None

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)
