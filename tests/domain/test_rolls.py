"""The pure rules of rolls and disruption budgets."""

from __future__ import annotations

import pytest

from pitstop.domain.rolls import (
    Budget,
    Next,
    breached,
    choose,
    move,
    parse_selector,
    roll_status,
    selector_key,
)
from pitstop.errors import InvalidTransition

LABELS = {"node:a": {"role": "db"}, "node:b": {"role": "db"}, "node:c": {"role": "web"}}


def test_a_step_moves_only_along_the_table():
    assert move("pending", "entering") == "entering"
    assert move("failed", "pending") == "pending"
    with pytest.raises(InvalidTransition, match="allowed: checking, failed"):
        move("running", "done")
    with pytest.raises(InvalidTransition, match="none"):
        move("done", "pending")


def test_the_roll_status_follows_from_its_steps():
    assert roll_status(["done", "failed", "pending"]) == "failed"
    assert roll_status(["done", "done"]) == "done"
    assert roll_status(["done", "running"]) == "running"


def test_selectors_read_and_print_in_one_canonical_way():
    assert parse_selector("role=db, rack=b") == {"role": "db", "rack": "b"}
    assert selector_key({"role": "db", "rack": "b"}) == "rack=b,role=db"
    for bad in ("role", "=db", "a=b=c", ""):
        with pytest.raises(ValueError, match="invalid selector"):
            parse_selector(bad)


def test_a_budget_counts_only_its_own_nodes_and_not_one_already_down():
    budget = Budget({"role": "db"}, 1)
    breach = breached([budget], "node:b", LABELS, {"node:a", "node:c"})
    assert breach is not None and breach.unavailable == ("node:a",)
    assert breached([budget], "node:b", LABELS, {"node:c"}) is None
    assert breached([budget], "node:a", LABELS, {"node:a", "node:b"}) is None
    assert breached([budget], "node:c", LABELS, {"node:a"}) is None
    assert breached([Budget({"role": "db"}, 0)], "node:a", LABELS, set()) is not None


def test_the_next_node_respects_the_rolls_limit_its_held_nodes_and_budgets():
    steps = [("node:a", "done"), ("node:b", "running"), ("node:c", "pending")]
    assert choose(steps, [], 2, [], LABELS, set()).node == "node:c"
    assert choose(steps, [], 1, [], LABELS, set()).next is Next.WAIT
    # A node its hold keeps down counts, unless it is the one to start.
    held = [("node:a", "pending"), ("node:b", "pending"), ("node:c", "pending")]
    assert choose(held, ["node:a"], 1, [], LABELS, {"node:a"}).node == "node:a"
    assert choose([("node:b", "pending")], ["node:a"], 1, [], LABELS, set()).next is Next.WAIT
    budget = choose(held[1:], [], 2, [Budget({"role": "db"}, 1)], LABELS, {"node:a"})
    assert budget.next is Next.WAIT and budget.breach is not None
    assert choose([("node:a", "failed"), ("node:b", "pending")], [], 2, [], LABELS,
                  set()).next is Next.STOPPED
    assert choose([("node:a", "done"), ("node:b", "running")], [], 2, [], LABELS,
                  set()).next is Next.FINISHED
