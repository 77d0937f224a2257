"""The model both engines share, written once as array functions over a batch of replications.

A batch may hold one replication (the SimPy engine) or many (the vectorised
engine).  Nothing here knows about SimPy or about either engine:

* :mod:`~simulator.model.calendar`: model time (months) and the offsets that order events;
* :mod:`~simulator.model.rules`: award rules and the exact funding split;
* :mod:`~simulator.model.allocation`: a batch of claims against a fund's balance (fcfs, queue, prorata);
* :mod:`~simulator.model.ledger`: fiscal years, claim end states, yearly quotas, exclusive groups,
  payment tranches, fund-year rows;
* :mod:`~simulator.model.lifecycle`: life-cycle constants, boosted waiting times, indicator steps;
* :mod:`~simulator.model.links`: behaviour links (rates follow the money), applied once at each engine's
  entry, and which instruments move each target;
* :mod:`~simulator.model.places`: where new entities and claims sit (population weights);
* :mod:`~simulator.model.dists`: the laws of claim attributes;
* :mod:`~simulator.model.view`: the engines' small typed view of a scenario's timetable;
* :mod:`~simulator.model.guidance`: guidance-fund cash flows and capital calls;
* :mod:`~simulator.model.records`: what one replication records; :mod:`~simulator.model.metrics`: targets.
"""
