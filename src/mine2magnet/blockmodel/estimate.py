"""Estimating the block model, and the whole estimation stage (:func:`run_estimation`).

Per estimated domain (``[[domains]] estimate = true``), with hard boundaries:

1. the domain's composites only (optionally top-cut, :func:`~mine2magnet.geostats.stats.
   apply_top_cuts`) estimate the rows of the block model coded with that domain
   (:func:`~mine2magnet.blockmodel.grid.code_domains`), kriging the block average at the
   block centre with ``geostats.discretisation`` points over the whole block. Kriging runs
   in the grid frame (coordinates along i, j, k from the origin; variogram and search
   azimuths minus ``rotation_deg``), so the discretisation follows a rotated grid;
2. every grade column without its own variogram shares the kriging weights of the
   domain's model (one :func:`~mine2magnet.geostats.krige` call with ``(n, k)`` values
   per set of columns with the same missing samples). Kriging is linear and the weights
   do not depend on the scale of the model, so where TREO is the sum of the oxides in
   every composite, the block TREO equals the sum of the block oxides to rounding; the
   stage reports the largest deviation in its ``checks`` table;
3. ``kv``, ``slope``, ``ke``, ``n_samples``, ``mean_distance_m`` and ``pass`` come from the
   system of the primary column (``geostats.primary_column``);
4. inverse-distance (power ``geostats.idw_power``) and nearest-neighbour estimates with the
   same search, for the comparison columns.

Blocks of an estimated domain that no pass reaches keep NaN grades and ``pass = 0``.
Rows of domains that are not estimated (waste) have NaN grades.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from mine2magnet.blockmodel.gradetonnage import grade_tonnage
from mine2magnet.blockmodel.grid import BlockGrid, BlockModel, Topography, code_domains
from mine2magnet.blockmodel.params import BlockModelParams, blockmodel_params
from mine2magnet.blockmodel.validation import global_comparison, swath_table
from mine2magnet.chemistry import REO
from mine2magnet.config import DomainDef
from mine2magnet.drillholes.types import Composites
from mine2magnet.errors import ConfigError, DataError
from mine2magnet.geostats.crossval import cross_validate
from mine2magnet.geostats.declustering import cell_declustering
from mine2magnet.geostats.kriging import (
    inverse_distance,
    krige,
    nearest_neighbour,
    neighbourhood_analysis,
)
from mine2magnet.geostats.params import DomainParams, GeostatsParams, geostats_params
from mine2magnet.geostats.search import SearchParameters
from mine2magnet.geostats.stats import (
    apply_top_cuts,
    histogram,
    log_probability,
    summary_statistics,
    top_cut_analysis,
)
from mine2magnet.geostats.variogram import VariogramModel
from mine2magnet.geostats.variography import axis_variograms, model_curves

__all__ = [
    "EstimationOutcome",
    "comparison_column",
    "estimate_block_model",
    "run_estimation",
]

XYZ = ["easting", "northing", "elevation"]
REO_COLUMNS: tuple[str, ...] = tuple(f"{s}_pct" for s in REO)
SUM_COLUMN = "TREO_pct"


def comparison_column(column: str, method: str, power: float = 2.0) -> str:
    """Block-model column of a comparison estimate.

    Parameters
    ----------
    column : str
        Grade column, e.g. ``TREO_pct``.
    method : str
        ``"inverse_distance"`` or ``"nearest_neighbour"``.
    power : float
        Inverse-distance power [-].

    Returns
    -------
    str
        ``TREO_id2_pct`` or ``TREO_nn_pct`` (``_pct`` stays last).

    Examples
    --------
    >>> comparison_column("TREO_pct", "inverse_distance")
    'TREO_id2_pct'
    >>> comparison_column("x", "nearest_neighbour")
    'x_nn'
    """
    tag = f"id{power:g}".replace(".", "p") if method == "inverse_distance" else "nn"
    if column.endswith("_pct"):
        return f"{column[:-4]}_{tag}_pct"
    return f"{column}_{tag}"


# ------------------------------------------------------------------------ helpers


def _params(
    geostats: GeostatsParams | Mapping[str, Any], blockmodel: BlockModelParams | Mapping[str, Any]
) -> tuple[GeostatsParams, BlockModelParams]:
    g = geostats if isinstance(geostats, GeostatsParams) else geostats_params(geostats)
    b = blockmodel if isinstance(blockmodel, BlockModelParams) else blockmodel_params(blockmodel)
    return g, b


@dataclass(frozen=True)
class _Setup:
    columns: tuple[str, ...]
    primary: str
    comparison: tuple[str, ...]
    domains: dict[str, DomainDef]
    estimated: tuple[str, ...]
    table: pd.DataFrame  # composites with a clean index


def _setup(composites: Composites, domains: Sequence[DomainDef], gp: GeostatsParams) -> _Setup:
    t = composites.table.reset_index(drop=True)
    missing_xyz = [c for c in ["hole_id", "from_m", "to_m", "domain", *XYZ] if c not in t]
    if missing_xyz:
        raise DataError(f"composites lack column(s) {missing_xyz}")
    available = [c for c in composites.grade_columns if c in t.columns]
    cols = tuple(gp.columns) if gp.columns is not None else tuple(available)
    bad = [c for c in cols if c not in t.columns]
    if bad:
        raise ConfigError(
            f"key 'geostats.columns': {bad} are not grade columns of the composites "
            f"(have {available}); fix the names"
        )
    if gp.primary_column not in cols:
        raise ConfigError(
            f"key 'geostats.primary_column': {gp.primary_column!r} is not among the "
            f"estimated columns {list(cols)}"
        )
    comp = (
        tuple(gp.comparison_columns) if gp.comparison_columns is not None else (gp.primary_column,)
    )
    bad = [c for c in comp if c not in cols]
    if bad:
        raise ConfigError(f"key 'geostats.comparison_columns': {bad} are not estimated columns")
    for name, sec in (("cross_validation", gp.cross_validation), ("validation", gp.validation)):
        bad = [c for c in (sec.columns or []) if c not in cols]
        if bad:
            raise ConfigError(f"key 'geostats.{name}.columns': {bad} are not estimated columns")
    dmap = {d.code: d for d in domains}
    for code, dp in gp.domains.items():
        if code not in dmap:
            raise ConfigError(
                f"key 'geostats.domains.{code}': no domain {code!r} in [[domains]] "
                f"(have {sorted(dmap)}); fix the code"
            )
        for c in [*dp.variograms, *dp.top_cuts]:
            if c not in cols:
                raise ConfigError(
                    f"key 'geostats.domains.{code}': column {c!r} (variograms/top_cuts) is "
                    "not an estimated column"
                )
    estimated = tuple(d.code for d in domains if d.estimate)
    for code in estimated:
        gp.domain(code)  # raises naming the missing key
    return _Setup(cols, gp.primary_column, comp, dmap, estimated, t)


def _coords(t: pd.DataFrame) -> np.ndarray:
    return t[XYZ].to_numpy(dtype=float)


def _domain_samples(
    setup: _Setup, code: str, dp: DomainParams
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The domain's composites (with coordinates) after top cuts, and the cut report."""
    t = setup.table[setup.table["domain"] == code]
    t = t[np.all(np.isfinite(t[XYZ].to_numpy(dtype=float)), axis=1)]
    parts = [c for c in REO_COLUMNS if c in setup.columns]
    capped, report = apply_top_cuts(
        t, dp.top_cuts, sum_column=SUM_COLUMN if SUM_COLUMN in setup.columns else None,
        part_columns=parts,
    )  # fmt: skip
    return capped, report.assign(domain=code)


