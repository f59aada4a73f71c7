"""The SDK's calls for Alertmanager silences: the rules (admin), and the silences they made
(mixed into the clients)."""

from __future__ import annotations

from typing import Any


class SilencesApi:
    """``_call`` is the client's: it sends one request (sync or async)."""

    def _call(self, method: str, path: str, json: Any = None,
              params: dict[str, Any] | None = None) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def create_silence_rule(self, name: str, selector: str | dict[str, Any],
                            matchers: list[dict[str, Any]], *, padding_s: int = 0) -> Any:
        return self._call("POST", "/v1/silence-rules", {
            "name": name, "selector": selector, "matchers": matchers, "padding_s": padding_s})

    def list_silence_rules(self) -> Any:
        return self._call("GET", "/v1/silence-rules")

    def delete_silence_rule(self, rule_id: int) -> Any:
        return self._call("DELETE", f"/v1/silence-rules/{rule_id}")

    def list_silences(self, *, target: str | None = None, live: bool = False) -> Any:
        path = f"/v1/targets/{target}/silences" if target else "/v1/silences"
        return self._call("GET", path, params={"live": "true" if live else None})
