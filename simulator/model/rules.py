"""Award rules and funding splits as pure, vectorised functions.

Every function takes arrays of claims and returns arrays of integer fen, so the
discrete-event engine (one claim at a time) and a vectorised engine (thousands
at once) share one code.  Nothing here knows about SimPy, funds' balances or
time.

>>> import numpy as np
>>> from simulator.scenario import PerUnitCapped
>>> rule = PerUnitCapped(kind="per_unit_capped", rate="100元/m2", cap="100万元")
>>> evaluate(rule, Claims.of(quantity=[5000, 15000]))["total"] // 100
array([ 500000, 1000000])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from simulator.money import describe_amount
from simulator.scenario import (
    CaseByCase,
    Fixed,
    HigherOf,
    Matching,
    PerUnitCapped,
    Program,
    Rule,
    Scenario,
    ShareCapped,
)

IntArray = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.str_]


@dataclass(frozen=True)
class Claims:
    """A batch of claims as parallel arrays.

    Attributes:
        quantity: units the rule counts (m², service value units, ...), integers.
        base_fen: the claim's base amount in fen (spending, cost, a provincial award).
        tier: the tier recognised (``national``, ``provincial``, ...), for ``by_tier`` rules.
        place: the jurisdiction id the claimant sits in, for place exceptions.
    """

    quantity: IntArray
    base_fen: IntArray
    tier: StrArray
    place: StrArray

    @property
    def n(self) -> int:
        """Number of claims."""
        return int(self.quantity.shape[0])

    @classmethod
    def of(
        cls,
        quantity: Sequence[int] | None = None,
        base_fen: Sequence[int] | None = None,
        tier: Sequence[str] | None = None,
        place: Sequence[str] | None = None,
    ) -> Claims:
        """Build a batch from plain sequences; missing columns default to 0 / empty."""
        n = max(len(x) for x in (quantity, base_fen, tier, place) if x is not None) if any(
            x is not None for x in (quantity, base_fen, tier, place)
        ) else 1
        return cls(
            quantity=np.asarray(quantity if quantity is not None else [0] * n, dtype=np.int64),
            base_fen=np.asarray(base_fen if base_fen is not None else [0] * n, dtype=np.int64),
            tier=np.asarray(tier if tier is not None else [""] * n, dtype=np.str_),
            place=np.asarray(place if place is not None else [""] * n, dtype=np.str_),
        )

    def take(self, mask: npt.NDArray[np.bool_]) -> Claims:
        """The sub-batch selected by a boolean mask."""
        return Claims(self.quantity[mask], self.base_fen[mask], self.tier[mask], self.place[mask])


Parts = dict[str, IntArray]


def mul_fraction(amount: IntArray, frac: Fraction) -> IntArray:
    """floor(amount × frac) exactly, in integers.

    >>> mul_fraction(np.array([10, 7]), Fraction(1, 3))
    array([3, 2])
    """
    amount = np.asarray(amount, dtype=np.int64)
    if frac.numerator == 0 or amount.size == 0:
        return np.zeros_like(amount)
    limit = np.iinfo(np.int64).max // max(frac.numerator, 1)
    if amount.size and int(np.abs(amount).max()) <= limit:
        return (amount * frac.numerator) // frac.denominator
    exact = [(int(a) * frac.numerator) // frac.denominator for a in amount]  # rare: huge amounts
    return np.asarray(exact, dtype=np.int64)


def _total(parts: Parts) -> IntArray:
    it = iter(parts.values())
    out = next(it).copy()
    for arr in it:
        out += arr
    return out


def evaluate(rule: Rule, claims: Claims, rng: np.random.Generator | None = None) -> Parts:
    """Amounts in fen that ``rule`` gives each claim.

    Returns ``{"total": ...}`` or, for a matching rule, ``{"base": ..., "match": ...}``.
    ``case_by_case`` draws from its range with ``rng``; without one it gives the midpoint.
    """
    n = claims.n
    if isinstance(rule, Fixed):
        if rule.amount is not None:
            return {"total": np.full(n, rule.amount, dtype=np.int64)}
        by_tier = rule.by_tier or {}
        out = np.zeros(n, dtype=np.int64)
        for tier, amount in by_tier.items():
            out[claims.tier == tier] = amount
        return {"total": out}
    if isinstance(rule, PerUnitCapped):
        raw = np.maximum(claims.quantity, 0) * np.int64(rule.rate.fen_per_unit)
        if rule.cap is not None:
            raw = np.minimum(raw, rule.cap)
        return {"total": raw}
    if isinstance(rule, ShareCapped):
        raw = mul_fraction(np.maximum(claims.base_fen, 0), rule.share)
        if rule.floor is not None:
            raw = np.maximum(raw, rule.floor)
        if rule.cap is not None:
            raw = np.minimum(raw, rule.cap)
        return {"total": raw}
    if isinstance(rule, CaseByCase):
        if rng is None:
            return {"total": np.full(n, (rule.low + rule.high) // 2, dtype=np.int64)}
        # Draw whole yuan inside the range (a committee does not award odd fen).
        lo, hi = -(-rule.low // 100), rule.high // 100
        if hi < lo:
            return {"total": np.full(n, rule.low, dtype=np.int64)}
        return {"total": rng.integers(lo, hi + 1, size=n, dtype=np.int64) * 100}
    if isinstance(rule, Matching):
        base = _total(evaluate(rule.base, claims, rng))
        if rule.ratio is not None:
            match = mul_fraction(base, rule.ratio)
        else:
            assert rule.match is not None  # guaranteed by the model validator
            match = _total(evaluate(rule.match, claims, rng))
        if rule.cap_share is not None:
            limit = mul_fraction(np.maximum(claims.base_fen, 0), rule.cap_share)
            base = np.minimum(base, limit)
            match = np.clip(match, 0, limit - base)
        return {"base": base, "match": match}
    if isinstance(rule, HigherOf):
        totals = [_total(evaluate(r, claims, rng)) for r in rule.rules]
        return {"total": np.maximum.reduce(totals)}
    raise TypeError(f"unknown rule {rule!r}")  # pragma: no cover - the schema is closed


def evaluate_program(program: Program, claims: Claims, rng: np.random.Generator | None = None) -> Parts:
    """Apply a program's rule, with its place exceptions (ZB-10), to a batch of claims."""
    parts = evaluate(program.rule, claims, rng)
    for exc in program.exceptions:
        mask = np.isin(claims.place, exc.places)
        if not mask.any():
            continue
        alt = evaluate(exc.rule, claims.take(mask), rng)
        if set(alt) != set(parts):
            alt = {"total": _total(alt)}
            parts = {"total": _total(parts)}
        for key in parts:
            parts[key] = parts[key].copy()
            parts[key][mask] = alt[key]
    return parts


