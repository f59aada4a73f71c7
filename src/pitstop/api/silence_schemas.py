"""Request bodies of /v1/silence-rules."""

from __future__ import annotations

from pydantic import Field

from pitstop.api.schemas import Body


class MatcherBody(Body):
    name: str = Field(min_length=1, max_length=100, description="an Alertmanager label name")
    value: str = Field(max_length=500, description="a template: {id}, {kind}, {name}, "
                       "{labels.KEY}; {{ and }} for braces")
    isRegex: bool = False  # Alertmanager's spelling
    isEqual: bool = True


class SilenceRuleBody(Body):
    name: str = Field(min_length=1, max_length=100)
    # Checked by services.silence_rules (whose messages say what to change).
    selector: str | dict[str, dict[str, str]] = Field(
        description="a target id such as node:db-1, or {\"labels\": {\"env\": \"prod\"}}")
    matchers: list[MatcherBody] = Field(min_length=1, max_length=20)
    padding_s: int = Field(0, ge=0, le=7 * 86400,
                           description="seconds added to a maintenance's known end")
