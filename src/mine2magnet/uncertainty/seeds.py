"""Per-realisation seeds derived from one project seed.

The seed of realisation ``r`` is the first 63 bits of the state of
``numpy.random.SeedSequence(seed, spawn_key=(r,))``: the ``r``-th child of the project
seed, as ``SeedSequence(seed).spawn`` would make it. It depends on ``(seed, r)`` only —
never on the executor, the number of workers, the order of completion or which other
realisations are run — so realisation 17 is the same field in a 20- or a 100-realisation
run, and independent (in NumPy's sense) of every other realisation.
"""

from __future__ import annotations

import numpy as np

from mine2magnet.errors import ConfigError

__all__ = ["realisation_seed"]


def realisation_seed(seed: int, realisation: int) -> int:
    """Seed of one realisation.

    Parameters
    ----------
    seed : int
        Project seed, ≥ 0 [-].
    realisation : int
        Realisation number, ≥ 0 [-].

    Returns
    -------
    int
        A seed in [0, 2**63) for ``numpy.random.default_rng`` [-].

    Examples
    --------
    >>> realisation_seed(42, 0) == realisation_seed(42, 0) != realisation_seed(42, 1)
    True
    """
    if int(seed) < 0 or int(realisation) < 0:
        raise ConfigError(
            f"seed {seed} and realisation {realisation} must be ≥ 0; use non-negative integers"
        )
    ss = np.random.SeedSequence(int(seed), spawn_key=(int(realisation),))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))
