"""The documented deploy flow against a real server process, with restarts in between."""

from __future__ import annotations


def test_deploy_flow_survives_restarts(live):
    with live.client() as http:
        lease = http.post("/v1/leases", json={"target": "platform", "kind": "duel",
                                               "holder": "scheduler", "phase": "fighting",
                                               "ttl_s": 3600}).json()
        entered = http.post("/admin/maintenance/enter",
                            json={"reason": "deployment", "timeoutMs": 0}).json()
        assert entered["status"]["safeToDeploy"] is False
        assert entered["status"]["pendingMarkets"] == 1
        assert entered["status"]["currentPhase"] == "fighting"
    live.restart()
    with live.client() as http:
        status = http.get("/admin/maintenance/status").json()
        assert status["maintenanceMode"] is True and status["pendingMarkets"] == 1
        refused = http.post("/v1/leases", json={"target": "platform", "kind": "duel",
                                                 "holder": "scheduler"})
        assert refused.status_code == 503
        assert http.delete(f"/v1/leases/{lease['id']}").status_code == 204
        assert http.get("/admin/maintenance/status").json()["safeToDeploy"] is True
    live.restart()
    with live.client() as http:
        assert http.get("/health").json()["maintenanceMode"] is True
        exited = http.post("/admin/maintenance/exit",
                           headers={"content-type": "application/json"}).json()
        assert exited["status"]["maintenanceMode"] is False
        granted = http.post("/v1/leases", json={"target": "platform", "kind": "duel",
                                                 "holder": "scheduler"})
        assert granted.status_code == 201
