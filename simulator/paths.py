"""Checks of output paths given on the command line, made before any work starts.

A long run must not fail at its end because its output cannot be written, and
an existing result must never be replaced without ``--force``.
"""

from __future__ import annotations

import os
from pathlib import Path

from simulator.errors import InputError, Problem


def _nearest_existing(path: Path) -> Path:
    """The path itself or its nearest ancestor that exists."""
    probe = path.absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return probe


def check_output_file(path: Path, *, force: bool, option: str = "--out") -> None:
    """Refuse an output file that cannot or must not be written.

    Args:
        path: The file to be written.
        force: Whether an existing file may be replaced.
        option: The command-line option that named it (for the message).

    Raises:
        InputError: If the path is a directory, exists without ``force``, lies
            under something that is not a directory, or its folder cannot be
            created or written.
    """
    if path.is_dir():
        raise InputError(Problem("is a folder", file=str(path), path=option,
                                 expected="the path of a file to write (e.g. add a file name)"))
    if path.exists() and not force:
        raise InputError(Problem("already exists", file=str(path), path=option,
                                 expected="a new file, or --force to overwrite it"))
    _check_writable_parent(path, option)


def _check_writable_parent(path: Path, option: str, shown: Path | None = None) -> None:
    """Refuse a path whose folder cannot be created or written (``shown`` is the path the user gave)."""
    base = _nearest_existing(path.parent)
    shown = shown or path
    if not base.is_dir():
        raise InputError(Problem("cannot be created", file=str(shown), path=option,
                                 expected=f"a path under a folder ({base} is not a folder)"))
    if not os.access(base, os.W_OK | os.X_OK) or str(base.resolve()).startswith(("/proc", "/sys")):
        raise InputError(Problem("cannot be written", file=str(shown), path=option,
                                 expected=f"a path in a folder you can write ({base} is not writable)"))


def check_output_dir(path: Path, *, option: str = "--out") -> None:
    """Refuse an output folder that cannot be created or written (existing content is the caller's rule).

    Args:
        path: The folder to be written.
        option: The command-line option that named it (for the message).

    Raises:
        InputError: If the path is a file, or its nearest existing folder cannot be written.
    """
    if path.exists() and not path.is_dir():
        raise InputError(Problem("is a file, not a folder", file=str(path), path=option,
                                 expected="the path of a folder for the results"))
    _check_writable_parent(path / "_", option, shown=path)
