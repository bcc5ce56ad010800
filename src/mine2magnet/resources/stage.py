"""The resources stage: classify, apply RPEEE, state the Mineral Resource.

:func:`run_resources` is pure: it reads the block model, composites and QA/QC tables of
the earlier stages and returns a :class:`~mine2magnet.resources.types.ResourceModel`;
its inputs are never modified.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from mine2magnet.blockmodel.grid import Topography
from mine2magnet.chemistry import NDPR_OXIDES
from mine2magnet.errors import DataError
from mine2magnet.resources.classify import classify_blocks
from mine2magnet.resources.params import ResourceParams
from mine2magnet.resources.rpeee import nsr_per_tonne, rpeee_table
from mine2magnet.resources.statement import (
    grade_tonnage_by_class,
    resource_statement,
    round_statement,
    statement_metadata,
)
from mine2magnet.resources.types import CLASS_NAMES, UNCLASSIFIED, ResourceModel

__all__ = ["run_resources"]

_BLOCK_COLUMNS = ("i", "j", "k", "easting", "northing", "elevation", "domain", "tonnes")
_COMPOSITE_COLUMNS = ("hole_id", "easting", "northing", "elevation", "domain")
_COMPARISON = re.compile(r"_(id\d*|nn)_pct$")  # comparison estimates, not reported


def _require(frame: pd.DataFrame, cols: tuple[str, ...], what: str) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise DataError(f"{what}: column(s) {missing} missing (have {list(frame.columns)})")


def _grid_geometry(grid: pd.DataFrame) -> dict[str, Any]:
    _require(grid, ("count_i", "count_j", "count_k"), "block grid")
    g = grid.iloc[0]
    counts = (int(g["count_i"]), int(g["count_j"]), int(g["count_k"]))
    out: dict[str, Any] = {"counts": counts, "model_top_m": None, "column_area_m2": None}
    if {"origin_elevation", "block_size_i_m", "block_size_j_m", "block_size_k_m"} <= set(grid):
        out["model_top_m"] = float(g["origin_elevation"]) + counts[2] * float(g["block_size_k_m"])
        out["column_area_m2"] = float(g["block_size_i_m"]) * float(g["block_size_j_m"])
    cols = str(g["grade_columns"]) if "grade_columns" in grid else ""
    out["grade_columns"] = [c for c in cols.split(",") if c]
    return out


def run_resources(
    blocks: pd.DataFrame,
    grid: pd.DataFrame,
    composites: pd.DataFrame,
    qaqc_failures: pd.DataFrame | None,
    qaqc_samples: pd.DataFrame | None,
    topography: Topography | None,
    params: ResourceParams,
    pit_mask: pd.DataFrame | None = None,
    *,
    executor: str | Any = "serial",
) -> ResourceModel:
    """Classify the block model and state the Mineral Resource (JORC Code 2012).

    Parameters
    ----------
    blocks : pandas.DataFrame
        ``estimation__blocks``: one row per (block, domain) with ``i``, ``j``, ``k``,
        centroid ``easting``, ``northing``, ``elevation`` [m], ``domain``, ``tonnes`` [t],
        grade columns [%], ``slope``, ``ke``, ``pass`` [-].
    grid : pandas.DataFrame
        ``estimation__grid`` (one row): ``count_i``, ``count_j``, ``count_k``, origin,
        block sizes [m] and ``grade_columns`` (comma-separated).
    composites : pandas.DataFrame
        ``drillholes__composites``: ``hole_id``, ``easting``, ``northing``,
        ``elevation`` [m], ``domain``.
    qaqc_failures, qaqc_samples : pandas.DataFrame or None
        ``drillholes__qaqc_failures`` (``sample_id``, ``rule``) and
        ``drillholes__qaqc_samples`` (``sample_id``, ``hole_id``).
    topography : Topography or None
        Ground surface (``mine2magnet.blockmodel.load_topography``).
    params : ResourceParams
        The ``[resources]`` section (:func:`~mine2magnet.resources.resource_params`).
    pit_mask : pandas.DataFrame, optional
        ``i``, ``j``, ``k``, ``in_pit`` from the mining stage; used by
        ``rpeee.constraint = "pit"`` and ignored otherwise.
    executor : str or Client
        See :func:`mine2magnet.parallel.map_chunks`.

    Returns
    -------
    ResourceModel

    Raises
    ------
    DataError
        When a required column is missing.
    ConfigError
        When the RPEEE constraint needs an input that is missing.
    """
    _require(blocks, (*_BLOCK_COLUMNS, params.grade_column), "block table")
    _require(composites, _COMPOSITE_COLUMNS, "composites")
    geo = _grid_geometry(grid)
    B = blocks.reset_index(drop=True)
    gcol = params.grade_column
    est = np.isfinite(B[gcol].to_numpy(dtype=float))
    E = B[est].reset_index(drop=True)

    cl = classify_blocks(B, composites, qaqc_failures, qaqc_samples, geo["counts"],
                         params.classification, grade_column=gcol,
                         executor=executor)  # fmt: skip
    code_est = cl.blocks["code"].to_numpy()
    code_all = np.zeros(len(B), dtype=np.int8)
    code_all[est] = code_est

    grade_cols = [c for c in geo["grade_columns"] if c in B and c.endswith("_pct")] or [
        c for c in B.columns if c.endswith("_pct") and not _COMPARISON.search(c)
    ]
    nsr_all = nsr_per_tonne(B, params.rpeee)
    basis = params.reporting_cutoff.basis
    if basis == "TREO_pct":
        _require(B, ("TREO_pct",), "block table (cut-off basis TREO_pct)")
    value_all = nsr_all if basis == "NSR_usd_t" else B["TREO_pct"].to_numpy(dtype=float)
    value_all = np.where(est, value_all, np.nan)
    cutoff = params.cutoff_value()
    rp_all = rpeee_table(B, code_all, value_all, cutoff, params.rpeee, topography=topography,
                         model_top_m=geo["model_top_m"],
                         column_area_m2=geo["column_area_m2"], pit_mask=pit_mask)  # fmt: skip
    rp = rp_all[est].reset_index(drop=True)

    work = E[["tonnes", *grade_cols]].copy()
    work["code"] = code_est
    work["nsr_usd_t"] = nsr_all[est]
    value = value_all[est]
    inside = rp["in_constraint"].to_numpy(dtype=bool)
    unrounded = resource_statement(work, value, inside, params.cutoffs(), basis, grade_cols)
    rounded = round_statement(unrounded, params.rounding)
    gt = grade_tonnage_by_class(work, value, inside, params.gt_cutoffs(), basis, grade_cols)

    out = cl.blocks[["i", "j", "k", "domain"]].copy()
    for c in ("easting", "northing", "elevation", "tonnes"):
        out[c] = E[c].to_numpy()
    out["TREO_pct"] = E["TREO_pct"].to_numpy(dtype=float) if "TREO_pct" in E else np.nan
    if all(f"{o}_pct" in E for o in NDPR_OXIDES):
        out["NdPr_pct"] = sum(E[f"{o}_pct"].to_numpy(dtype=float) for o in NDPR_OXIDES)
    else:
        out["NdPr_pct"] = np.nan
    crit = ["spacing_m", "n_holes_search", "n_samples_search", "slope", "ke", "pass",
            "qaqc_flagged_share"]  # fmt: skip
    for c in crit:
        out[c] = cl.blocks[c].to_numpy()
    names = np.array(CLASS_NAMES, dtype=object)
    out["class_criteria"] = names[cl.blocks["code_criteria"].to_numpy()]
    out["class_unsmoothed"] = names[cl.blocks["code_unsmoothed"].to_numpy()]
    out["resource_class"] = names[code_est]
    out["depth_m"] = rp["depth_m"].to_numpy()
    out["strip_ratio"] = rp["strip_ratio"].to_numpy()
    out["nsr_usd_t"] = nsr_all[est]
    for c in ("in_constraint", "above_cutoff", "rpeee"):
        out[c] = rp[c].to_numpy(dtype=bool)
    out["in_resource"] = out["rpeee"].to_numpy() & (code_est < UNCLASSIFIED)

    density = E.groupby("domain")["density_t_m3"].median().to_dict() if "density_t_m3" in E else {}
    uncl = float(E["tonnes"].to_numpy()[out["rpeee"].to_numpy() & (code_est == UNCLASSIFIED)]
                 .sum())  # fmt: skip
    meta = statement_metadata(
        params,
        density={str(k): float(v) for k, v in density.items()},
        flagged_holes=[h for h in cl.flagged_holes["hole_id"] if h],
        estimated_tonnes=float(E["tonnes"].sum()),
        unclassified_tonnes=uncl,
        grade_column=gcol,
        has_topography=topography is not None,
        extra={
            "classification_nearest_holes": (params.classification.nearest_holes, "holes"),
            "smoothing": (params.classification.smoothing.method, ""),
        },
    )
    return ResourceModel(
        blocks=out,
        statement=rounded,
        statement_unrounded=unrounded,
        statement_meta=meta,
        grade_tonnage=gt,
        classification_counts=cl.counts,
        class_transitions=cl.transitions,
        criteria=cl.criteria,
        flagged_holes=cl.flagged_holes,
    )
