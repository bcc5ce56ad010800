"""The JORC Ore Reserve: Proved and Probable from Measured and Indicated inside the pit.

Rules (JORC Code 2012, Clauses 29-32; ``docs/mining.md``, "Ore Reserve and schedule")
--------------------------------------------------------------------------------------
* **Only Measured and Indicated metal.** A block-model row contributes grade only when it
  is in the reported Mineral Resource (``in_resource``) and classed Measured or
  Indicated. Inferred and Unclassified rows, rows below the resource cut-off and host
  rock are waste at zero grade: they are mined with their block but carry no value, and
  Inferred material inside the pit is reported separately, never in the Reserve.
* **Ore or waste.** A pit block (the SMU, one cell of the optimisation grid) is ore when
  its net revenue from Measured and Indicated metal exceeds its processing cost (the
  marginal cut-off inside a pit: its mining cost is paid either way). The schedule may
  raise this cut-off per period (grade bins, Lane).
* **Modifying factors** of ``[mining]``, as in the pit valuation: a processed block of
  ``T`` in-situ tonnes feeds ``T · MR · (1 + D)`` tonnes to the plant carrying ``MR`` of
  its Measured and Indicated metal (``MR`` mining recovery, ``D`` dilution at zero grade).
  ``T`` includes the block's other material (internal dilution).
* **Classes.** Proved comes only from Measured, Probable only from Indicated: the feed of
  a processed block is split between them in proportion to its Measured and Indicated
  in-situ tonnes (dilution shared pro rata); its metal goes to the class of the rows that
  carry it.
* **Reference point**: plant feed. Tonnes are dry metric tonnes; grades oxide weight %.

The statement rounds every figure from its unrounded value to significant figures
(:func:`~mine2magnet.resources.statement.round_sig`; 3 for Proved, Probable and Total by
default, 2 for the Inferred memo row); the total is computed unrounded, then rounded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mine2magnet.chemistry import NDPR_OXIDES, REO, parse_formula
from mine2magnet.errors import DataError
from mine2magnet.mining.params import MiningParams
from mine2magnet.mining.schedule_params import ReserveParams, reserve_params
from mine2magnet.mining.schedule_types import Schedule
from mine2magnet.mining.value import BlockEconomics
from mine2magnet.resources.params import SigFigs
from mine2magnet.resources.statement import format_sig, round_sig

__all__ = [
    "INFERRED_ROW",
    "RESERVE_CLASSES",
    "OreReserve",
    "ReserveBlocks",
    "reserve_blocks",
    "reserve_from_blocks",
    "reserve_statement_text",
    "run_reserve",
    "statement_rounding",
    "table1_section4",
]

#: Reserve classes and the Resource class each one comes from.
RESERVE_CLASSES: dict[str, str] = {"Proved": "Measured", "Probable": "Indicated"}

#: Label of the memo row: Inferred material inside the pit (not part of the Reserve).
INFERRED_ROW = "Inferred inside the pit, not in the Reserve"

_GROUPS = {"measured": "Measured", "indicated": "Indicated", "inferred": "Inferred"}
_FALLBACK = "To be completed by the Competent Person"


# ---------------------------------------------------------------------------- blocks


@dataclass(frozen=True)
class ReserveBlocks:
    """Every pit block with its Measured, Indicated and Inferred content and its value.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per row of ``mining__pit_blocks``, same order: ``i``, ``j``, ``k``,
        ``in_block_model``, ``phase`` (0: outside the phase pit), ``pit_id``,
        ``revenue_factor``, ``elevation`` [m], ``tonnes`` (in situ, the SMU) [t],
        ``feed_tonnes`` (``tonnes · MR · (1 + D)``) [t], ``revenue_mi_usd`` (net revenue
        of its Measured and Indicated metal), ``processing_cost_usd``,
        ``mining_cost_usd``, ``value_ore_usd``, ``value_waste_usd`` [US$];
        ``<group>_tonnes`` and ``<group>_<S>_t`` in situ for the groups ``measured``,
        ``indicated`` (rows in the Resource) and ``inferred`` [t].
    grade_columns : tuple of str
        Grades carried (``TREO_pct``, ``NdPr_pct``, the oxides …) in statement order.
    resource : dict
        The Measured + Indicated Mineral Resource, in situ: ``tonnes`` and ``<S>_t`` [t].
    grades_basis : str
        Where the species grades came from.
    mining_recovery : float
        ``MR`` [-].
    dilution : float
        ``D`` [-].
    """

    table: pd.DataFrame = field(repr=False)
    grade_columns: tuple[str, ...]
    resource: dict[str, float]
    grades_basis: str
    mining_recovery: float
    dilution: float

    @property
    def names(self) -> tuple[str, ...]:
        """Grade names without ``_pct`` (``TREO``, ``NdPr``, ``La2O3`` …)."""
        return tuple(c.removesuffix("_pct") for c in self.grade_columns)

    def scheduled_rows(self) -> NDArray[np.int64]:
        """Row positions of the phase pit (``phase > 0``): the rows a schedule sees."""
        return np.flatnonzero(self.table["phase"].to_numpy() > 0)

    def quantities(self) -> pd.DataFrame:
        """What each block sends to the plant if processed, by Reserve class.

        Returns
        -------
        pandas.DataFrame
            Same rows as :attr:`table`: ``q_feed_proved_t``, ``q_feed_probable_t``
            (feed tonnes split by in-situ Measured : Indicated tonnes) [t],
            ``q_proved_<S>_t``, ``q_probable_<S>_t`` (metal after mining recovery) [t],
            ``q_mi_insitu_t`` (Measured + Indicated tonnes in situ) [t].
        """
        t = self.table
        meas = t["measured_tonnes"].to_numpy()
        ind = t["indicated_tonnes"].to_numpy()
        mi = meas + ind
        feed = t["feed_tonnes"].to_numpy()
        out = {
            "q_feed_proved_t": np.divide(feed * meas, mi, out=np.zeros(len(t)), where=mi > 0),
            "q_feed_probable_t": np.divide(feed * ind, mi, out=np.zeros(len(t)), where=mi > 0),
        }
        for cls, group in (("proved", "measured"), ("probable", "indicated")):
            for s in self.names:
                out[f"q_{cls}_{s}_t"] = self.mining_recovery * t[f"{group}_{s}_t"].to_numpy()
        out["q_mi_insitu_t"] = mi
        return pd.DataFrame(out, index=t.index)


def _require(frame: pd.DataFrame, cols: Sequence[str], table: str) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise DataError(f"{table}: missing column(s) {', '.join(missing)}")


def _grade_columns(columns: Sequence[str]) -> list[str]:
    """Grade columns in statement order: TREO, NdPr, the REO by atomic number, the rest."""
    keep = []
    for c in columns:
        if not c.endswith("_pct"):
            continue
        name = c.removesuffix("_pct")
        if name in ("TREO", "NdPr"):
            keep.append(c)
            continue
        try:
            parse_formula(name)
        except ValueError:
            continue
        keep.append(c)
    head = [c for c in ("TREO_pct", "NdPr_pct", *(f"{o}_pct" for o in REO)) if c in keep]
    return head + [c for c in keep if c not in head]


def _with_grades(resource_blocks: pd.DataFrame, grades: pd.DataFrame | None) -> pd.DataFrame:
    """Resource rows with the grade columns of ``grades`` joined on i, j, k, domain."""
    if grades is None:
        return resource_blocks
    key = [c for c in ("i", "j", "k", "domain") if c in resource_blocks and c in grades]
    if key[:3] != ["i", "j", "k"]:
        raise DataError("grades: need columns i, j, k (and domain) to join the resource rows")
    add = [c for c in _grade_columns(grades.columns) if c not in resource_blocks.columns]
    if not add:
        return resource_blocks
    g = grades[key + add].drop_duplicates(key)
    out = resource_blocks.merge(g, on=key, how="left", validate="many_to_one")
    if len(out) != len(resource_blocks):  # pragma: no cover - validate guards it
        raise DataError("grades: the join changed the number of resource rows")
    return out


def reserve_blocks(
    pit_blocks: pd.DataFrame,
    resource_blocks: pd.DataFrame,
    params: MiningParams,
    *,
    grades: pd.DataFrame | None = None,
) -> ReserveBlocks:
    """Attach the Measured, Indicated and Inferred content of the resource to the pit blocks.

    Parameters
    ----------
    pit_blocks : pandas.DataFrame
        ``mining__pit_blocks``: ``i``, ``j``, ``k``, ``tonnes`` [t],
        ``processing_cost_usd``, ``mining_cost_usd`` [US$], ``phase`` (0 outside the
        phase pit); optionally ``in_block_model``, ``pit_id``, ``revenue_factor``,
        ``elevation`` [m], ``revenue_usd`` and ``TREO_t`` (for the pro-rata fallback).
    resource_blocks : pandas.DataFrame
        ``resources__blocks``: ``i``, ``j``, ``k``, ``tonnes`` [t], ``resource_class``,
        ``in_resource`` (default all True), ``TREO_pct`` and other grades [%].
    params : MiningParams
        Prices, recoveries, dilution and mining recovery.
    grades : pandas.DataFrame, optional
        ``estimation__blocks``: species grades joined to the resource rows on ``i``,
        ``j``, ``k``, ``domain``. Without them and without species grades in
        ``resource_blocks``, a block's revenue is its pit revenue times its share of
        Measured and Indicated TREO.

    Returns
    -------
    ReserveBlocks

    Raises
    ------
    DataError
        Missing columns, or no way to value the blocks.
    """
    _require(
        pit_blocks,
        ("i", "j", "k", "tonnes", "processing_cost_usd", "mining_cost_usd", "phase"),
        "mining__pit_blocks",
    )
    _require(
        resource_blocks,
        ("i", "j", "k", "tonnes", "resource_class", "TREO_pct"),
        "resources__blocks",
    )
    rb = _with_grades(resource_blocks, grades)
    gcols = _grade_columns(rb.columns)
    if all(f"{o}_pct" in rb for o in NDPR_OXIDES):
        rb = rb.assign(NdPr_pct=sum(rb[f"{o}_pct"].to_numpy(float) for o in NDPR_OXIDES))
        gcols = _grade_columns([*gcols, "NdPr_pct"])
    names = [c.removesuffix("_pct") for c in gcols]
    cls = rb["resource_class"].astype(str).to_numpy()
    inres = rb["in_resource"].to_numpy(bool) if "in_resource" in rb else np.ones(len(rb), bool)
    tonnes = np.nan_to_num(rb["tonnes"].to_numpy(float))
    rows: dict[str, Any] = {c: rb[c].to_numpy(np.int64) for c in ("i", "j", "k")}
    for group, name in _GROUPS.items():
        m = (cls == name) & inres
        rows[f"{group}_tonnes"] = np.where(m, tonnes, 0.0)
        for s, c in zip(names, gcols, strict=True):
            g = np.nan_to_num(rb[c].to_numpy(float))
            rows[f"{group}_{s}_t"] = np.where(m, tonnes * g / 100.0, 0.0)
    per_row = pd.DataFrame(rows)
    value_cols = [c for c in per_row.columns if c not in ("i", "j", "k")]
    resource = {
        "tonnes": float(per_row["measured_tonnes"].sum() + per_row["indicated_tonnes"].sum())
    }
    for s in names:
        resource[f"{s}_t"] = float(
            per_row[f"measured_{s}_t"].sum() + per_row[f"indicated_{s}_t"].sum()
        )
    cell = per_row.groupby(["i", "j", "k"], sort=False)[value_cols].sum()

    pb = pit_blocks
    n = len(pb)
    ibm = pb["in_block_model"].to_numpy(bool) if "in_block_model" in pb else np.ones(n, bool)
    idx = pd.MultiIndex.from_arrays([pb[c].to_numpy(np.int64) for c in ("i", "j", "k")])
    content = cell.reindex(idx).fillna(0.0).to_numpy(dtype=float, copy=True)
    content[~ibm] = 0.0
    out = pd.DataFrame(
        {
            "i": pb["i"].to_numpy(np.int64),
            "j": pb["j"].to_numpy(np.int64),
            "k": pb["k"].to_numpy(np.int64),
            "in_block_model": ibm,
            "phase": pb["phase"].to_numpy(np.int64),
            "pit_id": pb["pit_id"].to_numpy(np.int64) if "pit_id" in pb else np.zeros(n, np.int64),
            "revenue_factor": (
                pb["revenue_factor"].to_numpy(float)
                if "revenue_factor" in pb
                else np.full(n, np.nan)
            ),
            "elevation": (
                pb["elevation"].to_numpy(float) if "elevation" in pb else pb["k"].to_numpy(float)
            ),
        }
    )
    econ = BlockEconomics.from_params(params)
    mr, dil = econ.mining_recovery, econ.dilution
    T = np.nan_to_num(pb["tonnes"].to_numpy(float))
    out["tonnes"] = T
    out["feed_tonnes"] = T * mr * (1.0 + dil)
    cont = pd.DataFrame(content, columns=value_cols)
    net = econ.net_price_usd_kg()
    priced = [c for c in net if c in gcols]
    if priced:
        rev = np.zeros(n)
        for c in priced:
            s = c.removesuffix("_pct")
            mi = cont[f"measured_{s}_t"].to_numpy() + cont[f"indicated_{s}_t"].to_numpy()
            rev += 1000.0 * mr * mi * net[c]
        basis = "species grades of the Measured and Indicated rows"
    elif {"revenue_usd", "TREO_t"} <= set(pb.columns):
        mi = cont["measured_TREO_t"].to_numpy() + cont["indicated_TREO_t"].to_numpy()
        tot = pb["TREO_t"].to_numpy(float)
        share = np.clip(np.divide(mr * mi, tot, out=np.zeros(n), where=tot > 0), 0.0, 1.0)
        rev = pb["revenue_usd"].to_numpy(float) * share
        basis = (
            "pit revenue × Measured + Indicated share of the block's TREO (no species "
            "grades in the resource rows)"
        )
    else:
        raise DataError(
            "resources__blocks has no priced species grades and mining__pit_blocks no "
            "revenue_usd/TREO_t: pass grades=estimation__blocks"
        )
    cp = pb["processing_cost_usd"].to_numpy(float)
    cm = pb["mining_cost_usd"].to_numpy(float)
    mi_t = cont["measured_tonnes"].to_numpy() + cont["indicated_tonnes"].to_numpy()
    v_ore = rev - cp - cm
    v_waste = -cm
    # a block without Measured or Indicated metal is never processed
    v_ore = np.where(mi_t > 0, v_ore, np.minimum(v_ore, v_waste - 1.0))
    out["revenue_mi_usd"] = rev
    out["processing_cost_usd"] = cp
    out["mining_cost_usd"] = cm
    out["value_ore_usd"] = v_ore
    out["value_waste_usd"] = v_waste
    out = pd.concat([out, cont], axis=1)
    return ReserveBlocks(out, tuple(gcols), resource, basis, float(mr), float(dil))


# ---------------------------------------------------------------------------- result


@dataclass(frozen=True)
class OreReserve:
    """The Ore Reserve and how it was derived.

    Attributes
    ----------
    statement : pandas.DataFrame
        Rounded rows ``Proved``, ``Probable``, ``Total`` and the memo row
        :data:`INFERRED_ROW`: ``class``, ``in_reserve``, ``tonnes`` [t], ``TREO_pct``,
        ``NdPr_pct``, ``NdPr_TREO_pct``, ``<species>_pct`` [%], ``TREO_t``, ``NdPr_t``,
        ``<species>_t`` [t]. Reserve rows are plant feed; the memo row is in situ.
    statement_unrounded : pandas.DataFrame
        The same, unrounded.
    meta : pandas.DataFrame
        ``key``, ``value`` (text), ``unit``: code, date, reference point, basis, cut-off,
        prices, modifying factors, rules.
    reconciliation : pandas.DataFrame
        ``step``, ``item``, ``tonnes``, ``<S>_t`` [t]: Resource M + I → Reserve; the
        signed steps add up to the last row.
    blocks : pandas.DataFrame
        Per pit block: ``i``, ``j``, ``k``, ``in_block_model``, ``phase``,
        ``mined_fraction`` [-], ``ore`` (processing pays) [bool].
    params : ReserveParams
    rounding : dict
        Significant figures per row, ``class`` → SigFigs.
    """

    statement: pd.DataFrame
    statement_unrounded: pd.DataFrame
    meta: pd.DataFrame
    reconciliation: pd.DataFrame
    blocks: pd.DataFrame = field(repr=False)
    params: ReserveParams = field(repr=False)
    rounding: dict[str, SigFigs] = field(repr=False, default_factory=dict)

    def total(self, column: str = "tonnes") -> float:
        """Unrounded Proved + Probable figure of ``column`` [t or %]."""
        s = self.statement_unrounded
        return float(s.loc[s["class"] == "Total", column].iloc[0])

    def tables(self) -> dict[str, pd.DataFrame]:
        """Tables for the store: ``reserve_statement``, ``reserve_statement_unrounded``,
        ``reserve_meta``, ``reserve_reconciliation``."""
        return {
            "reserve_statement": self.statement.copy(),
            "reserve_statement_unrounded": self.statement_unrounded.copy(),
            "reserve_meta": self.meta.copy(),
            "reserve_reconciliation": self.reconciliation.copy(),
        }


def _row(label: str, tonnes: float, metal: Mapping[str, float], names: Sequence[str]) -> dict:
    out: dict[str, Any] = {
        "class": label,
        "in_reserve": label != INFERRED_ROW,
        "tonnes": float(tonnes),
    }
    for s in names:
        out[f"{s}_pct"] = 100.0 * metal[s] / tonnes if tonnes > 0 else np.nan
        if s == "NdPr":
            tr = metal.get("TREO", np.nan)
            out["NdPr_TREO_pct"] = 100.0 * metal[s] / tr if tr > 0 else np.nan
    for s in names:
        out[f"{s}_t"] = float(metal[s])
    return out


def _round(statement: pd.DataFrame, rounding: Mapping[str, SigFigs]) -> pd.DataFrame:
    out = statement.copy()
    for col in out.columns:
        kind = (
            "tonnes"
            if col == "tonnes"
            else "grades"
            if col.endswith("_pct")
            else "contained"
            if col.endswith("_t")
            else None
        )
        if kind is None:
            continue
        out[col] = [
            round_sig(float(v), getattr(rounding[c], kind))
            for v, c in zip(out[col], out["class"], strict=True)
        ]
    return out


def statement_rounding(rp: Any) -> dict[str, SigFigs]:
    """Significant figures per statement row: Proved, Probable and Total at the reserve
    rule, the Inferred memo row at the Inferred rule (``[mining.reserve.rounding]``)."""
    rounding = {c: rp.rounding.reserve for c in (*RESERVE_CLASSES, "Total")}
    rounding[INFERRED_ROW] = rp.rounding.inferred
    return rounding


def reserve_statement_text(
    statement: pd.DataFrame,
    rounding: Mapping[str, SigFigs],
    columns: Sequence[str],
    scale: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """The statement as text at its significant figures (report, CLI).

    Parameters
    ----------
    statement : pandas.DataFrame
        Rounded or unrounded statement (the text is rounded here).
    rounding : Mapping
        ``class`` → SigFigs (``OreReserve.rounding``).
    columns : sequence of str
        Columns to show; ``class`` as text.
    scale : Mapping, optional
        Column → factor before formatting (``{"tonnes": 1e-6}`` for Mt) [-].

    Returns
    -------
    pandas.DataFrame
        The chosen columns, every cell a string.
    """
    scale = scale or {}
    rows = []
    for _, r in statement.iterrows():
        rule = rounding.get(str(r["class"]), SigFigs(tonnes=3, grades=3, contained=3))
        row = {}
        for c in columns:
            if c in ("class", "in_reserve"):
                row[c] = str(r[c])
                continue
            kind = "tonnes" if c == "tonnes" else "contained" if c.endswith("_t") else "grades"
            row[c] = format_sig(float(r[c]) * scale.get(c, 1.0), getattr(rule, kind))
        rows.append(row)
    return pd.DataFrame(rows, columns=list(columns))


def _fmt(x: float, sig: int = 3) -> str:
    return format_sig(float(x), sig) if math.isfinite(float(x)) else "n/a"


def _treo_cutoff(blocks: ReserveBlocks, params: MiningParams, metal: Mapping[str, float]) -> float:
    """Break-even TREO grade at the Reserve's mean oxide distribution [%]."""
    net = BlockEconomics.from_params(params).net_price_usd_kg()
    tr = metal.get("TREO", 0.0)
    if tr <= 0:
        return float("nan")
    per_kg_treo = sum(net[f"{s}_pct"] * metal[s] / tr for s in blocks.names if f"{s}_pct" in net)
    if per_kg_treo <= 0:
        return float("nan")
    return (1.0 + blocks.dilution) * params.processing_cost_usd_t / (10.0 * per_kg_treo)


