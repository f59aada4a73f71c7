"""Request bodies. Every field is checked here; messages say what to change."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)

from pitstop.domain.notifications import KINDS as NOTIFICATION_KINDS
from pitstop.domain.targets import (
    HOLD_KEY_PATTERN,
    LABEL_KEY_PATTERN,
    LABEL_VALUE_MAX,
    LABEL_VALUE_PATTERN,
    NAME_PATTERN,
    TARGET_PATTERN,
    validate_reason,
)
from pitstop.storage.types import INTEGER_MAX

# Patterns that document a rule the domain checks itself, with a message saying what to
# change: they go into the schema only (JSON Schema regexes, read as Python's would).
TRIMMED_1_500 = r"^\s*\S([\s\S]{0,498}\S)?\s*$"
BLANK_OR_TRIMMED_500 = r"^\s*(\S([\s\S]{0,498}\S)?)?\s*$"
Reason = Annotated[str, AfterValidator(validate_reason), Field(
    description="why, for operators and the audit: 1-500 characters after trimming",
    json_schema_extra={"pattern": TRIMMED_1_500})]
Labels = Annotated[dict[str, str], Field(
    description="keys: a-z 0-9 first, then up to 62 of a-z 0-9 _ . / -; values: up to 63 "
    "characters, without control or invisible formatting characters", json_schema_extra={
        "propertyNames": {"pattern": LABEL_KEY_PATTERN},
        "additionalProperties": {"type": "string", "maxLength": LABEL_VALUE_MAX,
                                 "pattern": LABEL_VALUE_PATTERN}})]
TargetIdField = Annotated[str, Field(
    min_length=1, max_length=80, description="`platform`, `node:<name>` or `service:<name>`",
    json_schema_extra={"pattern": TARGET_PATTERN})]

# The instants and days an input may name. Within them every sum made later (a duration, a
# lead time, a zone's offset) stays inside the range Python and both databases can hold.
EARLIEST, LATEST = datetime(1970, 1, 1), datetime(9000, 1, 1)
RANGE_MESSAGE = "must be from 1970-01-01 up to 9000-01-01"


def _in_range(value: datetime) -> datetime:
    if not EARLIEST <= value.replace(tzinfo=None) < LATEST:
        raise ValueError(RANGE_MESSAGE)
    return value


def _day_in_range(value: date) -> date:
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError(RANGE_MESSAGE)
    return value


def _json_integer(value: Any) -> Any:
    """A JSON integer, as the schema says: lax mode would also take ``true`` as 1 and
    ``"5"`` as 5 (``5.0`` is an integer in JSON Schema too, and stays accepted)."""
    if isinstance(value, bool | str):
        raise ValueError("must be a valid integer: a JSON number, not a string or a boolean")
    return value


def _json_time(value: Any) -> Any:
    """An RFC 3339 string: lax mode would also take a number as a Unix time."""
    if not isinstance(value, str | datetime):
        raise ValueError("must be an RFC 3339 date-time string, such as 2026-03-01T12:00:00Z")
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_in_range)]
# In a JSON body: a string only, and the range as the schema can say it (the local year).
BodyInstant = Annotated[AwareDatetime, BeforeValidator(_json_time), AfterValidator(_in_range),
                        Field(json_schema_extra={"pattern": r"^(19[7-9][0-9]|[2-8][0-9]{3})-"})]
WallOrInstant = Annotated[datetime, AfterValidator(_in_range)]
Day = Annotated[date, AfterValidator(_day_in_range)]
WaitMs = Annotated[int, Field(ge=0, le=3_600_000, description="wait up to this long for safe")]
BodyWaitMs = Annotated[WaitMs, BeforeValidator(_json_integer)]
JsonInt = Annotated[int, BeforeValidator(_json_integer)]  # true or "5" refused


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


HOLD_HELP = ("a name for this hold (1-63 of A-Z a-z 0-9 - _ .), so a tool acting for you "
             "(a deploy) can end exactly its own; omitted: your own hold")


HoldKey = Annotated[str | None, Field(
    max_length=63, description=HOLD_HELP,
    json_schema_extra={"anyOf": [{"type": "string", "pattern": "^$|" + HOLD_KEY_PATTERN},
                                 {"type": "null"}]})]


class NodeEnterBody(Body):
    reason: Reason
    public_message: str | None = Field(
        None, max_length=2000, description="what the public status page may show instead of "
        "the reason (at most 500 characters after trimming); a neutral text when omitted",
        json_schema_extra={"anyOf": [{"type": "string", "maxLength": 2000,
                                      "pattern": BLANK_OR_TRIMMED_500}, {"type": "null"}]})
    hold: HoldKey = None
    force: bool = Field(False, strict=True, description="admin only: enter a node even if "
                        "a disruption budget would be exceeded (the audit records it)")


class EnterBody(NodeEnterBody):
    expires_at: BodyInstant | None = Field(
        None, description="end this hold by itself at this time (with a time zone)")
    wait_ms: BodyWaitMs | None = None


class ExitBody(Body):
    reason: Reason
    hold: HoldKey = None
    all: bool = Field(False, strict=True,
                      description="admin only: end the maintenance for every holder")


class ReleaseBody(Body):
    reason: Reason


class TargetBody(Body):
    labels: Labels = Field(default_factory=dict)


class LeaseBody(Body):
    target: TargetIdField
    kind: str = Field(min_length=1, max_length=100)
    holder: str = Field(min_length=1, max_length=200)
    expected_duration_s: float | None = Field(None, gt=0, le=7 * 86400, strict=True)
    phase: str | None = Field(None, min_length=1, max_length=100)
    # The bounds come before the check of the type, or pydantic writes them as ge/le.
    ttl_s: Annotated[int, Field(ge=1, le=3600), BeforeValidator(_json_integer)] | None = None
    force: bool = Field(False, strict=True, description="admit even if a gating window starts "
                        "before expected_duration_s has passed (never while in maintenance)")


class PhaseBody(Body):
    phase: str | None = Field(min_length=1, max_length=100)


class TokenBody(Body):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.@-]*$")
    role: Literal["admin", "operator", "viewer", "worker"]


class DeployEnterBody(BaseModel):
    """The deploy API's body, as CI pipelines already send it (extra fields are ignored)."""

    reason: str | None = Field(None, description="the reason, shown publicly too: 1-500 "
                               "characters after trimming; `deployment` when empty",
                               json_schema_extra={"anyOf": [{
                                   "type": "string", "pattern": "^$|" + TRIMMED_1_500},
                                   {"type": "null"}]})
    timeoutMs: Annotated[int, Field(ge=0, le=3_600_000),
                         BeforeValidator(_json_integer)] = 300_000


