"""Alertmanager silence rules: which targets they silence, the matchers they build, and how
long a silence lasts. Pure: no I/O, the time is a parameter.

A rule's matcher values are templates: ``{id}``, ``{kind}``, ``{name}`` and ``{labels.KEY}``
are replaced by the target's; ``{{`` and ``}}`` are literal braces. A target lacking a label a
template names is not silenced by that rule (an empty value would silence far more).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pitstop.domain.state import Cause
from pitstop.domain.windows import Selector, parse_affects

CREATED_BY = "pitstop"
LABEL_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
FIELD_RE = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
PLAIN_FIELDS = ("id", "kind", "name")
MARKER_RE = re.compile(r"\(pitstop silence #(\d+)\)$")
MATCHERS_MAX = 20
PADDING_MAX_S = 7 * 86400
# A silence whose maintenance has no known end lasts this long, and is extended when less
# than half of it is left: a pitstop that is gone for good leaves no silence for ever.
HORIZON = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class MatcherTemplate:
    name: str
    value: str
    is_regex: bool = False
    is_equal: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "isRegex": self.is_regex,
                "isEqual": self.is_equal}


@dataclass(frozen=True, slots=True)
class SilenceRule:
    id: int
    name: str
    selector: Selector
    matchers: tuple[MatcherTemplate, ...]
    padding: timedelta = timedelta(0)

    def matches(self, target: str, labels: Mapping[str, str]) -> bool:
        return self.selector.matches(target, labels)

    def render(self, target: str, labels: Mapping[str, str]) -> list[dict[str, Any]] | None:
        """The Alertmanager matchers for ``target``, or None when a template names a label
        the target lacks."""
        kind, _, name = target.partition(":")
        fields = {"id": target, "kind": kind, "name": name or target}
        out = []
        for m in self.matchers:
            value = _fill(m.value, fields, labels, m.is_regex)
            if value is None:
                return None
            out.append({"name": m.name, "value": value, "isRegex": m.is_regex,
                        "isEqual": m.is_equal})
        return out


def parse_selector(raw: Any) -> Selector:
    """A target id such as ``node:db-1``, or ``{"labels": {"env": "prod"}}``."""
    try:
        return parse_affects([{"selector": raw}])[0]
    except ValueError as exc:
        raise ValueError(str(exc).replace("affects[0].selector", "selector")) from None


def parse_matchers(raw: Sequence[Mapping[str, Any]]) -> tuple[MatcherTemplate, ...]:
    """Matcher templates from their JSON form; ValueError names the entry and what to
    change. Alertmanager refuses a silence whose every matcher matches the empty string, so
    one equality matcher with a value is required."""
    if not raw:
        raise ValueError("matchers must hold at least one matcher, such as "
                         '{"name": "instance", "value": "{name}"}')
    if len(raw) > MATCHERS_MAX:
        raise ValueError(f"matchers holds {len(raw)} entries; use at most {MATCHERS_MAX}")
    out = tuple(_matcher(i, m) for i, m in enumerate(raw))
    if not any(m.is_equal and not m.is_regex and m.value for m in out):
        raise ValueError("matchers need one equality matcher (isEqual true, isRegex false) "
                         "with a non-empty value, or the silence would match every alert")
    return out


def _matcher(i: int, raw: Mapping[str, Any]) -> MatcherTemplate:
    where = f"matchers[{i}]"
    name, value = raw.get("name"), raw.get("value")
    if not isinstance(name, str) or not LABEL_NAME_RE.fullmatch(name):
        raise ValueError(f"{where}.name must be a Prometheus label name such as 'instance' "
                         "(letters, digits and _, not starting with a digit)")
    if not isinstance(value, str):
        raise ValueError(f"{where}.value must be a string template such as '{{name}}'")
    is_regex, is_equal = raw.get("isRegex", False), raw.get("isEqual", True)
    if not isinstance(is_regex, bool) or not isinstance(is_equal, bool):
        raise ValueError(f"{where}: isRegex and isEqual must be true or false")
    for match in FIELD_RE.finditer(value):
        token, field = match.group(0), match.group(1)
        if token in ("{{", "}}"):
            continue
        if field is None or not (field in PLAIN_FIELDS or _label_field(field)):
            raise ValueError(f"{where}.value: unknown field {token!r}; use {{id}}, {{kind}}, "
                             "{name} or {labels.KEY}, and {{ or }} for a literal brace")
    if is_regex:
        try:
            re.compile(_fill(value, {"id": "", "kind": "", "name": ""}, _Any(), True) or "")
        except re.error as exc:
            raise ValueError(f"{where}.value is not a valid regular expression: {exc}") from None
    return MatcherTemplate(name, value, is_regex, is_equal)


def _label_field(field: str) -> bool:
    return field.startswith("labels.") and len(field) > len("labels.")


class _Any(dict[str, str]):
    """Every label, empty: for checking a template's shape."""

    def get(self, key: str, default: Any = None) -> str:  # type: ignore[override]
        return ""


def _fill(template: str, fields: Mapping[str, str], labels: Mapping[str, str],
          is_regex: bool) -> str | None:
    missing = False

    def one(match: re.Match[str]) -> str:
        nonlocal missing
        token, field = match.group(0), match.group(1)
        if token in ("{{", "}}"):
            return token[0]
        value = fields.get(field) if field in PLAIN_FIELDS else labels.get(field[7:])
        if value is None:
            missing = True
            return ""
        return re.escape(value) if is_regex else value

    out = FIELD_RE.sub(one, template)
    return None if missing else out


def cause_key(cause: Cause) -> str:
    """What a silence is for: a switch (through the target it is on) or an occurrence."""
    if cause.kind == "window":
        return f"occurrence:{cause.occurrence}"
    return f"switch:{cause.source}"


def live_key(rule_id: int, target: str, cause: str) -> str:
    return f"{rule_id}|{target}|{cause}"


def marked(comment: str, silence_id: int) -> str:
    """The comment sent to Alertmanager: ours, then the row it belongs to."""
    return f"{comment} (pitstop silence #{silence_id})"


def marker_of(silence: Mapping[str, Any]) -> int | None:
    """The row an Alertmanager silence belongs to, if pitstop created it."""
    if silence.get("createdBy") != CREATED_BY:
        return None
    found = MARKER_RE.search(silence.get("comment") or "")
    return int(found.group(1)) if found else None


def silence_end(ends_at: datetime | None, held: datetime | None, now: datetime
                ) -> datetime:
    """The ``endsAt`` to give Alertmanager: the maintenance's end when known, else the
    horizon, kept while more than half of it is left."""
    if ends_at is not None:
        return max(ends_at, now + timedelta(minutes=1))
    if held is not None and held - now > HORIZON / 2:
        return held
    return now + HORIZON


def needs_extension(ends_at: datetime | None, held: datetime | None, now: datetime) -> bool:
    """An open-ended silence with less than half its horizon left."""
    return ends_at is None and held is not None and held - now <= HORIZON / 2
