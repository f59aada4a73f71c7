"""Maintenance middleware for WSGI apps (Flask, Bottle, Pyramid, any WSGI app).

    app.wsgi_app = PitstopWSGIMiddleware(app.wsgi_app, target="service:shop",
                                         allow_paths=["/healthz"])

While the target is in maintenance, requests get the guard's 503 (see
:mod:`pitstop.sdk.guard`); what it lets through, and everything outside maintenance, goes to
the app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http.cookies import SimpleCookie
from typing import Any

from pitstop.sdk.guard import MaintenanceGuard

STATUS_LINES = {503: "503 Service Unavailable"}


class PitstopWSGIMiddleware:
    def __init__(self, app: Callable[..., Iterable[bytes]], target: str | None = None, *,
                 guard: MaintenanceGuard | None = None, **options: Any) -> None:
        if guard is None and target is None:
            raise TypeError("PitstopWSGIMiddleware needs a target (or a MaintenanceGuard)")
        self.app = app
        self.guard = guard or MaintenanceGuard(target, **options)  # type: ignore[arg-type]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        if self.guard.serving():
            return self.app(environ, start_response)
        headers = {k[5:].replace("_", "-").lower(): str(v) for k, v in environ.items()
                   if k.startswith("HTTP_")}
        cookies = {k: m.value for k, m in SimpleCookie(headers.get("cookie", "")).items()}
        answer = self.guard.refusal(environ.get("PATH_INFO", "/") or "/",
                                    environ.get("REMOTE_ADDR"), headers, cookies)
        if answer is None:
            return self.app(environ, start_response)
        start_response(STATUS_LINES.get(answer.status, str(answer.status)),
                       list(answer.headers))
        return [answer.body]
