"""Reasonable prospects for eventual economic extraction (RPEEE).

A block counts towards the Mineral Resource only when it is **inside the constraint** and
**at or above the cut-off** (``value >= cutoff``):

* cut-off in TREO % (``TREO_pct``) or in net smelter return per tonne (``NSR_usd_t``),
  ``NSR = Σ_oxides grade/100 × 1000 kg/t × price × price_factor × recovery × payability``
  [US$/t]; the NSR break-even cut-off is processing + G&A cost per tonne;
* constraint ``depth`` — block centroid at most ``max_depth_m`` below the topography;
  ``strip_ratio`` — per block column (i, j), every level down to the deepest one whose
  cumulative strip ratio from the surface (waste tonnes / resource tonnes, resource =
  classified and at or above the reporting cut-off; ground between the topography and the
  top of the model counted as waste) is at most ``max_strip_ratio``; ``pit`` — inside the
  pit shell handed in by the mining stage (a table ``i``, ``j``, ``k``, ``in_pit``);
  ``none`` — the cut-off only.

The strip-ratio test is a vertical-column proxy for a pit (no slope angles); it is
optimistic at depth and is meant only until the mining stage supplies a pit shell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mine2magnet.blockmodel.grid import Topography
from mine2magnet.errors import ConfigError, DataError
from mine2magnet.resources.params import RPEEEParams

__all__ = [
    "column_strip_ratio",
    "depth_below_topography",
    "nsr_per_tonne",
    "pit_membership",
    "rpeee_table",
]


def nsr_per_tonne(grades: pd.DataFrame, params: RPEEEParams) -> NDArray[np.float64]:
    """Net smelter return of every block from its oxide grades [US$/t].

    Parameters
    ----------
    grades : pandas.DataFrame
        ``<oxide>_pct`` columns [%]; oxides priced but absent count as 0, NaN grades as 0
        (a row with every priced oxide NaN gives NaN).
    params : RPEEEParams
        Prices [US$/kg], ``price_factor`` [-], recoveries and payability [%].

    Returns
    -------
    numpy.ndarray
        NSR [US$/t ore].

    Examples
    --------
    >>> p = RPEEEParams(prices_usd_kg={"Nd2O3": 100.0}, recovery_pct=50, payability_pct=100)
    >>> nsr_per_tonne(pd.DataFrame({"Nd2O3_pct": [1.0]}), p).tolist()  # 10 kg × 100 × 0.5
    [500.0]
    """
    total = np.zeros(len(grades))
    seen = np.zeros(len(grades), dtype=bool)
    for oxide, price in params.prices_usd_kg.items():
        col = f"{oxide}_pct"
        if col not in grades:
            continue
        g = grades[col].to_numpy(dtype=float)
        ok = np.isfinite(g)
        seen |= ok
        unit = 10.0 * price * params.price_factor  # US$/t per 1 % grade
        unit *= params.recovery(oxide) / 100.0 * params.payability_pct / 100.0
        total += np.where(ok, g, 0.0) * unit
    return np.where(seen, total, np.nan)


def depth_below_topography(
    blocks: pd.DataFrame, topography: Topography | None
) -> NDArray[np.float64]:
    """Depth of each block centroid below the ground surface [m] (NaN without topography).

    Parameters
    ----------
    blocks : pandas.DataFrame
        ``easting``, ``northing``, ``elevation`` [m].
    topography : Topography or None

    Returns
    -------
    numpy.ndarray
        Topography elevation minus centroid elevation [m].
    """
    if topography is None:
        return np.full(len(blocks), np.nan)
    z = topography.elevation(blocks["easting"].to_numpy(float), blocks["northing"].to_numpy(float))
    return z - blocks["elevation"].to_numpy(float)


def column_strip_ratio(
    blocks: pd.DataFrame,
    ore_tonnes: NDArray[np.float64],
    max_strip_ratio: float,
    *,
    overburden_t: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Cumulative column strip ratio at each block's level and the constraint it implies.

    Levels of a column (i, j) are taken from the top (largest ``k``) down; at each level
    ``SR = (waste above and at the level + overburden) / (resource above and at it)``. The
    column is mined down to the deepest level with ``SR <= max_strip_ratio``.

    Parameters
    ----------
    blocks : pandas.DataFrame
        Every block row (waste included): ``i``, ``j``, ``k``, ``tonnes`` [t].
    ore_tonnes : numpy.ndarray
        Resource tonnes of each row (0 for waste) [t].
    max_strip_ratio : float
        Largest cumulative strip ratio [t/t].
    overburden_t : numpy.ndarray, optional
        Waste tonnes above the model top of each row's column (same for all rows of a
        column) [t].

    Returns
    -------
    strip_ratio : numpy.ndarray
        Cumulative strip ratio at the row's level (NaN where no resource yet) [t/t].
    inside : numpy.ndarray
        Rows at or above the deepest acceptable level of their column.

    Examples
    --------
    >>> b = pd.DataFrame({"i": [0, 0, 0], "j": [0, 0, 0], "k": [2, 1, 0],
    ...                   "tonnes": [10.0, 10.0, 10.0]})
    >>> sr, inside = column_strip_ratio(b, np.array([0.0, 10.0, 0.0]), 1.0)
    >>> sr.tolist(), inside.tolist()
    ([nan, 1.0, 2.0], [True, True, False])
    """
    ore = np.asarray(ore_tonnes, dtype=float)
    tonnes = blocks["tonnes"].to_numpy(dtype=float)
    ob = np.zeros(len(blocks)) if overburden_t is None else np.asarray(overburden_t, float)
    lv = pd.DataFrame({"i": blocks["i"].to_numpy(), "j": blocks["j"].to_numpy(),
                       "k": blocks["k"].to_numpy(), "ore": ore, "waste": tonnes - ore,
                       "ob": ob})  # fmt: skip
    levels = lv.groupby(["i", "j", "k"], sort=False).agg(
        ore=("ore", "sum"), waste=("waste", "sum"), ob=("ob", "max")
    )
    levels = levels.reset_index().sort_values(["i", "j", "k"], ascending=[True, True, False])
    col = levels.groupby(["i", "j"], sort=False)
    cum_ore = col["ore"].cumsum().to_numpy()
    cum_waste = col["waste"].cumsum().to_numpy() + levels["ob"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        sr = np.where(cum_ore > 0, cum_waste / np.where(cum_ore > 0, cum_ore, 1.0), np.nan)
    levels["sr"] = sr
    with np.errstate(invalid="ignore"):
        ok = (cum_ore > 0) & (sr <= max_strip_ratio)
    levels["kmin"] = np.where(ok, levels["k"], np.iinfo(np.int64).max)
    deepest = levels.groupby(["i", "j"], sort=False)["kmin"].min().rename("deepest")
    levels = levels.join(deepest, on=["i", "j"])
    key = pd.MultiIndex.from_frame(lv[["i", "j", "k"]])
    look = levels.set_index(["i", "j", "k"])
    row_sr = look["sr"].reindex(key).to_numpy(dtype=float)
    row_deep = look["deepest"].reindex(key).to_numpy()
    return row_sr, lv["k"].to_numpy() >= row_deep


def pit_membership(blocks: pd.DataFrame, pit_mask: pd.DataFrame) -> NDArray[np.bool_]:
    """Rows inside a pit shell given per parent block.

    Parameters
    ----------
    blocks : pandas.DataFrame
        ``i``, ``j``, ``k``.
    pit_mask : pandas.DataFrame
        ``i``, ``j``, ``k``, ``in_pit`` (bool); blocks not listed are outside.

    Returns
    -------
    numpy.ndarray
        True for rows whose block is in the pit.
    """
    need = {"i", "j", "k", "in_pit"}
    if not need <= set(pit_mask.columns):
        raise DataError(f"pit mask needs columns {sorted(need)}, has {list(pit_mask.columns)}")
    m = pit_mask[["i", "j", "k", "in_pit"]].drop_duplicates(["i", "j", "k"])
    key = pd.MultiIndex.from_frame(blocks[["i", "j", "k"]].astype(np.int64))
    s = m.astype({"i": np.int64, "j": np.int64, "k": np.int64}).set_index(["i", "j", "k"])
    return s["in_pit"].reindex(key).fillna(False).to_numpy(dtype=bool)


def rpeee_table(
    blocks: pd.DataFrame,
    resource_code: NDArray[np.integer],
    cutoff_value: NDArray[np.float64],
    cutoff: float,
    params: RPEEEParams,
    *,
    topography: Topography | None = None,
    model_top_m: float | None = None,
    column_area_m2: float | None = None,
    pit_mask: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """RPEEE columns of every block row.

    Parameters
    ----------
    blocks : pandas.DataFrame
        Every block row: ``i``, ``j``, ``k``, ``easting``, ``northing``, ``elevation``
        [m], ``tonnes`` [t].
    resource_code : numpy.ndarray
        Class code of each row (1–3 resource classes, 4 Unclassified, 0 not estimated).
    cutoff_value : numpy.ndarray
        Each row's value in the cut-off basis (TREO % or NSR US$/t; NaN if not estimated).
    cutoff : float
        The reporting cut-off in that basis.
    params : RPEEEParams
    topography : Topography, optional
        Needed by the ``depth`` constraint.
    model_top_m : float, optional
        Elevation of the top of the block grid [m]; with ``column_area_m2`` and the
        topography the strip ratio counts the ground above the model as waste.
    column_area_m2 : float, optional
        Plan area of a block column [m²].
    pit_mask : pandas.DataFrame, optional
        ``i``, ``j``, ``k``, ``in_pit``; needed by the ``pit`` constraint.

    Returns
    -------
    pandas.DataFrame
        ``depth_m`` [m], ``strip_ratio`` [t/t], ``in_constraint``, ``above_cutoff``,
        ``rpeee`` (both) [bool], in the order of ``blocks``.

    Raises
    ------
    ConfigError
        When the constraint needs an input that is missing (topography, pit shell).
    """
    value = np.asarray(cutoff_value, dtype=float)
    code = np.asarray(resource_code)
    with np.errstate(invalid="ignore"):
        above = np.isfinite(value) & (value >= cutoff)
    depth = depth_below_topography(blocks, topography)
    ore = np.where(above & (code >= 1) & (code <= 3), blocks["tonnes"].to_numpy(float), 0.0)
    ob = None
    if topography is not None and model_top_m is not None and column_area_m2 is not None:
        gap = np.maximum(depth - (model_top_m - blocks["elevation"].to_numpy(float)), 0.0)
        ob = gap * column_area_m2 * params.overburden_density_t_m3
    sr, sr_inside = column_strip_ratio(blocks, ore, params.max_strip_ratio, overburden_t=ob)
    c = params.constraint
    if c == "depth":
        if topography is None:
            raise ConfigError(
                "key 'resources.rpeee.constraint': 'depth' needs the topography "
                "([blockmodel.topography]); add it or use 'strip_ratio' or 'none'"
            )
        inside = depth <= params.max_depth_m
    elif c == "strip_ratio":
        inside = sr_inside
    elif c == "pit":
        if pit_mask is None:
            raise ConfigError(
                "key 'resources.rpeee.constraint': 'pit' needs the mining stage's pit shell; "
                "run the mining stage first or use 'depth' or 'strip_ratio'"
            )
        inside = pit_membership(blocks, pit_mask)
    else:
        inside = np.ones(len(blocks), dtype=bool)
    return pd.DataFrame(
        {
            "depth_m": depth,
            "strip_ratio": sr,
            "in_constraint": inside,
            "above_cutoff": above,
            "rpeee": inside & above,
        }
    )
