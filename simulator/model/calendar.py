"""Model time: months counted from the scenario's start month.

Time ``t`` is a float in months; month index ``m = floor(t)`` is the calendar
month ``start.month + m``.  Administrative events happen at fixed offsets
inside a month so their order is the same in both engines:

* ``m + 0.00``: new fiscal year (January): year-end of the old year, new appropriation;
* ``m + 0.10``: calls for applications open; guidance-fund capital calls;
* ``m + 0.20``: HTE application window;
* ``m + 0.50``: review points and payments;
* ``m + 0.80``: HTE results;
* ``m + 0.95``: indicators' yearly step (December);
* month-end snapshots are taken at ``m + 1`` (before anything of the next month).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np
import numpy.typing as npt

OFFSET_YEAR = 0.0
OFFSET_CALL = 0.1
OFFSET_WINDOW = 0.2
OFFSET_REVIEW = 0.5
OFFSET_RESULT = 0.8
OFFSET_INDICATOR = 0.95


@dataclass(frozen=True)
class Calendar:
    """Month arithmetic for one scenario."""

    start: date
    end: date

    @cached_property
    def n_months(self) -> int:
        """Number of months simulated (start month to end month inclusive)."""
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def month_of(self, when: date) -> int:
        """Month index of a date (may be negative or past the horizon)."""
        return (when.year - self.start.year) * 12 + when.month - self.start.month

    def year_of(self, m: int) -> int:
        """Calendar year of month index ``m``."""
        return self.start.year + (self.start.month - 1 + m) // 12

    def cal_month(self, m: int) -> int:
        """Calendar month (1-12) of month index ``m``."""
        return (self.start.month - 1 + m) % 12 + 1

    def label(self, m: int) -> str:
        """``YYYY-MM`` label of month index ``m``."""
        return f"{self.year_of(m):04d}-{self.cal_month(m):02d}"

    @cached_property
    def labels(self) -> list[str]:
        """Labels of all simulated months."""
        return [self.label(m) for m in range(self.n_months)]

    @cached_property
    def years(self) -> list[int]:
        """Calendar years touched by the horizon."""
        return list(range(self.start.year, self.end.year + 1))

    def next_month_with(self, cal_month: int, after: float, offset: float) -> float:
        """The first time ``m + offset >= after`` with calendar month ``cal_month``."""
        m = max(int(after // 1), 0)
        m += (cal_month - self.cal_month(m)) % 12
        if m + offset < after:
            m += 12
        return m + offset

    def january_months(self) -> list[int]:
        """Month indices of every January inside the horizon (the new fiscal years)."""
        return [m for m in range(self.n_months) if self.cal_month(m) == 1]

    def year_end_month(self, year: int) -> int:
        """Month index of December of ``year`` clipped to the horizon."""
        return min(self.month_of(date(year, 12, 1)), self.n_months - 1)

    def month_index_array(self) -> npt.NDArray[np.int64]:
        """0..n_months-1."""
        return np.arange(self.n_months, dtype=np.int64)
