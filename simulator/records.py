"""Old path of :mod:`simulator.model.records`, kept while :mod:`simulator.runner` imports it from here."""

from simulator.model.records import CountKey, RepResult, count_keys

__all__ = ["CountKey", "RepResult", "count_keys"]
