"""examples/pipeline_engine end to end, with real processes: the README's command runs the
engine, queues pipelines, and puts the platform into maintenance while two run."""

from __future__ import annotations

from tests.examples.readme import run_readme_command


def test_platform_maintenance_holds_the_queue_and_lets_running_pipelines_finish(live):
    done = run_readme_command(live, "pipeline_engine")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "a new run is refused: new runs are refused: database upgrade to 16.4" in out
    assert "docs waiting: platform in maintenance (database upgrade to 16.4)" in out
    assert "'docs': 'succeeded', 'hotfix': 'succeeded'" in out
    assert "demo: ok: every step held" in out
    with live.client() as http:  # what the history says, read independently
        items = http.get("/v1/history", params={"target": "platform"}).json()["items"]
        assert [(i["actor"], i["action"], i["reason"]) for i in items] == [
            ("demo-alice", "maintenance.exited", "upgrade done"),
            ("demo-alice", "maintenance.entered", "database upgrade to 16.4")]
        tokens = http.get("/v1/tokens").json()["items"]
        assert [t["name"] for t in tokens] == ["admin"]  # the demo's tokens are revoked
