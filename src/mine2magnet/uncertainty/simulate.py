"""The realisation function of the project: SGS of one domain, then its tables.

:func:`simulated_realisation` has the runner's contract ``fn(realisation, seed,
**kwargs) -> {table: DataFrame}``: it calls
:func:`mine2magnet.geostats.simulation.simulate_blocks` (the seed it gets is already the
realisation's seed, :func:`~mine2magnet.uncertainty.seeds.realisation_seed`;
``simulate_blocks`` mixes the realisation number and domain in again) and evaluates the
simulated block grades with
:func:`~mine2magnet.uncertainty.evaluate.realisation_tables`. The block key is the flat
block index ``i + nx·(j + ny·k)`` (docs/conventions.md); tonnes come from the block model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from mine2magnet.blockmodel.grid import BlockModel
from mine2magnet.uncertainty.evaluate import realisation_tables

__all__ = ["simulated_realisation"]


def simulated_realisation(
    realisation: int,
    seed: int,
    *,
    block_model: BlockModel,
    composites: pd.DataFrame,
    domain: str,
    columns: str | Sequence[str],
    params: Any,
    cutoffs: Sequence[float] = (0.0, 1.0, 2.0, 3.0),
    ore_cutoff_pct: float = 1.0,
    periods: pd.Series | None = None,
) -> dict[str, pd.DataFrame]:
    """One SGS realisation of a domain, evaluated into the runner's tables.

    Parameters
    ----------
    realisation : int
        Realisation number [-].
    seed : int
        The realisation's seed (from the runner) [-].
    block_model : BlockModel
        Block model with ``tonnes`` [t] per row.
    composites : pandas.DataFrame
        Conditioning composites (coordinates [m], ``domain``, grades [%]).
    domain : str
        Domain code simulated [-].
    columns : str or sequence of str
        Grade column(s), the first the cut-off grade [%].
    params : SimulationParams
        Variogram, search and discretisation of the simulation.
    cutoffs : sequence of float
        Grade-tonnage cut-offs [%].
    ore_cutoff_pct : float
        Cut-off of the period ore tonnes [%].
    periods : pandas.Series, optional
        Production period per block-model row (index of ``block_model.table``; −1 = not
        mined), e.g. from the schedule; adds the ``periods`` table [-].

    Returns
    -------
    dict of str to pandas.DataFrame
        ``gradetonnage``, ``blocks`` (``block_index``, grade) and with ``periods`` the
        ``periods`` table.
    """
    from mine2magnet.geostats.simulation import simulate_blocks  # lazy: numba kernels

    cols = [columns] if isinstance(columns, str) else list(columns)
    sim = simulate_blocks(block_model, composites, domain, cols, params,
                          realisation=realisation, seed=seed)  # fmt: skip
    tab = block_model.table
    rows = tab[tab["domain"].astype(str) == str(domain)]  # the rows simulate_blocks used
    blocks = pd.DataFrame(
        {
            "block_index": block_model.grid.ravel(sim["i"], sim["j"], sim["k"]),
            "tonnes": rows["tonnes"].to_numpy(dtype=float),
        }
    )
    for c in cols:
        blocks[c] = sim[c].to_numpy(dtype=float)
    if periods is not None:
        blocks["period"] = periods.reindex(rows.index).fillna(-1).to_numpy(dtype=np.int64)
    return realisation_tables(blocks, column=cols[0], cutoffs=cutoffs,
                              ore_cutoff_pct=ore_cutoff_pct)  # fmt: skip