def _phase_pit(table: pd.DataFrame) -> tuple[int, float]:
    """The shell closing the phase pit and its revenue factor."""
    ph = table["phase"].to_numpy() > 0
    if not ph.any():
        return 0, float("nan")
    pid = table["pit_id"].to_numpy()[ph]
    rf = table["revenue_factor"].to_numpy()[ph]
    top = int(pid.max())
    return top, float(np.nanmax(rf[pid == top])) if top > 0 else float("nan")


def reserve_from_blocks(
    blocks: ReserveBlocks,
    schedule_or_mask: Schedule | NDArray[np.bool_] | None,
    params: MiningParams,
    *,
    reserve: ReserveParams | None = None,
) -> OreReserve:
    """The Ore Reserve of prepared blocks (see :func:`run_reserve`).

    Parameters
    ----------
    blocks : ReserveBlocks
        From :func:`reserve_blocks`.
    schedule_or_mask : Schedule or numpy.ndarray or None
        A :class:`Schedule` computed on :meth:`ReserveBlocks.scheduled_rows` with the
        :meth:`ReserveBlocks.quantities` columns as grade columns as percentages of
        ``tonnes`` (what :func:`mine2magnet.mining.stage.schedule_input` builds); or a
        boolean mask over the pit blocks (mined in full, processed when they pay); None:
        the phase pit.
    params : MiningParams
    reserve : ReserveParams, optional
        Default ``reserve_params(params)``.

    Returns
    -------
    OreReserve
    """
    rp = reserve or reserve_params(params)
    t = blocks.table
    n = len(t)
    q = blocks.quantities()
    names = blocks.names
    ore = t["value_ore_usd"].to_numpy() > t["value_waste_usd"].to_numpy()
    if isinstance(schedule_or_mask, Schedule):
        s = schedule_or_mask
        rows = blocks.scheduled_rows()
        if s.block_fraction.shape[0] != rows.size:
            raise DataError(
                f"the schedule has {s.block_fraction.shape[0]} blocks but the phase pit "
                f"{rows.size}; schedule the rows of ReserveBlocks.scheduled_rows()"
            )
        missing = [c for c in q.columns if f"{c}_oxide_tonnes" not in s.periods]
        if missing:
            raise DataError(
                f"the schedule lacks the reserve quantities {missing[:3]}; build its input "
                "with mine2magnet.mining.stage.schedule_input"
            )
        mined = np.zeros(n)
        mined[rows] = np.clip(s.block_fraction.sum(axis=1), 0.0, 1.0)
        processed = {c: float(s.periods[f"{c}_oxide_tonnes"].sum()) for c in q.columns}
        basis = "scheduled"
        pit_text = "the material the life-of-mine schedule mines and sends to the plant"
    else:
        m = (
            t["phase"].to_numpy() > 0
            if schedule_or_mask is None
            else np.asarray(schedule_or_mask, dtype=bool)
        )
        if m.shape != (n,):
            raise DataError(f"mask has shape {m.shape}; expected ({n},) (one per pit block)")
        mined = m.astype(float)
        proc = m & ore
        processed = {c: float(q[c].to_numpy()[proc].sum()) for c in q.columns}
        basis = "final_pit"
        pit_text = "every block of the pit, processed when its M + I revenue pays"

    # ---- statement
    rows_out = []
    metal_total: dict[str, float] = {}
    feed_total = 0.0
    for cls in RESERVE_CLASSES:
        key = cls.lower()
        feed = processed[f"q_feed_{key}_t"]
        metal = {s: processed[f"q_{key}_{s}_t"] for s in names}
        rows_out.append(_row(cls, feed, metal, names))
        feed_total += feed
        for s in names:
            metal_total[s] = metal_total.get(s, 0.0) + metal[s]
    rows_out.append(_row("Total", feed_total, metal_total, names))
    inf_t = float((mined * t["inferred_tonnes"].to_numpy()).sum())
    inf_m = {s: float((mined * t[f"inferred_{s}_t"].to_numpy()).sum()) for s in names}
    rows_out.append(_row(INFERRED_ROW, inf_t, inf_m, names))
    unrounded = pd.DataFrame(rows_out)
    rounding = statement_rounding(rp)
    statement = _round(unrounded, rounding)

    # ---- reconciliation (in situ M + I → plant feed)
    mr, dil = blocks.mining_recovery, blocks.dilution
    res = blocks.resource
    pit_t = float((mined * (t["measured_tonnes"] + t["indicated_tonnes"]).to_numpy()).sum())
    pit_m = {
        s: float((mined * (t[f"measured_{s}_t"] + t[f"indicated_{s}_t"]).to_numpy()).sum())
        for s in names
    }
    proc_insitu_t = processed["q_mi_insitu_t"]
    proc_insitu_m = {s: metal_total[s] / mr for s in names}
    proc_rock_t = feed_total / (mr * (1.0 + dil)) if feed_total > 0 else 0.0
    where = "scheduled pit" if basis == "scheduled" else "pit"
    steps = [
        (
            "Mineral Resource, Measured + Indicated (in situ)",
            res["tonnes"],
            {s: res[f"{s}_t"] for s in names},
        ),
        (
            f"outside the {where}",
            pit_t - res["tonnes"],
            {s: pit_m[s] - res[f"{s}_t"] for s in names},
        ),
        (
            "mined, not processed (below the cut-off, or left on the stockpile)",
            proc_insitu_t - pit_t,
            {s: proc_insitu_m[s] - pit_m[s] for s in names},
        ),
        (
            f"mining loss ({100 * (1 - mr):g} % of processed M + I)",
            -(1 - mr) * proc_insitu_t,
            {s: -(1 - mr) * proc_insitu_m[s] for s in names},
        ),
        (
            "internal dilution: other material of processed blocks (zero grade)",
            mr * (proc_rock_t - proc_insitu_t),
            dict.fromkeys(names, 0.0),
        ),
        (
            f"external dilution ({100 * dil:g} %, zero grade)",
            mr * dil * proc_rock_t,
            dict.fromkeys(names, 0.0),
        ),
        ("Ore Reserve, Proved + Probable (plant feed)", feed_total, metal_total),
    ]
    recon = pd.DataFrame(
        [
            {
                "step": k,
                "item": item,
                "tonnes": float(tt),
                **{f"{s}_t": float(mm[s]) for s in names},
            }
            for k, (item, tt, mm) in enumerate(steps)
        ]
    )

    # ---- metadata
    shell, rf = _phase_pit(t)
    cut = _treo_cutoff(blocks, params, metal_total)
    econ = BlockEconomics.from_params(params)
    meta: list[tuple[str, str, str]] = [
        ("reporting_code", "JORC Code (2012 Edition)", ""),
        (
            "effective_date",
            str(rp.effective_date) if rp.effective_date else _FALLBACK,
            "",
        ),
        ("reference_point", rp.reference_point, ""),
        ("basis", f"{basis}: {pit_text}", ""),
        (
            "pit",
            f"phase pit: nested shell {shell} (revenue factor {rf:g})"
            if shell
            else "phase pit: none",
            "",
        ),
        (
            "classes",
            "Proved from Measured, Probable from Indicated; no Measured converted "
            "to Probable; Inferred never in the Reserve",
            "",
        ),
        (
            "class_split",
            "a processed block's feed is split between Proved and Probable in "
            "proportion to its Measured and Indicated tonnes; metal follows its rows",
            "",
        ),
        (
            "inferred_rule",
            "Inferred and Unclassified rows, rows below the resource cut-off "
            "and host rock are waste at zero grade",
            "",
        ),
        ("inferred_in_pit_tonnes", _fmt(inf_t), "t"),
        (
            "cutoff_rule",
            "a block is ore when the net revenue of its Measured and Indicated "
            "metal exceeds its processing cost (marginal cut-off inside the pit); the "
            "schedule may raise it per period",
            "",
        ),
        ("cutoff_treo_equivalent", _fmt(cut), "% TREO"),
        ("mining_method", rp.mining_method, ""),
        ("dilution_pct", f"{100 * dil:g}", "%"),
        ("mining_recovery_pct", f"{100 * mr:g}", "%"),
        ("price_source", params.price_source, ""),
    ]
    for sp, price in econ.prices_usd_kg.items():
        meta.append((f"price_{sp.removesuffix('_pct')}", f"{price:g}", "US$/kg"))
    for sp, r in econ.recovery.items():
        meta.append((f"recovery_{sp.removesuffix('_pct')}", f"{100 * r:g}", "%"))
    meta += [
        ("payable_pct", f"{100 * econ.payable:g}", "%"),
        ("selling_cost", f"{econ.selling_cost_usd_kg:g}", "US$/kg"),
        ("royalty_pct", f"{100 * econ.royalty:g}", "%"),
        (
            "mining_cost",
            f"{econ.mining_cost_usd_t:g} + {econ.mining_cost_increment_usd_t:g} "
            "per bench below the reference",
            "US$/t",
        ),
        ("processing_cost", f"{econ.processing_cost_usd_t:g}", "US$/t feed"),
        ("grades_basis", blocks.grades_basis, ""),
        (
            "rounding",
            f"each figure rounded half away from zero from its unrounded value; "
            f"Proved, Probable, Total: tonnes {rp.rounding.reserve.tonnes}, grades "
            f"{rp.rounding.reserve.grades}, contained {rp.rounding.reserve.contained} s.f.; "
            f"Inferred memo row: {rp.rounding.inferred.tonnes}/{rp.rounding.inferred.grades}/"
            f"{rp.rounding.inferred.contained} s.f.",
            "",
        ),
        (
            "totals",
            "totals computed from unrounded figures, then rounded: rounded rows may not add up",
            "",
        ),
        (
            "note",
            "Ore Reserves are reported as plant feed after mining dilution and "
            "recovery; Mineral Resources are reported inclusive of the Ore Reserve",
            "",
        ),
    ]
    meta_df = pd.DataFrame(meta, columns=["key", "value", "unit"])
    blk = t[["i", "j", "k", "in_block_model", "phase"]].copy()
    blk["mined_fraction"] = mined
    blk["ore"] = ore
    return OreReserve(statement, unrounded, meta_df, recon, blk, rp, rounding)


