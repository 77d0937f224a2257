"""The two clocks: :mod:`simulator.engines.des` (SimPy, the reference) and :mod:`simulator.engines.fast` (vectorised).

Both call the same model (:mod:`simulator.model`); neither imports the other.
:mod:`simulator.engines.compare` holds the two engines' outputs together.
"""
