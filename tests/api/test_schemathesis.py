"""schemathesis, with all its checks, against the OpenAPI document of a real server, on SQLite
and PostgreSQL: every documented operation, with data that fits its schema and data that does
not, as an admin, as a node's agent, and with no token.

The checks (all of schemathesis's, its default): not a server error; status code, content
type, response schema and response header conformance (every answer is one the document
lists, in its media type and shape); positive data acceptance and negative data rejection
(the schema's constraints are the validation's); ignored auth (an operation that needs a token
answers 401 without one); missing required headers; unsupported methods and the ``Allow``
header of the 405. The checks that need schemathesis's stateful phase or a second tenant (use
after free, resource availability, object-level authorization) do not apply. Where one check
is wrong for one operation, ``tests/api/schemathesis.toml`` turns it off there, with the
reason.

It runs schemathesis's own command line, as a team adopting pitstop would, with the examples,
coverage and fuzzing phases, in three passes: everything an admin token may call; the agent's
routes with a node's agent token; and revoking tokens last (an earlier pass would revoke the
run's own admin token, and every later case would only see 401s). The server counts no failed
logins against the run (the limiter is tested on its own) and never waits for safe. Bounded
to a few minutes per database on a small machine: a fixed number of examples per operation,
a fixed seed (the same cases on every run). The streaming endpoint (``/v1/events``, which
never ends) is left out, and the parameters that make a request wait (``wait_ms``,
``wait_s``, ``timeoutMs``) are taken out of the document the test uses. No generated string
holds a NUL character: the input guard refuses one anywhere with a 422 (see the README).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live import LiveServer

EXAMPLES = 15  # per operation: about a minute per database on 2 cores
SEED = 20261202
ENDLESS = "^/v1/events$"
WAITING = {"wait_ms", "wait_s", "timeoutMs"}
NOT_APPLICABLE = "use_after_free,ensure_resource_availability,object_level_authorization"
AGENT_PATHS = "^/v1/agent/"
LAST = "tokens_revoke"  # DELETE /v1/tokens/{token_id}
CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    # No wait for safe either where the document cannot leave the wait out: the deploy API's
    # enter waits up to timeoutMs, 5 minutes when the body omits it.
    live = LiveServer(tmp_path, database_url, PITSTOP_MAX_WAIT_MS="0",
                      PITSTOP_AUTH_FAILURES_PER_MINUTE="1000000",
                      PITSTOP_AGENT_RATE_PER_S="1000000", PITSTOP_AGENT_BURST="1000000").start()
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
            if name in component.get("required", ()):
                component["required"].remove(name)
    return document


def schemathesis_run(server: LiveServer, schema: Path, token: str, *selection: str
                     ) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "schemathesis.cli", "--no-color", "--config-file", str(CONFIG),
        "run", str(schema), "--url", server.url, "-H", f"Authorization: Bearer {token}",
        "--exclude-checks", NOT_APPLICABLE, "--phases", "examples,coverage,fuzzing",
        "--max-examples", str(EXAMPLES), "--seed", str(SEED), "--generation-database",
        "none", "--generation-allow-x00", "false", "--workers", "1", "--request-timeout",
        "30", "--warnings", "off", "--output-truncate", "false", *selection,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=900,
                          cwd=schema.parent, check=False)


def test_every_operation_passes_every_schemathesis_check(server: LiveServer,
                                                          tmp_path: Path) -> None:
    document = httpx.get(server.url + "/openapi.json").json()
    schema = tmp_path / "openapi.json"
    schema.write_text(json.dumps(without_waits(document)))
    with server.client() as http:
        node = http.post("/v1/nodes", json={"name": "fuzzed", "labels": {}})
        assert node.status_code == 201, node.text
    passes = {
        "admin": schemathesis_run(server, schema, server.token, "--exclude-path-regex",
                                  f"{ENDLESS}|{AGENT_PATHS}", "--exclude-operation-id", LAST),
        "agent": schemathesis_run(server, schema, node.json()["token"],
                                  "--include-path-regex", AGENT_PATHS),
        "revoke": schemathesis_run(server, schema, server.token,
                                   "--include-operation-id", LAST),
    }
    for name, run in passes.items():
        summary = run.stdout[run.stdout.rfind("SUMMARY"):]
        print(f"--- {name} ---\n{summary}")  # operations tested and cases, on every run
    failed = {name: run for name, run in passes.items() if run.returncode != 0}
    assert not failed, "\n".join(
        f"--- {name} ---\n{run.stdout[-15000:]}{run.stderr[-3000:]}"
        for name, run in failed.items()) + "\n--- server log ---\n" + \
        server.log.read_text()[-5000:]