def total_award(parts: Parts) -> IntArray:
    """The whole award of each claim (all parts summed)."""
    return _total(parts)


def top_up(parts: Parts, i: int, amount: int, best: int) -> None:
    """就高不就低: reduce claim ``i``'s award of ``amount`` to the top-up ``amount - best``, in place.

    Every part is scaled by ``(amount - best) / amount`` (floored); the fen left
    over go to the first part, so the parts add up to the top-up exactly.

    >>> p = {"base": np.array([70]), "match": np.array([30])}
    >>> top_up(p, 0, 100, 40); [p["base"].tolist(), p["match"].tolist()]
    [[42], [18]]
    """
    for name in parts:
        parts[name][i] = parts[name][i] * (amount - best) // amount
    rest = (amount - best) - sum(int(parts[nm][i]) for nm in parts)
    parts[next(iter(parts))][i] += rest


def split_exact(amount: IntArray, shares: Sequence[Fraction]) -> list[IntArray]:
    """Split amounts by shares summing to 1, exactly: the pieces always add up.

    Each piece is floored; the fen left over go to the largest share (the first
    of equals), so no fen is ever created or lost.

    >>> [a.tolist() for a in split_exact(np.array([101, 7]), [Fraction(1, 2), Fraction(1, 2)])]
    [[51, 4], [50, 3]]
    """
    amount = np.asarray(amount, dtype=np.int64)
    pieces = [mul_fraction(amount, s) for s in shares]
    if pieces:
        remainder = amount - np.sum(np.stack(pieces), axis=0)
        biggest = max(range(len(shares)), key=lambda i: (shares[i], -i))
        pieces[biggest] = pieces[biggest] + remainder
    return pieces


@dataclass(frozen=True)
class SplitLine:
    """One fund's share of a batch of awards."""

    fund: str
    level: str
    amount: IntArray


def split_award(program: Program, parts: Parts, scenario: Scenario) -> list[SplitLine]:
    """Divide each claim's award among funds and levels, exactly.

    If the split names only the ``total`` part, all parts are summed first.
    """
    uses_parts = {p.part for p in program.split}
    if uses_parts == {"total"}:
        parts = {"total": _total(parts)}
    lines: list[SplitLine] = []
    for part_name, amount in parts.items():
        entries = [p for p in program.split if p.part == part_name]
        pieces = split_exact(amount, [e.share for e in entries])
        for entry, piece in zip(entries, pieces, strict=True):
            lines.append(SplitLine(entry.fund, scenario.level_of_fund(entry.fund), piece))
    return lines


