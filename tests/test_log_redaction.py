"""No token in any server log line, whatever the transport: the stream's ``?token=`` is
redacted in uvicorn's handshake and access lines, for valid tokens and rejected guesses."""

from __future__ import annotations

import logging
import sys

import httpx
import pytest
from uvicorn.logging import AccessFormatter
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from pitstop.logs import RedactSecrets
from tests.live import LiveServer, until

GUESS = "pst_someones-guess-9876543210"


def test_stream_tokens_never_reach_the_server_log(live: LiveServer):
    ws_url = live.url.replace("http://", "ws://") + "/v1/stream"
    with connect(f"{ws_url}?token={live.token}&types=maintenance.entered"):
        pass
    with pytest.raises(InvalidStatus), connect(f"{ws_url}?token={GUESS}"):
        pass
    with httpx.stream("GET", f"{live.url}/v1/events?token={live.token}", timeout=5) as r:
        assert r.status_code == 200
    assert httpx.get(f"{live.url}/v1/events?token={GUESS}x").status_code == 401
    until(lambda: '"WebSocket /v1/stream?token=[redacted]" 401' in live.log.read_text())
    log = live.log.read_text()
    assert live.token not in log and GUESS not in log
    assert ('"WebSocket /v1/stream?token=[redacted]&types=maintenance.entered" [accepted]'
            in log)


def test_an_access_log_line_keeps_its_shape_without_the_token():
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/v1/events?after=3&token={GUESS}", "1.1", 200), None)
    assert RedactSecrets().filter(record)
    line = AccessFormatter("%(client_addr)s - \"%(request_line)s\" %(status_code)s",
                           use_colors=False).format(record)
    assert line == '127.0.0.1:5000 - "GET /v1/events?after=3&token=[redacted] HTTP/1.1" 200 OK'


def test_a_token_in_a_traceback_is_redacted_too():
    try:
        raise ValueError(f"could not open ws://x/v1/stream?token={GUESS}")
    except ValueError:
        record = logging.LogRecord("pitstop.x", logging.ERROR, __file__, 1, "failed", (),
                                   sys.exc_info())
    RedactSecrets().filter(record)
    text = logging.Formatter().format(record)
    assert GUESS not in text and "token=[redacted]" in text