_TIMEDELTA = TypeAdapter(timedelta)


def _elapsed(value: Any) -> timedelta:
    """ISO 8601 (PT2H, P1D, P1W) or seconds; a clear message for anything else."""
    try:
        return _TIMEDELTA.validate_python(value)
    except ValidationError:
        raise ValueError(f"{value!r} is not an elapsed time: use ISO 8601 like PT2H, PT30M "
                         "or P1D, or a number of seconds") from None


def _lead(value: timedelta) -> timedelta:
    if not timedelta(0) <= value <= timedelta(days=90):
        raise ValueError("must be between 0 and 90 days (ISO 8601 like PT1H, or seconds)")
    return value


def _reminder(value: timedelta) -> timedelta:
    if not timedelta(0) < value <= timedelta(days=90):
        raise ValueError("each reminder is a lead time between 1 second and 90 days before "
                         "the start (ISO 8601 like P1D or PT1H, or seconds)")
    return value


# Date-time texts as a pattern, so the schema holds exactly what is accepted: the years
# _in_range allows, real calendar days (29 February in leap years only), no leap second.
_YEAR = r"(19[7-9][0-9]|[2-8][0-9]{3})"
_LEAP_YEAR = (r"(19(7[26]|8[048]|9[26])|[2-8][0-9](0[48]|[2468][048]|[13579][26])"
              r"|([2468][048]|[3579][26])00)")
_DAY = (rf"({_YEAR}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]"
        rf"|30)|02-(0[1-9]|1[0-9]|2[0-8]))|{_LEAP_YEAR}-02-29)")
_TIME = r"T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
_SECONDS = r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"  # RFC 3339's
_OFFSET = r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
LOCAL_PATTERN = f"^{_DAY}{_TIME}$"
WALL_OR_INSTANT_PATTERN = f"^{_DAY}{_TIME}{_OFFSET}?$"
INSTANT_PATTERN = f"^{_DAY}{_SECONDS}{_OFFSET}$"


def _text_matching(pattern: str, what: str):  # type: ignore[no-untyped-def]
    """A BeforeValidator: only a string matching ``pattern`` (pydantic alone would also take
    a number of seconds since 1970, or days the pattern leaves out)."""
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if not isinstance(value, str) or not compiled.fullmatch(value):
            raise ValueError(f"must be {what}, from 1970-01-01 up to 9000-01-01")
        return value

    return BeforeValidator(check)


TextInstant = Annotated[Instant, _text_matching(
    INSTANT_PATTERN, "a date-time with its offset, such as 2026-05-01T22:00:00Z"),
                        WithJsonSchema({"type": "string", "format": "date-time",
                                        "pattern": INSTANT_PATTERN})]
