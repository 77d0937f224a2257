"""The SimPy engine: one replication at a time, event by event (the reference)."""

from simulator.engines.des.world import run_replication

__all__ = ["run_replication"]
