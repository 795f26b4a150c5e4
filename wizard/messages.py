"""Messages the wizard's workers post back to its screens (the UI side only: this module imports
textual, so the engine never imports it). Each carries engine results as they are; screens only
show them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from wizard.api import ApiEvent, Organization, ProjectWithDatabase, RegionsInfo
    from wizard.clone import Clone, CloneEvent, CloneListing, Journal
    from wizard.diff import SchemaDiff
    from wizard.fleet import FleetMuse, MusePlan, MuseStatus, Rollout
    from wizard.guard import PurityFinding
    from wizard.migrations import MigrationFile
    from wizard.muses import MuseTemplate
    from wizard.scaffold import SpecProblem
    from wizard.sql import SchemaModel


# -- engine progress (posted to the App, which hands them to the run screen) -------------------------
@dataclass
class CloneProgress(Message):
    event: CloneEvent


@dataclass
class ApiNotice(Message):
    """Something the Management API client reported (health changes, retries, rate limits, warnings)."""

    event: ApiEvent


@dataclass
class CloneFinished(Message):
    journal: Journal
    checked: bool  # True when the clone was already finished and was only checked


@dataclass
class CloneStopped(Message):
    """The run ended early. `reason`: failed (the engine's error), interrupted (cancelled), crashed."""

    reason: str
    step: str | None
    message: str


# -- connection ---------------------------------------------------------------------------------------
@dataclass
class SandboxReady(Message):
    organization: str


@dataclass
class ConnectFailed(Message):
    what: str  # "sandbox", "organizations", "regions"
    message: str


@dataclass
class OrganizationsLoaded(Message):
    organizations: list[Organization]
    token: str = field(default="", repr=False)  # what they were loaded with ("" for the sandbox); never shown


@dataclass
class RegionsLoaded(Message):
    organization: str
    regions: RegionsInfo


@dataclass
class Connected(Message):
    """The Connect screen is done: the app's connection is ready for this organization and region."""

    organization: str
    region: str


# -- Welcome ------------------------------------------------------------------------------------------
@dataclass
class ClonesListed(Message):
    listings: list[CloneListing]


@dataclass
class StartNew(Message):
    pass


@dataclass
class ResumeRequested(Message):
    listing: CloneListing


# -- Muse ---------------------------------------------------------------------------------------------
@dataclass
class TemplatesListed(Message):
    templates: list[MuseTemplate]
    problem: str | None


@dataclass
class PreviewReady(Message):
    key: str
    template: MuseTemplate
    model: SchemaModel | None
    sql: str
    problem: str | None
    findings: list[PurityFinding] = field(default_factory=list)  # the purity check's errors and warnings


@dataclass
class MuseChosen(Message):
    """`ref` is what CloneInputs.muse takes: a shipped slug or a template folder's path."""

    ref: str
    name: str


@dataclass
class ScaffoldRequested(Message):
    pass


@dataclass
class ScaffoldPreview(Message):
    sql: str
    problems: list[SpecProblem]


# -- Project ------------------------------------------------------------------------------------------
@dataclass
class ProjectsLoaded(Message):
    projects: list[ProjectWithDatabase]


@dataclass
class CloneCreated(Message):
    """Clone.start succeeded: the journal is written and the clone holds its folder's lock; the run
    screen runs it."""

    clone: Clone
    db_password: str | None = field(default=None, repr=False)  # the founder's own, if they chose one


@dataclass
class StartFailed(Message):
    message: str


# -- Run ----------------------------------------------------------------------------------------------
@dataclass
class RunPrepared(Message):
    """The clone is open: its files (names) and which groups are already applied."""

    muse_name: str
    project_ref: str | None
    statuses: dict[str, str]  # step -> pending/running/done/failed, from the journal
    core_files: list[str]
    muse_files: list[str]
    core_done: bool
    muse_done: bool


@dataclass
class ReadmeSection(Message):
    caption: str
    text: str


# -- Your Muses (the portfolio) -------------------------------------------------------------------------
@dataclass
class FleetListed(Message):
    """The registry's Muses (checked next), and the roll-out that did not finish, if any."""

    muses: list[FleetMuse]
    unfinished: Rollout | None


@dataclass
class FleetRowChecked(Message):
    clone_id: str
    status: MuseStatus


@dataclass
class FleetChecked(Message):
    problem: str | None  # why the check stopped (None: every row is in)


@dataclass
class FleetPlanned(Message):
    plans: list[MusePlan]
    problem: str | None
    core: tuple[MigrationFile, ...] = ()  # what the plan compared with: its roll-out applies exactly that


@dataclass
class RolloutStarted(Message):
    rollout: Rollout


@dataclass
class RolloutLine(Message):
    """One line the roll-out reported (its `say` callback)."""

    text: str


@dataclass
class RolloutFinished(Message):
    rollout: Rollout | None
    problem: str | None  # why it stopped before its report (it stays resumable)


@dataclass
class SchemaDiffReady(Message):
    a: str  # the two Muses' names
    b: str
    diff: SchemaDiff | None
    problem: str | None