def _declustering(
    t: pd.DataFrame, primary: str, gp: GeostatsParams
) -> tuple[np.ndarray, pd.DataFrame, float]:
    """Declustering weights (mean 1, NaN where the primary is missing), scan, cell size."""
    z = t[primary].to_numpy(dtype=float)
    if not np.isfinite(z).any():
        return np.full(z.shape, np.nan), pd.DataFrame(), math.nan
    d = gp.declustering
    res = cell_declustering(
        _coords(t), z, cell_sizes=d.cell_sizes_m, n_sizes=d.n_sizes,
        anisotropy=tuple(d.anisotropy), n_offsets=d.n_offsets, objective=d.objective,
    )  # fmt: skip
    return res.weights, res.scan, res.cell_size_m


def _column_groups(
    t: pd.DataFrame, columns: Sequence[str], dp: DomainParams
) -> list[tuple[VariogramModel, tuple[str, ...], np.ndarray]]:
    """Sets of columns kriged together: same model and same missing samples."""
    groups: dict[tuple[str, bytes], list[str]] = {}
    masks: dict[tuple[str, bytes], np.ndarray] = {}
    for c in columns:
        ok = np.isfinite(t[c].to_numpy(dtype=float))
        key = (c if c in dp.variograms else "", np.packbits(ok).tobytes())
        groups.setdefault(key, []).append(c)
        masks[key] = ok
    out = []
    for key, cols in groups.items():
        model = dp.variograms[key[0]].model() if key[0] else dp.variogram.model()
        out.append((model, tuple(cols), masks[key]))
    return out


# ----------------------------------------------------------------- block estimate


def _local_model(model: VariogramModel, rotation_deg: float) -> VariogramModel:
    """The model in the grid frame: a rotation about z only shifts the azimuths."""
    return VariogramModel(
        model.nugget,
        tuple(
            replace(st, angles=(st.angles[0] - rotation_deg, st.angles[1], st.angles[2]))
            for st in model.structures
        ),
    )


def _local_passes(
    passes: Sequence[SearchParameters], rotation_deg: float
) -> list[SearchParameters]:
    """Search passes in the grid frame (azimuth shifted by the grid rotation)."""
    return [
        replace(p, angles=(p.angles[0] - rotation_deg, p.angles[1], p.angles[2])) for p in passes
    ]


@dataclass(frozen=True)
class _Estimate:
    setup: _Setup
    model: BlockModel
    coding_summary: pd.DataFrame
    top_cuts: pd.DataFrame
    samples: dict[str, pd.DataFrame]  # per estimated domain, after top cuts
    weights: dict[str, np.ndarray]
    declustering: pd.DataFrame
    groups: pd.DataFrame


