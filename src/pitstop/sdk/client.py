"""Sync and async clients. Both share one set of request builders (``_Api``)."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

import httpx

from pitstop.sdk.clock import SYSTEM, Clock
from pitstop.sdk.errors import Unreachable
from pitstop.sdk.holds import AsyncMaintenanceHold, MaintenanceHold
from pitstop.sdk.leases import AsyncLease, Lease
from pitstop.sdk.request import _iso, _parse, _Request, _timeout_for
from pitstop.sdk.rolls import RollsApi
from pitstop.sdk.silences import SilencesApi

DEFAULT_URL = "http://127.0.0.1:8080"
Json = dict[str, Any]


class _Api(RollsApi, SilencesApi):
    """Every endpoint, once. ``_send`` is sync in Client and async in AsyncClient."""

    def _send(self, request: _Request) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _call(self, method: str, path: str, json: Any = None,
              params: dict[str, Any] | None = None) -> Any:
        return self._send(_Request(method, path, json, params))

    def health(self) -> Any:
        return self._send(_Request("GET", "/health"))

    # targets and switches
    def list_targets(self, kind: str | None = None) -> Any:
        return self._send(_Request("GET", "/v1/targets", params={"kind": kind}))

    def get_target(self, target: str) -> Any:
        return self._send(_Request("GET", f"/v1/targets/{target}"))

    def gate_state(self, target: str) -> Any:
        """The switches and gating occurrences the SDK's Gate decides from."""
        return self._send(_Request("GET", f"/v1/targets/{target}/gate"))

    def put_target(self, target: str, labels: dict[str, str] | None = None) -> Any:
        return self._send(_Request("PUT", f"/v1/targets/{target}", {"labels": labels or {}}))

    def delete_target(self, target: str, reason: str) -> Any:
        return self._send(_Request("DELETE", f"/v1/targets/{target}", params={"reason": reason}))

    def enter(self, target: str, reason: str, *, expires_at: datetime | str | None = None,
              wait_ms: int | None = None, hold: str | None = None,
              public_message: str | None = None) -> Any:
        """Take a hold on ``target``'s maintenance (``hold`` names a tool's own; omitted,
        the token's own). ``public_message`` is what the status page may show."""
        body = {"reason": reason, "expires_at": _iso(expires_at), "wait_ms": wait_ms,
                "hold": hold, "public_message": public_message}
        return self._send(_Request("POST", f"/v1/targets/{target}/maintenance/enter",
                                   {k: v for k, v in body.items() if v is not None}))

    def exit(self, target: str, reason: str, *, hold: str | None = None,
             all: bool = False) -> Any:
        """Release this token's hold (or the named ``hold``); ``all`` (admin) ends the
        maintenance for every holder. Raises Conflict when others hold it and you do not."""
        body = {"reason": reason, "hold": hold, "all": all or None}
        return self._send(_Request("POST", f"/v1/targets/{target}/maintenance/exit",
                                   {k: v for k, v in body.items() if v is not None}))

    def drain(self, target: str, *, wait_ms: int = 0) -> Any:
        """Drain status; with ``wait_ms`` the server answers as soon as the target is safe."""
        return self._send(_Request("GET", f"/v1/targets/{target}/drain",
                                   params={"wait_ms": wait_ms or None}))

    # history
    def history(self, *, target: str | None = None, action: str | None = None,
                actor: str | None = None, since: datetime | str | None = None,
                until: datetime | str | None = None, limit: int | None = None,
                cursor: str | None = None) -> Any:
        params = {"target": target, "action": action, "actor": actor, "since": _iso(since),
                  "until": _iso(until), "limit": limit, "cursor": cursor}
        return self._send(_Request("GET", "/v1/history", params=params))

    # leases
    def acquire(self, target: str, kind: str, holder: str, *,
                expected_duration_s: float | None = None, phase: str | None = None,
                ttl_s: int | None = None, force: bool = False) -> Any:
        """Admit one unit of work. ``force`` starts it even if a gating window would begin
        before ``expected_duration_s`` has passed (never while in maintenance)."""
        body = {"target": target, "kind": kind, "holder": holder,
                "expected_duration_s": expected_duration_s, "phase": phase, "ttl_s": ttl_s,
                "force": force or None}
        return self._send(_Request("POST", "/v1/leases",
                                   {k: v for k, v in body.items() if v is not None}))

    def heartbeat(self, lease_id: str) -> Any:
        return self._send(_Request("POST", f"/v1/leases/{lease_id}/heartbeat"))

    def set_phase(self, lease_id: str, phase: str | None) -> Any:
        return self._send(_Request("PATCH", f"/v1/leases/{lease_id}", {"phase": phase}))

    def release(self, lease_id: str) -> Any:
        return self._send(_Request("DELETE", f"/v1/leases/{lease_id}"))

    def list_leases(self, target: str | None = None) -> Any:
        """Leases and agent-reported work (``reported: true``) in flight on or under
        ``target``."""
        return self._send(_Request("GET", "/v1/leases", params={"target": target}))

    def force_release(self, lease_id: str, reason: str) -> Any:
        """Admins: end a lease, or stop counting a reported run (``node:<name>/<workload>``)
        that holds up a drain."""
        return self._send(_Request("POST", f"/v1/leases/{lease_id}/release",
                                   {"reason": reason}))

    # windows and occurrences
    def create_window(self, **fields: Any) -> Any:
        """``title, start`` (local, no offset)``, timezone, duration, affects`` and the
        optional fields of POST /v1/windows."""
        return self._send(_Request("POST", "/v1/windows", fields))

    def list_windows(self, *, status: str | None = None, target: str | None = None) -> Any:
        return self._send(_Request("GET", "/v1/windows",
                                   params={"status": status, "target": target}))

    def get_window(self, window_id: int) -> Any:
        return self._send(_Request("GET", f"/v1/windows/{window_id}"))

    def update_window(self, window_id: int, **changes: Any) -> Any:
        """Only the fields given change; ``rrule=None`` makes the window one-time."""
        return self._send(_Request("PATCH", f"/v1/windows/{window_id}", changes))

    def delete_window(self, window_id: int) -> Any:
        return self._send(_Request("DELETE", f"/v1/windows/{window_id}"))

    def list_occurrences(self, window_id: int, *, start_from: datetime | str | None = None,
                         start_before: datetime | str | None = None, status: str | None = None,
                         projected: bool = False) -> Any:
        params = {"from": _iso(start_from), "to": _iso(start_before), "status": status,
                  "projected": "true" if projected else None}
        return self._send(_Request("GET", f"/v1/windows/{window_id}/occurrences",
                                   params=params))

    def update_occurrence(self, window_id: int, occurrence_id: int, **body: Any) -> Any:
        """``status="COMPLETED"|"CANCELLED"``, or ``start=..., end=...`` to move it."""
        return self._send(_Request(
            "PATCH", f"/v1/windows/{window_id}/occurrences/{occurrence_id}",
            {k: _iso(v) for k, v in body.items()}))

    def delete_occurrence(self, window_id: int, occurrence_id: int) -> Any:
        return self._send(_Request(
            "DELETE", f"/v1/windows/{window_id}/occurrences/{occurrence_id}"))

    # updates during a maintenance
    def post_occurrence_update(self, window_id: int, occurrence_id: int, body: str, *,
                               status: str | None = None) -> Any:
        """Tell the public how an upcoming or ongoing occurrence is going (markdown);
        ``status``: scheduled, in_progress, verifying or completed."""
        return self._send(_Request(
            "POST", f"/v1/windows/{window_id}/occurrences/{occurrence_id}/updates",
            {"body": body, "status": status}))

    def list_occurrence_updates(self, window_id: int, occurrence_id: int) -> Any:
        """The occurrence's updates, newest first."""
        return self._send(_Request(
            "GET", f"/v1/windows/{window_id}/occurrences/{occurrence_id}/updates"))

    def post_target_update(self, target: str, body: str, *, status: str | None = None) -> Any:
        """Tell the public how ``target``'s switch maintenance is going (markdown)."""
        return self._send(_Request("POST", f"/v1/targets/{target}/maintenance/updates",
                                   {"body": body, "status": status}))

    def list_target_updates(self, target: str) -> Any:
        """The updates of ``target``'s current switch maintenance, newest first."""
        return self._send(_Request("GET", f"/v1/targets/{target}/maintenance/updates"))

    def preview(self, **fields: Any) -> Any:
        """The next occurrences of a rule, without saving it (POST /v1/recurrence/preview)."""
        return self._send(_Request("POST", "/v1/recurrence/preview", fields))

    # nodes
    def register_node(self, name: str, labels: dict[str, str] | None = None) -> Any:
        """Register a node; the answer's ``token`` (its agent's) is shown this once."""
        return self._send(_Request("POST", "/v1/nodes", {"name": name, "labels": labels or {}}))

    def list_nodes(self) -> Any:
        return self._send(_Request("GET", "/v1/nodes"))

    def get_node(self, name: str) -> Any:
        return self._send(_Request("GET", f"/v1/nodes/{name}"))

    def delete_node(self, name: str) -> Any:
        return self._send(_Request("DELETE", f"/v1/nodes/{name}"))

    def rotate_node_token(self, name: str) -> Any:
        return self._send(_Request("POST", f"/v1/nodes/{name}/token/rotate"))

    def set_node_config(self, name: str, config: dict[str, Any]) -> Any:
        return self._send(_Request("PUT", f"/v1/nodes/{name}/config", config))

    def set_nodes_config(self, labels: dict[str, str], config: dict[str, Any]) -> Any:
        """The same config for every node whose labels match."""
        return self._send(_Request("PUT", "/v1/nodes/config",
                                   {"selector": {"labels": labels}, "config": config}))

    def node_maintenance(self, name: str, *, enter: bool, reason: str,
                         hold: str | None = None, all: bool = False,
                         force: bool = False) -> Any:
        """``force`` (admin): enter even beyond a disruption budget (audited)."""
        action = "enter" if enter else "exit"
        body = {"reason": reason, "hold": hold, "all": (all or None) if not enter else None,
                "force": (force or None) if enter else None}
        return self._send(_Request("POST", f"/v1/nodes/{name}/maintenance/{action}",
                                   {k: v for k, v in body.items() if v is not None}))

    # services
    def report_status(self, name: str, status: str, message: str | None = None) -> Any:
        return self._send(_Request("PUT", f"/v1/services/{name}/status",
                                   {"status": status, "message": message}))

    def list_services(self) -> Any:
        return self._send(_Request("GET", "/v1/services"))

    def get_service(self, name: str) -> Any:
        return self._send(_Request("GET", f"/v1/services/{name}"))

    # tokens
    def create_token(self, name: str, role: str) -> Any:
        return self._send(_Request("POST", "/v1/tokens", {"name": name, "role": role}))

    def list_tokens(self, *, include_revoked: bool = False) -> Any:
        return self._send(_Request("GET", "/v1/tokens",
                                   params={"include_revoked": include_revoked or None}))

    def revoke_token(self, token_id: str) -> Any:
        return self._send(_Request("DELETE", f"/v1/tokens/{token_id}"))

    # notification channels, subscriptions and deliveries (admin)
    def create_channel(self, name: str, kind: str, url: str, *, secret: str | None = None,
                       timeout_s: float | None = None) -> Any:
        body = {"name": name, "kind": kind, "url": url, "secret": secret,
                "timeout_s": timeout_s}
        return self._send(_Request("POST", "/v1/channels",
                                   {k: v for k, v in body.items() if v is not None}))

    def list_channels(self) -> Any:
        return self._send(_Request("GET", "/v1/channels"))

    def delete_channel(self, channel_id: str) -> Any:
        return self._send(_Request("DELETE", f"/v1/channels/{channel_id}"))

    def test_channel(self, channel_id: str) -> Any:
        return self._send(_Request("POST", f"/v1/channels/{channel_id}/test"))

    def create_subscription(self, channel: str, *, events: list[str] | None = None,
                            target: str | None = None, window: int | None = None) -> Any:
        body = {"channel": channel, "events": events, "target": target, "window": window}
        return self._send(_Request("POST", "/v1/subscriptions",
                                   {k: v for k, v in body.items() if v is not None}))

    def list_subscriptions(self, channel: str | None = None) -> Any:
        return self._send(_Request("GET", "/v1/subscriptions", params={"channel": channel}))

    def delete_subscription(self, subscription_id: str) -> Any:
        return self._send(_Request("DELETE", f"/v1/subscriptions/{subscription_id}"))

    def list_deliveries(self, *, status: str | None = None, channel: str | None = None,
                        limit: int | None = None) -> Any:
        return self._send(_Request("GET", "/v1/deliveries", params={
            "status": status, "channel": channel, "limit": limit}))

    def retry_delivery(self, delivery_id: int) -> Any:
        return self._send(_Request("POST", f"/v1/deliveries/{delivery_id}/retry"))

    # public subscribers (admin)
    # the public page: branding, logo, service groups (admin)
    def get_branding(self) -> Any:
        return self._send(_Request("GET", "/v1/branding"))

    def update_branding(self, **changes: str | None) -> Any:
        """Change title, accent or about; a field given as None goes back to its default."""
        return self._send(_Request("PUT", "/v1/branding", changes))

    def set_logo(self, image: bytes) -> Any:
        return self._send(_Request("PUT", "/v1/branding/logo", content=image,
                                   headers={"Content-Type": "application/octet-stream"}))

    def remove_logo(self) -> Any:
        return self._send(_Request("DELETE", "/v1/branding/logo"))

    def list_service_groups(self) -> Any:
        return self._send(_Request("GET", "/v1/service-groups"))

    def set_service_groups(self, groups: list[dict[str, Any]]) -> Any:
        """Replace every group: ``[{"name": ..., "services": [...]}, ...]`` in page order."""
        return self._send(_Request("PUT", "/v1/service-groups", {"groups": groups}))

    def list_subscribers(self) -> Any:
        return self._send(_Request("GET", "/v1/subscribers"))

    def remove_subscriber(self, subscriber_id: str) -> Any:
        return self._send(_Request("DELETE", f"/v1/subscribers/{subscriber_id}"))


