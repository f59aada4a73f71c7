"""schemathesis against the OpenAPI document of a real server, on SQLite and PostgreSQL: every
documented operation, with data that fits its schema and data that does not, as an admin, and
no answer may be a server error.

Bounded to run in about a minute per database on a small machine: a fixed number of examples
per operation and mode, derandomized (the same cases on every run), no deadline. The streaming
endpoint (``/v1/events``, which never ends) is left out, and the parameters that make a request
wait (``wait_ms``, ``wait_s``, ``timeoutMs``) are taken out of the document the test uses, so
no case waits for a drain.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup

from tests.live import LiveServer

EXAMPLES = 20  # per operation and mode: about a minute per database on 2 cores
ENDLESS = {"/v1/events", "/v1/stream"}
WAITING = {"wait_ms", "wait_s", "timeoutMs"}
# 5xx answers given by design, not server errors: lease admission refuses work with 503 (and
# Retry-After) while its target is in maintenance, or will be before the work ends.
BY_DESIGN = {"POST /v1/leases": {503}}


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    # No wait for safe either where the document cannot leave the wait out: the deploy API's
    # enter waits up to timeoutMs, 5 minutes when the body omits it.
    live = LiveServer(tmp_path, database_url, PITSTOP_MAX_WAIT_MS="0").start()
    yield live
    live.stop()


def without_waits(document: dict[str, Any]) -> dict[str, Any]:
    """The document without the parameters and body fields that make a request wait."""
    document = copy.deepcopy(document)
    for item in document["paths"].values():
        for operation in item.values():
            operation["parameters"] = [p for p in operation.get("parameters", ())
                                       if p["name"] not in WAITING]
    for component in document["components"]["schemas"].values():
        for name in WAITING & set(component.get("properties", {})):
            del component["properties"][name]
    return document


def run_operation(operation: Any, mode: GenerationMode, server: LiveServer,
                  session: requests.Session) -> list[str]:
    """Server errors found for one operation in one mode, each as a curl command."""
    found: list[str] = []
    headers = {"Authorization": f"Bearer {server.token}"}

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: schemathesis.Case) -> None:
        response = case.call(base_url=server.url, session=session, headers=headers,
                             timeout=30)
        if response.status_code in BY_DESIGN.get(operation.label, ()):
            return
        try:
            case.validate_response(response, checks=[not_a_server_error], headers=headers)
        except FailureGroup:  # keep going, to report every operation at once
            found.append(f"{response.status_code} "
                         f"{case.as_curl_command(headers, base_url=server.url)}")

    # Unsatisfiable: in negative mode, nothing in this operation's schema can be made invalid
    with contextlib.suppress(Unsatisfiable):
        check()
    return found


def test_no_operation_answers_with_a_server_error(server: LiveServer) -> None:
    document = httpx.get(server.url + "/openapi.json").json()
    schema = schemathesis.openapi.from_dict(without_waits(document))
    failures: dict[str, list[str]] = {}
    with requests.Session() as session:
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.path in ENDLESS:
                continue
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                found = run_operation(operation, mode, server, session)
                if found:
                    failures.setdefault(operation.label, []).extend(found[:3])
    assert not failures, "server errors:\n" + "\n".join(
        f"{label}:\n  " + "\n  ".join(cases) for label, cases in failures.items()
    ) + "\n--- server log ---\n" + server.log.read_text()[-5000:]
