"""Per-realisation evaluation: the small tables a realisation function returns.

From one realisation's block table (``tonnes``, a grade column, optional ``period``):

- ``gradetonnage``: :func:`mine2magnet.blockmodel.gradetonnage.grade_tonnage` of the
  whole model (``cutoff_pct``, ``tonnes``, grade, contained ``*_t``);
- ``periods``: per production period (a bench slice of the schedule, a panel — any
  integer label) the ore ``tonnes`` [t] above ``ore_cutoff_pct`` and its contained
  ``metal_t`` [t];
- ``blocks``: ``block_index`` and the grade, the input of the probability-above-cut-off
  model (:func:`mine2magnet.uncertainty.summary.probability_above`).

And from a block model with one realisation's grades, :func:`pit_tables`: the ultimate
pit (:func:`mine2magnet.mining.optimise_pit`) and a quick NPV. The quick NPV scales the
base-case NPV by the realisation's contained metal in the final pit relative to the
base case's: ``npv = base_npv · metal / base_metal``. It keeps the base schedule, costs
and capex — a first-order proxy for the spread of value, not a re-valuation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mine2magnet.blockmodel.gradetonnage import grade_tonnage
from mine2magnet.blockmodel.grid import BlockModel
from mine2magnet.errors import ConfigError

__all__ = ["period_tonnes", "pit_tables", "realisation_tables"]


def period_tonnes(
    blocks: pd.DataFrame, *, column: str, ore_cutoff_pct: float, period_column: str = "period"
) -> pd.DataFrame:
    """Ore tonnes and contained metal per production period.

    Parameters
    ----------
    blocks : pandas.DataFrame
        ``tonnes`` [t], ``column`` [%], ``period_column`` (integer; −1 = never mined).
    column : str
        Grade column [%].
    ore_cutoff_pct : float
        Ore cut-off grade [%].
    period_column : str
        Period label column [-].

    Returns
    -------
    pandas.DataFrame
        ``period``, ``tonnes`` [t], ``metal_t`` [t], one row per mined period, ascending.
    """
    p = blocks[period_column].to_numpy(dtype=np.int64)
    g = blocks[column].to_numpy(dtype=float)
    t = blocks["tonnes"].to_numpy(dtype=float)
    ore = np.isfinite(g) & (g >= ore_cutoff_pct) & (p >= 0)
    periods = np.unique(p[p >= 0])
    pos = np.searchsorted(periods, p[ore])
    tonnes = np.bincount(pos, weights=t[ore], minlength=len(periods))
    metal = np.bincount(pos, weights=t[ore] * g[ore] / 100.0, minlength=len(periods))
    return pd.DataFrame({"period": periods, "tonnes": tonnes, "metal_t": metal})


def realisation_tables(
    blocks: pd.DataFrame,
    *,
    column: str = "TREO_pct",
    cutoffs: Sequence[float] = (0.0, 1.0, 2.0, 3.0),
    ore_cutoff_pct: float = 1.0,
    period_column: str = "period",
    key: str = "block_index",
) -> dict[str, pd.DataFrame]:
    """The per-realisation tables of one simulated block model.

    Parameters
    ----------
    blocks : pandas.DataFrame
        One realisation: ``key``, ``tonnes`` [t], ``column`` [%] and, for periods,
        ``period_column``.
    column : str
        Grade column [%].
    cutoffs : sequence of float
        Grade-tonnage cut-offs [%].
    ore_cutoff_pct : float
        Cut-off of the period ore tonnes [%].
    period_column : str
        Period label column; the ``periods`` table is left out when absent [-].
    key : str
        Block key column (flat block index) [-].

    Returns
    -------
    dict of str to pandas.DataFrame
        ``gradetonnage``, ``blocks`` and (with periods) ``periods``.
    """
    for c in (key, "tonnes", column):
        if c not in blocks.columns:
            raise ConfigError(f"realisation block table has no column {c!r}")
    gt = grade_tonnage(blocks, column=column, cutoffs=cutoffs, by_domain=False)
    out = {
        "gradetonnage": gt.drop(columns=["domain"]),
        "blocks": blocks[[key, column]].reset_index(drop=True),
    }
    if period_column in blocks.columns:
        out["periods"] = period_tonnes(
            blocks, column=column, ore_cutoff_pct=ore_cutoff_pct, period_column=period_column
        )
    return out


def pit_tables(
    block_model: BlockModel,
    grades: pd.DataFrame,
    params: Mapping[str, Any] | Any,
    *,
    metal_column: str,
    base_npv_usd: float,
    base_metal_t: float,
) -> dict[str, pd.DataFrame]:
    """Ultimate pit value and quick NPV of one realisation.

    Parameters
    ----------
    block_model : BlockModel
        The estimated model; its grades are replaced, row by row, by ``grades``.
    grades : pandas.DataFrame
        One realisation's grade columns [%], in the row order of ``block_model.table``.
    params : mapping or MiningParams
        ``[mining]`` parameters of :func:`mine2magnet.mining.optimise_pit`.
    metal_column : str
        Contained-metal column of the pit block table, e.g. ``"Nd2O3_t"`` [t].
    base_npv_usd : float
        NPV of the base case [US$].
    base_metal_t : float
        Contained metal of the base case's final pit [t], > 0.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``{"pit": one row}``: ``value_usd`` [US$] (undiscounted ultimate-pit value),
        ``ore_tonnes`` [t], ``metal_t`` [t], ``npv_usd`` [US$].
    """
    from mine2magnet.mining import optimise_pit  # lazy: heavy, only when pits are asked

    if len(grades) != len(block_model.table):
        raise ConfigError(
            f"realisation has {len(grades)} grade rows, block model {len(block_model.table)}"
        )
    if base_metal_t <= 0:
        raise ConfigError(f"base_metal_t must be > 0, got {base_metal_t}")
    table = block_model.table.copy()
    for c in grades.columns:
        table[c] = grades[c].to_numpy()
    res = optimise_pit(dataclasses.replace(block_model, table=table), params)
    summary = res.summary().set_index("item")["value"]
    bt = res.block_table()
    pit = bt[bt["in_final_pit"].to_numpy()]
    if metal_column not in pit.columns:
        raise ConfigError(f"pit block table has no column {metal_column!r}")
    metal = float(pit[metal_column].sum())
    return {
        "pit": pd.DataFrame(
            {
                "value_usd": [float(summary["ultimate pit value"])],
                "ore_tonnes": [float(summary["ultimate pit ore"])],
                "metal_t": [metal],
                "npv_usd": [base_npv_usd * metal / base_metal_t],
            }
        )
    }