def run_reserve(
    pit_blocks: pd.DataFrame,
    resource_blocks: pd.DataFrame,
    schedule_or_mask: Schedule | NDArray[np.bool_] | None,
    params: MiningParams,
    *,
    grades: pd.DataFrame | None = None,
    reserve: ReserveParams | None = None,
) -> OreReserve:
    """The JORC Ore Reserve: Proved and Probable inside the scheduled (or final) pit.

    Parameters
    ----------
    pit_blocks : pandas.DataFrame
        ``mining__pit_blocks`` (see :func:`reserve_blocks`).
    resource_blocks : pandas.DataFrame
        ``resources__blocks``.
    schedule_or_mask : Schedule or numpy.ndarray or None
        The schedule of the phase pit (see :func:`reserve_from_blocks`), a boolean mask
        over ``pit_blocks`` rows, or None for the phase pit (``phase > 0``).
    params : MiningParams
        ``[mining]``: prices, recoveries, costs, dilution and mining recovery.
    grades : pandas.DataFrame, optional
        ``estimation__blocks`` for every species grade.
    reserve : ReserveParams, optional
        ``[mining.reserve]``; default from ``params.reserve``.

    Returns
    -------
    OreReserve

    Examples
    --------
    >>> import pandas as pd
    >>> from mine2magnet.mining.params import mining_params
    >>> pit = pd.DataFrame({"i": [0, 1], "j": [0, 0], "k": [0, 0], "tonnes": [1000.0] * 2,
    ...                     "processing_cost_usd": [9.975e4] * 2, "mining_cost_usd": [2.5e3] * 2,
    ...                     "phase": [1, 1]})
    >>> res = pd.DataFrame({"i": [0, 1], "j": [0, 0], "k": [0, 0], "tonnes": [1000.0] * 2,
    ...                     "resource_class": ["Measured", "Inferred"], "in_resource": [True] * 2,
    ...                     "TREO_pct": [3.0] * 2, "Nd2O3_pct": [0.6] * 2})
    >>> r = run_reserve(pit, res, None, mining_params({"processing_cost_usd_t": 100.0}))
    >>> r.statement[["class", "tonnes", "Nd2O3_pct"]].values.tolist()[:3]
    [['Proved', 998.0, 0.571], ['Probable', 0.0, nan], ['Total', 998.0, 0.571]]
    """
    blocks = reserve_blocks(pit_blocks, resource_blocks, params, grades=grades)
    return reserve_from_blocks(blocks, schedule_or_mask, params, reserve=reserve)


