"""Command lines that messages tell the user to type (one definition each, shell-quoted)."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["resume_command", "resume_command_of"]


def resume_command(scenario_file: str | Path, out: str | Path, sets: Sequence[str] = ()) -> str:
    """The command that finishes a stopped run.

    >>> resume_command("scenarios/zibo.yaml", "out/zibo")
    'fiscalsim run scenarios/zibo.yaml --out out/zibo --resume'
    >>> resume_command("my scenario.yaml", "out", ["programs.ZB-4.rule.cap=80万元"])
    "fiscalsim run 'my scenario.yaml' --out out --resume --set 'programs.ZB-4.rule.cap=80万元'"
    """
    words = ["fiscalsim", "run", str(scenario_file), "--out", str(out), "--resume"]
    for item in sets:
        words += ["--set", item]
    return " ".join(shlex.quote(w) for w in words)


def resume_command_of(store: str | Path, manifest: Mapping[str, Any]) -> str:
    """The command that finishes the stopped run of a store, from its manifest (scenario file, ``--set`` items)."""
    sc = manifest.get("scenario")
    file = sc.get("file") if isinstance(sc, Mapping) else None
    overrides = manifest.get("overrides")
    sets = [str(x) for x in overrides] if isinstance(overrides, list) else []
    return resume_command(str(file) if file else "SCENARIO", store, sets)