def _settings(url: str | None, token: str | None) -> tuple[str, dict[str, str]]:
    url = (url or os.environ.get("PITSTOP_URL") or DEFAULT_URL).rstrip("/")
    token = token or os.environ.get("PITSTOP_TOKEN")
    headers = {"User-Agent": "pitstop-sdk"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return url, headers


class Client(_Api):
    """Blocking client. ``url`` and ``token`` default to $PITSTOP_URL and $PITSTOP_TOKEN."""

    def __init__(self, url: str | None = None, token: str | None = None, *,
                 timeout: float = 30.0, transport: httpx.BaseTransport | None = None,
                 clock: Clock = SYSTEM) -> None:
        self.url, headers = _settings(url, token)
        self.clock = clock  # what its leases' heartbeats (and a Gate made on it) wait by
        self._token = token or os.environ.get("PITSTOP_TOKEN")
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout,
                                  transport=transport)

    def async_twin(self) -> AsyncClient:
        """An :class:`AsyncClient` for the same server with the same credentials."""
        return AsyncClient(self.url, self._token, timeout=self._http.timeout,
                           clock=self.clock)

    def _send(self, request: _Request) -> Any:
        timeout = _timeout_for(self._http.timeout, request)
        try:
            response = self._http.request(request.method, request.path, json=request.json,
                                          params=request.params, timeout=timeout,
                                          content=request.content, headers=request.headers)
        except httpx.TransportError as exc:
            raise Unreachable(f"cannot reach pitstop at {self.url}: {exc}") from exc
        return _parse(response)

    def maintenance(self, target: str, reason: str, **kwargs: Any) -> MaintenanceHold:
        """A hold on ``target``'s maintenance for the length of a ``with`` block, released
        on every way out; others' holds are left alone (see ``pitstop.sdk.holds``)."""
        return MaintenanceHold(self, target, reason, **kwargs)

    def lease(self, target: str, kind: str, holder: str, **kwargs: Any) -> Lease:
        """A context manager holding a lease, heartbeating it in the background."""
        return Lease(self, target, kind, holder, **kwargs)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(_Api):
    """Asyncio client with the same methods as :class:`Client` (each returns a coroutine)."""

    def __init__(self, url: str | None = None, token: str | None = None, *,
                 timeout: float | httpx.Timeout = 30.0,
                 transport: httpx.AsyncBaseTransport | None = None,
                 clock: Clock = SYSTEM) -> None:
        self.url, headers = _settings(url, token)
        self.clock = clock  # what its leases' heartbeats wait by
        self._http = httpx.AsyncClient(base_url=self.url, headers=headers, timeout=timeout,
                                       transport=transport)

    async def _send(self, request: _Request) -> Any:  # type: ignore[override]
        timeout = _timeout_for(self._http.timeout, request)
        try:
            response = await self._http.request(request.method, request.path,
                                                json=request.json, params=request.params,
                                                timeout=timeout, content=request.content,
                                                headers=request.headers)
        except httpx.TransportError as exc:
            raise Unreachable(f"cannot reach pitstop at {self.url}: {exc}") from exc
        return _parse(response)

    def maintenance(self, target: str, reason: str, **kwargs: Any) -> AsyncMaintenanceHold:
        """``async with``: as :meth:`Client.maintenance`."""
        return AsyncMaintenanceHold(self, target, reason, **kwargs)

    def lease(self, target: str, kind: str, holder: str, **kwargs: Any) -> AsyncLease:
        return AsyncLease(self, target, kind, holder, **kwargs)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
