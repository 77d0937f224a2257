"""Honest uncertainty: priors of the behaviour parameters, one parameter draw per replication group, the variance split.

* :mod:`~simulator.uncertainty.priors` — which params are drawn and their prior
  (written, or derived from ``range:`` read as the 5–95 % interval);
* :mod:`~simulator.uncertainty.posterior` — a calibrated posterior sample named
  by the scenario's ``uncertainty: {posterior: FILE}``;
* :mod:`~simulator.uncertainty.apply` — a drawn vector put into a frozen
  scenario along dotted paths, without reloading it;
* :mod:`~simulator.uncertainty.draws` — the plan of a run (groups, streams,
  common yearly shocks) and each group's scenario;
* :mod:`~simulator.uncertainty.variance` — the split of an output's variance
  between parameters and chance, and the rank correlations of the tornado chart.

See docs/uncertainty.md.
"""
