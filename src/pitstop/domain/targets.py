"""Target identifiers, names, labels and maintenance reasons."""

from __future__ import annotations

import re
from dataclasses import dataclass

PLATFORM = "platform"
KINDS = ("node", "service")
# The patterns are also the API's documented constraints (JSON Schema), so they stay plain.
NAME_PATTERN = r"^[a-z0-9_.-]{1,63}$"
TARGET_PATTERN = r"^(platform|(node|service):[a-z0-9_.-]{1,63})$"
LABEL_KEY_PATTERN = r"^[a-z0-9][a-z0-9_./-]{0,62}$"
# Values: up to 63 characters, none a control character (C0, DEL, C1) nor an invisible formatting
# one (soft hyphen, zero-width and bidirectional marks, line and paragraph separators, BOM).
LABEL_VALUE_PATTERN = (r"^[^\x00-\x1f\x7f-\x9f\xad\u061c\u180e\u200b-\u200f\u2028-\u202e"
                       r"\u2060-\u206f\ufeff\ufff9-\ufffb]*$")
LABEL_VALUE_MAX = 63
NAME_RE = re.compile(NAME_PATTERN)
LABEL_KEY_RE = re.compile(LABEL_KEY_PATTERN)
LABEL_VALUE_RE = re.compile(LABEL_VALUE_PATTERN)
REASON_MAX = 500


@dataclass(frozen=True, slots=True)
class TargetId:
    """``platform``, ``node:<name>`` or ``service:<name>``."""

    kind: str
    name: str

    def __str__(self) -> str:
        return PLATFORM if self.kind == PLATFORM else f"{self.kind}:{self.name}"


def parse_target(raw: str) -> TargetId:
    """Parse a target id, or raise ValueError saying what a valid one looks like."""
    if raw == PLATFORM:
        return TargetId(PLATFORM, PLATFORM)
    kind, sep, name = raw.partition(":")
    if not sep or kind not in KINDS:
        raise ValueError(
            f"unknown target {raw!r}: use 'platform', 'node:<name>' or 'service:<name>'"
        )
    if not NAME_RE.fullmatch(name):
        raise ValueError(
            f"invalid name {name!r} in target {raw!r}: use 1-63 characters of a-z 0-9 - _ ."
        )
    return TargetId(kind, name)


def covers(parent: str, child: str) -> bool:
    """True when maintenance of ``parent`` puts ``child`` in maintenance (platform covers all)."""
    return parent in (child, PLATFORM)


def scope_of(target: str) -> tuple[str, ...]:
    """The targets whose switches can put ``target`` in maintenance, sorted (lock order)."""
    return (PLATFORM,) if target == PLATFORM else tuple(sorted((target, PLATFORM)))


def validate_labels(labels: dict[str, str]) -> dict[str, str]:
    """Keys like ``region`` or ``team.io/owner``; values 0-63 characters, none of them a
    control or an invisible formatting character (see LABEL_VALUE_PATTERN: the API documents
    the same pattern)."""
    for key, value in labels.items():
        if not LABEL_KEY_RE.fullmatch(key):
            raise ValueError(
                f"invalid label key {key!r}: start with a-z or 0-9, "
                "then up to 62 of a-z 0-9 _ . / -"
            )
        if not isinstance(value, str) or len(value) > LABEL_VALUE_MAX \
                or not LABEL_VALUE_RE.fullmatch(value):
            raise ValueError(f"invalid value for label {key!r}: use up to 63 characters, "
                             "without control or invisible formatting characters")
    return dict(sorted(labels.items()))


def validate_reason(reason: str) -> str:
    """A reason is required for every switch: 1-500 characters after trimming."""
    trimmed = reason.strip()
    if not trimmed:
        raise ValueError("reason must not be empty: say why, in 1-500 characters")
    if len(trimmed) > REASON_MAX:
        raise ValueError(
            f"reason is {len(trimmed)} characters long; shorten it to at most {REASON_MAX}"
        )
    return trimmed


def validate_public_message(message: str | None) -> str | None:
    """What the public page may show instead of the reason: optional, at most 500
    characters after trimming; blank means none."""
    if message is None or not message.strip():
        return None
    trimmed = message.strip()
    if len(trimmed) > REASON_MAX:
        raise ValueError(f"public_message is {len(trimmed)} characters long; shorten it to "
                         f"at most {REASON_MAX}")
    return trimmed


HOLD_KEY_PATTERN = r"^[A-Za-z0-9_.-]{1,63}$"
HOLD_KEY_RE = re.compile(HOLD_KEY_PATTERN)


def validate_hold_key(key: str | None) -> str:
    """A tool's name for its own hold (``deploy-3f9a``); "" is the caller's own hold."""
    if not key:
        return ""
    if not HOLD_KEY_RE.fullmatch(key):
        raise ValueError(f"invalid hold {key!r}: use 1-63 characters of A-Z a-z 0-9 - _ .")
    return key
