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

__all__ = ["simulated_realisation", "simulation_params_from_estimation"]


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


def simulation_params_from_estimation(
    variogram_models: pd.DataFrame,
    domain: str,
    column: str = "TREO_pct",
    *,
    max_data: int = 24,
    max_previous: int = 24,
    declustering_cell_m: float = 50.0,
) -> Any:
    """Simulation settings of a domain from the estimation stage's variogram table.

    The normal-score model is the grade model with its sill rescaled to 1
    (:func:`~mine2magnet.geostats.simulation.ns_variogram_from_table`, a stated first
    approximation); the search ellipsoid spans the longest range of the model along each
    axis, oriented as its first structure.

    Parameters
    ----------
    variogram_models : pandas.DataFrame
        ``estimation__variogram_models``.
    domain, column : str
        Domain code and grade column [-].
    max_data, max_previous : int
        Neighbours per simulated node [-].
    declustering_cell_m : float
        Cell size of the declustering weights of the normal-score fit [m].

    Returns
    -------
    SimulationParams
    """
    from mine2magnet.geostats.search import SearchParameters
    from mine2magnet.geostats.simulation import SimulationParams, ns_variogram_from_table

    vm = ns_variogram_from_table(variogram_models, domain, column)
    ranges = np.max([s.ranges for s in vm.structures], axis=0) if vm.structures else (50.0,) * 3
    angles = vm.structures[0].angles if vm.structures else (0.0, 0.0, 0.0)
    search = SearchParameters(
        ranges=tuple(max(float(r), 1.0) for r in ranges), angles=angles, max_samples=max_data
    )
    return SimulationParams(
        variogram_ns=vm,
        search=search,
        max_data=max_data,
        max_previous=max_previous,
        declustering_cell_m=declustering_cell_m,
    )
