"""Order of the test files: the longest first, so that the two workers of ``make test`` end together.

``make test`` runs ``pytest -n 2 --dist loadfile``: each file goes whole to one
worker, in the order of the collection, a worker taking the next file when it
has at most two tests of its own left.  By default pytest-xdist orders the
files by their number of tests, which puts the long files with few tests (the
life cycle's signalled runs, the engines' equivalence, the goldens) near the
end, where one of them can keep a worker busy for minutes after the other has
run out of files.  Here the files known to be long come first, longest first
(the measured order on two cores), and every other file follows in the
collection order: the many short files then fill the end of both workers.
A new long file belongs in :data:`LONG_FILES`.
"""

from __future__ import annotations

import pytest

LONG_FILES = (
    "tests/test_lifecycle.py",
    "tests/test_equivalence.py",
    "tests/test_golden.py",
    "tests/test_docs.py",
    "tests/test_nowcast.py",
    "tests/test_links.py",
    "tests/test_nowcast_equivalence.py",
    "tests/test_engine.py",
    "tests/sweep/test_sweep_report.py",
    "tests/test_uncertainty.py",
    "tests/sweep/test_sweep_api.py",
    "tests/sweep/test_sweep_executors.py",
    "tests/test_needs.py",
    "tests/report/test_uncertainty_report.py",
    "tests/test_sweep_scenario.py",
    "tests/test_hazards.py",
    "tests/test_cli.py",
    "tests/report/test_cities.py",
)
"""Test files by decreasing time (per-file sums of ``--durations=0`` on two cores)."""


def pytest_configure(config: pytest.Config) -> None:
    """Keep the collection order for ``--dist loadfile`` (instead of ordering the files by their number of tests)."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the long files first, longest first; the others keep their order (a stable sort)."""
    rank = {name: i for i, name in enumerate(LONG_FILES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(LONG_FILES)))
