"""Versions of Python and of the packages that shape results, for manifests.

Both result stores (a run's and a sweep's) record the same list, so a reader
can tell whether two stores were made with the same software.
"""

from __future__ import annotations

import platform
from importlib import metadata

from simulator import __version__

__all__ = ["PACKAGES", "versions"]

PACKAGES: tuple[str, ...] = (
    "numpy",
    "scipy",
    "simpy",
    "pandas",
    "pyarrow",
    "SALib",
    "dask",
    "distributed",
)
"""Distributions whose versions are recorded, besides Python and fiscalsim."""


def versions() -> dict[str, str]:
    """Return the versions of Python, fiscalsim and the packages in :data:`PACKAGES`.

    Returns:
        Mapping of name to version; ``"missing"`` for a package that is not installed.
    """
    out = {"python": platform.python_version(), "fiscalsim": __version__}
    for pkg in PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "missing"
    return out
