"""The ``fund-curve`` command: print a guidance fund's Takahashi–Alexander curve.

The command is standalone; the main ``fiscalsim`` group registers it with
``main.add_command(fund_curve)``.

Example:
    >>> from click.testing import CliRunner
    >>> out = CliRunner().invoke(fund_curve, ["--commitment", "1亿元", "--rc", "0.5",
    ...                                        "--life", "2", "--bow", "1", "--growth", "0",
    ...                                        "--format", "csv"]).output
    >>> print(out, end="")
    year,contribution,distribution,nav
    1,50000000,0,50000000
    2,25000000,50000000,25000000
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import IO, Any

import click
import numpy as np

from simulator.i18n import Lang, Msg, Text, pick
from simulator.model.guidance import (
    GuidanceOverflowError,
    GuidanceParameterError,
    TASchedule,
    ta_schedule,
)
from simulator.money import parse_amount

__all__ = ["format_yuan", "fund_curve", "render_csv", "render_table"]

_OPTION_OF_PARAM = {
    "commitment_fen": "--commitment",
    "rc": "--rc",
    "life": "--life",
    "bow": "--bow",
    "growth": "--growth",
    "yield_": "--yield",
}

_RATES = Msg("应为比率，如 0.25,0.333,0.5", "expected rates like 0.25,0.333,0.5")

_COLUMNS = ("year", "contribution", "distribution", "nav")
_COLUMNS_ZH = ("年份", "出资", "分配", "净值")


def _width(text: str) -> int:
    """Terminal width of ``text``: wide (CJK) characters take two columns.

    >>> _width("年份"), _width("nav")
    (4, 3)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _lang() -> Lang:
    """The language chosen with ``fiscalsim --lang`` (zh by default)."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root().obj if ctx is not None else None
    return "en" if isinstance(root, dict) and root.get("lang") == "en" else "zh"


class _BadValue(click.ClickException):
    """A bad option value: one line on stderr, in the language of ``--lang``, exit status 2."""

    exit_code = 2

    def __init__(self, option: str, value: str, reason: Text) -> None:
        self.text = Msg(f"选项 '{option}' 的取值无效：{value!r}：{pick(reason, 'zh')}",
                        f"Invalid value for '{option}': {value!r}: {pick(reason, 'en')}")
        self.lang = _lang()  # the command's context is gone by the time the error is shown
        super().__init__(self.text.en)

    def show(self, file: IO[Any] | None = None) -> None:
        """Print the message in the chosen language."""
        lang = self.lang
        click.echo(("错误：" if lang == "zh" else "Error: ") + self.text(lang), file=file, err=True)


def _option_name(param: click.Parameter | None) -> str:
    if param is None or not param.opts:
        return "value"
    return max(param.opts, key=len)


_RAW_KEY = "simulator.guidance_cli.raw"


def _remember(value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
    """Keep the text as typed, so later errors can quote it."""
    text = str(value)
    if ctx is not None:
        ctx.meta.setdefault(_RAW_KEY, {})[_option_name(param)] = text
    return text


class _AmountType(click.ParamType):
    """An amount in yuan, plain or with Chinese units; converted to fen."""

    name = "amount"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        _remember(value, param, ctx)
        try:
            return parse_amount(str(value).strip())
        except ValueError:
            raise _BadValue(
                _option_name(param),
                str(value),
                Msg("应为以元为单位的非负金额，如 100000000、1亿元、5000万元、5000万",
                    "expected a non-negative amount in yuan, e.g. 100000000, 1亿元, 5000万元, 5000万"),
            ) from None


def _parse_number(text: str, *, percent: bool) -> float:
    """Read ``0.13`` (or ``13%`` when ``percent``) as a finite float."""
    body = text.strip()
    scale = Decimal(1)
    if percent and body.endswith("%"):
        body, scale = body[:-1].strip(), Decimal(100)
    try:
        number = Decimal(body) / scale
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite():
        raise ValueError(text)
    return float(number)


class _NumberType(click.ParamType):
    """A finite number; with ``percent``, ``13%`` is read as 0.13."""

    def __init__(self, *, percent: bool) -> None:
        self.percent = percent
        self.name = "rate" if percent else "number"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, float):
            return value
        _remember(value, param, ctx)
        try:
            return _parse_number(str(value), percent=self.percent)
        except ValueError:
            example = (Msg("应为数字，如 0.13 或 13%", "expected a number such as 0.13 or 13%") if self.percent
                       else Msg("应为数字，如 2.5", "expected a number such as 2.5"))
            raise _BadValue(_option_name(param), str(value), example) from None


class _LifeType(click.ParamType):
    """A whole number of years."""

    name = "years"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        _remember(value, param, ctx)
        try:
            return int(str(value).strip())
        except ValueError:
            raise _BadValue(
                _option_name(param), str(value), Msg("应为整数年数，如 12", "expected a whole number of years, e.g. 12")
            ) from None


class _RateListType(click.ParamType):
    """Comma-separated rates, each a number or a percentage."""

    name = "rates"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[float, ...]:
        if isinstance(value, tuple):
            return value
        text = _remember(value, param, ctx)
        parts = [part.strip() for part in text.replace("，", ",").split(",")]
        if not any(parts):
            raise _BadValue(_option_name(param), text, _RATES)
        rates = []
        for i, part in enumerate(parts, start=1):
            try:
                rates.append(_parse_number(part, percent=True))
            except ValueError:
                raise _BadValue(
                    _option_name(param),
                    text,
                    Msg(f"第 {i} 个比率（{part!r}）不是数字；", f"rate {i} ({part!r}) is not a number; ") + _RATES,
                ) from None
        return tuple(rates)


def format_yuan(fen: int) -> str:
    """Yuan from fen: whole yuan without decimals, otherwise two decimals.

    Args:
        fen: An amount in fen.

    Returns:
        The amount in yuan as text, without thousands separators.

    Example:
        >>> format_yuan(250000000), format_yuan(78164062), format_yuan(-5)
        ('2500000', '781640.62', '-0.05')
    """
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{yuan}" if cents == 0 else f"{sign}{yuan}.{cents:02d}"


def _grouped(text: str) -> str:
    """Add thousands separators to a :func:`format_yuan` string."""
    sign, body = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, cents = body.partition(".")
    grouped = f"{int(whole):,}"
    return sign + grouped + (f".{cents}" if cents else "")


def render_csv(schedule: TASchedule) -> str:
    """The schedule as csv, amounts in yuan.

    Args:
        schedule: The yearly flows.

    Returns:
        Header ``year,contribution,distribution,nav`` and one line a year.

    Example:
        >>> from simulator.model.guidance import ta_schedule
        >>> print(render_csv(ta_schedule(1000, [1.0], 1, 1.0, 0.0, 0.0)), end="")
        year,contribution,distribution,nav
        1,10,0,10
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_COLUMNS)
    for t, c, d, nav in _rows(schedule):
        writer.writerow((t, format_yuan(c), format_yuan(d), format_yuan(nav)))
    return buffer.getvalue()