# ---------------------------------------------------------------------------- Table 1


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sig(x: float) -> str:
    return _fmt(x, 3)


def table1_section4(
    reserve: OreReserve,
    params: MiningParams,
    *,
    pit_tables: Mapping[str, pd.DataFrame] | None = None,
    schedule: Mapping[str, Any] | None = None,
    stage: str = "reserve",
) -> pd.DataFrame:
    """JORC Table 1 Section 4 rows the software can write (``mining__table1``).

    Parameters
    ----------
    reserve : OreReserve
    params : MiningParams
    pit_tables : Mapping, optional
        Pit-stage tables by short name (``pit_summary``, ``phases``, ``pit_by_pit``).
    schedule : Mapping, optional
        Schedule figures: ``npv_usd`` [US$], ``discount_rate_pct`` [%/y], ``periods``,
        ``period_years`` [y], ``mining_rate_tpa``, ``processing_rate_tpa`` [t/y],
        ``status``, ``mip_gap_pct`` [%], ``life_years`` [y].
    stage : str
        Store prefix of the reserve tables, named in ``source``.

    Returns
    -------
    pandas.DataFrame
        ``criterion`` (the Code's names), ``commentary`` (plain text), ``source``.
        Criteria not listed stay "To be completed by the Competent Person".
    """
    pit_tables = pit_tables or {}
    sch = dict(schedule or {})
    st = reserve.statement_unrounded.set_index("class")
    rec = reserve.reconciliation
    meta = dict(zip(reserve.meta["key"], reserve.meta["value"], strict=True))
    src_st = f"{stage}__reserve_statement"
    src_meta = f"{stage}__reserve_meta"
    rows: list[tuple[str, str, str]] = []

    def grade(cls: str, col: str) -> str:
        return _sig(st.loc[cls, col]) if col in st.columns else "n/a"

    res0 = rec.iloc[0]
    treo0 = 100.0 * res0["TREO_t"] / res0["tonnes"] if res0["tonnes"] > 0 else float("nan")
    rows.append(
        (
            "Mineral Resource estimate for conversion to Ore Reserves",
            f"The Ore Reserve is converted from the Measured and Indicated Mineral Resource of "
            f"this project ({_sig(res0['tonnes'])} t at {_sig(treo0)} % TREO in situ). Mineral "
            f"Resources are reported inclusive of the Ore Reserve. The reconciliation from "
            f"Resource to Reserve (outside the pit, below cut-off, mining loss, dilution) is "
            f"tabulated. {_FALLBACK}: confirm the Resource estimate and its date.",
            f"{stage}__reserve_reconciliation; resources__blocks",
        )
    )
    rows.append(
        (
            "Cut-off parameters",
            f"{_upper_first(meta.get('cutoff_rule', ''))}. At the Reserve's mean oxide "
            f"distribution the break-even grade is "
            f"{meta.get('cutoff_treo_equivalent', 'n/a')} % TREO "
            f"(processing cost {params.processing_cost_usd_t:g} US$/t feed, dilution "
            f"{params.dilution_pct:g} %). The schedule splits each increment into "
            f"{sch.get('grade_bins', 'n/a')} bins of processing margin and chooses per "
            f"period which bins to process (variable cut-off, Lane).",
            f"{src_meta}; project: mining.processing_cost_usd_t, mining.schedule",
        )
    )
    # mining factors
    summ = pit_tables.get("pit_summary")
    sm = dict(zip(summ["item"], summ["value"], strict=True)) if summ is not None else {}
    slopes = [f"{params.slopes.default_angle_deg:g}° overall by default"]
    for s in params.slopes.sectors:
        dom = f" in {', '.join(s.domains)}" if s.domains else ""
        slopes.append(
            f"{s.angle_deg:g}° from azimuth {s.azimuth_from_deg:g} to {s.azimuth_to_deg:g}°{dom}"
        )
    err = sm.get("largest slope error, steeper")
    err_txt = (
        f"; the precedence pattern is at most {float(err):.1f}° steeper than designed"
        if err is not None
        else ""
    )
    phases = pit_tables.get("phases")
    width = ""
    if phases is not None and len(phases):
        bad = int((~phases["width_ok"].astype(bool)).sum()) if "width_ok" in phases else 0
        width = (
            f" Minimum mining width {params.phases.min_width_m:g} m: {bad} of "
            f"{len(phases)} phases have benches narrower (the phases are nested "
            f"shells, not designed pushbacks)."
        )
    shell_txt = meta.get("pit", "")
    inf_t = st.loc[INFERRED_ROW, "tonnes"]
    rows.append(
        (
            "Mining factors or assumptions",
            f"Method: {meta.get('mining_method', '')}. Pit optimisation: maximum-weight closure "
            f"(engine {sm.get('engine', params.engine)}), nested pits by revenue factor; "
            f"{shell_txt}. Slopes: {'; '.join(slopes)}{err_txt}. Mining dilution "
            f"{params.dilution_pct:g} % at zero grade and mining recovery "
            f"{params.mining_recovery_pct:g} % on every processed block.{width} Inferred "
            f"material is waste at zero grade: {_sig(inf_t)} t of Inferred Resource lie inside "
            f"the pit and are not in the Reserve. {_FALLBACK}: geotechnical basis of the slopes, "
            f"grade control, infrastructure.",
            f"mining__pit_summary; mining__phases; {src_meta}; project: mining",
        )
    )
    econ = BlockEconomics.from_params(params)
    recs = ", ".join(f"{k.removesuffix('_pct')} {100 * v:g} %" for k, v in econ.recovery.items())
    rows.append(
        (
            "Metallurgical factors or assumptions",
            f"Processing recoveries used in the block values and the schedule: {recs}; payable "
            f"{params.payable_pct:g} %. {_FALLBACK}: the process, its testwork, deleterious "
            f"elements (thorium, uranium) and product specifications.",
            "project: mining.default_recovery_pct, mining.recovery_pct, mining.payable_pct",
        )
    )
    rows.append(
        (
            "Costs",
            f"Mining {params.mining_cost_usd_t:g} US$/t at the reference level plus "
            f"{params.mining_cost_increment_usd_t:g} US$/t per bench below it; processing "
            f"{params.processing_cost_usd_t:g} US$/t of feed (including site G&A); selling "
            f"{params.selling_cost_usd_kg:g} US$/kg payable; royalty {params.royalty_pct:g} % "
            f"of revenue net of selling cost. Real US$. Capital costs, closure and tax are not "
            f"in the schedule's cash flow. {_FALLBACK}: basis of the costs, exchange rates.",
            "project: mining",
        )
    )
    prices = ", ".join(f"{k.removesuffix('_pct')} {v:g}" for k, v in econ.prices_usd_kg.items())
    rows.append(
        (
            "Revenue factors",
            f"Prices (US$/kg oxide): {prices}; source: {params.price_source}. Head grade from "
            f"the schedule: {grade('Total', 'TREO_pct')} % TREO, {grade('Total', 'NdPr_pct')} % "
            f"NdPr oxide in the plant feed. Revenue factor 1 is used for the Reserve; the pit "
            f"shell follows {shell_txt}.",
            f"{src_st}; project: mining.prices_usd_kg, mining.price_source",
        )
    )
    rows.append(
        (
            "Classification",
            f"Proved Ore Reserve from Measured Resource only ({_sig(st.loc['Proved', 'tonnes'])} "
            f"t), Probable from Indicated only ({_sig(st.loc['Probable', 'tonnes'])} t); no "
            f"Measured Resource was converted to Probable (0 % of Probable). Blocks mixing "
            f"Measured and Indicated rows split their feed in proportion to those tonnes. "
            f"{_FALLBACK}: whether the result reflects the Competent Person's view.",
            src_st,
        )
    )
    if "npv_usd" in sch:
        rows.append(
            (
                "Economic",
                f"Net present value of the operating cash flow of the schedule: "
                f"{_sig(sch['npv_usd'] / 1e6)} M US$ at {sch.get('discount_rate_pct', 'n/a')} % "
                f"real per year (cash spread evenly over the years of each period, discounted "
                f"at the end of each year) over {sch.get('periods', 'n/a')} periods of "
                f"{sch.get('period_years', 'n/a')} year(s); solver {sch.get('status', 'n/a')}, "
                f"MIP gap {sch.get('mip_gap_pct', 'n/a')} %. Before capital, closure and tax. "
                f"{_FALLBACK}: capital costs, inflation, and the NPV's sensitivity to price, "
                f"grade and costs.",
                f"{stage}__schedule_periods; project: mining.schedule",
            )
        )
    return pd.DataFrame(rows, columns=["criterion", "commentary", "source"])
