"""Rolling maintenance and disruption budgets: pure rules, no I/O, no clock.

A roll takes the nodes matching a selector through maintenance a few at a time. Each node
is one step, and a step moves only along the table ``MOVES``:

    pending -> entering -> draining -> running -> checking -> done
                  |            |          |           |
                  +------------+----------+-----------+--> failed -> pending (resume)

(``entering -> pending`` too: a step that was claimed but whose enter a budget refused
goes back to wait.) The roll's status follows from its steps: ``failed`` while a step is
failed (nothing new starts until it is resumed), ``done`` when every step is, else
``running``.

A disruption budget says at most ``max_unavailable`` nodes matching its label selector may
be in maintenance at once. An enter that would make one more such node unavailable is
refused (an admin may force it); a node already in maintenance (for any cause) makes no
difference by entering again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from pitstop.errors import InvalidTransition

PENDING, ENTERING, DRAINING, RUNNING = "pending", "entering", "draining", "running"
CHECKING, DONE, FAILED = "checking", "done", "failed"
STEP_STATUSES = (PENDING, ENTERING, DRAINING, RUNNING, CHECKING, DONE, FAILED)
ACTIVE = frozenset({ENTERING, DRAINING, RUNNING, CHECKING})
MOVES: dict[str, frozenset[str]] = {
    PENDING: frozenset({ENTERING}),
    ENTERING: frozenset({DRAINING, FAILED, PENDING}),
    DRAINING: frozenset({RUNNING, FAILED}),
    RUNNING: frozenset({CHECKING, FAILED}),
    CHECKING: frozenset({DONE, FAILED}),
    DONE: frozenset(),
    FAILED: frozenset({PENDING}),
}
MAX_NODES = 1000
_PAIR = re.compile(r"^([^=,\s]+)=([^=,]*)$")


def move(status: str, to: str) -> str:
    """The step's next status, or InvalidTransition naming the moves allowed from here."""
    if to not in MOVES.get(status, frozenset()):
        allowed = ", ".join(sorted(MOVES.get(status, ()))) or "none (it is finished)"
        raise InvalidTransition(f"a step that is {status} cannot become {to}; allowed: "
                                f"{allowed}", step_status=status, to=to)
    return to


def roll_status(statuses: Iterable[str]) -> str:
    """``failed`` while any step is, ``done`` when all are, else ``running``."""
    seen = list(statuses)
    if FAILED in seen:
        return "failed"
    return "done" if all(s == DONE for s in seen) else "running"


class Next(StrEnum):
    """What a driver asking for work may do now."""

    START = "start"  # start the chosen node
    WAIT = "wait"  # at the roll's or a budget's limit: wait for a change
    FINISHED = "finished"  # nothing left to start (others may still be in progress)
    STOPPED = "stopped"  # a step failed: nothing starts until the roll is resumed


@dataclass(frozen=True, slots=True)
class Budget:
    """At most ``max_unavailable`` nodes with every label of ``selector`` in maintenance."""

    selector: Mapping[str, str]
    max_unavailable: int

    @property
    def key(self) -> str:
        return selector_key(self.selector)


@dataclass(frozen=True, slots=True)
class Breach:
    """Entering ``node`` would break ``budget``: ``unavailable`` are in maintenance now."""

    budget: Budget
    node: str
    unavailable: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Choice:
    next: Next
    node: str | None = None
    why: str = ""
    breach: Breach | None = None


def selector_key(selector: Mapping[str, str]) -> str:
    """The canonical text of a selector: ``rack=b,role=db`` (keys sorted)."""
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))


def parse_selector(text: str) -> dict[str, str]:
    """``rack=b,role=db`` -> {"rack": "b", "role": "db"}; ValueError on anything else."""
    out: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        match = _PAIR.match(part)
        if not match:
            raise ValueError(f"invalid selector {text!r}: use key=value[,key=value...]")
        out[match.group(1)] = match.group(2)
    return out


def matches(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def breached(budgets: Iterable[Budget], node: str, labels: Mapping[str, Mapping[str, str]],
             unavailable: Iterable[str]) -> Breach | None:
    """The first budget that entering ``node`` would break, if any.

    ``labels`` maps every node to its labels; ``unavailable`` are the nodes in maintenance
    now. A node that is already unavailable breaks nothing by entering again.
    """
    down = set(unavailable)
    if node in down:
        return None
    mine = labels.get(node, {})
    for budget in budgets:
        if not matches(budget.selector, mine):
            continue
        counted = sorted(n for n in down if matches(budget.selector, labels.get(n, {})))
        if len(counted) + 1 > budget.max_unavailable:
            return Breach(budget, node, tuple(counted))
    return None


def choose(steps: Iterable[tuple[str, str]], held: Iterable[str], max_unavailable: int,
           budgets: Iterable[Budget], labels: Mapping[str, Mapping[str, str]],
           unavailable: Iterable[str]) -> Choice:
    """The next node a driver of the roll may start.

    ``steps`` are (node, status) in roll order; ``held`` are the roll's nodes that are in
    maintenance under its own hold (a failed step keeps its node there). The roll's own
    unavailable nodes are its active steps and ``held``; the first pending step starts if
    that leaves the roll at most ``max_unavailable`` and no budget is broken.
    """
    steps = list(steps)
    if any(status == FAILED for _, status in steps):
        return Choice(Next.STOPPED, why="a step failed; resume the roll to go on")
    pending = [node for node, status in steps if status == PENDING]
    if not pending:
        return Choice(Next.FINISHED)
    node = pending[0]
    mine = {n for n, status in steps if status in ACTIVE} | set(held)
    if len(mine - {node}) >= max_unavailable:
        return Choice(Next.WAIT, node, f"{len(mine)} of the roll's nodes are unavailable "
                                       f"(max_unavailable {max_unavailable})")
    breach = breached(budgets, node, labels, unavailable)
    if breach is not None:
        return Choice(Next.WAIT, node, budget_text(breach), breach)
    return Choice(Next.START, node)


def budget_text(breach: Breach) -> str:
    budget = breach.budget
    return (f"the disruption budget {budget.key} allows {budget.max_unavailable} node"
            f"{'' if budget.max_unavailable == 1 else 's'} in maintenance at once, and "
            f"{len(breach.unavailable)} {'is' if len(breach.unavailable) == 1 else 'are'}: "
            + (", ".join(breach.unavailable) or "none"))
