"""The result tables of a run store: names, columns, types and units, defined once.

The writers (:mod:`simulator.store`) build their tables from this definition
and the readers (:mod:`simulator.report.store`, :mod:`simulator.verify`) check
and select columns from it; docs/store-format.md describes the same tables for
people.  Money is integer fen in the tables and whole yuan in ``summary.json``
(see :func:`whole_yuan`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One column of a result table.

    Attributes:
        name: Column name.
        dtype: Stored type: ``int32``, ``int64``, ``float64``, ``bool`` or
            ``string`` (text; ``nullable`` text may hold missing values).
        unit: ``fen`` for money, ``YYYY-MM`` for months, ``count``, ``rep``
            (a replication index), ``year`` or ``""`` (a label or a value in
            the metric's own unit).
        nullable: Whether missing values are allowed.
        report: Whether the report layer reads the column.
    """

    name: str
    dtype: str
    unit: str = ""
    nullable: bool = False
    report: bool = True


def _rep() -> Column:
    return Column("rep", "int32", "rep")


def _fen(name: str) -> Column:
    return Column(name, "int64", "fen")


def _text(name: str, *, report: bool = True) -> Column:
    return Column(name, "string", report=report)


def _month(name: str, *, nullable: bool = False) -> Column:
    return Column(name, "string", "YYYY-MM", nullable=nullable)


TABLES: dict[str, tuple[Column, ...]] = {
    "draws": (_rep(), _month("month"), _text("fund"), _text("level"), _text("program"), _fen("amount_fen")),
    "counts": (_rep(), _month("month"), _text("city", report=False), _text("kind"), _text("type"), _text("state"),
               Column("count", "int32", "count")),
    "metrics": (_rep(), _month("month"), _text("target"), Column("value", "float64")),
    "targets": (_rep(), _text("target"), Column("value", "float64"), Column("attained", "bool"),
                _month("date_attained", nullable=True)),
    "fund_years": (_rep(), _text("fund"), Column("year", "int32", "year"),
                   *(_fen(c) for c in ("appropriated_fen", "carried_in_fen", "drawn_fen", "lapsed_fen",
                                       "balance_end_fen", "arrears_fen", "refused_fen", "prorata_cut_fen",
                                       "income_fen"))),
    "claims": (_rep(), _text("program"), Column("year", "int32", "year"), _text("state"),
               Column("n", "int32", "count"), _fen("requested_fen"), _fen("paid_fen")),
    "exhaustion": (_rep(), _text("fund"), _month("month", nullable=True)),
    "parameters": (Column("group", "int32", "count"), Column("first_rep", "int32", "rep"),
                   Column("last_rep", "int32", "rep"), _text("name"), Column("value", "float64")),
}
"""Every table of a run store, its columns in stored order."""

TABLE_NAMES: tuple[str, ...] = tuple(TABLES)
"""The table names, in the order the writers write them."""


def column_names(table: str) -> tuple[str, ...]:
    """The columns of a table, in stored order.

    >>> column_names("exhaustion")
    ('rep', 'fund', 'month')
    """
    return tuple(c.name for c in TABLES[table])


def report_columns(table: str) -> tuple[str, ...]:
    """The columns of a table that the report layer reads.

    >>> report_columns("counts")
    ('rep', 'month', 'kind', 'type', 'state', 'count')
    """
    return tuple(c.name for c in TABLES[table] if c.report)


def column(table: str, name: str) -> Column:
    """One column's definition.

    Raises:
        KeyError: if the table has no such column.
    """
    for c in TABLES[table]:
        if c.name == name:
            return c
    raise KeyError(f"{table}.{name}")


TEXT_COLUMNS: frozenset[str] = frozenset(c.name for cols in TABLES.values() for c in cols if c.dtype == "string")
"""Names of the text columns (in any table)."""

MONEY_COLUMNS: frozenset[str] = frozenset(c.name for cols in TABLES.values() for c in cols if c.unit == "fen")
"""Names of the money columns (integer fen, in any table)."""

FEN_PER_YUAN = 100


def whole_yuan(fen: float) -> int:
    """A fen amount (possibly fractional: a mean or quantile) as whole yuan for ``summary.json``.

    The one rounding rule of the summary: to the nearest yuan, halves away from
    zero (so 50 fen is 1 yuan and -50 fen is -1 yuan).

    >>> whole_yuan(12_345_650.0), whole_yuan(12_345_649.9), whole_yuan(50), whole_yuan(-150)
    (123457, 123456, 1, -2)

    Raises:
        ValueError: if the amount is not finite.
    """
    if not math.isfinite(fen):
        raise ValueError(f"amount is not finite: {fen!r}")
    whole = math.floor((abs(fen) + FEN_PER_YUAN / 2) / FEN_PER_YUAN)
    return int(whole if fen >= 0 else -whole)
