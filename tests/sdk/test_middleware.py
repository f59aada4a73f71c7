"""The web-app middleware (pitstop.sdk.asgi, .wsgi, .django) in their real frameworks —
FastAPI under uvicorn, Flask, Django's test client and its runserver — fed by a Gate that
follows a real pitstop server: they refuse during maintenance (HTML for browsers,
problem+json for API clients, Retry-After, only the public message), let through allowed
paths, addresses and signed bypass tokens (and Django's staff), and serve again after."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from pitstop.sdk import Client
from pitstop.sdk.guard import MaintenanceGuard, sign_bypass
from tests.live import LiveServer, until

TARGET = "service:shop"
SECRET = "bypass-secret-for-tests"
HTML = {"Accept": "text/html,application/xhtml+xml"}
API = {"Accept": "application/json"}


@pytest.fixture
def api(server: LiveServer) -> Client:
    client = Client(server.url, server.token)
    client.put_target(TARGET)
    return client


@pytest.fixture
def guard(server: LiveServer, api: Client) -> Iterator[MaintenanceGuard]:
    guard = MaintenanceGuard(TARGET, url=server.url, token=server.token,
                             allow_paths=["/healthz"], allow_ips=["10.0.0.0/8"],
                             bypass_secret=SECRET)
    until(lambda: guard.gate.health()["mode"] == "stream")
    yield guard
    guard.gate.close()


def _enter(api: Client, guard: MaintenanceGuard) -> None:
    api.enter(TARGET, "secret-ticket-4711", public_message="The shop is being upgraded.",
              expires_at=datetime.now(UTC) + timedelta(minutes=10))
    until(lambda: not guard.serving(), within=2.0)


def _exit(api: Client, guard: MaintenanceGuard) -> None:
    api.exit(TARGET, "done")
    until(guard.serving, within=2.0)


def _scenario(api: Client, guard: MaintenanceGuard,
              get: Callable[[str, dict[str, str]], httpx.Response]) -> None:
    """The same day for every framework, through its own request path."""
    assert get("/", HTML).text == "hello"
    _enter(api, guard)
    page = get("/", HTML)
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert "The shop is being upgraded." in page.text
    assert "secret-ticket-4711" not in page.text
    assert 590 <= int(page.headers["retry-after"]) <= 600
    problem = get("/orders", API)
    assert problem.status_code == 503
    assert problem.headers["content-type"] == "application/problem+json"
    assert problem.json()["detail"] == "The shop is being upgraded."
    assert problem.json()["type"] == "/problems/maintenance"
    assert get("/healthz", API).text == "hello"  # an allowed path
    valid = sign_bypass(SECRET, time.time() + 60)
    assert get("/", {**HTML, "X-Pitstop-Bypass": valid}).text == "hello"
    assert get("/", {**HTML, "Cookie": f"pitstop_bypass={valid}"}).text == "hello"
    expired = sign_bypass(SECRET, time.time() - 1)
    assert get("/", {**HTML, "X-Pitstop-Bypass": expired}).status_code == 503
    forged = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    assert get("/", {**HTML, "X-Pitstop-Bypass": forged}).status_code == 503
    _exit(api, guard)
    assert get("/orders", API).text == "hello"


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_asgi_middleware_in_fastapi_under_uvicorn(api, guard):
    import uvicorn
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse

    from pitstop.sdk.asgi import PitstopMiddleware

    app = FastAPI()
    app.add_middleware(PitstopMiddleware, guard=guard)

    @app.get("/{path:path}")
    async def anything(path: str) -> PlainTextResponse:
        return PlainTextResponse("hello")

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        until(lambda: server.started)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            _scenario(api, guard, lambda path, headers: http.get(path, headers=headers))
    finally:
        server.should_exit = True
        thread.join(5)


def test_wsgi_middleware_in_flask(api, guard):
    from flask import Flask

    from pitstop.sdk.wsgi import PitstopWSGIMiddleware

    app = Flask(__name__)

    @app.route("/", defaults={"path": ""})
    @app.route("/<path:path>")
    def anything(path: str) -> str:
        return "hello"

    app.wsgi_app = PitstopWSGIMiddleware(app.wsgi_app, guard=guard)  # type: ignore[method-assign]
    def get(path: str, headers: dict[str, str]) -> httpx.Response:
        client = app.test_client()  # Werkzeug's client sends cookies from its own jar
        headers = dict(headers)
        name, _, value = headers.pop("Cookie", "").partition("=")
        if name:
            client.set_cookie(name, value)
        r = client.get(path, headers=headers)
        return httpx.Response(r.status_code, headers=dict(r.headers), content=r.data)

    _scenario(api, guard, get)


def test_an_unreachable_server_answers_by_the_policy(tmp_path):
    from flask import Flask

    from pitstop.sdk.wsgi import PitstopWSGIMiddleware

    app = Flask(__name__)
    app.add_url_rule("/", "index", lambda: "hello")
    closed = MaintenanceGuard(TARGET, url=f"http://127.0.0.1:{_free_port()}", token="t",
                              fail_open=False)
    opened = MaintenanceGuard(TARGET, url=f"http://127.0.0.1:{_free_port()}", token="t")
    try:
        strict = PitstopWSGIMiddleware(app.wsgi_app, guard=closed)
        lenient = PitstopWSGIMiddleware(app.wsgi_app, guard=opened)
        app.wsgi_app = strict  # type: ignore[method-assign]
        assert app.test_client().get("/", headers=API).status_code == 503
        app.wsgi_app = lenient  # type: ignore[method-assign]
        assert app.test_client().get("/", headers=API).text == "hello"
    finally:
        closed.gate.close()
        opened.gate.close()


DJANGO_APP = '''
import json, os, sys
import django
from django.conf import settings
from django.http import HttpResponse
from django.urls import re_path

settings.configure(
    DEBUG=False, SECRET_KEY="test", ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__,
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes",
                    "django.contrib.sessions"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware",
                "django.contrib.auth.middleware.AuthenticationMiddleware",
                "pitstop.sdk.django.PitstopMiddleware"],
    PITSTOP={"target": os.environ["TARGET"], "url": os.environ["PITSTOP_URL"],
             "token": os.environ["PITSTOP_TOKEN"], "allow_paths": ["/healthz"],
             "bypass_secret": os.environ["SECRET"]})
django.setup()
urlpatterns = [re_path(r"^.*$", lambda request: HttpResponse("hello"))]
'''


def _django_env(server: LiveServer) -> dict[str, str]:
    return server.env(TARGET=TARGET, SECRET=SECRET)


def test_django_middleware_with_the_test_client_and_staff(server, api, guard, tmp_path):
    """In a process of its own (Django's settings are per process), driven by the test
    through stdin: each line a request to make with Django's test client."""
    script = tmp_path / "djapp.py"
    script.write_text(DJANGO_APP + textwrap.dedent('''
        from django.contrib.auth.models import User
        from django.core.management import call_command
        from django.test import Client
        call_command("migrate", verbosity=0)
        staff = User.objects.create_user("ops", password="pw", is_staff=True)
        for line in sys.stdin:
            req = json.loads(line)
            client = Client()
            if req.get("staff"):
                client.force_login(staff)
            r = client.get(req["path"], headers=req["headers"])
            print(json.dumps({"status": r.status_code, "headers": dict(r.items()),
                              "body": r.content.decode()}), flush=True)
    '''))
    proc = subprocess.Popen([sys.executable, str(script)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=_django_env(server),
                            cwd=tmp_path)
    assert proc.stdin is not None and proc.stdout is not None

    def get(path: str, headers: dict[str, str], staff: bool = False) -> httpx.Response:
        proc.stdin.write(json.dumps({"path": path, "headers": headers, "staff": staff}) + "\n")
        proc.stdin.flush()
        answer = json.loads(proc.stdout.readline())
        return httpx.Response(answer["status"], headers=answer["headers"],
                              content=answer["body"].encode())

    def serving_in_django() -> bool:
        return get("/", API).status_code == 200

    try:
        assert get("/", HTML).text == "hello"
        _enter(api, guard)
        until(lambda: not serving_in_django(), within=2.0)  # the process's own gate
        page = get("/", HTML)
        assert page.status_code == 503 and "The shop is being upgraded." in page.text
        assert "secret-ticket-4711" not in page.text
        assert get("/", API).headers["content-type"] == "application/problem+json"
        assert get("/healthz", API).text == "hello"
        assert get("/", HTML, staff=True).text == "hello"  # staff are served
        valid = sign_bypass(SECRET, time.time() + 60)
        assert get("/", {**HTML, "X-Pitstop-Bypass": valid}).text == "hello"
        _exit(api, guard)
        until(serving_in_django, within=2.0)
    finally:
        proc.stdin.close()
        proc.wait(10)


def test_django_middleware_under_runserver(server, api, guard, tmp_path):
    (tmp_path / "djsite.py").write_text(DJANGO_APP)
    (tmp_path / "manage.py").write_text(
        "import sys, djsite\nfrom django.core.management import execute_from_command_line\n"
        "execute_from_command_line(sys.argv)\n")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "manage.py", "runserver", "--noreload",
                             f"127.0.0.1:{port}"], env=_django_env(server), cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            def up() -> bool:
                try:
                    return http.get("/healthz").status_code == 200
                except httpx.TransportError:
                    return False

            until(up, within=20.0)
            assert http.get("/", headers=HTML).text == "hello"
            _enter(api, guard)
            until(lambda: http.get("/", headers=API).status_code == 503, within=2.0)
            page = http.get("/", headers=HTML)
            assert "The shop is being upgraded." in page.text
            assert int(page.headers["retry-after"]) > 0
            assert http.get("/healthz").text == "hello"
            _exit(api, guard)
            until(lambda: http.get("/", headers=API).status_code == 200, within=2.0)
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_page_template_can_be_replaced(tmp_path, server, api, guard):
    page = tmp_path / "page.html"
    page.write_text("<h1>Back soon</h1><p>$message</p>$until")
    own = MaintenanceGuard(TARGET, gate=guard.gate, template=Path(page))
    _enter(api, guard)
    answer = own.refusal("/", None, {"accept": "text/html"}, {})
    assert answer is not None and answer.body.startswith(b"<h1>Back soon</h1><p>The shop")
    _exit(api, guard)
