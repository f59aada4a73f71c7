"""Subscribe rate limits hold across replicas: two pitstop processes sharing PostgreSQL
count the same requests (the count is in the database, not in each replica's memory), so a
client cannot multiply its allowance by the number of replicas behind the load balancer."""

from __future__ import annotations

import contextlib

from pitstop.app import create_app
from tests import pg
from tests.conftest import client_for, make_settings


async def test_replicas_share_the_subscribe_limits(pg_url: str | None):
    if pg_url is None:
        pg.skip_or_fail()
    await pg.reset(pg_url)
    settings = make_settings(pg_url, public_url="https://status.example.com",
                             smtp_host="127.0.0.1", smtp_port=9, smtp_tls="none")
    apps = [create_app(settings, run_scheduler=False) for _ in range(2)]
    async with contextlib.AsyncExitStack() as stack:
        for app in apps:
            await stack.enter_async_context(app.router.lifespan_context(app))
        a, b = [await stack.enter_async_context(client_for(app)) for app in apps]

        async def subscribe(client, address: str) -> int:  # type: ignore[no-untyped-def]
            r = await client.post("/v1/public/subscribers", json={"address": address})
            assert r.status_code in (202, 429), r.text
            return r.status_code

        # Three per address and hour, whichever replica is asked.
        assert [await subscribe(c, "jane@example.org") for c in (a, b, a)] == [202] * 3
        r = await b.post("/v1/public/subscribers", json={"address": "jane@example.org"})
        assert r.status_code == 429 and "for this email address" in r.json()["detail"]
        assert 3500 < int(r.headers["retry-after"]) <= 3600
        # Ten per client address and hour: four counted already, six more, alternating.
        assert [await subscribe((a, b)[i % 2], f"u{i}@example.org") for i in range(6)] == \
            [202] * 6
        r = await a.post("/v1/public/subscribers", json={"address": "late@example.org"})
        assert r.status_code == 429 and "from this address" in r.json()["detail"]
