"""What a web app's maintenance middleware decides and answers, whatever the framework.

:class:`MaintenanceGuard` asks the SDK's local :class:`~pitstop.sdk.gate.Gate` (no request to
pitstop per request) whether the target it guards is in maintenance, lets through what the
operator allows — paths, client addresses, a signed bypass header or cookie — and builds the
503 answer: an HTML page for browsers, ``application/problem+json`` for API clients, with
``Retry-After`` when the maintenance's end is known. The framework adapters
(:mod:`pitstop.sdk.asgi`, :mod:`pitstop.sdk.wsgi`, :mod:`pitstop.sdk.django`) only translate
their request into :meth:`MaintenanceGuard.refusal`'s arguments and its answer back.

Only public text reaches a visitor: a switch's public message or a public window's title,
never the operator's reason.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import ipaddress
import json
import math
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pitstop.sdk.clock import SYSTEM, Clock
from pitstop.sdk.gate import Gate

BYPASS_HEADER = "x-pitstop-bypass"
BYPASS_COOKIE = "pitstop_bypass"
NEUTRAL = "This service is down for maintenance. Please try again later."
PAGE = string.Template("""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Down for maintenance</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;
min-height:100vh;background:#f6f7f9;color:#1f2933}main{max-width:32rem;padding:2rem;
text-align:center}h1{font-size:1.5rem}</style></head>
<body><main><h1>Down for maintenance</h1><p>$message</p>$until</main></body></html>
""")


@dataclass(frozen=True, slots=True)
class Answer:
    """A framework-neutral response: status, headers (lower-case names) and body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def sign_bypass(secret: str, expires_at: float) -> str:
    """A bypass token valid until ``expires_at`` (epoch seconds): send it as the
    ``X-Pitstop-Bypass`` header or the ``pitstop_bypass`` cookie."""
    stamp = str(int(expires_at))
    mac = hmac.new(secret.encode(), stamp.encode(), hashlib.sha256).hexdigest()
    return f"{stamp}.{mac}"


class MaintenanceGuard:
    """Refuses requests while ``target`` is in maintenance, except those it lets through.

    ``allow_paths``: path prefixes always served (health checks, an admin);
    ``allow_ips``: addresses or CIDR networks always served (``client_ip`` as the framework
    reports it: behind a proxy, configure the framework to trust ``X-Forwarded-For``);
    ``bypass_secret``: accept a token from :func:`sign_bypass` in the header or cookie;
    ``template``: an HTML page (text or a file) with ``$message`` and ``$until``
    placeholders (``string.Template``), for browsers.
    """

    def __init__(self, target: str, *, gate: Gate | None = None, url: str | None = None,
                 token: str | None = None, allow_paths: Iterable[str] = (),
                 allow_ips: Iterable[str] = (), bypass_secret: str | None = None,
                 template: str | Path | None = None, fail_open: bool = True,
                 clock: Clock | None = None) -> None:
        self.target = target
        self.gate = gate or Gate([target], url=url, token=token, fail_open=fail_open,
                                 clock=clock).start()
        if target not in self.gate.targets:
            self.gate.watch(target)
        self.clock = clock or getattr(self.gate, "clock", SYSTEM)
        self.allow_paths = tuple(allow_paths)
        self.allow_ips = tuple(ipaddress.ip_network(n, strict=False) for n in allow_ips)
        self.bypass_secret = bypass_secret
        text = template.read_text() if isinstance(template, Path) else template
        self.page = string.Template(text) if text is not None else PAGE

    def serving(self) -> bool:
        """The fast path, from memory in well under a microsecond: True while the target is
        not in maintenance (then every request is served, with nothing else looked at)."""
        return self.gate.allows(self.target)

    def refusal(self, path: str, client_ip: str | None, headers: Mapping[str, str],
                cookies: Mapping[str, str]) -> Answer | None:
        """None to serve the request, or the 503 to answer instead. ``headers``: lower-case
        names."""
        check = self.gate.check(self.target)
        if check.allowed or self.lets_through(path, client_ip, headers, cookies):
            return None
        return self.answer(check.until, check.public or NEUTRAL, headers.get("accept", ""))

    def lets_through(self, path: str, client_ip: str | None, headers: Mapping[str, str],
                     cookies: Mapping[str, str]) -> bool:
        if any(path == p or path.startswith(p.rstrip("/") + "/") for p in self.allow_paths):
            return True
        if client_ip and self.allow_ips and self._ip_allowed(client_ip):
            return True
        token = headers.get(BYPASS_HEADER) or cookies.get(BYPASS_COOKIE)
        return bool(token and self.bypass_secret and self._valid(token))

    def answer(self, until: float | None, message: str, accept: str) -> Answer:
        headers = [("cache-control", "no-store")]
        if until is not None:
            retry = max(1, math.ceil(until - self.clock.time()))
            headers.append(("retry-after", str(retry)))
        if _wants_html(accept):
            until_html = "" if until is None else (
                f"<p>Expected back in about {_human(until - self.clock.time())}.</p>")
            body = self.page.safe_substitute(message=html.escape(message),
                                             until=until_html).encode()
            headers.append(("content-type", "text/html; charset=utf-8"))
        else:
            problem = {"type": "/problems/maintenance", "title": "Down for maintenance",
                       "status": 503, "detail": message, "target": self.target}
            if until is not None:
                problem["retry_after"] = int(headers[-1][1])
            body = json.dumps(problem).encode()
            headers.append(("content-type", "application/problem+json"))
        headers.append(("content-length", str(len(body))))
        return Answer(503, tuple(headers), body)

    def _ip_allowed(self, client_ip: str) -> bool:
        try:
            address = ipaddress.ip_address(client_ip)
        except ValueError:
            return False
        return any(address in network for network in self.allow_ips)

    def _valid(self, token: str) -> bool:
        stamp, _, mac = token.partition(".")
        if not stamp.isdigit() or int(stamp) < self.clock.time():
            return False
        assert self.bypass_secret is not None
        expected = hmac.new(self.bypass_secret.encode(), stamp.encode(),
                            hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, mac)


def _wants_html(accept: str) -> bool:
    """Browsers ask for text/html; API clients for JSON or anything (``*/*``)."""
    return "text/html" in accept


def _human(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    if minutes < 90:
        return f"{minutes} minute{'s' * (minutes != 1)}"
    hours = round(minutes / 60)
    return f"{hours} hours"
