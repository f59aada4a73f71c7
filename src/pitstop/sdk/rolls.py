"""The SDK's calls for rolling maintenance and disruption budgets (mixed into the clients)."""

from __future__ import annotations

from typing import Any


class RollsApi:
    """``_call`` is the client's: it sends one request (sync or async)."""

    def _call(self, method: str, path: str, json: Any = None,
              params: dict[str, Any] | None = None) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def create_roll(self, *, selector: dict[str, str], reason: str, command: list[str],
                    driver: str, max_unavailable: int = 1, check: str | None = None) -> Any:
        return self._call("POST", "/v1/rolls", {
            "selector": selector, "reason": reason, "command": command, "driver": driver,
            "max_unavailable": max_unavailable, "check": check})

    def list_rolls(self) -> Any:
        return self._call("GET", "/v1/rolls")

    def get_roll(self, roll_id: int) -> Any:
        return self._call("GET", f"/v1/rolls/{roll_id}")

    def claim_roll_step(self, roll_id: int, driver: str, *, wait_ms: int = 0) -> Any:
        """The next node to start; with ``wait_ms`` the server waits while the roll or a
        disruption budget is at its limit."""
        return self._call("POST", f"/v1/rolls/{roll_id}/claim",
                          {"driver": driver, "wait_ms": wait_ms})

    def move_roll_step(self, roll_id: int, node: str, driver: str, status: str,
                       message: str | None = None) -> Any:
        return self._call("POST", f"/v1/rolls/{roll_id}/steps/{node}",
                          {"driver": driver, "status": status, "message": message})

    def resume_roll(self, roll_id: int, driver: str, *, take_over: bool = False) -> Any:
        return self._call("POST", f"/v1/rolls/{roll_id}/resume",
                          {"driver": driver, "take_over": take_over})

    def list_budgets(self) -> Any:
        return self._call("GET", "/v1/disruption-budgets")

    def set_budget(self, selector: dict[str, str], max_unavailable: int) -> Any:
        return self._call("PUT", "/v1/disruption-budgets",
                          {"selector": selector, "max_unavailable": max_unavailable})

    def remove_budget(self, key: str) -> Any:
        return self._call("DELETE", f"/v1/disruption-budgets/{key}")
