"""Real receivers for notifications, on localhost: an HTTP endpoint (webhooks, apprise's
json:// and Slack-style hooks) and an SMTP server (aiosmtpd) for email."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int | None = None

    def json(self) -> Any:
        return json.loads(self.body)

    def signature_ok(self, secret: str) -> bool:
        expected = "sha256=" + hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers.get("x-pitstop-signature", ""))


@dataclass
class HttpReceiver:
    """Answers each request with the next planned behaviour (a status code; a float: 200
    after that many seconds; "hang": silent past the sender's timeout; "hold": 200 once the
    test sets ``release``), then 200 once the plan is used up."""

    plan: deque[int | float | str] = field(default_factory=deque)
    requests: list[Received] = field(default_factory=list)
    hang_s: float = 3.0
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                got = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                receiver.requests.append(got)
                step = receiver.plan.popleft() if receiver.plan else 200
                if isinstance(step, float):  # slow, but answers in time
                    time.sleep(step)
                    step = 200
                if step == "hold":  # the sender may be gone by then: a late answer
                    receiver.release.wait(receiver.hang_s)
                    step = 200
                if step == "hang":
                    time.sleep(receiver.hang_s)  # the sender gives up meanwhile
                    self.send_response(504)
                else:
                    got.answered = int(step)
                    self.send_response(int(step))
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def accepted(self) -> list[Received]:
        """The requests it answered with a 2xx (those the sender counts as delivered)."""
        return [r for r in self.requests if r.answered is not None and r.answered < 300]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class TrickleReceiver:
    """Answers 200 one byte at a time, ``gap_s`` apart: each read comes within an HTTP
    client's timeout, the whole answer does not."""

    def __init__(self, body_bytes: int = 40, gap_s: float = 0.2) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                self.send_response(200)
                self.send_header("content-length", str(body_bytes))
                self.end_headers()
                self.wfile.flush()
                for _ in range(body_bytes):
                    time.sleep(gap_s)
                    self.wfile.write(b".")
                    self.wfile.flush()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


class SmtpReceiver:
    """aiosmtpd on a free port, keeping every message it receives."""

    def __init__(self, port: int) -> None:
        self.mailbox = _Mailbox()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=port)
        self.controller.start()
        self.port = port

    @property
    def messages(self) -> list[Message]:
        return self.mailbox.messages

    def close(self) -> None:
        self.controller.stop()