def _estimate(
    composites: Composites,
    domains: Sequence[DomainDef],
    gp: GeostatsParams,
    bp: BlockModelParams,
    *,
    topography: Topography | None,
    executor: Any,
    workers: int | None,
) -> _Estimate:
    setup = _setup(composites, domains, gp)
    if bp.topography is not None and topography is None:
        raise ConfigError(
            "key 'blockmodel.topography': a topography file is configured but none was "
            "passed; load it with mine2magnet.blockmodel.load_topography(project)"
        )
    dc = bp.domain_coding
    if dc.default_domain is not None and dc.default_domain not in setup.domains:
        raise ConfigError(
            f"key 'blockmodel.domain_coding.default_domain': {dc.default_domain!r} is not "
            f"a domain code of [[domains]] ({sorted(setup.domains)})"
        )
    grid = BlockGrid(tuple(bp.origin), tuple(bp.block_size), tuple(bp.counts), bp.rotation_deg)
    ct = setup.table
    coding = code_domains(
        grid, _coords(ct), ct["domain"].to_numpy(dtype=object),
        subcells=tuple(dc.subcells), ranges=tuple(dc.ranges), angles=tuple(dc.angles),
        max_distance=dc.max_distance, default_domain=dc.default_domain,
        topography=topography, chunk_size=gp.chunk_size, executor=executor,
    )  # fmt: skip
    tab = coding.table.drop(columns="block")
    unknown = sorted(set(tab["domain"]) - set(setup.domains))
    if unknown:
        raise ConfigError(
            f"key 'domains': composites carry domain(s) {unknown} with no [[domains]] entry "
            "(no density); add them"
        )
    cen = grid.centroids(tab["i"], tab["j"], tab["k"])
    tab.insert(3, "easting", cen[:, 0])
    tab.insert(4, "northing", cen[:, 1])
    tab.insert(5, "elevation", cen[:, 2])
    dens = tab["domain"].map({c: d.density_t_m3 for c, d in setup.domains.items()})
    tab["volume_m3"] = tab["volume_fraction"] * grid.block_volume_m3
    tab["density_t_m3"] = dens.astype(float)
    tab["tonnes"] = tab["volume_m3"] * tab["density_t_m3"]
    n = len(tab)
    est = {c: np.full(n, np.nan) for c in setup.columns}
    diag = {
        "kv": np.full(n, np.nan),
        "slope": np.full(n, np.nan),
        "ke": np.full(n, np.nan),
        "n_samples": np.zeros(n, dtype=np.int64),
        "mean_distance_m": np.full(n, np.nan),
        "pass": np.zeros(n, dtype=np.int8),
    }
    comp_cols = {
        comparison_column(c, m, gp.idw_power): np.full(n, np.nan)
        for c in setup.comparison
        for m in ("inverse_distance", "nearest_neighbour")
    }
    cut_reports, samples, weights, scans, group_rows = [], {}, {}, [], []
    disc = tuple(gp.discretisation)
    dom_arr = tab["domain"].to_numpy(dtype=object)
    for code in setup.estimated:
        dp = gp.domain(code)
        t, rep = _domain_samples(setup, code, dp)
        cut_reports.append(rep)
        samples[code] = t
        w, scan, cell = _declustering(t, setup.primary, gp)
        weights[code] = w
        if len(scan):
            scans.append(scan.assign(domain=code, chosen=scan["cell_size_m"] == cell))
        rows = np.flatnonzero(dom_arr == code)
        if rows.size == 0 or len(t) == 0:
            continue
        # kriging runs in the grid frame so that the discretisation follows the rotated
        # blocks; distances are unchanged and the angles turn with the frame
        rot = grid.rotation_deg
        T = grid.to_local(cen[rows])
        X = grid.to_local(_coords(t))
        holes = t["hole_id"].to_numpy()
        passes = _local_passes(dp.search.search_passes(), rot)
        method = dp.method or gp.method
        for model, cols, ok in _column_groups(t, setup.columns, dp):
            model = _local_model(model, rot)
            Z = t.loc[:, list(cols)].to_numpy(dtype=float)[ok]
            mean = None
            if method == "simple":
                wk = np.nan_to_num(w[ok], nan=0.0)
                mean = (Z * wk[:, None]).sum(axis=0) / wk.sum() if wk.sum() > 0 else Z.mean(0)
            res = krige(
                X[ok], Z, T, model, passes, method=method, mean=mean,
                block_size=tuple(bp.block_size), discretisation=disc, hole_id=holes[ok],
                chunk_size=gp.chunk_size, executor=executor, workers=workers,
            )  # fmt: skip
            for i, c in enumerate(cols):
                est[c][rows] = res.estimate[:, i]
            group_rows.append(
                {"domain": code, "columns": ",".join(cols), "n_columns": len(cols),
                 "n_samples": int(ok.sum()), "own_variogram": cols[0] in dp.variograms,
                 "method": res.method}
            )  # fmt: skip
            if setup.primary in cols:
                diag["kv"][rows] = res.variance
                diag["slope"][rows] = res.slope
                diag["ke"][rows] = res.efficiency
                diag["n_samples"][rows] = np.where(res.status == 0, res.n_samples, 0)
                diag["mean_distance_m"][rows] = res.mean_distance_m
                diag["pass"][rows] = res.pass_number
        for c in setup.comparison:
            z = t[c].to_numpy(dtype=float)
            idw = inverse_distance(
                X, z, T, passes, power=gp.idw_power, hole_id=holes,
                chunk_size=gp.chunk_size, executor=executor, workers=workers,
            )  # fmt: skip
            nn = nearest_neighbour(
                X, z, T, passes, hole_id=holes, chunk_size=gp.chunk_size,
                executor=executor, workers=workers,
            )  # fmt: skip
            comp_cols[comparison_column(c, "inverse_distance", gp.idw_power)][rows] = idw.estimate
            comp_cols[comparison_column(c, "nearest_neighbour", gp.idw_power)][rows] = nn.estimate
    for c in setup.columns:
        tab[c] = est[c]
    for k, v in diag.items():
        tab[k] = v
    for k, v in comp_cols.items():
        tab[k] = v
    tab = tab.sort_values(["k", "j", "i", "domain"], kind="stable").reset_index(drop=True)
    bm = BlockModel(
        origin=grid.origin,
        block_size=grid.block_size,
        counts=grid.counts,
        rotation_deg=grid.rotation_deg,
        table=tab,
        grade_columns=setup.columns,
        primary_column=setup.primary,
    )
    return _Estimate(
        setup=setup,
        model=bm,
        coding_summary=coding.summary,
        top_cuts=(pd.concat(cut_reports, ignore_index=True) if cut_reports else pd.DataFrame()),
        samples=samples,
        weights=weights,
        declustering=pd.concat(scans, ignore_index=True) if scans else pd.DataFrame(),
        groups=pd.DataFrame(group_rows),
    )


