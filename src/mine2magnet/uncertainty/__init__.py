"""Uncertainty and scale: many realisations on any executor, probabilistic outputs.

The project's stage: :func:`run_uncertainty` (``[uncertainty]``,
:func:`uncertainty_params`) — every estimated domain, the pit and the base plan's NPV per
realisation (``docs/simulation.md``). The building blocks::

    run = run_realisations(fn, 100, seed=project.seed, out_dir="runs/sim",
                           executor="tcp://scheduler:8786", memory_limit_mb=2000)
    gt = percentiles(run, "gradetonnage", by=("cutoff_pct",), values=("tonnes", "TREO_t"))
    prob = probability_above(run, column="TREO_pct", cutoff_pct=1.0)
    periods = period_confidence(run)          # ±15 % at 90 % per period

``fn(realisation, seed, **kwargs) -> {table: DataFrame}`` is any picklable function, e.g.
:func:`simulated_realisation` (``geostats.simulation.simulate_blocks`` followed by
:func:`realisation_tables`). Seeds, resume and memory: see ``docs/scale.md``.
"""

from mine2magnet.uncertainty.evaluate import period_tonnes, pit_tables, realisation_tables
from mine2magnet.uncertainty.hashing import fingerprint, frame_hash
from mine2magnet.uncertainty.params import UncertaintyParams, uncertainty_params
from mine2magnet.uncertainty.runner import RealisationFn, RealisationRun, run_realisations
from mine2magnet.uncertainty.seeds import realisation_seed
from mine2magnet.uncertainty.simulate import simulated_realisation
from mine2magnet.uncertainty.stage import UncertaintyOutcome, run_uncertainty
from mine2magnet.uncertainty.summary import percentiles, period_confidence, probability_above

__all__ = [
    "RealisationFn",
    "RealisationRun",
    "UncertaintyOutcome",
    "UncertaintyParams",
    "fingerprint",
    "frame_hash",
    "percentiles",
    "period_confidence",
    "period_tonnes",
    "pit_tables",
    "probability_above",
    "realisation_seed",
    "realisation_tables",
    "run_realisations",
    "run_uncertainty",
    "simulated_realisation",
    "uncertainty_params",
]
