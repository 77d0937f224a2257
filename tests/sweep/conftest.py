"""Shared helpers of the sweep tests."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

PI = math.pi

ISHIGAMI_FACTORS: dict[str, Any] = {f"x{i}": {"range": [-PI, PI]} for i in (1, 2, 3)}


def _stored_files(root: Path) -> dict[str, bytes]:
    """Return the bytes of design.parquet and every point file, keyed by relative path."""
    out = {"design.parquet": (root / "design.parquet").read_bytes()}
    for path in sorted((root / "points").glob("point=*/part-0.parquet")):
        out[str(path.relative_to(root))] = path.read_bytes()
    return out


@pytest.fixture
def stored_files() -> Callable[[Path], dict[str, bytes]]:
    """Read the result files of a sweep directory as bytes (see ``_stored_files``)."""
    return _stored_files


@pytest.fixture
def ishigami_factors() -> dict[str, Any]:
    """Factors x1..x3 uniform on [-pi, pi]."""
    return {k: dict(v) for k, v in ISHIGAMI_FACTORS.items()}


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[..., Path]:
    """Write a spec mapping (or raw YAML text) to a file and return its path."""

    def write(data: dict[str, Any] | str, name: str = "sweep.yaml") -> Path:
        path = tmp_path / name
        text = (
            data
            if isinstance(data, str)
            else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        )
        path.write_text(text, encoding="utf-8")
        return path

    return write