def estimate_block_model(
    composites: Composites,
    domains: Sequence[DomainDef],
    geostats: GeostatsParams | Mapping[str, Any],
    blockmodel: BlockModelParams | Mapping[str, Any],
    *,
    topography: Topography | None = None,
    executor: Any = "serial",
    workers: int | None = None,
) -> BlockModel:
    """Code, then krige every estimated domain of a block model (see module docstring).

    Parameters
    ----------
    composites : Composites
        Composites with mid-point coordinates, ``domain`` and grade columns [m], [%].
    domains : sequence of DomainDef
        The project's ``[[domains]]`` (codes, densities [t/m³], estimate flags).
    geostats : GeostatsParams or mapping
        The ``[geostats]`` section.
    blockmodel : BlockModelParams or mapping
        The ``[blockmodel]`` section.
    topography : Topography, optional
        Needed when ``[blockmodel.topography]`` is configured.
    executor : str or dask.distributed.Client
        ``"serial"``, ``"threads"`` or a Dask client; results are identical.
    workers : int, optional
        Threads for ``"threads"`` [-].

    Returns
    -------
    BlockModel
    """
    gp, bp = _params(geostats, blockmodel)
    return _estimate(
        composites, domains, gp, bp, topography=topography, executor=executor, workers=workers
    ).model


# ------------------------------------------------------------------ whole stage


