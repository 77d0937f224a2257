"""The ``award`` command: what one claim under a program would receive, with the rule trace and the split.

The main ``fiscalsim`` group registers it with ``main.add_command(award)``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click

from simulator.cli_support import BAD_SET_VALUE, input_errors, lang_of
from simulator.errors import InputError, Problem
from simulator.i18n import Msg, did_you_mean_hint, level_name, one_of, t
from simulator.loader import LoadedScenario, load_scenario
from simulator.model.rules import Claims, Trace, by_level, explain_program, split_award, total_award
from simulator.money import MoneyFormatError, describe_amount, fen_to_yuan, parse_amount
from simulator.names import printable

MAX_QUANTITY = 10**9
"""The largest claim quantity `award` accepts (units such as m2; keeps rate x quantity exact in int64 fen)."""


def _whole_quantity(text: str) -> int:
    """A claim quantity: a whole number from 0 to :data:`MAX_QUANTITY` (``15000``, ``1.5e4``, ``15,000``).

    Raises:
        ValueError: For anything else (negative, fractional, not finite, too large).
    """
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite() or value != value.to_integral_value() or not 0 <= value <= MAX_QUANTITY:
        raise ValueError(text)
    return int(value)


def _parse_sets(sets: Sequence[str], loaded: LoadedScenario, program_id: str) -> Claims:
    quantity, base, tier, place = 0, 0, "", ""
    for item in sets:
        if "=" not in item:
            raise InputError(Problem(Msg("--set 格式错误", "bad --set"), path="--set", value=item, has_value=True,
                                     expected=Msg("KEY=VALUE，KEY 为 quantity、base、tier 或 place 之一",
                                                  "KEY=VALUE with KEY one of quantity, base, tier, place")))
        k, v = (s.strip() for s in item.split("=", 1))
        try:
            if k == "quantity":
                quantity = _whole_quantity(v)
            elif k == "base":
                try:
                    base = parse_amount(v)
                except MoneyFormatError as exc:
                    raise InputError(Problem(BAD_SET_VALUE, path="--set base", value=v, has_value=True,
                                             expected=exc.expected_text, hint=did_you_mean_hint(exc.suggestion))
                                     ) from None
            elif k == "tier":
                if v not in ("none", "municipal", "provincial", "national"):
                    raise ValueError
                tier = v
            elif k == "place":
                if v not in loaded.scenario.jurisdictions:
                    raise InputError(Problem(Msg("未知的地区", "unknown place"), path="--set place", value=v,
                                             has_value=True, expected=one_of(loaded.scenario.jurisdictions)))
                place = v
            else:
                raise InputError(Problem(Msg("未知的 --set 键", "unknown --set key"), path="--set", value=k,
                                         has_value=True, expected=Msg("quantity、base、tier 或 place",
                                                                      "quantity, base, tier or place")))
        except InputError:
            raise
        except (ValueError, MoneyFormatError):
            expected = {"quantity": Msg(f"0 到 {MAX_QUANTITY:,} 之间的整数（单位如 m2）",
                                        f"a whole number of units (e.g. m2) from 0 to {MAX_QUANTITY:,}"),
                        "base": Msg('金额，如 "200万元"', 'an amount, e.g. "200万元"'),
                        "tier": Msg("none、municipal、provincial 或 national",
                                    "none, municipal, provincial or national")}[k]
            raise InputError(Problem(BAD_SET_VALUE, path=f"--set {k}", value=v, has_value=True,
                                     expected=expected)) from None
    return Claims.of(quantity=[quantity], base_fen=[base], tier=[tier], place=[place])


def yuan_number(fen: int) -> int | float:
    """A JSON number in yuan (integer when whole)."""
    y = fen_to_yuan(fen)
    return int(y) if y == y.to_integral_value() else float(y)


@click.command("award")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.argument("program_id")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Describe the claim: quantity=15000 (units, e.g. m2), base=200万元 (spending/cost), "
                   "tier=national|provincial|municipal, place=<jurisdiction id>.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
@input_errors
def award(ctx: click.Context, scenario: Path, program_id: str, sets: Sequence[str], fmt: str) -> None:
    """What one claim under PROGRAM_ID would receive, with the rule trace and the split.

    \b
    Examples:
      fiscalsim award scenarios/zibo.yaml ZB-4 --set quantity=15000
      fiscalsim award scenarios/zibo.yaml ZB-10 --set base=40万元 --set place=gaoqing
      fiscalsim award scenarios/taian.yaml TA-1 --format json
    case_by_case rules show the midpoint of their range (runs draw from it).
    """
    lang = lang_of(ctx)
    loaded = load_scenario(scenario)
    s = loaded.scenario
    if program_id not in s.programs:
        from simulator.errors import did_you_mean

        guess = did_you_mean(program_id, s.programs)
        raise InputError(Problem(Msg("未知的项目", "unknown program"), file=str(scenario), path="programs",
                                 value=program_id, has_value=True, expected=one_of(s.programs),
                                 hint=did_you_mean_hint(guess)))
    program = s.programs[program_id]
    claims = _parse_sets(sets, loaded, program_id)
    trace = Trace()
    parts = explain_program(program, claims, trace)
    total = int(total_award(parts)[0])
    lines = split_award(program, parts, s)
    levels = by_level(lines)
    funds: dict[str, int] = {}
    for line in lines:
        funds[line.fund] = funds.get(line.fund, 0) + int(line.amount.sum())
    if fmt == "json":
        out = {
            "program": program_id,
            "name": program.name,
            "source": program.source,
            "total_yuan": yuan_number(total),
            "by_level": {k: yuan_number(v) for k, v in levels.items()},
            "by_fund": {k: yuan_number(v) for k, v in funds.items()},
            "parts": {k: yuan_number(int(v[0])) for k, v in parts.items()},
            "trace": trace.steps,
        }
        text = json.dumps(out, ensure_ascii=False, indent=2)
        if printable(text, multiline=True) != text:  # a C1 or bidi character: escape everything
            text = json.dumps(out, ensure_ascii=True, indent=2)
        click.echo(text)
        return
    click.echo(printable(f"{t('program', lang)}: {program_id} {program.name}   [{program.source}]"))
    click.echo(f"{t('claim', lang)}: quantity={claims.quantity[0]} base={describe_amount(int(claims.base_fen[0]))}"
               f" tier={claims.tier[0] or '-'} place={claims.place[0] or '-'}")
    click.echo(f"{t('rule_trace', lang)}:")
    for step in trace.steps:
        click.echo(f"  {printable(step)}")
    click.echo(f"{t('total', lang)}: {describe_amount(total)}")
    click.echo(f"{t('by_level', lang)}:")
    for lvl, amt in levels.items():
        click.echo(f"  {level_name(lvl, lang):<8} {describe_amount(amt):>14}  ({amt / total:.0%})" if total else
                   f"  {level_name(lvl, lang):<8} {describe_amount(amt):>14}")
    click.echo(f"{t('by_fund', lang)}:")
    for fund_id, amt in funds.items():
        click.echo(f"  {fund_id:<24} {describe_amount(amt):>14}  {printable(s.funds[fund_id].name)}")


