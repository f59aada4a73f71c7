"""pitstop's Python SDK: speaks HTTP only and imports nothing from the server."""

from pitstop.sdk.client import AsyncClient, Client
from pitstop.sdk.clock import Clock, FrozenClock
from pitstop.sdk.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    InMaintenance,
    MaintenanceSoon,
    NotFound,
    PitstopError,
    RateLimited,
    ServerError,
    Unauthorized,
    Unavailable,
    Unreachable,
)
from pitstop.sdk.gate import Check, Gate
from pitstop.sdk.holds import AsyncMaintenanceHold, MaintenanceHold
from pitstop.sdk.leases import AsyncLease, Lease

__all__ = [
    "AsyncClient",
    "AsyncLease",
    "AsyncMaintenanceHold",
    "BadRequest",
    "Check",
    "Client",
    "Clock",
    "Conflict",
    "Forbidden",
    "FrozenClock",
    "Gate",
    "InMaintenance",
    "Lease",
    "MaintenanceHold",
    "MaintenanceSoon",
    "NotFound",
    "PitstopError",
    "RateLimited",
    "ServerError",
    "Unauthorized",
    "Unavailable",
    "Unreachable",
]