@dataclass(frozen=True)
class EstimationOutcome:
    """Everything the estimation stage produces; each table has unit-bearing names.

    Attributes
    ----------
    block_model : BlockModel
        The estimated block model.
    domain_coding : pandas.DataFrame
        Sub-cells and volume per domain and source (``nearest_composite``,
        ``default_domain``, ``excluded``) [m³].
    statistics : pandas.DataFrame
        Per domain and grade column: ``n``, ``n_missing``, ``mean_pct``, ``sd_pct``,
        ``cv``, quantiles ``*_pct``, declustered mean/sd/cv (after top cuts in estimated
        domains; raw composites elsewhere).
    declustering : pandas.DataFrame
        Per estimated domain: ``cell_size_m``, ``declustered_mean`` (primary) [%],
        ``chosen``.
    histograms : pandas.DataFrame
        Per domain and reported column: ``bin_lower_pct``, ``bin_upper_pct``, ``count``,
        ``frequency``, ``cumulative`` (declustered weights in estimated domains).
    log_probability : pandas.DataFrame
        Per domain and reported column: ``value_pct``, ``cumulative_pct``,
        ``normal_quantile``.
    top_cut_analysis : pandas.DataFrame
        Per domain and column: ``percentile``, ``threshold_pct``, ``n_capped``,
        ``capped_share_pct``, ``mean_uncapped_pct``, ``mean_capped_pct``, ``cv_capped``,
        ``metal_removed_pct``.
    top_cuts : pandas.DataFrame
        The caps applied: ``domain``, ``column``, ``top_cut_pct``, ``n_capped``,
        ``mean_before_pct``, ``mean_after_pct``, ``metal_removed_pct``.
    variogram_models : pandas.DataFrame
        ``domain``, ``column`` (``*`` = every column without its own), ``structure``
        (0 = nugget), ``kind``, ``sill_pct2``, ``range_major_m``, ``range_semi_m``,
        ``range_minor_m``, ``azimuth_deg``, ``dip_deg``, ``rake_deg``, ``source``.
    variogram_experimental : pandas.DataFrame
        ``domain``, ``column``, ``direction`` (major, semi_major, minor, downhole),
        ``azimuth_deg``, ``dip_deg``, ``lag_centre_m``, ``lag_m``, ``gamma_pct2``,
        ``n_pairs``.
    variogram_model_curves : pandas.DataFrame
        ``domain``, ``column``, ``direction``, ``azimuth_deg``, ``dip_deg``, ``lag_m``,
        ``gamma_pct2``.
    crossval : pandas.DataFrame
        ``domain``, ``kind``, ``column``, ``n``, ``mean_true_pct``, ``mean_estimate_pct``,
        ``mean_error_pct``, ``rmse_pct``, ``correlation``, ``slope``, and standardised
        errors for the primary column.
    crossval_samples : pandas.DataFrame
        Per left-out sample: ``domain``, ``kind``, ``hole_id``, coordinates [m],
        ``<col>_pct``, ``<col>_estimate_pct``, ``<col>_error_pct``, ``kv_pct2``,
        ``n_samples``, ``pass``.
    swaths : pandas.DataFrame
        ``domain``, ``column`` and the columns of
        :func:`~mine2magnet.blockmodel.validation.swath_table`.
    global_comparison : pandas.DataFrame
        Per domain and column, see
        :func:`~mine2magnet.blockmodel.validation.global_comparison`.
    grade_tonnage : pandas.DataFrame
        See :func:`~mine2magnet.blockmodel.gradetonnage.grade_tonnage` (estimated
        domains).
    checks : pandas.DataFrame
        ``domain``, ``check``, ``value``, ``unit``: sample and row counts, TREO-sum
        consistency of composites and blocks, unestimated rows.
    kriging_groups : pandas.DataFrame
        Which columns shared one set of kriging weights, per domain.
    neighbourhood_analysis : pandas.DataFrame
        Where configured: ``domain``, ``column``, ``block_x_m`` … ``block_z_m``,
        ``max_samples``, ``target`` and its ``i``, ``j``, ``k``, ``n_samples``,
        ``kv_pct2``, ``slope``, ``ke``, ``sum_weights``, ``lagrange_pct2``,
        ``block_variance_pct2`` (pass-1 search, primary column).
    """

    block_model: BlockModel
    domain_coding: pd.DataFrame
    statistics: pd.DataFrame
    declustering: pd.DataFrame
    histograms: pd.DataFrame
    log_probability: pd.DataFrame
    top_cut_analysis: pd.DataFrame
    top_cuts: pd.DataFrame
    variogram_models: pd.DataFrame
    variogram_experimental: pd.DataFrame
    variogram_model_curves: pd.DataFrame
    crossval: pd.DataFrame
    crossval_samples: pd.DataFrame
    swaths: pd.DataFrame
    global_comparison: pd.DataFrame
    grade_tonnage: pd.DataFrame
    checks: pd.DataFrame
    kriging_groups: pd.DataFrame = field(default_factory=pd.DataFrame)
    neighbourhood_analysis: pd.DataFrame = field(default_factory=pd.DataFrame)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name (``blocks`` and ``grid`` for the block model), for the store."""
        out = {"blocks": self.block_model.table, "grid": self.block_model.grid_frame()}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, pd.DataFrame):
                out[f.name] = v
        return out


def _variogram_rows(code: str, column: str, model: VariogramModel, source: str) -> list[dict]:
    rows = [
        {"domain": code, "column": column, "structure": 0, "kind": "nugget",
         "sill_pct2": model.nugget, "range_major_m": np.nan, "range_semi_m": np.nan,
         "range_minor_m": np.nan, "azimuth_deg": np.nan, "dip_deg": np.nan,
         "rake_deg": np.nan, "source": source}
    ]  # fmt: skip
    for k, s in enumerate(model.structures, start=1):
        rows.append(
            {"domain": code, "column": column, "structure": k, "kind": s.kind,
             "sill_pct2": s.sill, "range_major_m": s.ranges[0], "range_semi_m": s.ranges[1],
             "range_minor_m": s.ranges[2], "azimuth_deg": s.angles[0], "dip_deg": s.angles[1],
             "rake_deg": s.angles[2], "source": source}
        )  # fmt: skip
    return rows


def _variography(
    code: str, t: pd.DataFrame, column: str, model: VariogramModel, dp: DomainParams,
    composite_length: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    ep = dp.experimental
    angles = model.structures[0].angles if model.structures else (0.0, 0.0, 0.0)
    if ep.lags_m is not None:
        lags = list(ep.lags_m)
    else:
        rmax = [max((s.ranges[a] for s in model.structures), default=50.0) for a in range(3)]
        lags = [max(r * 1.5 / ep.n_lags, 1e-3) for r in rmax]
    depth = 0.5 * (t["from_m"].to_numpy(dtype=float) + t["to_m"].to_numpy(dtype=float))
    evs = axis_variograms(
        _coords(t), t[column].to_numpy(dtype=float), angles=angles, lags_m=lags,
        n_lags=ep.n_lags, angle_tol_deg=ep.angle_tol_deg, bandwidth_m=ep.bandwidth_m,
        hole_id=t["hole_id"].to_numpy(), depth_m=depth,
        downhole_lag_m=ep.downhole_lag_m or composite_length,
        downhole_n_lags=ep.downhole_n_lags,
    )  # fmt: skip
    parts = []
    for name, ev in evs.items():
        f = ev.to_frame().rename(columns={"gamma": "gamma_pct2", "head_mean": "head_mean_pct",
                                          "tail_mean": "tail_mean_pct"})  # fmt: skip
        parts.append(
            f.assign(
                domain=code, column=column, direction=name, azimuth_deg=ev.azimuth, dip_deg=ev.dip
            )
        )
    exp = pd.concat(parts, ignore_index=True)
    curves = model_curves(model, angles, [lag * ep.n_lags for lag in lags])
    curves = curves.rename(columns={"gamma": "gamma_pct2"}).assign(domain=code, column=column)
    lead = ["domain", "column", "direction", "azimuth_deg", "dip_deg"]
    exp = exp[lead + [c for c in exp.columns if c not in lead]]
    curves = curves[lead + [c for c in curves.columns if c not in lead]]
    return exp, curves


_EMPTY_COLUMNS: dict[str, tuple[str, ...]] = {
    "histograms": ("domain", "column", "bin_lower_pct", "bin_upper_pct", "count",
                   "frequency", "cumulative"),
    "log_probability": ("domain", "column", "value_pct", "cumulative_pct", "normal_quantile"),
    "top_cut_analysis": ("domain", "column", "percentile", "threshold_pct", "n_capped",
                         "capped_share_pct", "mean_uncapped_pct", "mean_capped_pct",
                         "cv_capped", "metal_removed_pct"),
    "variogram_models": ("domain", "column", "structure", "kind", "sill_pct2", "range_major_m",
                         "range_semi_m", "range_minor_m", "azimuth_deg", "dip_deg",
                         "rake_deg", "source"),
    "variogram_experimental": ("domain", "column", "direction", "azimuth_deg", "dip_deg",
                               "lag_centre_m", "lag_m", "gamma_pct2", "n_pairs"),
    "variogram_model_curves": ("domain", "column", "direction", "azimuth_deg", "dip_deg",
                               "lag_m", "gamma_pct2"),
    "crossval": ("domain", "kind", "column", "n", "mean_true_pct", "mean_estimate_pct",
                 "mean_error_pct", "rmse_pct", "correlation", "slope"),
    "crossval_samples": ("domain", "kind", "hole_id", "from_m", "easting", "northing",
                         "elevation", "kv_pct2", "n_samples", "pass"),
    "swaths": ("domain", "column", "axis", "slice_from_m", "slice_to_m", "slice_centre_m",
               "n_composites", "composites_mean_pct", "declustered_mean_pct", "n_rows",
               "tonnes", "kriged_mean_pct"),
    "global_comparison": ("domain", "column", "n_composites", "composites_mean_pct",
                          "declustered_mean_pct", "tonnes_estimated", "kriged_mean_pct"),
    "declustering": ("cell_size_m", "declustered_mean_pct", "domain", "chosen"),
    "kriging_groups": ("domain", "columns", "n_columns", "n_samples", "own_variogram",
                       "method"),
    "neighbourhood_analysis": ("domain", "column", "block_x_m", "block_y_m", "block_z_m",
                               "max_samples", "target", "n_samples", "kv_pct2", "slope", "ke"),
}  # fmt: skip


def _checks(est: _Estimate, setup_cols: Sequence[str], composites: pd.DataFrame) -> pd.DataFrame:
    rows = []
    tab = est.model.table
    parts = [c for c in REO_COLUMNS if c in setup_cols]
    has_sum = SUM_COLUMN in setup_cols and bool(parts)
    for code, t in est.samples.items():
        r = tab[tab["domain"] == code]
        n_all = int((composites["domain"] == code).sum())
        rows += [
            (code, "composites", float(n_all), "-"),
            (
                code,
                "composites_used_primary",
                float(np.isfinite(t[est.model.primary_column].to_numpy(dtype=float)).sum()),
                "-",
            ),
            (code, "rows", float(len(r)), "-"),
            (code, "rows_not_estimated", float((r["pass"] == 0).sum()), "-"),
            (code, "volume_m3", float(r["volume_m3"].sum()), "m3"),
            (code, "tonnes", float(r["tonnes"].sum()), "t"),
        ]
        for p in (1, 2, 3):
            rows.append((code, f"rows_pass_{p}", float((r["pass"] == p).sum()), "-"))
        if has_sum:
            zc = t[SUM_COLUMN].to_numpy(dtype=float) - t[parts].to_numpy(dtype=float).sum(1)
            zb = r[SUM_COLUMN].to_numpy(dtype=float) - r[parts].to_numpy(dtype=float).sum(1)
            rows.append((code, "treo_sum_max_abs_diff_composites", float(np.nanmax(
                np.abs(zc), initial=0.0)), "pct"))  # fmt: skip
            rows.append((code, "treo_sum_max_abs_diff_blocks", float(np.nanmax(
                np.abs(zb), initial=0.0)), "pct"))  # fmt: skip
    return pd.DataFrame(rows, columns=["domain", "check", "value", "unit"])


def run_estimation(
    composites: Composites,
    domains: Sequence[DomainDef],
    geostats_params: GeostatsParams | Mapping[str, Any],
    blockmodel_params: BlockModelParams | Mapping[str, Any],
    *,
    seed: int,
    executor: Any = "serial",
    topography: Topography | None = None,
    workers: int | None = None,
) -> EstimationOutcome:
    """The estimation stage: statistics, variography, block estimate, validation, grade-tonnage.

    Parameters
    ----------
    composites : Composites
        From the drillhole stage.
    domains : sequence of DomainDef
        The project's ``[[domains]]``.
    geostats_params : GeostatsParams or mapping
        ``[geostats]`` (validated when a mapping).
    blockmodel_params : BlockModelParams or mapping
        ``[blockmodel]`` (validated when a mapping).
    seed : int
        Seed of the random draws: the subset of cross-validation targets
        (``max_targets``) and the neighbourhood-analysis test blocks.
    executor : str or dask.distributed.Client
        ``"serial"``, ``"threads"`` or a Dask client; results are identical.
    topography : Topography, optional
        Required when ``[blockmodel.topography]`` is set
        (:func:`~mine2magnet.blockmodel.io.load_topography`).
    workers : int, optional
        Threads for ``"threads"`` [-].

    Returns
    -------
    EstimationOutcome
    """
    gp, bp = _params(geostats_params, blockmodel_params)
    est = _estimate(
        composites, domains, gp, bp, topography=topography, executor=executor, workers=workers
    )
    setup = est.setup
    bm = est.model
    tab = bm.table
    primary = setup.primary
    report_cols = list(dict.fromkeys([primary, *setup.comparison]))
    rng = np.random.default_rng(seed)

    # --- statistics per domain (estimated: after top cuts, declustered)
    stat_rows, hists, logp, tca = [], [], [], []
    all_codes = [c for c in sorted(setup.table["domain"].dropna().unique())]
    for code in all_codes:
        if code in est.samples:
            t, w = est.samples[code], est.weights[code]
        else:  # not estimated: naive statistics only (declustered = naive)
            t = setup.table[setup.table["domain"] == code]
            w = np.ones(len(t))
        for c in setup.columns:
            z = t[c].to_numpy(dtype=float)
            s = summary_statistics(z, w)
            stat_rows.append({"domain": code, "column": c, **s})
        for c in report_cols:
            z = t[c].to_numpy(dtype=float)
            h = histogram(z, w, bins=gp.top_cut_analysis.histogram_bins)
            hists.append(h.assign(domain=code, column=c))
            lp = log_probability(z, w)
            logp.append(lp.assign(domain=code, column=c))
            if code in est.samples:
                tc = top_cut_analysis(z, w, percentiles=gp.top_cut_analysis.percentiles)
                tca.append(tc.assign(domain=code, column=c))
    statistics = pd.DataFrame(stat_rows)
    statistics = statistics.rename(
        columns={k: f"{k}_pct" for k in ("mean", "sd", "min", "p25", "median", "p75", "p95",
                                         "max", "declustered_mean", "declustered_sd")}
    )  # fmt: skip

    def _lead(df: pd.DataFrame) -> pd.DataFrame:
        lead = [c for c in ("domain", "kind", "column") if c in df.columns]
        return df[lead + [c for c in df.columns if c not in lead]].reset_index(drop=True)

    histograms = _lead(pd.concat(hists, ignore_index=True) if hists else pd.DataFrame())
    histograms = histograms.rename(columns={"bin_lower": "bin_lower_pct",
                                            "bin_upper": "bin_upper_pct"})  # fmt: skip
    log_prob = _lead(pd.concat(logp, ignore_index=True) if logp else pd.DataFrame())
    log_prob = log_prob.rename(columns={"value": "value_pct"})
    top_cut = _lead(pd.concat(tca, ignore_index=True) if tca else pd.DataFrame())
    top_cut = top_cut.rename(
        columns={"threshold": "threshold_pct", "mean_uncapped": "mean_uncapped_pct",
                 "mean_capped": "mean_capped_pct"}
    )  # fmt: skip
    top_cuts = _lead(est.top_cuts).rename(
        columns={"top_cut": "top_cut_pct", "mean_before": "mean_before_pct",
                 "mean_after": "mean_after_pct"}
    )  # fmt: skip

    # --- variography and cross-validation per estimated domain
    vrows, exps, curves, cv_stats, cv_samples = [], [], [], [], []
    cv_cols = list(gp.cross_validation.columns or [primary])
    for code in setup.estimated:
        dp = gp.domain(code)
        t = est.samples[code]
        vrows += _variogram_rows(code, "*", dp.variogram.model(), dp.variogram.source)
        for c, vp in sorted(dp.variograms.items()):
            vrows += _variogram_rows(code, c, vp.model(), vp.source)
        if len(t) == 0:
            continue
        pm = dp.variograms[primary].model() if primary in dp.variograms else dp.variogram.model()
        e, cu = _variography(code, t, primary, pm, dp, composites.length_m)
        exps.append(e)
        curves.append(cu)
        method = dp.method or gp.method
        passes = dp.search.search_passes()
        groups: dict[str, list[str]] = {}
        for c in cv_cols:
            groups.setdefault(c if c in dp.variograms else "*", []).append(c)
        for key, cols in groups.items():
            model = dp.variograms[key].model() if key != "*" else dp.variogram.model()
            Z = t[cols].to_numpy(dtype=float)
            ok = np.all(np.isfinite(Z), axis=1)
            targets = np.flatnonzero(ok)
            mx = gp.cross_validation.max_targets
            if mx is not None and targets.size > mx:
                targets = np.sort(rng.choice(targets, size=mx, replace=False))
            mean = None
            if method == "simple":
                wk = np.nan_to_num(est.weights[code][ok], nan=0.0)
                mean = (Z[ok] * wk[:, None]).sum(0) / wk.sum()
            for kind in gp.cross_validation.kinds:
                cv = cross_validate(
                    _coords(t), Z, model, passes, kind=kind, hole_id=t["hole_id"].to_numpy(),
                    method=method, mean=mean, targets=targets, names=cols, executor=executor,
                )  # fmt: skip
                cv_stats.append(cv.statistics.assign(domain=code))
                smp = cv.samples
                src = t.iloc[smp["sample"].to_numpy()]
                smp = smp.drop(columns="sample").assign(
                    domain=code, kind=kind, hole_id=src["hole_id"].to_numpy(),
                    from_m=src["from_m"].to_numpy(), easting=src["easting"].to_numpy(),
                    northing=src["northing"].to_numpy(), elevation=src["elevation"].to_numpy(),
                )  # fmt: skip
                cv_samples.append(smp)
    # --- kriging neighbourhood analysis at seeded test blocks
    kna_parts = []
    for code in setup.estimated:
        dp = gp.domain(code)
        kp = dp.neighbourhood_analysis
        t = est.samples[code]
        r = tab[(tab["domain"] == code) & (tab["pass"] > 0)]
        if kp is None or len(t) == 0 or len(r) == 0:
            continue
        pick = np.sort(rng.choice(len(r), size=min(kp.n_blocks, len(r)), replace=False))
        z = t[primary].to_numpy(dtype=float)
        ok = np.isfinite(z)
        pm = dp.variograms[primary].model() if primary in dp.variograms else dp.variogram.model()
        grid = bm.grid
        k = neighbourhood_analysis(
            grid.to_local(_coords(t)[ok]), z[ok], grid.to_local(_coords(r)[pick]),
            _local_model(pm, grid.rotation_deg),
            _local_passes(dp.search.search_passes()[:1], grid.rotation_deg)[0],
            block_sizes=[tuple(b) for b in kp.block_sizes_m], max_samples=kp.max_samples,
            discretisation=tuple(gp.discretisation), hole_id=t["hole_id"].to_numpy()[ok],
        )  # fmt: skip
        blk = r.iloc[pick]
        k["i"] = blk["i"].to_numpy()[k["target"]]
        k["j"] = blk["j"].to_numpy()[k["target"]]
        k["k"] = blk["k"].to_numpy()[k["target"]]
        kna_parts.append(k.assign(domain=code, column=primary))
    kna = _lead(pd.concat(kna_parts, ignore_index=True) if kna_parts else pd.DataFrame())
    kna = kna.rename(columns={"kv": "kv_pct2", "lagrange": "lagrange_pct2",
                              "block_variance": "block_variance_pct2"})  # fmt: skip

    variogram_models = pd.DataFrame(vrows)
    variogram_experimental = pd.concat(exps, ignore_index=True) if exps else pd.DataFrame()
    variogram_curves = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame()
    crossval = _lead(pd.concat(cv_stats, ignore_index=True) if cv_stats else pd.DataFrame())
    crossval = crossval.rename(
        columns={k: f"{k}_pct" for k in ("mean_true", "mean_estimate", "mean_error", "rmse")}
        | {"var_true": "var_true_pct2", "var_estimate": "var_estimate_pct2"}
    )
    cvs = pd.concat(cv_samples, ignore_index=True) if cv_samples else pd.DataFrame()
    if not cvs.empty:
        ren = {"kv": "kv_pct2"}
        for c in cv_cols:
            stem = c[:-4] if c.endswith("_pct") else c
            ren[f"{c}_estimate"] = f"{stem}_estimate_pct"
            ren[f"{c}_error"] = f"{stem}_error_pct"
        cvs = cvs.rename(columns=ren)
        lead = ["domain", "kind", "hole_id", "from_m", "easting", "northing", "elevation"]
        cvs = cvs[lead + [c for c in cvs.columns if c not in lead]]

    # --- validation: swaths and global means (estimated domains)
    sw_cols = list(gp.validation.columns or [primary])
    widths = gp.validation.swath_widths_m or [4 * s for s in bp.block_size]
    sw_parts, glob = [], []
    for code in setup.estimated:
        t = est.samples[code]
        r = tab[tab["domain"] == code]
        if len(t) == 0 or len(r) == 0:
            continue
        for c in sw_cols:
            ests = {"kriged": r[c].to_numpy(dtype=float)}
            if c in setup.comparison:
                ests["inverse_distance"] = r[
                    comparison_column(c, "inverse_distance", gp.idw_power)
                ].to_numpy()
                ests["nearest_neighbour"] = r[
                    comparison_column(c, "nearest_neighbour", gp.idw_power)
                ].to_numpy()
            for ax in range(3):
                s = swath_table(
                    _coords(t), t[c].to_numpy(dtype=float), _coords(r),
                    r["tonnes"].to_numpy(dtype=float), ests, axis=ax, width=widths[ax],
                    sample_weights=est.weights[code],
                )  # fmt: skip
                sw_parts.append(s.assign(domain=code, column=c))
            g = global_comparison(
                t[c].to_numpy(dtype=float), r["tonnes"].to_numpy(dtype=float), ests,
                sample_weights=est.weights[code],
            )  # fmt: skip
            glob.append({"domain": code, "column": c, **g})
    swaths = _lead(pd.concat(sw_parts, ignore_index=True) if sw_parts else pd.DataFrame())
    global_cmp = pd.DataFrame(glob)

    # --- grade-tonnage of the estimated domains
    gtp = bp.grade_tonnage
    report = list(gtp.report_columns) if gtp.report_columns is not None else list(setup.columns)
    bad = [c for c in [gtp.column, *report] if c not in setup.columns]
    if bad:
        raise ConfigError(f"key 'blockmodel.grade_tonnage': {bad} are not estimated columns")
    gt = grade_tonnage(
        tab, column=gtp.column, cutoffs=gtp.cutoffs_pct, report_columns=report,
        domains=list(setup.estimated),
    )  # fmt: skip

    checks = _checks(est, setup.columns, setup.table)
    tables = {
        "histograms": histograms, "log_probability": log_prob, "top_cut_analysis": top_cut,
        "variogram_models": variogram_models, "variogram_experimental": variogram_experimental,
        "variogram_model_curves": variogram_curves, "crossval": crossval,
        "crossval_samples": cvs, "swaths": swaths, "global_comparison": global_cmp,
        "declustering": est.declustering.rename(
            columns={"declustered_mean": "declustered_mean_pct"}
        ),
        "kriging_groups": est.groups,
        "neighbourhood_analysis": kna,
    }  # fmt: skip
    for name, cols in _EMPTY_COLUMNS.items():  # an empty table still has its columns
        if tables[name].columns.empty:
            tables[name] = pd.DataFrame({c: pd.Series(dtype=float) for c in cols})
    return EstimationOutcome(
        block_model=bm,
        domain_coding=est.coding_summary,
        statistics=statistics,
        top_cuts=top_cuts,
        grade_tonnage=gt,
        checks=checks,
        **tables,
    )
