"""The administrative timetable of a scenario, in the SimPy engine's order.

Calls for applications, dated claims, guidance-fund capital calls, review
points and deferred payment tranches happen at fixed times that do not depend
on chance (only *whether* a deferred tranche has lines does).  SimPy runs
events of equal time in the order they were scheduled, and each of these
processes schedules its next event when it runs its current one; the function
here replays that bookkeeping once per scenario, so the vectorised engine
visits desks and funds in exactly the reference order — which matters when
several programs draw on one fund at the same review point.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from simulator.model.view import Clock, call_times, guidance_times, response_factor, review_times
from simulator.scenario import OnCall, Scenario

ActionKind = Literal["call", "schedule", "guidance", "review", "tranche"]


@dataclass(frozen=True)
class Action:
    """One administrative event.

    Attributes:
        kind: ``call`` / ``schedule`` (claims arrive), ``guidance`` (a capital
            call), ``review`` (a review point), ``tranche`` (a deferred payment).
        index: Program index (desk) or guidance-fund index.
        time: Model time, computed with the same float arithmetic as SimPy.
        step: Guidance: which yearly call; tranche: which tranche of the payment plan.
        origin: Tranche: time of the review that approved it.
    """

    kind: ActionKind
    index: int
    time: float
    step: int = 0
    origin: float = 0.0


@dataclass
class Plan:
    """Administrative events by month, each list in execution order."""

    at_call: dict[int, list[Action]] = field(default_factory=dict)  # offset 0.1
    at_review: dict[int, list[Action]] = field(default_factory=dict)  # offset 0.5
    response: list[float] = field(default_factory=list)


def build_plan(scenario: Scenario, clock: Clock) -> Plan:
    """Replay SimPy's scheduling of the administrative processes (see the module docstring)."""
    plan = Plan()
    heap: list[tuple[float, int, int, Action]] = []
    eid = 0
    gens: dict[int, Iterator[Action]] = {}

    def push(t: float, proc: int, action: Action) -> None:
        nonlocal eid
        heapq.heappush(heap, (t, eid, proc, action))
        eid += 1

    def advance(proc: int) -> None:
        nxt = next(gens[proc], None)
        if nxt is not None:
            push(nxt.time, proc, nxt)

    programs = list(scenario.programs.values())
    proc = 0
    for i, prog in enumerate(programs):
        plan.response.append(response_factor(prog))
        kind: ActionKind = "call" if isinstance(prog.trigger, OnCall) else "schedule"
        gens[proc] = iter([Action(kind, i, t) for t in call_times(clock, prog)])
        advance(proc)
        proc += 1
        gens[proc] = iter([Action("review", i, t) for t in review_times(clock, prog) if t < clock.horizon])
        advance(proc)
        proc += 1
    for k, g in enumerate(scenario.guidance_funds.values()):
        gens[proc] = iter([Action("guidance", k, t, step=j) for j, t in
                           enumerate(guidance_times(clock, g.start, g.call_month, g.life))])
        advance(proc)
        proc += 1
    while heap:
        t, _, p, action = heapq.heappop(heap)
        month = int(t)
        if action.kind == "tranche":
            plan.at_review.setdefault(month, []).append(action)
            continue
        target = plan.at_review if action.kind == "review" else plan.at_call
        target.setdefault(month, []).append(action)
        advance(p)  # the process schedules its next event before any tranche it spawned
        if action.kind == "review":
            prog = programs[action.index]
            for k, tranche in enumerate(prog.payment):
                if tranche.after_months > 0 and t + float(tranche.after_months) < clock.horizon:
                    push(t + float(tranche.after_months), -1,
                         Action("tranche", action.index, t + float(tranche.after_months), step=k, origin=t))
    return plan
