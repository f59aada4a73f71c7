"""The Gate's reads at the HTTP seam (httpx.MockTransport standing in for the server): of
two reads of one target, the one begun later is kept, whichever finishes first; a first
read that fails is tried again by the next watch()."""

from __future__ import annotations

import threading

import httpx

from pitstop.sdk import Client
from pitstop.sdk.gate import Gate

OPEN = {"target": "node:a", "switches": [], "windows": []}
CLOSED = {"target": "node:a", "windows": [],
          "switches": [{"source": "node:a", "reason": "disk swap", "expires_at": None}]}


def test_a_read_begun_earlier_never_overwrites_a_newer_one():
    served = [OPEN, CLOSED]  # the server's answers, in the order the reads reach it
    first_in, release_first = threading.Event(), threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        doc = served.pop(0)
        if doc is OPEN:  # the first read is slow to come back
            first_in.set()
            release_first.wait(5)
        return httpx.Response(200, json=doc)

    gate = Gate([], client=Client("http://pitstop.test", "t",
                                  transport=httpx.MockTransport(handler)))
    slow = threading.Thread(target=gate.watch, args=("node:a",))
    slow.start()
    assert first_in.wait(5)
    gate.refresh()  # begun later, answered first: node:a has entered maintenance
    assert not gate.allows("node:a")
    release_first.set()
    slow.join(5)
    check = gate.check("node:a")  # the older answer (open) arrived last and was dropped
    assert (check.allowed, check.reason) == (False, "disk swap")


def test_a_failed_first_read_is_tried_again_by_the_next_watch():
    answers = [httpx.ConnectError("refused"), CLOSED]

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(200, json=answer)

    gate = Gate([], client=Client("http://pitstop.test", "t",
                                  transport=httpx.MockTransport(handler)), fail_open=True)
    gate.watch("node:a")
    assert gate.check("node:a").stale and gate.allows("node:a")  # unread: the policy
    assert "node:a" not in gate.targets
    gate.watch("node:a")
    assert gate.targets == ("node:a",) and gate.check("node:a").reason == "disk swap"
