"""The report's labels: they live in the one message catalogue, :mod:`simulator.i18n`.

This module keeps the names the report code imports; every label, of the
reports and of the command line alike, is written once in ``simulator.i18n``.

>>> from simulator.report.i18n import t
>>> t("summary_heading", "en"), t("summary_heading")
('Summary of findings', '结论摘要')
"""

from __future__ import annotations

from simulator.i18n import (
    CATALOGUE,
    LANGS,
    LEVEL_ORDER,
    canonical_level,
    check_lang,
    display_name,
    engine_label,
    level_label,
    level_sort_key,
    source_kind_label,
    t,
)

__all__ = [
    "CATALOGUE",
    "LANGS",
    "LEVEL_ORDER",
    "canonical_level",
    "check_lang",
    "display_name",
    "engine_label",
    "level_label",
    "level_sort_key",
    "source_kind_label",
    "t",
]
