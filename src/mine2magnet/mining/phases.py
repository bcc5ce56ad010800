"""Pushbacks (phases) from the nested pits, the minimum-width check, and the stage driver.

Phase selection
---------------
The final pit is the shell at the largest revenue factor not above
``[mining.phases] final_revenue_factor`` (1.0: the ultimate pit at the real prices). Among
the distinct shells inside it, the phase boundaries are the shells whose cumulative rock
tonnage is nearest to ``j × T / count`` (``j = 1 … count − 1``; ``T`` the final pit's
tonnes) or to multiples of ``target_tonnes``; the final pit closes the last phase. Phase
``p`` is the ring of blocks between its shell and the previous one.

Minimum mining width
--------------------
On every bench each phase must leave room for the equipment: every block of the ring
should lie inside some square of ``min_width_m`` side made only of blocks of the same
phase on that bench (a morphological opening by that square). For each block the largest
such square is measured, and the narrowest over the phase and bench is reported in
blocks and metres; blocks in rings narrower than the minimum are counted and the phase
flagged. The check reports; it does not change the phases (a designer smooths them).

Driver
------
:func:`optimise_pit` runs the whole pit-optimisation part of the mining stage on a block
model: block values, slope precedence, ultimate pit, nested pits with the pit-by-pit
table, the RPEEE shell (prices raised by ``rpeee_price_uplift_pct``) and the phases.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import ndimage

from mine2magnet.blockmodel.grid import BlockGrid, BlockModel, Topography
from mine2magnet.errors import ConfigError, DataError
from mine2magnet.mining.closure import ultimate_pit
from mine2magnet.mining.nested import PitInputs, nested_pits
from mine2magnet.mining.params import MiningParams, mining_params
from mine2magnet.mining.slopes import SlopePrecedence, block_precedence
from mine2magnet.mining.types import PhasePlan, PitResult, PitShells
from mine2magnet.mining.value import BlockEconomics, BlockValues, auto_pad_cells, block_values

if TYPE_CHECKING:  # pragma: no cover
    from mine2magnet.config import Project

__all__ = ["PitOptimisation", "min_width_check", "optimise_pit", "pit_inputs", "select_phases"]


# ---------------------------------------------------------------------------- widths


def _square(s: int, size: tuple[float, float]) -> NDArray[np.bool_]:
    """Structuring element: a square of side ``s · min(dx, dy)`` metres, in cells (j, i)."""
    side = s * min(size)
    return np.ones((max(1, math.ceil(side / size[1] - 1e-9)),
                    max(1, math.ceil(side / size[0] - 1e-9))), dtype=bool)  # fmt: skip


def _widths_2d(region: NDArray[np.bool_], s_max: int, size: tuple[float, float]) -> NDArray:
    """Per cell of ``region``: the largest ``s ≤ s_max`` whose square fits around it."""
    width = np.zeros(region.shape, dtype=np.int64)
    if not region.any():
        return width
    jj, ii = np.nonzero(region)
    pad = s_max + 1
    sub = region[jj.min() : jj.max() + 1, ii.min() : ii.max() + 1]
    sub = np.pad(sub, pad)
    w = np.zeros(sub.shape, dtype=np.int64)
    for s in range(1, s_max + 1):
        opened = ndimage.binary_opening(sub, structure=_square(s, size))
        if not opened.any():
            break
        w[opened] = s
    width[jj.min() : jj.max() + 1, ii.min() : ii.max() + 1] = w[pad:-pad, pad:-pad]
    return width


def min_width_check(
    phase: NDArray[np.integer],
    grid: BlockGrid,
    min_width_m: float,
    *,
    mined: NDArray[np.bool_] | None = None,
) -> pd.DataFrame:
    """Narrowest mining width of every phase on every bench.

    Parameters
    ----------
    phase : numpy.ndarray
        Phase (1-based, 0 = none) of every cell of ``grid``, flat order [-].
    grid : BlockGrid
        The grid the cells belong to.
    min_width_m : float
        Minimum mining width [m].
    mined : numpy.ndarray, optional
        Boolean per cell: cells that count (e.g. not air); default all.

    Returns
    -------
    pandas.DataFrame
        ``phase``, ``k``, ``elevation`` [m], ``blocks``, ``min_width_blocks``,
        ``min_width_m`` [m], ``narrow_blocks`` (blocks whose widest square is below the
        minimum) per phase and bench holding blocks.

    Examples
    --------
    >>> g = BlockGrid((0, 0, 0), (10, 10, 10), (6, 3, 1))
    >>> ph = np.array([1, 1, 1, 2, 2, 0] * 3)
    >>> min_width_check(ph, g, 30.0)[["phase", "min_width_blocks", "narrow_blocks"]].values.tolist()
    [[1, 3, 0], [2, 2, 6]]
    """
    if not min_width_m > 0:
        raise ConfigError(f"min_width_m {min_width_m!r} must be > 0 [m]")
    nx, ny, nz = grid.counts
    ph = np.asarray(phase).reshape(nz, ny, nx)
    ok = np.ones(ph.shape, bool) if mined is None else np.asarray(mined, bool).reshape(ph.shape)
    size = (grid.block_size[0], grid.block_size[1])
    s_req = max(1, math.ceil(min_width_m / min(size) - 1e-9))
    rows = []
    for p in np.unique(ph[(ph > 0) & ok]):
        for k in range(nz):
            region = (ph[k] == p) & ok[k]
            nb = int(region.sum())
            if nb == 0:
                continue
            w = _widths_2d(region, s_req, size)[region]
            wmin = int(w.min())
            rows.append({
                "phase": int(p), "k": k,
                "elevation": grid.origin[2] + (k + 0.5) * grid.block_size[2],
                "blocks": nb, "min_width_blocks": wmin, "min_width_m": wmin * min(size),
                "narrow_blocks": int(np.count_nonzero(w < s_req)),
            })  # fmt: skip
    cols = ["phase", "k", "elevation", "blocks", "min_width_blocks", "min_width_m",
            "narrow_blocks"]  # fmt: skip
    out = pd.DataFrame(rows, columns=cols)
    if out.empty:
        return out
    per_phase = out.groupby("phase", sort=True).agg(
        k=("k", "min"), elevation=("elevation", "min"), blocks=("blocks", "sum"),
        min_width_blocks=("min_width_blocks", "min"), min_width_m=("min_width_m", "min"),
        narrow_blocks=("narrow_blocks", "sum"),
    )  # fmt: skip
    out.attrs["per_phase"] = per_phase.reset_index()
    return out


# ---------------------------------------------------------------------------- phases


def select_phases(
    shells: PitShells,
    tonnes: NDArray[np.float64],
    *,
    count: int | None = 4,
    target_tonnes: float | None = None,
    final_revenue_factor: float = 1.0,
) -> tuple[NDArray[np.int32], list[int]]:
    """Choose the shells that close each phase.

    Parameters
    ----------
    shells : PitShells
    tonnes : numpy.ndarray
        Rock tonnes per block of the shells' graph [t].
    count : int, optional
        Phases wanted (ignored when ``target_tonnes`` is given) [-].
    target_tonnes : float, optional
        Rock tonnes per phase [t].
    final_revenue_factor : float
        The final pit is the shell at the largest factor not above it [-].

    Returns
    -------
    phase : numpy.ndarray
        Per block (int32): 1-based phase, 0 outside the final pit.
    closing : list of int
        The shell (1-based) closing each phase.
    """
    f = shells.revenue_factors
    cand = np.flatnonzero(f <= final_revenue_factor + 1e-12)
    final = int(cand[-1]) + 1 if cand.size else 1
    pid = shells.pit_id
    t = np.asarray(tonnes, dtype=float)
    per_shell = np.bincount(pid, weights=t, minlength=shells.n_shells + 1)[1:]
    cum = np.cumsum(per_shell)[:final]
    distinct = [s + 1 for s in range(final) if per_shell[s] > 0]
    if not distinct:
        return np.zeros(pid.size, np.int32), []
    total = cum[-1]
    if target_tonnes is not None:
        if not target_tonnes > 0:
            raise ConfigError(f"target_tonnes {target_tonnes!r} must be > 0 [t]")
        targets = [j * target_tonnes for j in range(1, int(total // target_tonnes) + 1)
                   if j * target_tonnes < total]  # fmt: skip
    else:
        if count is None or count < 1:
            raise ConfigError("give a phase count ≥ 1 or target_tonnes")
        targets = [j * total / count for j in range(1, count)]
    closing: list[int] = []
    for tt in targets:
        options = [s for s in distinct if s < final and (not closing or s > closing[-1])]
        if not options:
            break
        best = min(options, key=lambda s: abs(cum[s - 1] - tt))
        if best not in closing:
            closing.append(best)
    if final not in closing:
        closing.append(final)
    phase = np.zeros(pid.size, np.int32)
    prev = 0
    for p, s in enumerate(closing, start=1):
        phase[(pid > prev) & (pid <= s)] = p
        prev = s
    return phase, closing


# ---------------------------------------------------------------------------- driver


@dataclass(frozen=True)
class PitOptimisation:
    """Everything the pit optimisation computed for a block model.

    Attributes
    ----------
    values : BlockValues
        The valued optimisation grid.
    precedence : SlopePrecedence
        Slope zones, patterns and the graph (its blocks are rows ``precedence.rows``).
    pit : PitResult
        The ultimate pit at revenue factor 1 (mask over the graph's blocks).
    rpeee : PitResult
        The pit at prices raised by ``rpeee_price_uplift_pct`` (resource shell).
    shells : PitShells
        Nested pits and the pit-by-pit table.
    phases : PhasePlan
        Pushbacks and their width check.
    params : MiningParams
    seconds : dict
        Wall time per step [s].
    """

    values: BlockValues = field(repr=False)
    precedence: SlopePrecedence = field(repr=False)
    pit: PitResult
    rpeee: PitResult
    shells: PitShells = field(repr=False)
    phases: PhasePlan = field(repr=False)
    params: MiningParams = field(repr=False)
    seconds: dict[str, float] = field(default_factory=dict)

    def block_table(self) -> pd.DataFrame:
        """Rock cells inside the largest shell or the RPEEE shell, with their pit data.

        Columns: ``i``, ``j``, ``k`` (block-model grid; padding outside it has indices
        out of its range and ``in_block_model`` False), ``easting``, ``northing``,
        ``elevation`` [m], ``domain``, ``tonnes``, ``ore_tonnes`` [t], contained ``*_t``
        [t], ``value_usd`` [US$], ``destination``, ``pit_id`` (1-based shell, 0 none),
        ``revenue_factor`` (of that shell, NaN none), ``in_final_pit``, ``in_rpeee_shell``,
        ``phase``.
        """
        bv, sp = self.values, self.precedence
        t = bv.table
        nx0 = bv.grid.counts[0] - 2 * bv.pad
        ny0 = bv.grid.counts[1] - 2 * bv.pad
        nz0 = bv.grid.counts[2] - bv.raised
        pid = self.shells.pit_id
        sel = ((pid > 0) | self.rpeee.mask) & ~t["air"].to_numpy()[sp.rows]
        rows = sp.rows[sel]
        out = t.iloc[rows].drop(columns=["cell", "air", "fill_fraction"]).reset_index(drop=True)
        out["i"] = out["i"] - bv.pad
        out["j"] = out["j"] - bv.pad
        out.insert(3, "in_block_model", (out["i"].between(0, nx0 - 1)
                                         & out["j"].between(0, ny0 - 1)
                                         & (out["k"] < nz0)).to_numpy())  # fmt: skip
        p = pid[sel]
        out["pit_id"] = p
        f = np.r_[np.nan, self.shells.revenue_factors]
        out["revenue_factor"] = f[p]
        out["in_final_pit"] = self.pit.mask[sel]
        out["in_rpeee_shell"] = self.rpeee.mask[sel]
        out["phase"] = self.phases.phase[sel]
        for c in ("domain", "destination"):  # plain text for the store
            out[c] = out[c].astype(str)
        return out

    def summary(self) -> pd.DataFrame:
        """Key figures, one row per item: ``item``, ``value``, ``unit``."""
        bv, sp, pit = self.values, self.precedence, self.pit
        t = bv.table.iloc[sp.rows[pit.mask]]
        ore = t["destination"].to_numpy() == "process"
        tonnes = float(t["tonnes"].sum())
        ore_t = float(t["ore_tonnes"].to_numpy()[ore].sum())
        items = [
            ("engine", pit.engine, "-"),
            ("grid cells", bv.n_cells, "-"),
            ("padding columns per side", bv.pad, "-"),
            ("graph blocks", sp.graph.n_blocks, "-"),
            ("precedence arcs", sp.graph.n_arcs, "-"),
            ("slope zones", len(sp.patterns), "-"),
            ("largest slope error, steeper", float(sp.zones["max_steeper_deg"].max()), "deg"),
            ("cells blocked by the grid sides", sp.blocked_cells, "-"),
            ("ultimate pit value", pit.value, "US$"),
            ("ultimate pit blocks", pit.n_blocks, "-"),
            ("ultimate pit rock", tonnes, "t"),
            ("ultimate pit ore", ore_t, "t"),
            ("ultimate pit strip ratio", (tonnes - ore_t) / ore_t if ore_t > 0 else np.nan, "-"),
            ("ultimate pit solve time", pit.seconds, "s"),
            ("RPEEE shell value at uplifted prices", self.rpeee.value, "US$"),
            ("RPEEE shell blocks", self.rpeee.n_blocks, "-"),
            ("value scaling exact", pit.exact, "-"),
        ]
        return pd.DataFrame(items, columns=["item", "value", "unit"]).astype({"value": str})

    def tables(self) -> dict[str, pd.DataFrame]:
        """Tables for the store (``mining__<name>``)."""
        sp = self.precedence
        return {
            "pit_summary": self.summary(),
            "pit_blocks": self.block_table(),
            **self.shells.tables(),
            **self.phases.tables(),
            "slope_zones": sp.zones.copy(),
            "slope_errors": sp.errors(),
            "block_value_summary": self.values.summary().astype({"destination": str}),
        }


def pit_inputs(
    bv: BlockValues, sp: SlopePrecedence, economics: BlockEconomics | None = None
) -> PitInputs:
    """The pit problem of the slope graph's cells: revenue, ore and waste costs [US$],
    tonnes [t], benches and contained metal, from block values (``economics`` revalues
    the revenue, e.g. at the RPEEE's uplifted prices)."""
    t = bv.table
    r = sp.rows
    revenue = t["revenue_usd"].to_numpy()[r] if economics is None else bv_revenue(bv, economics)[r]
    mine = t["mining_cost_usd"].to_numpy()[r]
    metal = {c: t[c].to_numpy()[r] for c in t.columns
             if c.endswith("_t") and c not in ("ore_tonnes",)}  # fmt: skip
    return PitInputs(
        revenue_usd=revenue, ore_cost_usd=mine + t["processing_cost_usd"].to_numpy()[r],
        waste_cost_usd=mine, tonnes=t["tonnes"].to_numpy()[r],
        ore_tonnes=t["ore_tonnes"].to_numpy()[r], bench=t["k"].to_numpy()[r], metal=metal,
    )  # fmt: skip


def bv_revenue(bv: BlockValues, economics: BlockEconomics) -> NDArray[np.float64]:
    """Net revenue of every cell under other economics (e.g. uplifted prices) [US$]."""
    net = economics.net_price_usd_kg()
    out = np.zeros(bv.n_cells)
    for c in bv.species:
        out += 1000.0 * bv.table[c.removesuffix("_pct") + "_t"].to_numpy() * net[c]
    return out


def optimise_pit(
    block_model: BlockModel,
    params: MiningParams | Mapping[str, Any] | Project | None = None,
    *,
    topography: Topography | None = None,
    economics: BlockEconomics | None = None,
    include_rows: NDArray[np.bool_] | None = None,
) -> PitOptimisation:
    """Pit optimisation of a block model: values, slopes, pits, shells, phases.

    Parameters
    ----------
    block_model : BlockModel
        From the estimation stage.
    params : MiningParams, mapping or Project, optional
        ``[mining]`` (validated when a mapping or a Project; defaults when None).
    topography : Topography, optional
        Ground surface (recommended: ground above and beyond the block model counts).
    economics : BlockEconomics, optional
        Replaces the prices and costs of ``params`` (e.g. from the economics stage).
    include_rows : numpy.ndarray, optional
        Boolean per block-model row whose grades count (others are waste at zero grade).

    Returns
    -------
    PitOptimisation

    Raises
    ------
    ConfigError, DataError
        For invalid parameters or an empty block model.
    """
    p = params if isinstance(params, MiningParams) else mining_params(params)
    e = economics or BlockEconomics.from_params(p)
    secs: dict[str, float] = {}
    t0 = time.perf_counter()
    pad = p.pad_cells
    if pad == "auto":
        flattest = min([p.slopes.default_angle_deg, *[s.angle_deg for s in p.slopes.sectors]])
        pad = auto_pad_cells(block_model.grid, flattest)
    bv = block_values(block_model, e, topography=topography, pad_cells=int(pad),
                      fill_domain=p.fill_domain, fill_density_t_m3=p.fill_density_t_m3,
                      include_rows=include_rows)  # fmt: skip
    secs["values"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    sp = block_precedence(bv, p.slopes)
    secs["precedence"] = time.perf_counter() - t0
    if sp.graph.n_blocks == 0:
        raise DataError("no block can be mined inside the grid; add padding (mining.pad_cells)")
    inputs = pit_inputs(bv, sp)
    t0 = time.perf_counter()
    pit = ultimate_pit(inputs.values(1.0), sp.graph, engine=p.engine)
    uplift = e.with_price_factor(1.0 + p.rpeee_price_uplift_pct / 100.0)
    rp_inputs = pit_inputs(bv, sp, uplift)
    rpeee = ultimate_pit(rp_inputs.values(1.0), sp.graph, engine=p.engine)
    secs["ultimate_pit"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    factors = sorted({*p.factors(), 1.0})
    shells = nested_pits(
        inputs, sp.graph, factors, engine=p.engine, discount_rate=p.discount_rate_pct / 100.0,
        processing_rate_tpa=p.processing_rate_tpa, mining_rate_tpa=p.mining_rate_tpa,
    )  # fmt: skip
    secs["nested_pits"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    ph = p.phases
    phase, closing = select_phases(
        shells, inputs.tonnes, count=ph.count if ph.target_tonnes is None else None,
        target_tonnes=ph.target_tonnes, final_revenue_factor=ph.final_revenue_factor,
    )  # fmt: skip
    plan = _phase_plan(bv, sp, shells, inputs, phase, closing, ph.min_width_m)
    secs["phases"] = time.perf_counter() - t0
    return PitOptimisation(bv, sp, pit, rpeee, shells, plan, p, secs)


def _phase_plan(
    bv: BlockValues,
    sp: SlopePrecedence,
    shells: PitShells,
    inputs: PitInputs,
    phase: NDArray[np.int32],
    closing: list[int],
    min_width_m: float,
) -> PhasePlan:
    n_cells = bv.n_cells
    cell_phase = np.zeros(n_cells, np.int32)
    cell_phase[sp.rows] = phase
    rock = ~bv.table["air"].to_numpy()
    widths = min_width_check(cell_phase, bv.grid, min_width_m, mined=rock)
    per = widths.attrs.get("per_phase", pd.DataFrame(columns=["phase"]))
    ore = inputs.is_ore(1.0)
    v1 = inputs.values(1.0)
    rows = []
    for p, s in enumerate(closing, start=1):
        m = phase == p
        t = float(inputs.tonnes[m].sum())
        o = float(inputs.ore_tonnes[m & ore].sum())
        w = per[per["phase"] == p]
        rows.append({
            "phase": p, "pit": s, "revenue_factor": float(shells.revenue_factors[s - 1]),
            "blocks": int(np.count_nonzero(m & (inputs.tonnes > 0))), "tonnes": t,
            "ore_tonnes": o, "waste_tonnes": t - o,
            "strip_ratio": (t - o) / o if o > 0 else np.nan, "value_usd": float(v1[m].sum()),
            "min_width_blocks": int(w["min_width_blocks"].iloc[0]) if len(w) else 0,
            "min_width_m": float(w["min_width_m"].iloc[0]) if len(w) else 0.0,
            "narrow_blocks": int(w["narrow_blocks"].iloc[0]) if len(w) else 0,
        })  # fmt: skip
    table = pd.DataFrame(rows)
    if not table.empty:
        table["width_ok"] = table["narrow_blocks"] == 0
    widths = widths.copy()
    widths.attrs = {}
    return PhasePlan(phase, table, widths, float(min_width_m))
