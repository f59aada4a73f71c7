"""Silence rules' matcher templates: filled from the target, regex-safe, and refused with a
message that says what to change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pitstop.domain.silences import (
    HORIZON,
    SilenceRule,
    marked,
    marker_of,
    parse_matchers,
    parse_selector,
    silence_end,
)

T = datetime(2026, 3, 1, 12, tzinfo=UTC)


def rule(*matchers: dict) -> SilenceRule:
    return SilenceRule(1, "r", parse_selector({"labels": {"env": "prod"}}),
                       parse_matchers(list(matchers)))


def test_templates_are_filled_from_the_target():
    r = rule({"name": "instance", "value": "{name}:9100"},
             {"name": "target", "value": "{id}"}, {"name": "kind", "value": "{kind}"},
             {"name": "region", "value": "{labels.region}", "isEqual": False},
             {"name": "literal", "value": "{{name}}"})
    assert r.render("node:db-1", {"region": "eu"}) == [
        {"name": "instance", "value": "db-1:9100", "isRegex": False, "isEqual": True},
        {"name": "target", "value": "node:db-1", "isRegex": False, "isEqual": True},
        {"name": "kind", "value": "node", "isRegex": False, "isEqual": True},
        {"name": "region", "value": "eu", "isRegex": False, "isEqual": False},
        {"name": "literal", "value": "{name}", "isRegex": False, "isEqual": True}]


def test_a_missing_label_silences_nothing_and_regex_values_are_escaped():
    r = rule({"name": "instance", "value": "{name}"},
             {"name": "job", "value": "node|{labels.role}", "isRegex": True})
    assert r.render("node:db-1", {}) is None
    rendered = r.render("node:db.1", {"role": "a+b"})
    assert rendered is not None and rendered[1]["value"] == r"node|a\+b"
    assert r.render("platform", {"role": "x"})[0]["value"] == "platform"


@pytest.mark.parametrize(("matchers", "words"), [
    ([], "at least one matcher"),
    ([{"name": "instance", "value": "{host}"}], "unknown field '{host}'"),
    ([{"name": "instance", "value": "{name"}], "unknown field '{'"),
    ([{"name": "instance", "value": "{labels.}"}], "unknown field"),
    ([{"name": "in-stance", "value": "x"}], "Prometheus label name"),
    ([{"name": "job", "value": ".*", "isRegex": True}], "every alert"),
    ([{"name": "job", "value": ""}], "every alert"),
    ([{"name": "job", "value": "x"}, {"name": "re", "value": "(", "isRegex": True}],
     "regular expression"),
    ([{"name": "job", "value": "x", "isRegex": "yes"}], "true or false"),
])
def test_bad_matchers_say_what_to_change(matchers, words):
    with pytest.raises(ValueError) as caught:
        parse_matchers(matchers)
    assert words in str(caught.value)


def test_selectors_are_windows_selectors():
    assert parse_selector("node:db-1").target == "node:db-1"
    assert parse_selector({"labels": {"env": "prod"}}).labels == (("env", "prod"),)
    with pytest.raises(ValueError, match=r"^selector"):
        parse_selector({"labels": {}})


def test_the_marker_names_the_row_only_in_pitstops_silences():
    comment = marked("node:db-1: Disk swap", 42)
    assert marker_of({"createdBy": "pitstop", "comment": comment}) == 42
    assert marker_of({"createdBy": "someone", "comment": comment}) is None
    assert marker_of({"createdBy": "pitstop", "comment": "by hand"}) is None


def test_a_silence_ends_with_the_maintenance_or_keeps_a_horizon():
    assert silence_end(T + timedelta(hours=2), None, T) == T + timedelta(hours=2)
    assert silence_end(T - timedelta(hours=1), None, T) == T + timedelta(minutes=1)
    assert silence_end(None, None, T) == T + HORIZON
    held = T + timedelta(hours=20)
    assert silence_end(None, held, T) == held  # more than half left: unchanged
    assert silence_end(None, T + timedelta(hours=11), T) == T + HORIZON