Lead = Annotated[timedelta, BeforeValidator(_elapsed), AfterValidator(_lead)]
Reminder = Annotated[timedelta, BeforeValidator(_elapsed), AfterValidator(_reminder)]
Title = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=5000)]
Zone = Annotated[str, Field(min_length=1, max_length=64, description="IANA time zone")]
Rule = Annotated[str, Field(min_length=1, max_length=500,
                            description="RFC 5545 RRULE without DTSTART")]
Duration = Annotated[timedelta, BeforeValidator(_elapsed),
                     Field(description="elapsed time: ISO 8601 (PT2H) or seconds")]
LocalStart = Annotated[
    datetime, _text_matching(
    LOCAL_PATTERN, "a local date-time without an offset, such as 2026-05-01T22:00 (timezone "
    "says where)"), AfterValidator(_in_range),
    WithJsonSchema({"type": "string", "pattern": LOCAL_PATTERN}),
    Field(description="local wall-clock date-time in `timezone`, without an offset")]
WallOrInstantText = Annotated[
    WallOrInstant, _text_matching(
    WALL_OR_INSTANT_PATTERN, "a date-time such as 2026-05-01T22:00:00Z, or wall time in the "
    "window's zone such as 2026-05-01T22:00"),
    WithJsonSchema({"type": "string", "pattern": WALL_OR_INSTANT_PATTERN})]


class Affect(Body):
    # Checked by domain.windows.parse_affects, whose messages say which entry and how to fix
    # it (a union type here would answer with one error per alternative).
    selector: Any = Field(
        description='a target id (platform, node:a, service:api) or {"labels": {"region": '
        '"eu"}} (every label must match)',
        json_schema_extra={"oneOf": [{"type": "string"}, {
            "type": "object", "properties": {"labels": {"type": "object"}},
            "required": ["labels"]}]})
    impact: Literal["MAINTENANCE", "DEGRADED", "DOWN"] = "MAINTENANCE"


class LabelMatch(Body):
    labels: dict[str, str] = Field(min_length=1, description="every label must match")


class WindowBody(Body):
    title: Title
    description: Description = ""
    start: LocalStart
    timezone: Zone
    duration: Duration
    rrule: Rule | None = None
    affects: list[Affect] = Field(min_length=1, max_length=100)
    gates_work: bool = True
    ready_lead: Lead = timedelta(hours=1)
    reminders: list[Reminder] = Field(default_factory=list, max_length=10)
    public: bool = True
    status: Literal["ACTIVE", "PAUSED"] = "ACTIVE"

    def fields(self) -> dict[str, Any]:
        return {**self.model_dump(), "affects": [a.model_dump() for a in self.affects]}


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("cannot be null; omit it to keep it unchanged")
    return value


def _keep(default: Any = None, schema: dict[str, Any] | None = None, **constraints: Any
          ) -> Any:
    """A patch field that may be omitted but not null: the schema says so (not nullable,
    no default, plus ``schema``), and a null is refused with a message saying to omit it."""
    def adjust(s: dict[str, Any]) -> None:
        s.pop("default", None)
        s.update(schema or {})

    return Field(default, json_schema_extra=adjust, **constraints)


NotNull = BeforeValidator(_not_null)


class WindowPatch(Body):
    """Only the fields given change; ``rrule: null`` makes a window one-time."""

    title: Annotated[Title, NotNull] = _keep()
    description: Description | None = None
    start: Annotated[LocalStart, NotNull] = _keep()
    timezone: Annotated[Zone, NotNull] = _keep()
    duration: Annotated[Duration, NotNull] = _keep()
    rrule: Rule | None = None
    affects: Annotated[list[Affect], NotNull] = _keep(min_length=1, max_length=100)
    gates_work: Annotated[bool, NotNull] = _keep()
    ready_lead: Annotated[Lead, NotNull] = _keep()
    reminders: Annotated[list[Reminder], NotNull] = _keep(max_length=10)
    public: Annotated[bool, NotNull] = _keep()
    status: Annotated[Literal["ACTIVE", "PAUSED"], NotNull] = _keep()

    def changes(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.model_fields_set}
        if "affects" in out:
            out["affects"] = [a.model_dump() for a in self.affects or ()]
        return out


class OccurrencePatch(Body):
    """Either ``status`` (complete or cancel) or both ``start`` and ``end`` (move); the
    service says which is missing (services.occurrences._check_change)."""

    # The same rule as JSON Schema (in forms openapi-python-client still makes a model of):
    # something given, start and end together, never status with either.
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "minProperties": 1, "dependentRequired": {"start": ["end"], "end": ["start"]},
        "not": {"anyOf": [{"required": ["status", "start"]}, {"required": ["status", "end"]}]}})
    # Checked by the service, whose message says why only these two.
    status: Annotated[str, NotNull] = _keep(
        description="the others follow from the times",
        schema={"enum": ["COMPLETED", "CANCELLED"]})
    start: Annotated[WallOrInstantText, NotNull] = _keep(
        description="with an offset, or wall time in the window's zone")
    end: Annotated[WallOrInstantText, NotNull] = _keep()


