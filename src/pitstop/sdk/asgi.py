"""Maintenance middleware for ASGI apps (Starlette, FastAPI, Quart, Django's ASGI handler).

    app.add_middleware(PitstopMiddleware, target="service:shop",
                       allow_paths=["/healthz"], bypass_secret=os.environ["BYPASS"])

While the target is in maintenance, HTTP requests get the guard's 503 (see
:mod:`pitstop.sdk.guard`) and WebSocket connections are closed with 1013 (try again later);
what the guard lets through, and everything outside maintenance, goes to the app.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any

from pitstop.sdk.guard import MaintenanceGuard

Scope = dict[str, Any]


class PitstopMiddleware:
    def __init__(self, app: Any, target: str | None = None, *,
                 guard: MaintenanceGuard | None = None, **options: Any) -> None:
        if guard is None and target is None:
            raise TypeError("PitstopMiddleware needs a target (or a MaintenanceGuard)")
        self.app = app
        self.guard = guard or MaintenanceGuard(target, **options)  # type: ignore[arg-type]

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket") or self.guard.serving():
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", ())}
        cookies = {k: m.value for k, m in SimpleCookie(headers.get("cookie", "")).items()}
        client = scope.get("client")
        answer = self.guard.refusal(scope.get("path", "/"), client[0] if client else None,
                                    headers, cookies)
        if answer is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1013,
                        "reason": "down for maintenance"})
        else:
            await send({"type": "http.response.start", "status": answer.status,
                        "headers": [(k.encode(), v.encode()) for k, v in answer.headers]})
            await send({"type": "http.response.body", "body": answer.body})
