"""pitstop's Python SDK: speaks HTTP only and imports nothing from the server."""

from pitstop.sdk.client import AsyncClient, Client
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
    Unreachable,
)
from pitstop.sdk.leases import AsyncLease, Lease

__all__ = [
    "AsyncClient",
    "AsyncLease",
    "BadRequest",
    "Client",
    "Conflict",
    "Forbidden",
    "InMaintenance",
    "Lease",
    "MaintenanceSoon",
    "NotFound",
    "PitstopError",
    "RateLimited",
    "ServerError",
    "Unauthorized",
    "Unreachable",
]