class PreviewBody(Body):
    start: LocalStart
    timezone: Zone
    duration: Duration
    rrule: Rule | None = None
    count: int = Field(10, ge=1, le=100)


class ServiceStatusBody(Body):
    status: Literal["UP", "DEGRADED", "DOWN"]
    message: str | None = Field(None, max_length=500)


NodeName = Annotated[str, Field(min_length=1, max_length=63,
                                description="1-63 of a-z 0-9 - _ .",
                                json_schema_extra={"pattern": NAME_PATTERN})]


class NodeBody(Body):
    name: NodeName
    labels: Labels = Field(default_factory=dict)


# A node's desired config, as services.nodes checks it (its size is checked against the
# server's limit: 413).
CONFIG_SCHEMA = {"properties": {"workloads": {"type": "array", "items": {}}},
                 "required": ["workloads"]}


class BulkConfigBody(Body):
    selector: LabelMatch
    config: dict[str, Any] = Field(json_schema_extra=CONFIG_SCHEMA)


class RunningItem(Body):
    workload: str = Field(min_length=1, max_length=200)
    started_at: BodyInstant


class HeartbeatBody(Body):
    version: str | None = Field(None, max_length=100)
    running: list[RunningItem] = Field(default_factory=list, max_length=1000)


class ChannelBody(Body):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.@#-]*$")
    kind: Literal["webhook", "apprise"]
    url: str = Field(min_length=1, max_length=2000)
    secret: str | None = Field(None, min_length=1, max_length=200,
                               description="webhook only: the HMAC-SHA256 signing key")
    timeout_s: float = Field(10.0, gt=0, le=60, description="how long one attempt may take")


class SubscriptionBody(Body):
    channel: str = Field(min_length=1, max_length=32)
    # Checked by services.channels (whose messages name the unknown kinds and the target
    # rule); the schema states the same rules.
    events: list[str] | None = Field(
        None, description="notification kinds; when omitted, all but scheduled (ask for "
        "scheduled by name)",
        json_schema_extra=lambda s: s["anyOf"][0].update(
            minItems=1, items={"type": "string", "enum": list(NOTIFICATION_KINDS)}))
    target: str | None = Field(None, min_length=1, max_length=80, json_schema_extra=lambda s: (
        s["anyOf"][0].update(pattern=TARGET_PATTERN)))
    window: int | None = Field(None, ge=1, le=INTEGER_MAX)


class UpdateBody(Body):
    body: str = Field(
        max_length=20_000, description="what to tell the public, markdown (no raw HTML; links "
        "to http, https and mailto only): 1-5000 characters after trimming",
        json_schema_extra={"pattern": r"^\s*\S([\s\S]{0,4998}\S)?\s*$"})
    status: Literal["scheduled", "in_progress", "verifying", "completed"] | None = Field(
        None, description="the maintenance's phase (Statuspage's scheduled maintenance "
        "statuses); omitted: scheduled before the start, in_progress after it")


class BrandingBody(Body):
    """The fields to change; a field left out stays, a field set to null goes back to its
    default (PITSTOP_PAGE_TITLE, PITSTOP_PAGE_ACCENT, PITSTOP_PAGE_ABOUT)."""

    title: str | None = Field(None, max_length=400, description="1-80 characters")
    accent: str | None = Field(None, max_length=40, description="a CSS hex colour: #rgb or "
                               "#rrggbb")
    about: str | None = Field(None, max_length=4000, description="plain text, at most 1000 "
                              "characters after trimming")


class ServiceGroupBody(Body):
    name: str = Field(max_length=400, description="1-100 characters, unique")
    services: list[str] = Field(default_factory=list, max_length=1000,
                                description="names of existing services, each in one group "
                                "at most")


class ServiceGroupsBody(Body):
    groups: list[ServiceGroupBody] = Field(max_length=100, description="every group, in "
                                           "the order the page shows them")


class SubscriberBody(Body):
    kind: Literal["email", "webhook"] = Field(
        "email", description="email (double opt-in: a confirmation mail first) or webhook "
        "(an https:// url, confirmed at once)")
    address: str = Field(min_length=3, max_length=2000,
                         description="the email address, or the webhook's url")
    services: list[Annotated[str, Field(min_length=1, max_length=63)]] | None = Field(
        None, min_length=1, max_length=100,
        description="service names to hear about; omitted: all public maintenance")
    language: str | None = Field(None, min_length=2, max_length=16,
                                 pattern=r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
