"""The engines' small typed view of a scenario's timetable.

Both engines see when programs open and close, when calls for applications
and reviews happen and when a guidance fund calls capital through
:class:`Clock`: a calendar and a horizon, nothing of either engine.  The
application response (a behaviour link) is computed here too, once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from simulator.model.calendar import OFFSET_CALL, OFFSET_REVIEW, Calendar
from simulator.model.dists import dist_median
from simulator.model.rules import Claims, evaluate_program, total_award
from simulator.scenario import OnCall, OnSchedule, Program, Scenario


@dataclass(frozen=True)
class Clock:
    """Calendar facts of one scenario run: the calendar and the horizon in months."""

    calendar: Calendar
    horizon: float

    @classmethod
    def of(cls, scenario: Scenario) -> Clock:
        """The clock of a scenario (horizon: every month from start to end)."""
        cal = Calendar(scenario.scenario.start, scenario.scenario.end)
        return cls(cal, float(cal.n_months))

    def program_start(self, program: Program) -> float:
        """Model time a program opens."""
        return float(max(self.calendar.month_of(program.start), 0)) if program.start else 0.0

    def program_end(self, program: Program) -> float:
        """Model time a program closes."""
        return float(self.calendar.month_of(program.end) + 1) if program.end else self.horizon

    def active(self, program: Program, t: float) -> bool:
        """Whether a program takes claims at time ``t``."""
        return self.program_start(program) <= t < self.program_end(program)


def review_times(clock: Clock, program: Program) -> list[float]:
    """All review points of a program inside its active window."""
    cal = clock.calendar
    rv = program.review
    first = clock.program_start(program)
    last = clock.program_end(program)
    out = []
    for m in range(cal.n_months):
        cm = cal.cal_month(m)
        if rv.every == "quarter" and cm not in (3, 6, 9, 12):
            continue
        if rv.every == "year" and cm != rv.month:
            continue
        t = m + OFFSET_REVIEW
        if first <= t <= last + rv.delay_months + 12:
            out.append(t)
    return out


def call_times(clock: Clock, program: Program) -> Iterator[float]:
    """Times claims arrive by call (``on: call``) or on set dates (``on: schedule``); none for other triggers."""
    trig = program.trigger
    cal = clock.calendar
    if isinstance(trig, OnCall):
        t = cal.next_month_with(trig.month, clock.program_start(program), OFFSET_CALL)
        while t <= min(clock.program_end(program), clock.horizon):
            yield t
            t = cal.next_month_with(trig.month, t + 1.0, OFFSET_CALL)
    elif isinstance(trig, OnSchedule):
        now = 0.0
        for t in sorted(cal.month_of(d) + OFFSET_CALL for d in trig.dates):
            if t < now or t >= clock.horizon:
                continue
            now = t
            yield t


def schedule_plan(clock: Clock, program: Program) -> dict[float, int]:
    """A budgeted plan's amount in fen at each of its claim times (empty without a ``plan``).

    The times are those :func:`call_times` yields for the same dates (at most
    one date a month, so each time has one amount).
    """
    trig = program.trigger
    if not isinstance(trig, OnSchedule) or trig.plan is None:
        return {}
    cal = clock.calendar
    return {cal.month_of(d) + OFFSET_CALL: int(amount) for d, amount in zip(trig.dates, trig.plan, strict=True)}


def guidance_times(clock: Clock, start: date, call_month: int, n_calls: int) -> Iterator[float]:
    """Times of a guidance fund's yearly capital calls inside the horizon (at most ``n_calls``)."""
    cal = clock.calendar
    t = cal.next_month_with(call_month, max(float(cal.month_of(start)), 0.0), OFFSET_CALL)
    for _ in range(n_calls):
        if t >= clock.horizon:
            return
        yield t
        t += 12.0


def response_factor(program: Program) -> float:
    """Behaviour link: applications scale with (representative award / reference) ** elasticity."""
    if program.response is None or program.response.elasticity == 0:
        return 1.0
    trig = program.trigger
    q = dist_median(getattr(trig, "quantity", None))
    b = dist_median(getattr(trig, "base", None))
    claims = Claims.of(quantity=[round(q)], base_fen=[round(b * 100)], tier=["provincial"], place=[""])
    award = int(total_award(evaluate_program(program, claims))[0])
    ref = program.response.reference
    if award <= 0 or ref <= 0:
        return 1.0
    return float((award / ref) ** program.response.elasticity)
