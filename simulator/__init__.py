"""fiscalsim: a discrete-event Monte Carlo simulator of municipal S&T funds and targets."""

__version__ = "0.1.0"
