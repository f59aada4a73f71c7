"""Maintenance middleware for Django.

    MIDDLEWARE = [..., "django.contrib.auth.middleware.AuthenticationMiddleware",
                  "pitstop.sdk.django.PitstopMiddleware", ...]
    PITSTOP = {"target": "service:shop", "url": "https://pitstop.example",
               "token": os.environ["PITSTOP_TOKEN"], "allow_paths": ["/admin/", "/healthz"],
               "allow_staff": True}

``PITSTOP`` takes :class:`~pitstop.sdk.guard.MaintenanceGuard`'s options, plus
``allow_staff`` (default True): staff and superusers are served during maintenance (put the
middleware after ``AuthenticationMiddleware``). One guard, and so one gate, per process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

from pitstop.sdk.guard import MaintenanceGuard


class PitstopMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        options = dict(getattr(settings, "PITSTOP", None) or {})
        if "target" not in options and "guard" not in options:
            raise ImproperlyConfigured("settings.PITSTOP needs a 'target' such as "
                                       "'service:shop' (see pitstop.sdk.django)")
        self.allow_staff = bool(options.pop("allow_staff", True))
        guard = options.pop("guard", None)
        self.guard: MaintenanceGuard = guard or MaintenanceGuard(options.pop("target"),
                                                                 **options)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.guard.serving() or self._staff(request):
            return self.get_response(request)
        headers = {k.lower(): v for k, v in request.headers.items()}
        answer = self.guard.refusal(request.path, request.META.get("REMOTE_ADDR"), headers,
                                    request.COOKIES)
        if answer is None:
            return self.get_response(request)
        response = HttpResponse(answer.body, status=answer.status)
        for name, value in answer.headers:
            if name != "content-length":
                response[name] = value
        return response

    def _staff(self, request: Any) -> bool:
        user = getattr(request, "user", None)
        return bool(self.allow_staff and user is not None
                    and (getattr(user, "is_staff", False)
                         or getattr(user, "is_superuser", False)))
