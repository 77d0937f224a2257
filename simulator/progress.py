"""The progress bar of a run: a tqdm bar on stderr when it is a terminal (or forced), else nothing."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable


def progress_bar(total: int, enabled: bool, initial: int = 0, lang: str = "zh") -> Callable[..., None]:
    """A tqdm bar on stderr when it is a terminal (or forced), labelled in ``lang``; a no-op otherwise."""
    if not enabled:
        return lambda n, close=False: None
    from tqdm import tqdm

    zh = lang == "zh"
    bar = tqdm(total=total, initial=initial, unit="次" if zh else "rep", desc="模拟" if zh else "simulating",
               file=sys.stderr,
               disable=not sys.stderr.isatty() and not os.environ.get("FISCALSIM_PROGRESS"), mininterval=0.5)

    def step(n: int, close: bool = False) -> None:
        if n:
            bar.update(n)
        if close:
            bar.close()

    return step
