"""The report's colours, shared by the matplotlib charts and the vector panels (no plotting import here)."""

from __future__ import annotations

BLUE = "#1f5fa8"
BAND_DARK = "#8fb3de"
BAND_LIGHT = "#d5e3f3"
APPROP = "#b5541c"
THRESHOLD = "#c0392b"
GREY = "#555555"
ACTUAL = "#2e8b3e"
"""Actual figures of a run started from them (points)."""
TODAY = "#7b3fa0"
"""The "today" line: the date of the actual figures."""
LEVEL_COLOURS = ("#1f5fa8", "#4f9a4f", "#d08a1e", "#8e5aa8", "#b5541c", "#5a8a9a", "#999999")
