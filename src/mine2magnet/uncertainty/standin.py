"""SYNTHETIC stand-in realisation functions for tests, examples and benchmarks.

They have the contract of a realisation function, ``fn(realisation, seed, **kwargs) ->
{table: DataFrame}``, without geostatistics: :func:`seeded_field` draws a lognormal
grade field on a small regular grid from a moving average of white noise (a spatially
correlated field, not a conditional simulation) and evaluates it with
:func:`mine2magnet.uncertainty.evaluate.realisation_tables`. They stand in for
``geostats.simulation.simulate_blocks`` until it is wired in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.ndimage import uniform_filter

from mine2magnet.uncertainty.evaluate import realisation_tables

__all__ = ["field_blocks", "seeded_field", "seeded_total"]


def seeded_total(realisation: int, seed: int) -> dict[str, pd.DataFrame]:
    """The smallest realisation function: one row with a seeded normal draw.

    Parameters
    ----------
    realisation : int
        Realisation number [-].
    seed : int
        Its seed [-].

    Returns
    -------
    dict of str to pandas.DataFrame
        ``{"total": DataFrame(realisation, value)}``.
    """
    x = float(np.random.default_rng(seed).standard_normal())
    return {"total": pd.DataFrame({"realisation": [realisation], "value": [x]})}


def field_blocks(
    seed: int,
    counts: tuple[int, int, int] = (20, 20, 10),
    *,
    mean_pct: float = 2.0,
    cv: float = 0.6,
    smooth_cells: int = 5,
    tonnes: float = 2600.0,
) -> pd.DataFrame:
    """A seeded lognormal grade field on a block grid (SYNTHETIC).

    Parameters
    ----------
    seed : int
        Seed of the field [-].
    counts : tuple of int
        Blocks along i, j, k [-].
    mean_pct : float
        Mean TREO grade [%].
    cv : float
        Coefficient of variation of the grade [-].
    smooth_cells : int
        Width of the moving average (correlation length) [blocks].
    tonnes : float
        Tonnes per block [t].

    Returns
    -------
    pandas.DataFrame
        ``block_index`` (``i + nx·(j + ny·k)``), ``i``, ``j``, ``k``, ``tonnes`` [t],
        ``TREO_pct`` [%], ordered by ``block_index``.
    """
    nx, ny, nz = (int(c) for c in counts)
    z = np.random.default_rng(seed).standard_normal((nz, ny, nx))
    z = uniform_filter(z, size=smooth_cells, mode="wrap")
    z = (z - z.mean()) / (z.std() or 1.0)
    s2 = np.log1p(cv**2)
    grade = mean_pct * np.exp(np.sqrt(s2) * z - s2 / 2)
    k, j, i = np.meshgrid(np.arange(nz), np.arange(ny), np.arange(nx), indexing="ij")
    return pd.DataFrame(
        {
            "block_index": (i + nx * (j + ny * k)).ravel().astype(np.int64),
            "i": i.ravel().astype(np.int64),
            "j": j.ravel().astype(np.int64),
            "k": k.ravel().astype(np.int64),
            "tonnes": np.full(nx * ny * nz, float(tonnes)),
            "TREO_pct": grade.ravel(),
        }
    )


def seeded_field(
    realisation: int,
    seed: int,
    *,
    counts: tuple[int, int, int] = (20, 20, 10),
    cutoffs: tuple[float, ...] = (0.0, 1.0, 2.0, 3.0),
    benches_per_period: int = 2,
    smooth_cells: int = 5,
) -> dict[str, pd.DataFrame]:
    """A SYNTHETIC realisation: seeded field → grade-tonnage, periods, blocks.

    Periods are groups of ``benches_per_period`` benches mined top down (a stand-in for
    a schedule). See :func:`field_blocks` for the field and
    :func:`~mine2magnet.uncertainty.evaluate.realisation_tables` for the tables.

    Parameters
    ----------
    realisation : int
        Realisation number [-].
    seed : int
        Its seed [-].
    counts : tuple of int
        Blocks along i, j, k [-].
    cutoffs : tuple of float
        Grade-tonnage cut-offs of TREO [%].
    benches_per_period : int
        Benches per production period [-].
    smooth_cells : int
        Correlation length of the field [blocks].

    Returns
    -------
    dict of str to pandas.DataFrame
        ``gradetonnage``, ``periods``, ``blocks`` (see ``realisation_tables``).
    """
    b = field_blocks(seed, counts, smooth_cells=smooth_cells)
    nz = int(counts[2])
    b["period"] = (nz - 1 - b["k"].to_numpy()) // int(benches_per_period)
    return realisation_tables(b, column="TREO_pct", cutoffs=cutoffs, ore_cutoff_pct=cutoffs[1])
