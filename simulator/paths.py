"""Checks of output paths given on the command line, made before any work starts.

A long run must not fail at its end because its output cannot be written, and
an existing result must never be replaced without ``--force``.
"""

from __future__ import annotations

import os
from pathlib import Path

from simulator.errors import InputError, Problem
from simulator.i18n import Msg


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
        raise InputError(Problem(Msg("是文件夹", "is a folder"), file=str(path), path=option,
                                 expected=Msg("要写入的文件路径（例如加上文件名）",
                                              "the path of a file to write (e.g. add a file name)")))
    if path.exists() and not force:
        raise InputError(Problem(Msg("已存在", "already exists"), file=str(path), path=option,
                                 expected=Msg("新文件，或用 --force 覆盖", "a new file, or --force to overwrite it")))
    _check_writable_parent(path, option)


def _check_writable_parent(path: Path, option: str, shown: Path | None = None) -> None:
    """Refuse a path whose folder cannot be created or written (``shown`` is the path the user gave)."""
    base = _nearest_existing(path.parent)
    shown = shown or path
    if not base.is_dir():
        raise InputError(Problem(Msg("无法创建", "cannot be created"), file=str(shown), path=option,
                                 expected=Msg(f"位于文件夹下的路径（{base} 不是文件夹）",
                                              f"a path under a folder ({base} is not a folder)")))
    if not os.access(base, os.W_OK | os.X_OK) or str(base.resolve()).startswith(("/proc", "/sys")):
        raise InputError(Problem(Msg("无法写入", "cannot be written"), file=str(shown), path=option,
                                 expected=Msg(f"可写文件夹中的路径（{base} 不可写）",
                                              f"a path in a folder you can write ({base} is not writable)")))


def check_output_dir(path: Path, *, option: str = "--out") -> None:
    """Refuse an output folder that cannot be created or written (existing content is the caller's rule).

    Args:
        path: The folder to be written.
        option: The command-line option that named it (for the message).

    Raises:
        InputError: If the path is a file, or its nearest existing folder cannot be written.
    """
    if path.exists() and not path.is_dir():
        raise InputError(Problem(Msg("是文件，不是文件夹", "is a file, not a folder"), file=str(path), path=option,
                                 expected=Msg("存放结果的文件夹路径", "the path of a folder for the results")))
    _check_writable_parent(path / "_", option, shown=path)
