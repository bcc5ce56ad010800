"""The uncertainty stage: conditional simulation of the whole block model, and its outcomes.

:func:`run_uncertainty` is pure apart from the realisation Parquet files it writes (and
resumes from) under ``out_dir``. Per realisation (:func:`realisation_outcome`, the
runner's picklable realisation function):

1. **Grades.** Every listed domain is simulated by SGS
   (:func:`~mine2magnet.geostats.simulation.simulate_blocks`): TREO, Nd2O3 and Pr6O11
   through the compositional transform (TREO = Nd2O3 + Pr6O11 + rest in every block),
   on ``discretisation`` points per block averaged to the block (change of support).
   The other oxides of a simulated block are the estimate's, scaled by the ratio of the
   simulated to the estimated rest (``TREO − Nd2O3 − Pr6O11``), so the oxides still sum
   to TREO and the pit and the plan see consistent grades. Domains not simulated keep
   their estimates.
2. **Grade-tonnage** of the simulated domains (whole model, no RPEEE constraint).
3. **Ultimate pit** of the realisation's block model (block values, slope precedence and
   one max-closure solve of :mod:`mine2magnet.mining`, the project's ``[mining]``): its
   undiscounted value, ore and contained TREO.
4. **NPV of the base plan** (:func:`base_plan_periods` then :func:`plan_npv`): the
   reserve schedule is kept — every block is mined in its scheduled period and fraction.
   A block is ore when its Measured and Indicated TREO grade (over all its tonnes, as in
   the Reserve) is at or above the period's cut-off: the Reserve's TREO-equivalent
   marginal cut-off (``reserve_meta.cutoff_treo_equivalent``), raised per period until
   the estimate's ore matches the scheduled feed (the schedule's Lane variable cut-off);
   plant feed ``T·MR·(1+D)``, metal ``M·MR``.
   The scheduled feed and TREO of each period change by the realisation's difference to
   the estimate under this rule, the feed capped at the period's plant capacity (metal
   capped pro rata). The periods are valued by the economics engine exactly as the
   economics stage values the schedule (plan from the schedule, after-tax NPV, no Monte
   Carlo or scenarios). With the estimate's grades the periods are the schedule's and
   the NPV is the economics stage's base NPV, exactly.

   Simplification, stated: the schedule is not re-optimised for the realisation (no new
   pit, sequence, stockpile or Lane cut-off), and a TREO cut-off per period stands
   in for the per-block net-revenue and grade-bin rules — it is the value of the **base plan** under
   grade uncertainty, not the value of an optimal plan of that realisation.
5. **Periods** (plant feed and TREO per schedule period), **blocks** (TREO of the
   simulated rows, for the probability model and the panels), grade **quantiles** per
   domain (histogram check) and the **normal-score variogram** of the simulated blocks
   along the model's axes (variogram check).

The driver then streams the realisations: percentiles of the outcomes, the E-type /
P10 / P90 / probability-above-cut-off block model, the production-period confidence, the
classification support panels (see ``docs/simulation.md``) and the validation tables.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mine2magnet.chemistry import TREO_SPECIES
from mine2magnet.errors import ConfigError, DataError
from mine2magnet.uncertainty.hashing import fingerprint, frame_hash
from mine2magnet.uncertainty.params import UncertaintyParams
from mine2magnet.uncertainty.runner import RealisationRun, run_realisations

__all__ = [
    "OUTCOME_ITEMS",
    "TABLE_NAMES",
    "BasePlan",
    "UncertaintyInputs",
    "UncertaintyOutcome",
    "base_plan_periods",
    "plan_npv",
    "realisation_outcome",
    "run_uncertainty",
]

#: Store tables of :meth:`UncertaintyOutcome.tables` (``uncertainty__<name>``).
TABLE_NAMES: tuple[str, ...] = (
    "realisations",
    "gradetonnage",
    "gradetonnage_percentiles",
    "outcomes",
    "probability_blocks",
    "period_confidence",
    "classification_support",
    "support_panels",
    "validation_histogram",
    "validation_variogram",
    "validation_summary",
    "meta",
)

#: Rows of the ``outcomes`` table: (item, unit, column of ``realisations``).
OUTCOME_ITEMS: tuple[tuple[str, str, str], ...] = (
    ("tonnes above cut-off", "t", "tonnes_above_cutoff"),
    ("contained TREO", "t", "TREO_t_above_cutoff"),
    ("ultimate pit value", "US$", "pit_value_usd"),
    ("pit ore", "t", "pit_ore_tonnes"),
    ("NPV", "US$", "npv_usd"),
)

HISTOGRAM_QUANTILES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
# Tolerance of |median realisation quantile - declustered data quantile| in data SDs, by
# quantile: about 2.5-3 times the hole-bootstrap standard error of the data quantiles on
# the demo (tests/uncertainty/test_sgs_integration.py, docs/simulation.md); the tails are
# the least certain part of the data and get the widest allowance.
HISTOGRAM_TOLERANCE_SD = {0.05: 0.10, 0.1: 0.10, 0.25: 0.10, 0.5: 0.10, 0.75: 0.10,
                          0.9: 0.25, 0.95: 0.35}  # fmt: skip
MEAN_TOLERANCE_PCT = 5.0
VARIOGRAM_TOLERANCE = 0.15
VARIOGRAM_MIN_PAIRS = 30
_DIRECTIONS = {"major": "major", "semi_major": "semi-major", "minor": "minor"}


# ----------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class BasePlan:
    """The reserve schedule and the economics that value it.

    Attributes
    ----------
    periods : pandas.DataFrame
        ``reserve__schedule_periods`` (``period``, ``year_from``, ``year_to``,
        ``feed_tonnes`` [t], ``TREO_t`` [t], oxide ``<S>_t`` [t] and ``<S>_pct`` [%]).
    cell_period : numpy.ndarray
        Schedule period of each scheduled block (cell) [-]; −1 = never mined.
    cell_fraction : numpy.ndarray
        Mined fraction of each scheduled cell [-].
    cell_tonnes : numpy.ndarray
        In-situ tonnes of each scheduled cell (all its block-model rows) [t].
    row_cell : numpy.ndarray
        Per block-model row, its scheduled cell, or −1 [-].
    row_mi : numpy.ndarray
        Per block-model row, True when Measured or Indicated [-].
    cutoff_pct : float
        TREO ore cut-off of each schedule period [%]: the Reserve's TREO-equivalent
        marginal cut-off, raised where the schedule fed less than the estimate's ore
        above it (the schedule's Lane variable cut-off), so that the estimate's feed
        under the rule matches the scheduled feed where it can.
    mining_recovery, dilution : float
        Mining recovery and dilution [-].
    capacity_t : numpy.ndarray
        Plant feed capacity per schedule period [t].
    basis : ProcessingBasis
        The design product slate (economics).
    economics : EconomicsParams
        ``[economics]``.
    """

    periods: pd.DataFrame = field(repr=False)
    cell_period: np.ndarray = field(repr=False)
    cell_fraction: np.ndarray = field(repr=False)
    cell_tonnes: np.ndarray = field(repr=False)
    row_cell: np.ndarray = field(repr=False)
    row_mi: np.ndarray = field(repr=False)
    cutoff_pct: np.ndarray = field(repr=False)
    mining_recovery: float
    dilution: float
    capacity_t: np.ndarray = field(repr=False)
    basis: Any = field(repr=False)
    economics: Any = field(repr=False)
    row_tonnes: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    est_feed: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    est_metal: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    @classmethod
    def build(
        cls,
        blocks: pd.DataFrame,
        resource_blocks: pd.DataFrame,
        reserve_tables: Mapping[str, pd.DataFrame],
        mining: Any,
        processing: Any,
        economics: Any,
    ) -> BasePlan:
        """The base plan from the stage tables.

        Parameters
        ----------
        blocks : pandas.DataFrame
            ``estimation__blocks`` (``i``, ``j``, ``k``, ``domain``, ``tonnes`` [t]).
        resource_blocks : pandas.DataFrame
            ``resources__blocks`` (``i``, ``j``, ``k``, ``domain``, ``resource_class``).
        reserve_tables : mapping
            ``schedule_blocks``, ``schedule_periods``, ``reserve_meta`` (the reserve stage).
        mining : MiningParams
            ``[mining]`` (recovery, dilution, plant rate, schedule).
        processing : Flowsheet or mapping of tables
            The processing stage's output (:func:`mine2magnet.economics.processing_basis`).
        economics : EconomicsParams
            ``[economics]`` without scenarios.

        Returns
        -------
        BasePlan
        """
        from mine2magnet.economics.stage import processing_basis
        from mine2magnet.mining.schedule_params import schedule_params

        sb = reserve_tables["schedule_blocks"]
        sp = reserve_tables["schedule_periods"].sort_values("period").reset_index(drop=True)
        meta = reserve_tables.get("reserve_meta")
        cutoff = _meta_float(meta, "cutoff_treo_equivalent")
        if cutoff is None:
            raise DataError(
                "reserve__reserve_meta has no 'cutoff_treo_equivalent'; rerun `m2m reserve --force`"
            )
        cells = sb[["i", "j", "k"]].astype(np.int64)
        key = pd.MultiIndex.from_frame(cells)
        row_key = pd.MultiIndex.from_frame(blocks[["i", "j", "k"]].astype(np.int64))
        row_cell = key.get_indexer(row_key).astype(np.int64)
        t = blocks["tonnes"].to_numpy(dtype=float)
        ok = row_cell >= 0
        cell_tonnes = np.bincount(row_cell[ok], weights=t[ok], minlength=len(sb))
        rc = _row_classes(blocks, resource_blocks)
        row_mi = np.isin(rc, ("Measured", "Indicated"))
        schp = schedule_params(mining)
        _, p_rate = schp.rates(mining)
        L = schp.period_years
        ramp = np.ones(len(sp))
        k = min(len(sp), len(schp.processing_ramp_up_pct))
        ramp[:k] = np.asarray(schp.processing_ramp_up_pct[:k], float) / 100.0
        cap = np.maximum(p_rate * L * ramp, sp["feed_tonnes"].to_numpy(dtype=float))
        plan = cls(
            periods=sp,
            cell_period=sb["period"].to_numpy(dtype=np.int64),
            cell_fraction=sb["mined_fraction"].to_numpy(dtype=float),
            cell_tonnes=cell_tonnes,
            row_cell=row_cell,
            row_mi=row_mi,
            cutoff_pct=np.full(len(sp), float(cutoff)),
            mining_recovery=float(mining.mining_recovery_pct) / 100.0,
            dilution=float(mining.dilution_pct) / 100.0,
            capacity_t=cap,
            basis=processing_basis(processing, None),
            economics=economics,
            row_tonnes=t,
        )
        plan = dataclasses.replace(
            plan, cutoff_pct=plan.calibrated_cutoffs(blocks["TREO_pct"].to_numpy(dtype=float))
        )
        feed, metal = plan.ore_by_period(blocks["TREO_pct"].to_numpy(dtype=float))
        return dataclasses.replace(plan, est_feed=feed, est_metal=metal)

    def _cells(self, treo_pct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Measured and Indicated TREO [t] and grade [%] of every scheduled cell."""
        ok = self.row_cell >= 0
        w = self.blocks_metal(treo_pct)
        metal = np.bincount(self.row_cell[ok], weights=w[ok], minlength=len(self.cell_tonnes))
        T = self.cell_tonnes
        return metal, np.divide(100.0 * metal, T, out=np.zeros_like(T), where=T > 0)

    def calibrated_cutoffs(self, treo_pct: np.ndarray) -> np.ndarray:
        """Per period, the lowest cut-off ≥ the marginal one whose ore ≤ the scheduled feed.

        Parameters
        ----------
        treo_pct : numpy.ndarray
            The estimate's TREO per block-model row [%].

        Returns
        -------
        numpy.ndarray
            Cut-off per schedule period [%].
        """
        _, grade = self._cells(treo_pct)
        n = len(self.periods)
        feed_s = self.periods["feed_tonnes"].to_numpy(dtype=float)
        f = self.cell_tonnes * self.cell_fraction * self.mining_recovery * (1.0 + self.dilution)
        out = np.array(self.cutoff_pct, dtype=float)
        for p in range(n):
            sel = (self.cell_period == p) & (grade >= out[p])
            if f[sel].sum() <= feed_s[p]:
                continue
            g = grade[sel]
            o = np.argsort(-g, kind="stable")
            cum = np.cumsum(f[sel][o])
            k = int(np.searchsorted(cum, feed_s[p], side="right"))
            out[p] = float(g[o][k]) if k < len(g) else out[p]
            out[p] = np.nextafter(out[p], np.inf) if k < len(g) else out[p]
        return out

    def ore_by_period(self, treo_pct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Plant feed and TREO per schedule period under the ore rule, for given grades.

        Parameters
        ----------
        treo_pct : numpy.ndarray
            TREO per block-model row [%].

        Returns
        -------
        feed_t, metal_t : numpy.ndarray
            Per period of :attr:`periods` [t].
        """
        n = len(self.periods)
        metal, grade = self._cells(treo_pct)
        T = self.cell_tonnes
        p = self.cell_period
        inside = (p >= 0) & (p < n)
        cut = np.full(len(p), np.inf)
        cut[inside] = self.cutoff_pct[p[inside]]
        ore = inside & (grade >= cut)
        f = self.cell_fraction
        feed = np.bincount(
            p[ore], weights=T[ore] * f[ore] * self.mining_recovery * (1.0 + self.dilution),
            minlength=n,
        )  # fmt: skip
        met = np.bincount(p[ore], weights=metal[ore] * f[ore] * self.mining_recovery, minlength=n)
        return feed, met

    def blocks_metal(self, treo_pct: np.ndarray) -> np.ndarray:
        """Measured and Indicated TREO of every block-model row [t]."""
        return np.where(self.row_mi, self.row_tonnes * np.asarray(treo_pct) / 100.0, 0.0)


def _meta_float(meta: pd.DataFrame | None, key: str) -> float | None:
    if meta is None or "key" not in meta.columns:
        return None
    hit = meta.loc[meta["key"] == key, "value"]
    if hit.empty:
        return None
    try:
        return float(str(hit.iloc[0]).replace(",", ""))
    except ValueError:
        return None


def _row_classes(blocks: pd.DataFrame, resource_blocks: pd.DataFrame | None) -> np.ndarray:
    """Resource class per block-model row ("" where unclassified or not in the model)."""
    if resource_blocks is None or "resource_class" not in resource_blocks.columns:
        return np.full(len(blocks), "", dtype=object)
    keys = ["i", "j", "k", "domain"]
    rb = resource_blocks[[*keys, "resource_class"]].copy()
    rb["domain"] = rb["domain"].astype(str)
    rb = rb.drop_duplicates(keys)
    left = blocks[keys].copy()
    left["domain"] = left["domain"].astype(str)
    m = left.merge(rb, on=keys, how="left")
    rc = m["resource_class"].fillna("").astype(str)
    return rc.where(rc != "Unclassified", "").to_numpy(dtype=object)


def base_plan_periods(plan: BasePlan, treo_pct: np.ndarray) -> pd.DataFrame:
    """The schedule's periods with the plant feed and metal of other grades.

    Per period ``p``: ``feed = min(cap, feed_sched + MR(1+D)·ΔT_ore)`` and ``TREO_t =
    TREO_sched + MR·ΔM`` (metal scaled by ``cap / feed`` when the feed is capped), where
    ``ΔT_ore`` and ``ΔM`` are the ore tonnes and metal of the realisation minus those of
    the estimate under the ore rule (:meth:`BasePlan.ore_by_period`); oxide ``<S>_t``
    scale with TREO, grades ``<S>_pct`` follow. Equal grades give the schedule's periods.

    Parameters
    ----------
    plan : BasePlan
    treo_pct : numpy.ndarray
        TREO per block-model row [%].

    Returns
    -------
    pandas.DataFrame
        ``reserve__schedule_periods`` with ``feed_tonnes`` [t], ``TREO_t`` [t], oxides
        [t] and [%] replaced.
    """
    feed_r, met_r = plan.ore_by_period(treo_pct)
    feed_e, met_e = plan.est_feed, plan.est_metal
    sp = plan.periods.copy()
    feed0 = sp["feed_tonnes"].to_numpy(dtype=float)
    treo0 = sp["TREO_t"].to_numpy(dtype=float)
    dfeed = feed_r - feed_e
    dmet = met_r - met_e
    changed = (dfeed != 0.0) | (dmet != 0.0)
    feed = np.maximum(feed0 + dfeed, 0.0)
    treo = np.maximum(treo0 + dmet, 0.0)
    over = feed > plan.capacity_t
    treo = np.where(over, treo * plan.capacity_t / np.where(feed > 0, feed, 1.0), treo)
    feed = np.where(over, plan.capacity_t, feed)
    feed = np.where(changed, feed, feed0)
    treo = np.where(changed, treo, treo0)
    scale = np.divide(treo, treo0, out=np.ones_like(treo), where=treo0 > 0)
    sp["feed_tonnes"] = feed
    sp["TREO_t"] = treo
    for c in sp.columns:
        if c.endswith("_t") and c != "TREO_t" and c[:-2] + "_pct" in sp.columns:
            sp[c] = np.where(changed, sp[c].to_numpy(dtype=float) * scale, sp[c])
    for c in sp.columns:
        if c.endswith("_pct") and c[:-4] + "_t" in sp.columns:
            pct = np.divide(100.0 * sp[c[:-4] + "_t"].to_numpy(dtype=float), feed,
                            out=np.zeros(len(sp)), where=feed > 0)  # fmt: skip
            sp[c] = np.where(changed, pct, sp[c])
    return sp


def plan_npv(plan: BasePlan, periods: pd.DataFrame) -> float:
    """After-tax NPV of schedule periods, valued as the economics stage values them.

    Parameters
    ----------
    plan : BasePlan
    periods : pandas.DataFrame
        Schedule periods (:func:`base_plan_periods`).

    Returns
    -------
    float
        NPV at the project's discount rate, after tax [US$].
    """
    from mine2magnet.economics.stage import economics_plan
    from mine2magnet.economics.valuation import value_project

    prod = economics_plan(plan.basis, plan.economics, schedule_periods=periods)
    return float(value_project(prod, plan.economics).npv)


@dataclass(frozen=True)
class UncertaintyInputs:
    """Everything a realisation needs (built once by :func:`run_uncertainty`).

    Attributes
    ----------
    block_model : BlockModel
        The estimated model (grades [%], ``tonnes`` [t]).
    composites : pandas.DataFrame
        Conditioning composites.
    sim_params : dict of str to SimulationParams
        Per simulated domain.
    columns : tuple of str
        Simulated grades, total first [%].
    cutoffs : tuple of float
        Grade-tonnage cut-offs [%].
    cutoff_pct : float
        Probability / outcome cut-off [%].
    weights : dict of str to numpy.ndarray
        Declustering weights of each domain's composites [-].
    mining : MiningParams or None
        With ``pit``: the ``[mining]`` parameters.
    topography : Topography or None
    plan : BasePlan or None
        With ``npv``.
    memory_limit_mb : float
        Largest SGS working set of one domain before it is simulated in chunks [MB].
    key : str
        Fingerprint of all of the above (what the runner's params hash sees).
    """

    block_model: Any = field(repr=False)
    composites: pd.DataFrame = field(repr=False)
    sim_params: dict[str, Any] = field(repr=False)
    columns: tuple[str, ...]
    cutoffs: tuple[float, ...]
    cutoff_pct: float
    mining: Any = field(default=None, repr=False)
    topography: Any = field(default=None, repr=False)
    plan: BasePlan | None = field(default=None, repr=False)
    memory_limit_mb: float = 2000.0
    key: str = ""

    def __repr__(self) -> str:  # the runner fingerprints kwargs by repr: use the key
        return f"UncertaintyInputs(key={self.key})"


# -------------------------------------------------------------------- one realisation
_PRECEDENCE: dict[str, Any] = {}
_PRECEDENCE_LOCK = threading.Lock()


def _precedence(key: str, bv: Any, slopes: Any) -> Any:
    """Slope precedence of the model's grid (grade-independent), once per process."""
    from mine2magnet.mining.slopes import block_precedence

    with _PRECEDENCE_LOCK:
        if key not in _PRECEDENCE:
            _PRECEDENCE.clear()
            _PRECEDENCE[key] = block_precedence(bv, slopes)
        return _PRECEDENCE[key]


def _pit(inputs: UncertaintyInputs, table: pd.DataFrame) -> tuple[float, float, float]:
    """Ultimate pit value [US$], ore [t] and contained TREO [t] of a block table."""
    from mine2magnet.mining.phases import auto_pad_cells, pit_inputs, ultimate_pit
    from mine2magnet.mining.value import BlockEconomics, block_values

    p = inputs.mining
    bm = dataclasses.replace(inputs.block_model, table=table)
    pad = p.pad_cells
    if pad == "auto":
        flattest = min([p.slopes.default_angle_deg, *[s.angle_deg for s in p.slopes.sectors]])
        pad = auto_pad_cells(bm.grid, flattest)
    bv = block_values(bm, BlockEconomics.from_params(p), topography=inputs.topography,
                      pad_cells=int(pad), fill_domain=p.fill_domain,
                      fill_density_t_m3=p.fill_density_t_m3)  # fmt: skip
    sp = _precedence(inputs.key, bv, p.slopes)
    pin = pit_inputs(bv, sp)
    pit = ultimate_pit(pin.values(1.0), sp.graph, engine=p.engine)
    t = bv.table.iloc[sp.rows[pit.mask]]
    ore = t["destination"].to_numpy() == "process"
    treo = float(t["TREO_t"].to_numpy()[ore].sum()) if "TREO_t" in t.columns else np.nan
    return float(pit.value), float(t["ore_tonnes"].to_numpy()[ore].sum()), treo


def _simulated_grades(
    inputs: UncertaintyInputs, realisation: int, seed: int
) -> tuple[pd.DataFrame, np.ndarray, dict[str, pd.DataFrame]]:
    """The block table with every simulated domain replaced, the simulated rows, and per
    domain the simulated points (``easting``, ``northing``, ``elevation`` [m], the total
    grade [%], ``tonnes`` [t] = the block's tonnes shared among its points)."""
    from mine2magnet.geostats.simulation import block_average, simulate_points

    bm = inputs.block_model
    tab = bm.table
    cols = list(inputs.columns)
    total, parts = cols[0], cols[1:]
    out = {c: tab[c].to_numpy(dtype=float).copy() for c in tab.columns if c.endswith("_pct")}
    dom = tab["domain"].astype(str).to_numpy()
    others = [
        c for c in out
        if c not in cols and c in _OXIDE_COLUMNS and c != total
    ]  # fmt: skip
    rows_all = []
    points: dict[str, pd.DataFrame] = {}
    for d, sp in inputs.sim_params.items():
        rows = np.flatnonzero(dom == str(d))
        if _chunk_counts(bm, {d: sp}, inputs.memory_limit_mb)[d] > 1:
            sim, points[str(d)] = _chunked_domain(inputs, d, sp, realisation, seed)
        else:
            pts = simulate_points(bm, inputs.composites, d, cols, sp, realisation=realisation,
                                  seed=seed)  # fmt: skip
            sim = block_average(bm, d, pts, realisation=realisation)
            nd = len(pts) // max(len(rows), 1)
            points[str(d)] = pd.DataFrame(
                {
                    "easting": pts["easting"].to_numpy(),
                    "northing": pts["northing"].to_numpy(),
                    "elevation": pts["elevation"].to_numpy(),
                    total: pts[total].to_numpy(dtype=float),
                    "tonnes": tab["tonnes"].to_numpy(dtype=float)[rows][pts["block_row"]] / nd,
                }
            )
        for a in ("i", "j", "k"):  # simulate_blocks returns the domain's rows in order
            if not np.array_equal(sim[a].to_numpy(), tab[a].to_numpy()[rows]):
                raise DataError(f"domain {d}: simulated blocks are not in block-model order")
        rows_all.append(rows)
        est_rest = out[total][rows] - sum((out[c][rows] for c in parts), np.zeros(len(rows)))
        for c in cols:
            out[c][rows] = sim[c].to_numpy(dtype=float)
        sim_rest = out[total][rows] - sum((out[c][rows] for c in parts), np.zeros(len(rows)))
        ratio = np.divide(sim_rest, est_rest, out=np.ones(len(rows)), where=est_rest > 0)
        for c in others:
            out[c][rows] = out[c][rows] * ratio
    if "NdPr_pct" in out and {"Nd2O3_pct", "Pr6O11_pct"} <= set(out):
        out["NdPr_pct"] = out["Nd2O3_pct"] + out["Pr6O11_pct"]
    table = tab.copy()
    for c, v in out.items():
        table[c] = v
    rows = np.sort(np.concatenate(rows_all)) if rows_all else np.zeros(0, np.int64)
    return table, rows, points


#: Most simulated points of a chunked domain kept for its histogram and variogram checks.
MAX_VALIDATION_POINTS = 200_000


def _chunk_counts(bm: Any, sim_params: Mapping[str, Any], memory_limit_mb: float) -> dict:
    """Chunks each domain's SGS needs under ``memory_limit_mb`` (1 = simulated whole)."""
    from mine2magnet.geostats.simulation_chunks import plan_chunks

    dom = bm.table["domain"].astype(str)
    counts = {}
    for d, sp in sim_params.items():
        rows = bm.table[dom == str(d)]
        rot = float(bm.rotation_deg)
        plan = plan_chunks(rows, bm.block_size, sp.discretisation, memory_limit_mb, sp.search,
                           rotation_deg=rot)  # fmt: skip
        counts[str(d)] = len(plan)
    return counts


def _chunked_domain(
    inputs: UncertaintyInputs, domain: str, sp: Any, realisation: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A domain simulated chunk by chunk (memory bounded by the chunk, docs/scale.md).

    Returns the block grades in block-model order (as ``block_average``) and a seeded
    sample of at most :data:`MAX_VALIDATION_POINTS` simulated points (coordinates [m],
    total grade [%], ``tonnes`` [t] of the block shared among its points).
    """
    from mine2magnet.geostats.simulation_chunks import simulate_blocks_chunked

    bm, total = inputs.block_model, inputs.columns[0]
    n_points = int((bm.table["domain"].astype(str) == str(domain)).sum()) * int(
        np.prod(sp.discretisation)
    )
    keep = min(1.0, MAX_VALIDATION_POINTS / max(n_points, 1))
    rng = np.random.default_rng([int(seed), int(realisation), 7])
    sample: list[pd.DataFrame] = []

    def take(_c: int, sub: pd.DataFrame, xyz: np.ndarray, grades: pd.DataFrame) -> None:
        nd = len(xyz) // max(len(sub), 1)
        pick = rng.random(len(xyz)) < keep
        sample.append(
            pd.DataFrame(
                {
                    "easting": xyz[pick, 0],
                    "northing": xyz[pick, 1],
                    "elevation": xyz[pick, 2],
                    total: grades[total].to_numpy(dtype=float)[pick],
                    "tonnes": np.repeat(sub["tonnes"].to_numpy(dtype=float) / nd, nd)[pick],
                }
            )
        )

    frames = list(
        simulate_blocks_chunked(bm, inputs.composites, domain, list(inputs.columns), sp,
                                realisation=realisation, seed=seed,
                                memory_limit_mb=inputs.memory_limit_mb, points_sink=take)
    )  # fmt: skip
    sim = pd.concat(frames, ignore_index=True)
    rows = bm.table[bm.table["domain"].astype(str) == str(domain)]
    order = pd.Series(np.arange(len(sim)), index=bm.grid.ravel(sim["i"], sim["j"], sim["k"]))
    sim = sim.iloc[order.loc[bm.grid.ravel(rows["i"], rows["j"], rows["k"])].to_numpy()]
    return sim.reset_index(drop=True), pd.concat(sample, ignore_index=True)


def _ns_variogram_table(
    inputs: UncertaintyInputs, domain: str, X: np.ndarray, values: np.ndarray, seed: int
) -> pd.DataFrame:
    """Normal-score variogram of one domain's simulated points ``X`` [m] along the model's
    axes (point support, as the normal-score model)."""
    from scipy.special import ndtri

    from mine2magnet.geostats.simulation_validation import variogram_reproduction

    sp = inputs.sim_params[domain]
    rank = np.argsort(np.argsort(values, kind="stable"), kind="stable")
    y = ndtri((rank + 0.5) / max(len(values), 1))  # normal scores of the blocks (rank)
    vm = sp.variogram_ns
    ranges = np.max([s.ranges for s in vm.structures], axis=0) if vm.structures else (80.0,) * 3
    bs = min(float(b) for b in inputs.block_model.block_size)
    lags = [max(float(r) / 8.0, bs) for r in ranges]
    vr = variogram_reproduction(X, y, vm, lags_m=lags, n_lags=10, max_points=1500, seed=seed)
    vr["lag"] = vr.groupby("direction").cumcount()
    return pd.DataFrame(
        {
            "domain": str(domain),
            "direction": vr["direction"].map(_DIRECTIONS).to_numpy(),
            "lag": vr["lag"].to_numpy(np.int64),
            "lag_m": vr["lag_m"].to_numpy(float),
            "gamma": vr["gamma_simulated"].to_numpy(float),
            "model": vr["gamma_model"].to_numpy(float),
            "pairs": vr["n_pairs"].to_numpy(np.int64),
        }
    )


def realisation_outcome(
    realisation: int, seed: int, *, inputs: UncertaintyInputs
) -> dict[str, pd.DataFrame]:
    """One realisation of the whole block model and its outcomes (the runner's function).

    Parameters
    ----------
    realisation : int
        Realisation number [-].
    seed : int
        The realisation's seed (from the runner) [-].
    inputs : UncertaintyInputs

    Returns
    -------
    dict of str to pandas.DataFrame
        ``summary`` (one row: ``tonnes_above_cutoff`` [t], ``TREO_pct_above_cutoff`` [%],
        ``TREO_t_above_cutoff`` [t], ``pit_value_usd`` [US$], ``pit_ore_tonnes`` [t],
        ``pit_TREO_t`` [t], ``npv_usd`` [US$]); ``timing`` (``seconds``);
        ``gradetonnage`` (``cutoff_pct``, ``tonnes``, ``TREO_pct``, ``TREO_t``);
        ``periods`` (``period``, ``tonnes`` feed [t], ``metal_t`` TREO [t]); ``blocks``
        (``block_index`` = block-model row, total grade [%]); ``quantiles``
        (``domain``, ``quantile``, ``value`` [%] of the points, ``mean`` tonnage-weighted,
        ``mean_points`` [%]); ``variogram`` (``domain``,
        ``direction``, ``lag``, ``lag_m`` [m], ``gamma``, ``model`` [-], ``pairs``).
    """
    from mine2magnet.geostats.simulation_validation import weighted_quantiles

    t0 = time.perf_counter()
    total = inputs.columns[0]
    table, rows, points = _simulated_grades(inputs, realisation, seed)
    g = table[total].to_numpy(dtype=float)
    t = table["tonnes"].to_numpy(dtype=float)
    gs, ts = g[rows], t[rows]
    gt = []
    for c in inputs.cutoffs:
        m = gs >= c
        tt = float(ts[m].sum())
        metal = float((ts[m] * gs[m]).sum() / 100.0)
        gt.append((float(c), tt, 100.0 * metal / tt if tt > 0 else np.nan, metal))
    gradetonnage = pd.DataFrame(gt, columns=["cutoff_pct", "tonnes", "TREO_pct", "TREO_t"])
    m = gs >= inputs.cutoff_pct
    above_t = float(ts[m].sum())
    above_m = float((ts[m] * gs[m]).sum() / 100.0)
    summary = {
        "tonnes_above_cutoff": above_t,
        "TREO_pct_above_cutoff": 100.0 * above_m / above_t if above_t > 0 else np.nan,
        "TREO_t_above_cutoff": above_m,
        "pit_value_usd": np.nan,
        "pit_ore_tonnes": np.nan,
        "pit_TREO_t": np.nan,
        "npv_usd": np.nan,
    }
    out: dict[str, pd.DataFrame] = {}
    if inputs.mining is not None:
        v, o, tr = _pit(inputs, table)
        summary.update(pit_value_usd=v, pit_ore_tonnes=o, pit_TREO_t=tr)
    if inputs.plan is not None:
        periods = base_plan_periods(inputs.plan, g)
        summary["npv_usd"] = plan_npv(inputs.plan, periods)
        out["periods"] = pd.DataFrame(
            {
                "period": periods["period"].to_numpy(np.int64),
                "tonnes": periods["feed_tonnes"].to_numpy(float),
                "metal_t": periods["TREO_t"].to_numpy(float),
            }
        )
    quant, vario = [], []
    for d in inputs.sim_params:  # point support, like the composites they are checked with
        p = points[str(d)]
        gp, tp = p[total].to_numpy(dtype=float), p["tonnes"].to_numpy(dtype=float)
        # every simulated point counts once, as every declustering cell does for the data
        # (GSLIB practice); tonnage weights would favour the full blocks of a domain's core
        q = weighted_quantiles(gp, HISTOGRAM_QUANTILES)
        quant.append(pd.DataFrame({"domain": str(d), "quantile": HISTOGRAM_QUANTILES,
                                   "value": q, "mean": float(np.average(gp, weights=tp)),
                                   "mean_points": float(gp.mean())}))  # fmt: skip
        X = p[["easting", "northing", "elevation"]].to_numpy(dtype=float)
        vario.append(_ns_variogram_table(inputs, d, X, gp, seed))
    out.update(
        summary=pd.DataFrame([summary]),
        gradetonnage=gradetonnage,
        blocks=pd.DataFrame({"block_index": rows.astype(np.int64), total: gs}),
        quantiles=pd.concat(quant, ignore_index=True),
        variogram=pd.concat(vario, ignore_index=True),
        timing=pd.DataFrame({"seconds": [time.perf_counter() - t0]}),
    )
    return out


_OXIDE_COLUMNS: frozenset[str] = frozenset(f"{o}_pct" for o in TREO_SPECIES)


# ------------------------------------------------------------------------------ driver
@dataclass(frozen=True)
class UncertaintyOutcome:
    """The uncertainty stage's result.

    Attributes
    ----------
    run : RealisationRun
        The realisations on disk (Parquet per realisation, resumable).
    frames : dict of str to pandas.DataFrame
        The store tables (:data:`TABLE_NAMES`).
    notes : tuple of str
        Method notes (fallbacks, simplifications).
    """

    run: RealisationRun = field(repr=False)
    frames: dict[str, pd.DataFrame] = field(repr=False)
    notes: tuple[str, ...] = ()

    def tables(self) -> dict[str, pd.DataFrame]:
        """The store tables ``uncertainty__<name>`` (:data:`TABLE_NAMES`), copies."""
        return {k: self.frames[k].copy() for k in TABLE_NAMES}


def _simulation_params(
    variogram_models: pd.DataFrame,
    composites: pd.DataFrame,
    domain: str,
    params: UncertaintyParams,
    declustering_cell_m: float,
    notes: list[str],
) -> tuple[Any, str]:
    """Simulation settings of a domain and how its normal-score variogram was obtained."""
    from mine2magnet.geostats.simulation import ns_variogram_from_table
    from mine2magnet.uncertainty.simulate import simulation_params_from_estimation

    column = params.columns[0]
    sp = simulation_params_from_estimation(
        variogram_models, domain, column, max_data=params.max_data,
        max_previous=params.max_previous, declustering_cell_m=declustering_cell_m,
    )  # fmt: skip
    sp = dataclasses.replace(sp, discretisation=tuple(int(d) for d in params.discretisation))
    if params.ns_variogram == "rescaled":
        return sp, "rescaled"
    try:
        from mine2magnet.geostats.ns_variogram import fit_ns_variogram
    except ImportError:
        notes.append(
            "ns_variogram = 'fitted' requested but mine2magnet.geostats.ns_variogram is not "
            "available: the grade model rescaled to sill 1 was used"
        )
        return sp, "rescaled (fitted not available)"
    grade_vm = ns_variogram_from_table(variogram_models, domain, column)
    try:
        fit = fit_ns_variogram(composites, domain, column, grade_vm,
                               declustering_cell_m=declustering_cell_m)  # fmt: skip
    except DataError as exc:
        notes.append(f"domain {domain}: normal-score variogram not fitted ({exc}); rescaled used")
        return sp, "rescaled (fit failed)"
    return dataclasses.replace(sp, variogram_ns=fit.model), "fitted"


def _declustered(
    composites: pd.DataFrame, domain: str, column: str, cell_m: float
) -> tuple[np.ndarray, np.ndarray | None]:
    c = composites[composites["domain"].astype(str) == str(domain)]
    z = c[column].to_numpy(dtype=float)
    ok = np.isfinite(z)
    if cell_m <= 0:
        return z[ok], None
    from mine2magnet.geostats.declustering import cell_weights

    X = c[["easting", "northing", "elevation"]].to_numpy(dtype=float)[ok]
    return z[ok], cell_weights(X, float(cell_m))


def _stats(a: np.ndarray, axis: int = 0) -> dict[str, np.ndarray]:
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            p = np.nanpercentile(a, [10.0, 50.0, 90.0], axis=axis)
            mean = np.nanmean(a, axis=axis)
    return {"P10": p[0], "P50": p[1], "P90": p[2], "mean": mean}


def _panel_shape(ijk: np.ndarray, tonnes: np.ndarray, target_t: float) -> tuple[int, int, int]:
    """Panel size in blocks (i, j, k), square in plan, closest to a target tonnage.

    The tonnage compared is the tonnage-weighted mean panel tonnage of the simulated
    rows (``Σ T_p² / Σ T_p``: the panel a typical tonne sits in), so irregular domains
    get panels of the target tonnage in the rock, not in the grid.
    """
    best, shape = np.inf, (1, 1, 1)
    total = float(tonnes.sum())
    if total <= 0:
        return shape
    for c in (1, 2, 3, 4, 6, 8):
        for a in range(1, 61):
            tp = np.bincount(_flat_panel(ijk, (a, a, c)), weights=tonnes)
            tp = tp[tp > 0]
            err = abs(float((tp**2).sum()) / total - target_t)
            if err < best:
                best, shape = err, (a, a, c)
            if float(tp.max()) > 4.0 * target_t:
                break
    return shape


def _flat_panel(ijk: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """Flat panel number of each row (``pi + npi·(pj + npj·pk)``) [-]."""
    key = ijk // np.asarray(shape, dtype=np.int64)
    key = key - key.min(axis=0) if len(key) else key
    n = key.max(axis=0) + 1 if len(key) else np.ones(3, np.int64)
    return key[:, 0] + n[0] * (key[:, 1] + n[1] * key[:, 2])


def _panels(
    ijk: np.ndarray,
    tonnes: np.ndarray,
    sims: np.ndarray,
    cutoff: float,
    shape: tuple[int, int, int],
    lo: float,
    hi: float,
    tol_pct: float,
    scale: str,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Panel table and the panel of each row."""
    key = ijk // np.asarray(shape, dtype=np.int64)
    flat, inv = np.unique(_flat_panel(ijk, shape), return_inverse=True)
    inv = inv.reshape(-1)
    first = np.zeros(len(flat), np.int64)
    first[inv[::-1]] = np.arange(len(inv))[::-1]
    uniq = key[first]
    n = len(uniq)
    ton = np.bincount(inv, weights=tonnes, minlength=n)
    metal = np.stack(
        [np.bincount(inv, weights=tonnes * g / 100.0 * (g >= cutoff), minlength=n) for g in sims]
    )
    p = np.percentile(metal, [lo, 50.0, hi], axis=0)
    half = np.divide(100.0 * (p[2] - p[0]) / 2.0, p[1], out=np.full(n, np.inf), where=p[1] > 0)
    tab = pd.DataFrame(
        {
            "scale": scale,
            "panel": np.arange(n, dtype=np.int64),
            "i0": uniq[:, 0] * shape[0],
            "j0": uniq[:, 1] * shape[1],
            "k0": uniq[:, 2] * shape[2],
            "tonnes": ton,
            "metal_t_P05": p[0],
            "metal_t_P50": p[1],
            "metal_t_P95": p[2],
            "half_width_pct": half,
            "within_tolerance": half <= tol_pct,
        }
    )
    return tab, inv


def _quarter_tonnes(
    params: UncertaintyParams, plan: BasePlan | None, mining: Any, source: str
) -> float:
    q = params.classification_support.quarter_tonnes
    if q > 0:
        return float(q)
    if plan is not None:
        sp = plan.periods
        years = (sp["year_to"] - sp["year_from"]).to_numpy(dtype=float)
        feed = sp["feed_tonnes"].to_numpy(dtype=float)
        ok = (feed > 0) & (years > 0)
        if ok.any():
            return float(np.max(feed[ok] / years[ok])) / 4.0
    if mining is not None and getattr(mining, "processing_rate_tpa", None):
        return float(mining.processing_rate_tpa) / 4.0
    raise ConfigError(
        f"{source}key 'uncertainty.classification_support.quarter_tonnes': no reserve "
        "schedule or [mining] processing_rate_tpa to derive it from; give the tonnage [t]"
    )


def run_uncertainty(
    blocks: pd.DataFrame,
    grid: pd.DataFrame,
    composites: pd.DataFrame,
    variogram_models: pd.DataFrame,
    params: UncertaintyParams,
    *,
    seed: int,
    out_dir: str | Path,
    resource_blocks: pd.DataFrame | None = None,
    mining: Any = None,
    topography: Any = None,
    plan: BasePlan | None = None,
    estimate: Mapping[str, float] | None = None,
    resource_cutoff_pct: float = 0.5,
    declustering_cell_m: float = 50.0,
    key: str = "",
    executor: str | Any = "serial",
    workers: int | None = None,
    memory_limit_mb: float = 2000.0,
    progress: Callable[[int, int], None] | None = None,
    synthetic: bool = False,
    source: str = "",
) -> UncertaintyOutcome:
    """Simulate the block model ``params.realisations`` times and summarise the outcomes.

    Parameters
    ----------
    blocks, grid : pandas.DataFrame
        ``estimation__blocks`` and ``estimation__grid`` (grades [%], ``tonnes`` [t]).
    composites : pandas.DataFrame
        Conditioning composites (coordinates [m], ``domain``, grades [%]).
    variogram_models : pandas.DataFrame
        ``estimation__variogram_models``.
    params : UncertaintyParams
        ``[uncertainty]``.
    seed : int
        Project seed; realisation ``r`` gets ``realisation_seed(seed, r)`` [-].
    out_dir : path
        Folder of the realisations' Parquet files (resumed when the inputs are equal).
    resource_blocks : pandas.DataFrame, optional
        ``resources__blocks`` (``resource_class`` per row).
    mining : MiningParams, optional
        With ``params.pit``: the ultimate pit per realisation.
    topography : Topography, optional
        Ground surface for the pit's block values.
    plan : BasePlan, optional
        With ``params.npv``: the base plan valued per realisation.
    estimate : mapping, optional
        Base case: ``pit_value_usd`` [US$], ``pit_ore_tonnes`` [t], ``npv_usd`` [US$].
    resource_cutoff_pct : float
        Default of ``probability_cutoff_pct`` [%].
    declustering_cell_m : float
        Cell size of the declustering weights (normal-score fits, histogram check) [m].
    key : str
        Extra cache key of the inputs (the pipeline's stage keys) [-].
    executor, workers, memory_limit_mb
        As :func:`~mine2magnet.uncertainty.runner.run_realisations`; with threads the
        default is one realisation per core (each holds a block model and its pit).
    progress : callable, optional
        ``progress(done, total)`` per realisation.
    synthetic : bool
        Label the tables SYNTHETIC.
    source : str
        Project file, for error messages.

    Returns
    -------
    UncertaintyOutcome
    """
    from mine2magnet.blockmodel.grid import BlockModel

    where = f"{source}: " if source else ""
    cols = list(params.columns)
    missing = [c for c in cols if c not in blocks.columns or c not in composites.columns]
    if missing:
        raise ConfigError(
            f"{where}key 'uncertainty.columns': {missing} are not grades of the block model "
            "and the composites; use estimated grade columns"
        )
    modelled = list(dict.fromkeys(variogram_models["domain"].astype(str)))
    domains = list(params.domains) or modelled
    bad = [d for d in domains if d not in modelled]
    if bad:
        raise ConfigError(
            f"{where}key 'uncertainty.domains': {bad} have no variogram model; "
            f"use some of {modelled}"
        )
    notes: list[str] = []
    sim_params, how = {}, {}
    for d in domains:
        sim_params[d], how[d] = _simulation_params(
            variogram_models, composites, d, params, declustering_cell_m, notes
        )
    cutoff = (
        float(params.probability_cutoff_pct)
        if params.probability_cutoff_pct is not None
        else float(resource_cutoff_pct)
    )
    bm = BlockModel.from_frames(grid, blocks)
    pit_on = params.pit and mining is not None
    npv_on = params.npv and plan is not None
    if params.pit and mining is None:
        notes.append("pit = true but no [mining] parameters: pit outcomes are NaN")
    if params.npv and plan is None:
        notes.append("npv = true but no reserve schedule and economics: NPV is NaN")
    chunks = _chunk_counts(bm, sim_params, memory_limit_mb)
    for d, n in chunks.items():
        if n > 1:
            notes.append(
                f"domain {d}: simulated in {n} chunks to stay within parallel.memory_limit_mb="
                f"{memory_limit_mb:g} (geostats.simulation_chunks); validation on a sample of "
                f"its points"
            )
    full_key = fingerprint(
        {
            "key": key,
            "chunks": chunks,  # the visiting order changes with the chunking
            "blocks": frame_hash(blocks),
            "composites": frame_hash(composites),
            "variograms": frame_hash(variogram_models),
            # the count is not a parameter of a realisation: more realisations resume
            "params": params.model_dump(mode="json", exclude={"realisations"}),
            "sim": [(d, repr(sim_params[d])) for d in domains],
            "cutoff": cutoff,
            "pit": mining.model_dump_json() if pit_on else None,
            "plan": frame_hash(plan.periods) if npv_on else None,
        }
    )
    inputs = UncertaintyInputs(
        block_model=bm,
        composites=composites,
        sim_params=sim_params,
        columns=tuple(cols),
        cutoffs=tuple(float(c) for c in params.cutoffs_pct),
        cutoff_pct=cutoff,
        mining=mining if pit_on else None,
        topography=topography if pit_on else None,
        plan=plan if npv_on else None,
        memory_limit_mb=float(memory_limit_mb),
        key=full_key,
    )
    if workers is None and executor == "threads":
        import os

        # one realisation per core: each holds a block model and its pit (memory)
        workers = os.cpu_count() or 1
    run = run_realisations(
        realisation_outcome, params.realisations, seed=seed, out_dir=out_dir,
        kwargs={"inputs": inputs}, executor=executor, workers=workers,
        memory_limit_mb=memory_limit_mb, progress=progress,
    )  # fmt: skip
    with _PRECEDENCE_LOCK:  # free the slope graph (about 1 GB on the demo) in this process
        _PRECEDENCE.clear()
    frames = _summarise(run, inputs, blocks, composites, resource_blocks, params, plan if npv_on
                        else None, estimate or {}, declustering_cell_m, mining, source)  # fmt: skip
    meta = {
        "method": "sequential Gaussian simulation on block discretisation points, averaged "
        f"to blocks; {', '.join(cols)} through the compositional transform"
        if len(cols) > 1
        else "sequential Gaussian simulation (univariate)",
        "transform": "normal score of the declustered composites (cell "
        f"{declustering_cell_m:g} m), back-transformed before averaging to blocks",
        "multivariate": (
            f"compositional: {cols[0]} normal score and additive log-ratios of the "
            f"{', '.join(cols[1:])} shares, PCA-decorrelated factors simulated independently"
            if len(cols) > 1
            else "univariate"
        ),
        "columns": ",".join(cols),
        "realisations": str(params.realisations),
        "domains": ",".join(domains),
        "seed": str(seed),
        "executor": executor if isinstance(executor, str) else type(executor).__name__,
        "ns_variogram": "; ".join(f"{d}: {how[d]}" for d in domains),
        "cutoff_pct": f"{cutoff:g}",
        "probability_cutoff_pct": f"{cutoff:g}",
        "tolerance_pct": f"{params.classification_support.tolerance_pct:g}",
        "confidence_pct": f"{params.classification_support.confidence_pct:g}",
        "plan_cutoff_treo_pct": (", ".join(f"{c:.2f}" for c in plan.cutoff_pct) if npv_on else ""),
        "discretisation": "x".join(str(d) for d in params.discretisation),
        "run_dir": str(run.out_dir),
        "fingerprint": run.fingerprint(),
        "computed": str(len(run.computed)),
        "reused": str(len(run.skipped)),
        "histogram_support": "simulated points (each once) vs declustered composites",
        "npv_basis": "base plan (reserve schedule) re-graded per realisation; not re-optimised",
        "notes": " | ".join(notes),
        "label": "SYNTHETIC" if synthetic else "",
    }
    frames["meta"] = pd.DataFrame({"key": list(meta), "value": list(meta.values())})
    return UncertaintyOutcome(run=run, frames=frames, notes=tuple(notes))


def _summarise(
    run: RealisationRun,
    inputs: UncertaintyInputs,
    blocks: pd.DataFrame,
    composites: pd.DataFrame,
    resource_blocks: pd.DataFrame | None,
    params: UncertaintyParams,
    plan: BasePlan | None,
    estimate: Mapping[str, float],
    cell_m: float,
    mining: Any,
    source: str,
) -> dict[str, pd.DataFrame]:
    from mine2magnet.geostats.simulation_validation import weighted_quantiles

    total = inputs.columns[0]
    cutoff = inputs.cutoff_pct
    out: dict[str, pd.DataFrame] = {}
    # realisations
    summ = run.table("summary")
    timing = run.table("timing")
    seeds = {int(r["realisation"]): int(r["seed"]) for r in run.records}
    real = pd.DataFrame(
        {
            "realisation": summ["realisation"].astype(np.int64),
            "seed": summ["realisation"].map(seeds).astype(np.int64),
            "seconds": timing["seconds"].to_numpy(float),
        }
    )
    for c in ("tonnes_above_cutoff", "TREO_pct_above_cutoff", "TREO_t_above_cutoff",
              "pit_value_usd", "pit_ore_tonnes", "pit_TREO_t", "npv_usd"):  # fmt: skip
        real[c] = summ[c].to_numpy(float)
    out["realisations"] = real
    # grade-tonnage
    gt = run.table("gradetonnage")
    gt["realisation"] = gt["realisation"].astype(np.int64)
    out["gradetonnage"] = gt[["realisation", "cutoff_pct", "tonnes", "TREO_pct", "TREO_t"]]
    rows = run.read("blocks", run.realisations[0], ["block_index"])["block_index"].to_numpy()
    est_g = blocks[total].to_numpy(dtype=float)[rows]
    ton = blocks["tonnes"].to_numpy(dtype=float)[rows]
    parts = []
    for stat in ("P10", "P50", "P90", "mean", "estimate"):
        recs = []
        for c in inputs.cutoffs:
            if stat == "estimate":
                m = est_g >= c
                tt = float(ton[m].sum())
                mt = float((ton[m] * est_g[m]).sum() / 100.0)
                recs.append((c, tt, 100.0 * mt / tt if tt > 0 else np.nan, mt))
                continue
            sel = gt[gt["cutoff_pct"] == c]
            s = {v: _stats(sel[v].to_numpy(float))[stat] for v in ("tonnes", "TREO_pct", "TREO_t")}
            recs.append((c, float(s["tonnes"]), float(s["TREO_pct"]), float(s["TREO_t"])))
        df = pd.DataFrame(recs, columns=["cutoff_pct", "tonnes", "TREO_pct", "TREO_t"])
        df.insert(1, "statistic", stat)
        parts.append(df)
    out["gradetonnage_percentiles"] = (
        pd.concat(parts, ignore_index=True)
        .sort_values(["cutoff_pct"], kind="stable")
        .reset_index(drop=True)
    )
    # outcomes
    m = est_g >= cutoff
    est_items = {
        "tonnes_above_cutoff": float(ton[m].sum()),
        "TREO_t_above_cutoff": float((ton[m] * est_g[m]).sum() / 100.0),
        "pit_value_usd": float(estimate.get("pit_value_usd", np.nan)),
        "pit_ore_tonnes": float(estimate.get("pit_ore_tonnes", np.nan)),
        "npv_usd": float(estimate.get("npv_usd", np.nan)),
    }
    orows = []
    for item, unit, col in OUTCOME_ITEMS:
        s = _stats(real[col].to_numpy(float))
        orows.append((item, unit, float(s["P10"]), float(s["P50"]), float(s["P90"]),
                      float(s["mean"]), est_items[col]))  # fmt: skip
    out["outcomes"] = pd.DataFrame(
        orows, columns=["item", "unit", "P10", "P50", "P90", "mean", "estimate"]
    )
    # probability model: stream the block grades, one realisation at a time
    need = 8.0 * len(rows) * len(run.realisations) / 1e6
    if need > run.memory_limit_mb:
        raise ConfigError(
            f"{source}: the probability model needs {need:.0f} MB for {len(rows)} blocks x "
            f"{len(run.realisations)} realisations, over parallel.memory_limit_mb="
            f"{run.memory_limit_mb:g}; raise it or simulate fewer domains"
        )
    sims = np.empty((len(run.realisations), len(rows)))
    for n, (r, df) in enumerate(run.iter_table("blocks")):
        if not np.array_equal(df["block_index"].to_numpy(), rows):
            raise DataError(f"realisation {r}: other simulated blocks than realisation 0")
        sims[n] = df[total].to_numpy(dtype=float)
    b = blocks.iloc[rows]
    rc = _row_classes(b, resource_blocks)
    cs = params.classification_support
    lo, hi = 50.0 * (1.0 - cs.confidence_pct / 100.0), 50.0 * (1.0 + cs.confidence_pct / 100.0)
    q_t = _quarter_tonnes(params, plan, mining, f"{source}: " if source else "")
    ijk = b[["i", "j", "k"]].to_numpy(dtype=np.int64)
    q_shape = _panel_shape(ijk, ton, q_t)
    y_shape = _panel_shape(ijk, ton, 4.0 * q_t)
    tq, iq = _panels(ijk, ton, sims, cutoff, q_shape, lo, hi, cs.tolerance_pct, "quarter")
    ty, iy = _panels(ijk, ton, sims, cutoff, y_shape, lo, hi, cs.tolerance_pct, "year")
    okq = tq["within_tolerance"].to_numpy()[iq]
    oky = ty["within_tolerance"].to_numpy()[iy]
    support = np.where(okq, "Measured", np.where(oky, "Indicated", "Inferred"))
    pq = np.percentile(sims, [10.0, 50.0, 90.0], axis=0)  # finite: simulated grades
    p = {"P10": pq[0], "P50": pq[1], "P90": pq[2], "mean": sims.mean(axis=0)}
    out["probability_blocks"] = pd.DataFrame(
        {
            "i": b["i"].to_numpy(np.int64),
            "j": b["j"].to_numpy(np.int64),
            "k": b["k"].to_numpy(np.int64),
            "domain": b["domain"].astype(str).to_numpy(),
            "easting": b["easting"].to_numpy(float),
            "northing": b["northing"].to_numpy(float),
            "elevation": b["elevation"].to_numpy(float),
            "tonnes": ton,
            "TREO_pct_estimate": est_g,
            "TREO_pct_mean": p["mean"],
            "TREO_pct_P10": p["P10"],
            "TREO_pct_P90": p["P90"],
            "prob_above_cutoff": (sims >= cutoff).mean(axis=0),
            "resource_class": rc.astype(str),
            "support_class": support,
            "panel_quarter": iq.astype(np.int64),
            "panel_year": iy.astype(np.int64),
        }
    )
    cross = (
        pd.DataFrame({"resource_class": rc.astype(str), "support_class": support, "tonnes": ton})
        .groupby(["resource_class", "support_class"], sort=True)
        .agg(tonnes=("tonnes", "sum"), blocks=("tonnes", "size"))
        .reset_index()
    )
    cross["blocks"] = cross["blocks"].astype(np.int64)
    out["classification_support"] = cross
    sp = pd.concat([tq, ty], ignore_index=True)
    sp["panel_shape_blocks"] = np.where(
        sp["scale"] == "quarter", "x".join(map(str, q_shape)), "x".join(map(str, y_shape))
    )
    sp["target_tonnes"] = np.where(sp["scale"] == "quarter", q_t, 4.0 * q_t)
    out["support_panels"] = sp
    # production periods
    if plan is not None and "periods" in run.table_names:
        per = run.table("periods")
        P = plan.periods
        recs = []
        for prd in P["period"].to_numpy(np.int64):
            sel = per[per["period"] == prd]
            t_ = np.percentile(sel["tonnes"].to_numpy(float), [lo, 50.0, hi])
            m_ = np.percentile(sel["metal_t"].to_numpy(float), [lo, 50.0, hi])
            half = 100.0 * (m_[2] - m_[0]) / 2.0 / m_[1] if m_[1] > 0 else np.nan
            row = P.loc[P["period"] == prd].iloc[0]
            recs.append({
                "period": int(prd), "year_from": float(row["year_from"]),
                "year_to": float(row["year_to"]),
                "tonnes_estimate": float(row["feed_tonnes"]), "tonnes_P05": t_[0],
                "tonnes_P50": t_[1], "tonnes_P95": t_[2],
                "metal_t_estimate": float(row["TREO_t"]), "metal_t_P05": m_[0],
                "metal_t_P50": m_[1], "metal_t_P95": m_[2], "half_width_pct": half,
                "within_tolerance": bool(np.isfinite(half) and half <= cs.tolerance_pct),
            })  # fmt: skip
        out["period_confidence"] = pd.DataFrame(recs)
    else:
        out["period_confidence"] = pd.DataFrame(
            columns=["period", "year_from", "year_to", "tonnes_estimate", "tonnes_P05",
                     "tonnes_P50", "tonnes_P95", "metal_t_estimate", "metal_t_P05",
                     "metal_t_P50", "metal_t_P95", "half_width_pct", "within_tolerance"]
        )  # fmt: skip
    # validation
    qt = run.table("quantiles")
    vt = run.table("variogram")
    hrows, vrows, srows = [], [], []
    for d in inputs.sim_params:
        z, w = _declustered(composites, d, total, cell_m)
        zq = weighted_quantiles(z, HISTOGRAM_QUANTILES, w)
        ww = np.ones(z.size) if w is None else w
        mean = float(np.average(z, weights=ww))
        sd = float(np.sqrt(np.average((z - mean) ** 2, weights=ww)))
        qd = qt[qt["domain"] == str(d)]
        worst, worst_ratio = 0.0, 0.0
        for k, q in enumerate(HISTOGRAM_QUANTILES):
            s = _stats(qd.loc[np.isclose(qd["quantile"], q), "value"].to_numpy(float))
            err = (float(s["P50"]) - zq[k]) / sd if sd > 0 else np.nan
            tol = HISTOGRAM_TOLERANCE_SD[q]
            if np.isfinite(err) and abs(err) / tol >= worst_ratio:
                worst, worst_ratio = abs(err), abs(err) / tol
            hrows.append((str(d), q, zq[k], float(s["P10"]), float(s["P50"]), float(s["P90"]),
                          err, tol, bool(abs(err) <= tol)))  # fmt: skip
        srows.append((str(d), "histogram: |P50 quantile - data| / tolerance, worst (-)",
                      worst_ratio, 1.0, bool(worst_ratio <= 1.0),
                      f"simulated points vs declustered composites, quantiles 0.05-0.95 "
                      f"(worst error {worst:.2f} data SD); tolerance 0.10 SD to the 0.75 "
                      f"quantile, 0.25 at 0.9, 0.35 at 0.95"))  # fmt: skip
        one = qd.drop_duplicates("realisation")
        sim_mean = float(np.median(one["mean"]))  # tonnage-weighted, as the estimate's
        pts_mean = float(np.median(one["mean_points"])) if "mean_points" in one else sim_mean
        rel = 100.0 * abs(pts_mean - mean) / mean if mean > 0 else np.nan
        srows.append((str(d), "mean: |median realisation mean - declustered mean| (%)", rel,
                      MEAN_TOLERANCE_PCT, bool(rel <= MEAN_TOLERANCE_PCT),
                      "mean of the simulated points; the simulated volume need not match the "
                      "data's extent (the drilling is denser in rich ground), compare with "
                      "the estimate's mean"))  # fmt: skip
        dom_rows = b["domain"].astype(str).to_numpy() == str(d)
        est_mean = float(np.average(est_g[dom_rows], weights=ton[dom_rows]))
        rel_e = 100.0 * abs(sim_mean - est_mean) / est_mean if est_mean > 0 else np.nan
        srows.append((str(d), "mean: |median realisation mean - estimate mean| (%)", rel_e,
                      MEAN_TOLERANCE_PCT, bool(rel_e <= MEAN_TOLERANCE_PCT),
                      "tonnage-weighted block means of the same blocks"))  # fmt: skip
        vd = vt[vt["domain"] == str(d)]
        diffs = []
        for (direction, _lag), g in vd.groupby(["direction", "lag"], sort=False):
            s = _stats(g["gamma"].to_numpy(float))
            pairs = int(g["pairs"].median())
            vrows.append((str(d), direction, float(g["lag_m"].mean()), float(g["model"].mean()),
                          float(s["P10"]), float(s["P50"]), float(s["P90"]), pairs))  # fmt: skip
            if pairs >= VARIOGRAM_MIN_PAIRS and np.isfinite(s["P50"]):
                diffs.append(abs(float(s["P50"]) - float(g["model"].mean())))
        mad = float(np.mean(diffs)) if diffs else np.nan
        srows.append((str(d), "variogram: mean |P50 gamma - model| (sill units)", mad,
                      VARIOGRAM_TOLERANCE, bool(mad <= VARIOGRAM_TOLERANCE),
                      "normal scores (rank) of the simulated points, model axes"))  # fmt: skip
    out["validation_histogram"] = pd.DataFrame(
        hrows, columns=["domain", "quantile", "data", "sim_P10", "sim_P50", "sim_P90",
                        "error_sd", "tolerance_sd", "passed"],
    )  # fmt: skip
    out["validation_variogram"] = pd.DataFrame(
        vrows, columns=["domain", "direction", "lag_m", "model", "sim_P10", "sim_P50",
                        "sim_P90", "pairs"],
    )  # fmt: skip
    out["validation_summary"] = pd.DataFrame(
        srows, columns=["domain", "check", "value", "tolerance", "passed", "note"]
    )
    return out
