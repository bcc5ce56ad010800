"""Block economics: the value of every block of the optimisation grid.

Formula (per block, revenue factor ``f``; every sum over the priced species ``s``)
-------------------------------------------------------------------------------
* ``T`` in-situ tonnes of the block [t]; ``M_s = Σ_rows tonnes · grade_s / 100`` contained
  tonnes of species ``s`` (grades of domains not estimated count as zero: host rock dilutes
  a block it shares with ore) [t];
* mining recovery ``MR`` and dilution ``D``: ore sent to the plant is ``T_ore = T·MR·(1+D)``
  tonnes carrying ``M_s·MR`` of each species (the lost ore goes to the dump, the dilution
  is waste at zero grade already counted in the tonnes moved);
* net revenue as ore ``R = Σ_s 1000·M_s·MR · rec_s · pay · max(price_s − sell, 0) · (1 − roy)``
  with ``rec_s`` processing recovery, ``pay`` payability, ``sell`` selling cost per kg and
  ``roy`` the royalty on revenue net of selling cost [US$];
* mining cost ``C_m = T · (mc + Δmc · n)`` with ``n = max(0, ⌊(z_ref − z)/dz⌋)`` benches
  between the reference elevation and the block centroid [US$];
* processing cost ``C_p = T_ore · pc`` [US$];
* destination: the plant when ``f·R − C_p > 0`` (the value as ore beats the value as
  waste ``−C_m``), else the dump; block value ``v(f) = max(f·R − C_p − C_m, −C_m)``.
  ``v`` never decreases as ``f`` grows, which makes the nested pits nested.

The optimisation grid
---------------------
A block model may hold only some cells: the demo's table has one row per (block, domain)
for the cells below the topography, and a model without a default domain holds only the
cells near composites. The pit needs every cell of rock it would cross, so
:func:`block_values` builds the *full* grid, padded by ``pad_cells`` columns on every side
(so walls can develop beyond the estimated volume) and raised to the highest ground:

1. **Ground level per column.** With a topography: its elevation at the column centre.
   Without: the top of the highest cell with rows in the column; columns without rows
   (and padding) take the top of the nearest column with rows.
2. **Cells with rows** keep their rows (volume fractions, tonnes, grades). A cell wholly
   below the ground whose rows fill less than its volume (not coded) is completed with
   host waste — except the top cell of a column when the ground comes from the column
   rule, whose missing part is taken as air.
3. **Cells without rows** below the ground are host waste (``fill_domain`` at
   ``fill_density_t_m3``), in the fraction of their height below the ground; cells above
   the ground are **air**: no tonnes, value 0, never reported as mined. Air cells stay
   in the grid so slope constraints chain through them (a valley block still needs the
   hillside above the air over it).

Typed input for later stages: :class:`BlockEconomics` carries prices, recoveries and costs;
``BlockEconomics.from_params`` reads them from ``[mining]`` now, and the processing and
economics stages can build one from their own results later.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import ndimage

from mine2magnet.blockmodel.grid import BlockGrid, BlockModel, Topography
from mine2magnet.errors import ConfigError, DataError

if TYPE_CHECKING:  # pragma: no cover
    from mine2magnet.mining.params import MiningParams

__all__ = [
    "AIR",
    "BlockEconomics",
    "BlockValues",
    "auto_pad_cells",
    "block_values",
]

#: Domain label of air cells.
AIR = "(air)"
_DEST = ("waste", "process", "air")


@dataclass(frozen=True)
class BlockEconomics:
    """Prices, recoveries and costs that value a block.

    Parameters
    ----------
    prices_usd_kg : Mapping[str, float]
        Price per kg of each species (grade column ``<species>_pct``) [US$/kg].
    recovery : Mapping[str, float]
        Processing recovery of each priced species, 0–1 [-].
    payable : float
        Share of the recovered species paid, 0–1 [-].
    selling_cost_usd_kg : float
        Selling cost per kg of payable species [US$/kg].
    royalty : float
        Royalty on revenue net of selling cost, 0–1 [-].
    mining_cost_usd_t : float
        Mining cost of every tonne at the reference elevation [US$/t].
    mining_cost_increment_usd_t : float
        Added per bench below the reference elevation [US$/t/bench].
    processing_cost_usd_t : float
        Per tonne of ore processed [US$/t].
    dilution : float
        Zero-grade waste added to ore tonnes, fraction [-].
    mining_recovery : float
        Ore tonnes recovered by mining, 0–1 [-].
    reference_elevation_m : float, optional
        Where the mining-cost increment starts; None: the highest ground [m].

    Examples
    --------
    >>> e = BlockEconomics({"Nd2O3_pct": 100.0}, {"Nd2O3_pct": 0.5}, royalty=0.0)
    >>> e.net_price_usd_kg()["Nd2O3_pct"]
    50.0
    """

    prices_usd_kg: Mapping[str, float]
    recovery: Mapping[str, float]
    payable: float = 1.0
    selling_cost_usd_kg: float = 0.0
    royalty: float = 0.0
    mining_cost_usd_t: float = 2.5
    mining_cost_increment_usd_t: float = 0.0
    processing_cost_usd_t: float = 0.0
    dilution: float = 0.0
    mining_recovery: float = 1.0
    reference_elevation_m: float | None = None

    def __post_init__(self) -> None:
        prices = {self._col(k): float(v) for k, v in self.prices_usd_kg.items()}
        rec = {self._col(k): float(v) for k, v in self.recovery.items()}
        missing = set(prices) - set(rec)
        if missing:
            raise ConfigError(f"no recovery for priced species {sorted(missing)}")
        for name, v, lo, hi in (
            ("payable", self.payable, 0.0, 1.0),
            ("royalty", self.royalty, 0.0, 1.0),
            ("mining_recovery", self.mining_recovery, 1e-9, 1.0),
            ("dilution", self.dilution, 0.0, 10.0),
        ):
            if not lo <= float(v) <= hi:
                raise ConfigError(f"{name} {v!r} must lie in [{lo:g}, {hi:g}]")
        for name in ("selling_cost_usd_kg", "mining_cost_usd_t", "mining_cost_increment_usd_t",
                     "processing_cost_usd_t"):  # fmt: skip
            if not float(getattr(self, name)) >= 0:
                raise ConfigError(f"{name} must be ≥ 0")
        if any(v < 0 for v in prices.values()) or any(not 0 <= v <= 1 for v in rec.values()):
            raise ConfigError("prices must be ≥ 0 and recoveries in [0, 1]")
        object.__setattr__(self, "prices_usd_kg", MappingProxyType(prices))
        object.__setattr__(self, "recovery", MappingProxyType({k: rec[k] for k in prices}))

    @staticmethod
    def _col(key: str) -> str:
        return key if key.endswith("_pct") else f"{key}_pct"

    @classmethod
    def from_params(cls, params: MiningParams) -> BlockEconomics:
        """Economics from the ``[mining]`` section (percentages become fractions).

        Parameters
        ----------
        params : MiningParams

        Returns
        -------
        BlockEconomics
        """
        rec = {s: params.recovery_pct.get(s, params.default_recovery_pct) / 100.0
               for s in params.prices_usd_kg}  # fmt: skip
        return cls(
            prices_usd_kg=dict(params.prices_usd_kg),
            recovery=rec,
            payable=params.payable_pct / 100.0,
            selling_cost_usd_kg=params.selling_cost_usd_kg,
            royalty=params.royalty_pct / 100.0,
            mining_cost_usd_t=params.mining_cost_usd_t,
            mining_cost_increment_usd_t=params.mining_cost_increment_usd_t,
            processing_cost_usd_t=params.processing_cost_usd_t,
            dilution=params.dilution_pct / 100.0,
            mining_recovery=params.mining_recovery_pct / 100.0,
            reference_elevation_m=params.reference_elevation_m,
        )

    def with_price_factor(self, factor: float) -> BlockEconomics:
        """The same economics with every price multiplied by ``factor`` [-].

        Examples
        --------
        >>> e = BlockEconomics({"CeO2": 2.0}, {"CeO2": 1.0}).with_price_factor(1.3)
        >>> e.prices_usd_kg["CeO2_pct"]
        2.6
        """
        if not factor > 0:
            raise ConfigError(f"price factor {factor!r} must be > 0")
        return replace(self, prices_usd_kg={k: v * factor for k, v in self.prices_usd_kg.items()})

    def net_price_usd_kg(self) -> dict[str, float]:
        """Net revenue per kg of species *delivered to the plant* [US$/kg]."""
        return {
            k: self.recovery[k] * self.payable * max(p - self.selling_cost_usd_kg, 0.0)
            * (1.0 - self.royalty)
            for k, p in self.prices_usd_kg.items()
        }  # fmt: skip


@dataclass(frozen=True)
class BlockValues:
    """Every cell of the (padded) optimisation grid, valued.

    Attributes
    ----------
    grid : BlockGrid
        The optimisation grid: the block model's grid padded by ``pad`` columns on every
        side and raised by ``raised`` benches to the highest ground.
    pad : int
        Columns added on every side [-]; block-model index ``i = i_grid − pad``.
    raised : int
        Benches added on top of the block model's grid [-].
    table : pandas.DataFrame
        One row per grid cell, flat order: ``cell`` (flat index), ``i``, ``j``, ``k``
        (optimisation grid), ``easting``, ``northing``, ``elevation`` (centroid) [m],
        ``domain`` (largest volume fraction; fill domain; ``(air)``), ``air``,
        ``fill_fraction`` [-] (generated waste), ``ground_m`` (ground elevation of the
        column) [m], ``tonnes`` [t], ``ore_tonnes`` (tonnes to the plant if processed,
        after mining recovery and dilution) [t], ``<species>_t`` (contained tonnes sent to
        the plant if processed) [t], ``TREO_t`` when the model has ``TREO_pct``,
        ``revenue_usd`` (R), ``processing_cost_usd`` (C_p), ``mining_cost_usd`` (C_m),
        ``value_usd`` (v at revenue factor 1) [US$], ``destination`` (process, waste, air).
    species : tuple of str
        Priced grade columns found in the model.
    unpriced : tuple of str
        Priced species absent from the model (they earn nothing).
    reference_elevation_m : float
        Reference of the mining-cost increment [m].
    economics : BlockEconomics
    """

    grid: BlockGrid
    pad: int
    raised: int
    table: pd.DataFrame = field(repr=False)
    species: tuple[str, ...]
    unpriced: tuple[str, ...]
    reference_elevation_m: float
    economics: BlockEconomics = field(repr=False)

    @property
    def n_cells(self) -> int:
        """Cells of the optimisation grid [-]."""
        return len(self.table)

    def values(self, revenue_factor: float = 1.0, rows: ArrayLike | None = None) -> NDArray:
        """Block values at a revenue factor, air = 0 [US$].

        Parameters
        ----------
        revenue_factor : float
            Multiplies the net revenue R [-].
        rows : array_like, optional
            Row positions to return (default all).
        """
        t = self.table
        sel = slice(None) if rows is None else np.asarray(rows)
        R = t["revenue_usd"].to_numpy()[sel]
        P = t["processing_cost_usd"].to_numpy()[sel]
        M = t["mining_cost_usd"].to_numpy()[sel]
        return np.maximum(revenue_factor * R - P - M, -M)

    def summary(self) -> pd.DataFrame:
        """Cells, tonnes and value by destination at revenue factor 1."""
        t = self.table
        g = t.groupby("destination", observed=True)
        out = g.agg(cells=("cell", "size"), tonnes=("tonnes", "sum"),
                    ore_tonnes=("ore_tonnes", "sum"), value_usd=("value_usd", "sum"))  # fmt: skip
        return out.reset_index()


def auto_pad_cells(grid: BlockGrid, flattest_angle_deg: float, raised: int = 0) -> int:
    """Columns of padding that let a wall at the flattest angle reach the grid's bottom.

    Parameters
    ----------
    grid : BlockGrid
        The block model's grid.
    flattest_angle_deg : float
        Flattest overall slope angle [deg].
    raised : int
        Benches added above the grid [-].

    Returns
    -------
    int
        ``⌈(nz + raised)·dz / tan(angle) / min(dx, dy)⌉`` [-].

    Examples
    --------
    >>> auto_pad_cells(BlockGrid((0, 0, 0), (10, 10, 10), (5, 5, 4)), 45.0)
    4
    """
    if not 0 < flattest_angle_deg < 90:
        raise ConfigError(f"slope angle {flattest_angle_deg!r} must lie in (0, 90) [deg]")
    h = (grid.counts[2] + raised) * grid.block_size[2]
    reach = h / math.tan(math.radians(flattest_angle_deg))
    return math.ceil(reach / min(grid.block_size[0], grid.block_size[1]) - 1e-9)


def _centroids(g: BlockGrid, i: NDArray, j: NDArray, k: NDArray) -> NDArray[np.float64]:
    """Block centres in world coordinates ``(n, 3)``, element-wise (large grids) [m]."""
    ax = g.axes()
    u = (i + 0.5) * g.block_size[0]
    v = (j + 0.5) * g.block_size[1]
    out = np.empty((np.size(i), 3))
    out[:, 0] = g.origin[0] + u * ax[0, 0] + v * ax[1, 0]
    out[:, 1] = g.origin[1] + u * ax[0, 1] + v * ax[1, 1]
    out[:, 2] = g.origin[2] + (k + 0.5) * g.block_size[2]
    return out


def _padded_grid(grid: BlockGrid, pad: int, raised: int) -> BlockGrid:
    sx, sy, _ = grid.block_size
    origin = grid.to_world(np.array([-pad * sx, -pad * sy, 0.0]))
    nx, ny, nz = grid.counts
    return BlockGrid(tuple(origin), grid.block_size, (nx + 2 * pad, ny + 2 * pad, nz + raised),
                     grid.rotation_deg)  # fmt: skip


def _column_ground_from_rows(
    has: NDArray[np.bool_], top_k: NDArray[np.int64], grid: BlockGrid, pad: int
) -> NDArray[np.float64]:
    """Ground per padded column from the highest cell with rows; nearest column elsewhere."""
    nx, ny, _ = grid.counts
    dz = grid.block_size[2]
    z_top = grid.origin[2] + (top_k + 1) * dz  # (ny, nx) of the block model's grid
    P = np.zeros((ny + 2 * pad, nx + 2 * pad), dtype=bool)
    Z = np.zeros(P.shape)
    P[pad : pad + ny, pad : pad + nx] = has
    Z[pad : pad + ny, pad : pad + nx] = z_top
    if not P.any():
        raise DataError("the block model has no block with tonnes; nothing to optimise")
    _, (jj, ii) = ndimage.distance_transform_edt(~P, return_indices=True)
    return Z[jj, ii]


def block_values(
    block_model: BlockModel,
    economics: BlockEconomics,
    *,
    topography: Topography | None = None,
    pad_cells: int = 0,
    fill_domain: str | None = None,
    fill_density_t_m3: float | None = None,
    include_rows: ArrayLike | None = None,
) -> BlockValues:
    """Value every cell of the padded optimisation grid (see the module docstring).

    Parameters
    ----------
    block_model : BlockModel
        One row per (block, domain) with ``tonnes``, ``volume_fraction`` and grades [%].
    economics : BlockEconomics
    topography : Topography, optional
        Ground surface; without it the ground is the top of each column's highest block.
    pad_cells : int
        Columns of host waste added on every side [-].
    fill_domain : str, optional
        Domain of generated waste; default the unestimated domain with the most tonnes.
    fill_density_t_m3 : float, optional
        Density of generated waste; default the median of that domain's rows [t/m³].
    include_rows : array_like, optional
        Boolean per table row: rows left out count as waste at zero grade (e.g. Inferred
        blocks for an Ore Reserve).

    Returns
    -------
    BlockValues

    Raises
    ------
    DataError
        When the table lacks columns, has rows outside the grid, or no block.
    """
    t = block_model.table
    need = {"i", "j", "k", "tonnes", "volume_fraction", "domain"}
    if not need <= set(t.columns):
        raise DataError(f"block model table lacks column(s) {sorted(need - set(t.columns))}")
    if pad_cells < 0:
        raise ConfigError(f"pad_cells {pad_cells!r} must be ≥ 0")
    g0 = block_model.grid
    nx0, ny0, nz0 = g0.counts
    sz = g0.block_size[2]
    ii = t["i"].to_numpy(np.int64)
    jj = t["j"].to_numpy(np.int64)
    kk = t["k"].to_numpy(np.int64)
    if t.shape[0] and (
        ii.min() < 0 or jj.min() < 0 or kk.min() < 0
        or ii.max() >= nx0 or jj.max() >= ny0 or kk.max() >= nz0
    ):  # fmt: skip
        raise DataError("block model rows with i, j, k outside the grid's counts")
    tonnes_r = np.nan_to_num(t["tonnes"].to_numpy(float))
    vf_r = np.nan_to_num(t["volume_fraction"].to_numpy(float))
    use = np.ones(len(t), bool) if include_rows is None else np.asarray(include_rows, bool)
    if use.size != len(t):
        raise DataError(f"include_rows has {use.size} entries for {len(t)} rows")
    species = tuple(c for c in economics.prices_usd_kg if c in t.columns)
    unpriced = tuple(c for c in economics.prices_usd_kg if c not in t.columns)
    report = [*species, *(["TREO_pct"] if "TREO_pct" in t.columns and "TREO_pct" not in species
                          else [])]  # fmt: skip

    # ---- fill domain and density
    dom_cat = t["domain"].astype(str).astype("category")  # codes: fast on millions of rows
    dom_names = [str(v) for v in dom_cat.cat.categories]
    dom_code = dom_cat.cat.codes.to_numpy(np.int64)
    if fill_domain is None:
        graded = np.zeros(len(t), bool)
        for c in block_model.grade_columns or species:
            if c in t.columns:
                graded |= np.isfinite(t[c].to_numpy(float))
        w = np.bincount(dom_code[~graded], tonnes_r[~graded], minlength=len(dom_names))
        fill_domain = dom_names[int(np.argmax(w))] if w.size and w.max() > 0 else "WASTE"
    if fill_density_t_m3 is None:
        fc = dom_names.index(fill_domain) if fill_domain in dom_names else -1
        d = t["density_t_m3"].to_numpy(float)[dom_code == fc] if "density_t_m3" in t else []
        fill_density_t_m3 = float(np.median(d)) if len(d) else 2.6
    if not fill_density_t_m3 > 0:
        raise ConfigError(f"fill density {fill_density_t_m3!r} must be > 0 [t/m³]")

    # ---- raise the grid to the highest ground
    raised = 0
    pad = int(pad_cells)
    if topography is not None:
        probe = _padded_grid(g0, pad, 0)
        pj, pi = np.meshgrid(np.arange(probe.counts[1]), np.arange(probe.counts[0]), indexing="ij")
        c = _centroids(probe, pi.ravel(), pj.ravel(), np.zeros(pi.size))
        ground = topography.elevation(c[:, 0], c[:, 1]).reshape(pj.shape)
        top = g0.origin[2] + nz0 * sz
        raised = max(0, math.ceil((float(ground.max()) - top) / sz - 1e-9))
    g = _padded_grid(g0, pad, raised)
    nx, ny, nz = g.counts
    n = nx * ny * nz

    # ---- aggregate rows per cell of the padded grid
    cell_r = (ii + pad) + nx * ((jj + pad) + ny * kk)
    vf = np.bincount(cell_r, vf_r, minlength=n)
    tonnes = np.bincount(cell_r, tonnes_r, minlength=n)
    metal = {}
    for c in report:
        gr = np.nan_to_num(t[c].to_numpy(float)) * use
        metal[c] = np.bincount(cell_r, tonnes_r * gr / 100.0, minlength=n)
    has_rows = np.bincount(cell_r, minlength=n) > 0

    # ---- ground and fill
    k_cell = np.arange(n, dtype=np.int64) // (nx * ny)
    col = np.arange(n, dtype=np.int64) % (nx * ny)
    z_bot = g.origin[2] + k_cell * sz
    if topography is None:
        occ = vf_r > 0
        col0 = (ii + nx0 * jj)[occ]
        top = pd.Series(kk[occ]).groupby(col0).max()
        top_k = np.full(nx0 * ny0, -1, np.int64)
        top_k[top.index.to_numpy(np.int64)] = top.to_numpy(np.int64)
        has_col = (top_k >= 0).reshape(ny0, nx0)
        ground_col = _column_ground_from_rows(has_col, top_k.reshape(ny0, nx0), g0, pad).ravel()
        below = np.clip((ground_col[col] - z_bot) / sz, 0.0, 1.0)
        top_cell = np.isclose(ground_col[col], z_bot + sz)
        deficit_ok = (below >= 1.0 - 1e-9) & ~top_cell
    else:
        ground_col = ground.ravel()
        below = np.clip((ground_col[col] - z_bot) / sz, 0.0, 1.0)
        deficit_ok = below >= 1.0 - 1e-9
    fill = np.where(has_rows, np.where(deficit_ok, np.clip(1.0 - vf, 0.0, 1.0), 0.0), below)
    fill[fill < 1e-9] = 0.0
    tonnes = tonnes + fill * g.block_volume_m3 * fill_density_t_m3
    air = tonnes <= 0.0

    # ---- economics
    e = economics
    ref = e.reference_elevation_m
    if ref is None:
        ref = float(z_bot[~air].max() + sz) if (~air).any() else float(g.origin[2] + nz * sz)
    z_c = z_bot + 0.5 * sz
    n_bench = np.maximum(0.0, np.floor((ref - z_c) / sz + 1e-9))
    mine_cost = tonnes * (e.mining_cost_usd_t + e.mining_cost_increment_usd_t * n_bench)
    ore_t = tonnes * e.mining_recovery * (1.0 + e.dilution)
    net = e.net_price_usd_kg()
    revenue = np.zeros(n)
    for c in species:
        revenue += 1000.0 * metal[c] * e.mining_recovery * net[c]
    proc_cost = ore_t * e.processing_cost_usd_t
    process = (revenue - proc_cost > 0) & ~air
    value = np.where(process, revenue - proc_cost - mine_cost, -mine_cost)

    # ---- dominant domain per cell
    order = np.lexsort((-vf_r, cell_r))
    first = order[np.r_[True, cell_r[order][1:] != cell_r[order][:-1]]] if len(t) else order
    cats = [*sorted({*dom_names, fill_domain}), AIR]
    remap = np.array([cats.index(d) for d in dom_names], dtype=np.int64)
    labels = np.full(n, cats.index(fill_domain), dtype=np.int64)
    labels[cell_r[first]] = remap[dom_code[first]]
    labels[air] = len(cats) - 1

    i_c = np.arange(n, dtype=np.int64) % nx
    j_c = (np.arange(n, dtype=np.int64) // nx) % ny
    cen = _centroids(g, i_c, j_c, k_cell)
    cols: dict[str, object] = {
        "cell": np.arange(n, dtype=np.int64), "i": i_c, "j": j_c, "k": k_cell,
        "easting": cen[:, 0], "northing": cen[:, 1], "elevation": cen[:, 2],
        "domain": pd.Categorical.from_codes(labels, categories=cats), "air": air,
        "fill_fraction": fill, "ground_m": ground_col[col], "tonnes": tonnes,
        "ore_tonnes": np.where(air, 0.0, ore_t),
    }  # fmt: skip
    for c in report:
        cols[c.removesuffix("_pct") + "_t"] = metal[c] * e.mining_recovery
    cols.update({
        "revenue_usd": revenue, "processing_cost_usd": np.where(air, 0.0, proc_cost),
        "mining_cost_usd": mine_cost, "value_usd": np.where(air, 0.0, value),
        "destination": pd.Categorical.from_codes(
            np.where(air, 2, process.astype(np.int8)), categories=list(_DEST)),
    })  # fmt: skip
    return BlockValues(
        grid=g, pad=pad, raised=raised, table=pd.DataFrame(cols), species=species,
        unpriced=unpriced, reference_elevation_m=float(ref), economics=economics,
    )  # fmt: skip
