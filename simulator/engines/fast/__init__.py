"""The vectorised engine: a block of replications at once over numpy arrays."""

from simulator.engines.fast.engine import simulate_block

__all__ = ["simulate_block"]