# --------------------------------------------------------------------------- traces


@dataclass
class Trace:
    """A human-readable account of how one claim's award was computed."""

    steps: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        """Append one step."""
        self.steps.append(text)


def explain_rule(rule: Rule, claims: Claims, trace: Trace, indent: str = "") -> int:
    """Evaluate ``rule`` on a single claim (midpoint for case-by-case) and narrate it."""
    parts = evaluate(rule, claims)
    total = int(_total(parts)[0])
    if isinstance(rule, Fixed):
        if rule.amount is not None:
            trace.add(f"{indent}fixed: {describe_amount(rule.amount)}")
        else:
            tier = str(claims.tier[0])
            given = (rule.by_tier or {}).get(tier)  # type: ignore[call-overload]
            trace.add(
                f"{indent}fixed by tier: tier={tier or '?'} -> "
                + (describe_amount(given) if given is not None else "no amount for this tier (0)")
            )
    elif isinstance(rule, PerUnitCapped):
        raw = int(claims.quantity[0]) * rule.rate.fen_per_unit
        bound = rule.cap is not None and raw >= rule.cap
        trace.add(
            f"{indent}per_unit_capped: {claims.quantity[0]} {rule.rate.unit} x {rule.rate} = {describe_amount(raw)}"
            + (f"; cap {describe_amount(rule.cap)} binds" if bound and rule.cap is not None else
               (f"; cap {describe_amount(rule.cap)} not reached" if rule.cap is not None else ""))
        )
    elif isinstance(rule, ShareCapped):
        raw = int(mul_fraction(claims.base_fen[:1], rule.share)[0])
        note = ""
        if rule.floor is not None and raw < rule.floor:
            note = f"; floor {describe_amount(rule.floor)} binds"
        elif rule.cap is not None and raw >= rule.cap:
            note = f"; cap {describe_amount(rule.cap)} binds"
        elif rule.cap is not None:
            note = f"; cap {describe_amount(rule.cap)} not reached"
        trace.add(
            f"{indent}share_capped: {float(rule.share):.4g} x {describe_amount(int(claims.base_fen[0]))} = {describe_amount(raw)}{note}"
        )
    elif isinstance(rule, CaseByCase):
        trace.add(
            f"{indent}case_by_case: range {describe_amount(rule.low)} - {describe_amount(rule.high)}; "
            f"midpoint {describe_amount(total)} shown (runs draw uniformly from the range)"
        )
    elif isinstance(rule, Matching):
        trace.add(f"{indent}matching: base amount")
        base = explain_rule(rule.base, claims, trace, indent + "  ")
        if rule.ratio is not None:
            match = int(mul_fraction(np.array([base]), rule.ratio)[0])
            trace.add(f"{indent}  match = {float(rule.ratio):.4g} x base = {describe_amount(match)}")
        else:
            assert rule.match is not None
            trace.add(f"{indent}  match rule:")
            match = explain_rule(rule.match, claims, trace, indent + "    ")
        if rule.cap_share is not None:
            limit = int(mul_fraction(claims.base_fen[:1], rule.cap_share)[0])
            trace.add(f"{indent}  together at most {float(rule.cap_share):.4g} x {describe_amount(int(claims.base_fen[0]))}"
                      f" = {describe_amount(limit)}" + ("; binds" if base + match > limit else "; not reached"))
        trace.add(f"{indent}  base {describe_amount(int(parts['base'][0]))} + match {describe_amount(int(parts['match'][0]))}")
    elif isinstance(rule, HigherOf):
        trace.add(f"{indent}higher_of {len(rule.rules)} rules:")
        values = [explain_rule(r, claims, trace, indent + "  ") for r in rule.rules]
        best = max(range(len(values)), key=lambda i: values[i])
        trace.add(f"{indent}  -> rule {best + 1} is higher: {describe_amount(values[best])}")
    return total


def explain_program(program: Program, claims: Claims, trace: Trace) -> Parts:
    """Narrate a program's award for one claim, including place exceptions."""
    place = str(claims.place[0])
    chosen: Rule = program.rule
    for exc in program.exceptions:
        if place in exc.places:
            trace.add(f"place exception for {place}: {exc.source or 'exception'} applies instead of the main rule")
            chosen = exc.rule
    explain_rule(chosen, claims, trace)
    return evaluate_program(program, claims)


def by_level(lines: Sequence[SplitLine]) -> Mapping[str, int]:
    """Sum a single claim's split lines by level."""
    out: dict[str, int] = {}
    for line in lines:
        out[line.level] = out.get(line.level, 0) + int(line.amount.sum())
    return out