def render_table(schedule: TASchedule, lang: Lang = "en") -> str:
    """The schedule as an aligned table in yuan, with a totals line.

    The totals line sums contributions and distributions; NAV is a stock, so
    its column is left empty there.

    Args:
        schedule: The yearly flows.
        lang: Language of the header and the totals label.

    Returns:
        The table text, ending with a newline.

    Example:
        >>> from simulator.model.guidance import ta_schedule
        >>> print(render_table(ta_schedule(1000, [1.0], 1, 1.0, 0.0, 0.0)), end="")
         year  contribution  distribution  nav
        -----  ------------  ------------  ---
            1            10             0   10
        -----  ------------  ------------  ---
        total            10             0
    """
    body = [
        (str(t), _grouped(format_yuan(c)), _grouped(format_yuan(d)), _grouped(format_yuan(nav)))
        for t, c, d, nav in _rows(schedule)
    ]
    columns = _COLUMNS_ZH if lang == "zh" else _COLUMNS
    totals = (
        "合计" if lang == "zh" else "total",
        _grouped(format_yuan(schedule.total_contribution_fen)),
        _grouped(format_yuan(schedule.total_distribution_fen)),
        "",
    )
    widths = [max(_width(row[i]) for row in [columns, *body, totals]) for i in range(4)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(" " * (width - _width(cell)) + cell for cell, width in zip(cells, widths, strict=True))

    rule = line(["-" * width for width in widths])
    lines = [line(columns), rule, *(line(row) for row in body), rule, line(totals).rstrip()]
    return "\n".join(lines) + "\n"


def _rows(schedule: TASchedule) -> list[tuple[int, int, int, int]]:
    return [
        (int(t), int(c), int(d), int(nav))
        for t, c, d, nav in zip(
            schedule.year,
            schedule.contribution_fen,
            schedule.distribution_fen,
            schedule.nav_fen,
            strict=True,
        )
    ]


def _typed(option: str, fallback: object) -> str:
    """The text given for ``option`` on the command line, else ``fallback``."""
    ctx = click.get_current_context(silent=True)
    raw: dict[str, str] = ctx.meta.get(_RAW_KEY, {}) if ctx is not None else {}
    return raw.get(option, str(fallback))


_HELP = """Print the yearly cash flows of a guidance fund (Takahashi–Alexander model).

\b
For each fund year t = 1..L:
  C(t)   = RC(t) * (CC - PIC(t))         capital called
  D(t)   = RD(t) * NAV(t-1) * (1 + G)    distributed, RD(t) = max(Y, (t/L)^B)
  NAV(t) = NAV(t-1) * (1 + G) + C(t) - D(t),   NAV(0) = 0

\b
Symbols:
  CC   committed capital (--commitment), in yuan: 100000000, 1亿元, 5000万元, 5000万
  PIC  capital paid in before year t (computed)
  RC   contribution rate of each year (--rc), comma-separated, 0..1 or
       a percentage; the last rate repeats until year L
  L    fund life in years (--life)
  B    bow (--bow) >= 0: the larger, the later distributions come
  G    yearly growth of NAV (--growth), e.g. 0.13 or 13%
  Y    yield floor (--yield), 0..1: least share of NAV paid out a year

\b
Amounts are shown in yuan; each flow is rounded half to even to a whole fen.

\b
Public example (Takahashi & Alexander, Yale, 2002):
  fiscalsim fund-curve --commitment 1亿元 --rc 0.25,0.333,0.5 --life 12 \\
      --bow 2.5 --growth 0.13 --yield 0
"""


@click.command("fund-curve", help=_HELP, no_args_is_help=False)
@click.option(
    "--commitment",
    "commitment",
    type=_AmountType(),
    required=True,
    metavar="AMOUNT",
    help="Committed capital CC: yuan (100000000) or 1亿元, 5000万元, 5000万.",
)
@click.option(
    "--rc",
    "rc",
    type=_RateListType(),
    required=True,
    metavar="R1,R2,...",
    help="Contribution rates RC(1), RC(2), ... in [0, 1]; the last repeats.",
)
@click.option(
    "--life", "life", type=_LifeType(), required=True, metavar="L", help="Fund life L in years."
)
@click.option(
    "--bow",
    "bow",
    type=_NumberType(percent=False),
    required=True,
    metavar="B",
    help="Bow B >= 0 of the distribution rate (t/L)^B.",
)
@click.option(
    "--growth",
    "growth",
    type=_NumberType(percent=True),
    required=True,
    metavar="G",
    help="Yearly NAV growth G, e.g. 0.13 or 13%.",
)
@click.option(
    "--yield",
    "yield_",
    type=_NumberType(percent=True),
    default=0.0,
    show_default=True,
    metavar="Y",
    help="Yield floor Y in [0, 1]: least share of NAV paid out a year.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv"]),
    default="table",
    show_default=True,
    help="Output format.",
)
def fund_curve(
    commitment: int,
    rc: tuple[float, ...],
    life: int,
    bow: float,
    growth: float,
    yield_: float,
    fmt: str,
) -> None:
    """Print the fund curve (see ``_HELP`` for the text shown by ``--help``)."""
    try:
        # a huge growth overflows the float product that the schedule then checks and refuses
        # (GuidanceOverflowError below): numpy's own warning would only repeat it, less clearly
        with np.errstate(over="ignore", invalid="ignore"):
            schedule = ta_schedule(commitment, rc, life, bow, growth, yield_)
    except GuidanceParameterError as error:
        option = _OPTION_OF_PARAM.get(error.param, error.param)
        raise _BadValue(option, _typed(option, error.value), error.reason) from None
    except GuidanceOverflowError as error:
        raise _BadValue(
            "--growth", _typed("--growth", growth), Msg(f"对 --life {life} 而言过大：{error}",
                                                        f"too large for --life {life}: {error}")
        ) from None
    click.echo(render_csv(schedule) if fmt == "csv" else render_table(schedule, _lang()), nl=False)
