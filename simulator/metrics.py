"""Old path of :mod:`simulator.model.metrics`, kept while :mod:`simulator.runner` imports it from here."""

from simulator.model.metrics import MetricContext, TargetOutcome, evaluate_target, metric_series

__all__ = ["MetricContext", "TargetOutcome", "evaluate_target", "metric_series"]
