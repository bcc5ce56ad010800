"""JORC Table 1 facts: what the project store and the project file tell about each topic."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mine2magnet.errors import ConfigError
from mine2magnet.resources.table1.criteria import CRITERIA, SECTION_TITLES

# ----------------------------------------------------------------------------------------
# Facts


def _g(x: float | None, nd: int = 3) -> str:
    """A number with ``nd`` significant figures, no trailing zeros."""
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:.{nd}g}"


@dataclass(frozen=True)
class CollarFacts:
    """Drill holes from ``drillholes__collars``."""

    n_holes: int
    metres_drilled_m: float  # sum of end-of-hole depths [m]
    eoh_min_m: float
    eoh_median_m: float
    eoh_max_m: float
    eoh_sources: tuple[tuple[str, int], ...]  # (eoh_source, holes)
    extent: tuple[tuple[str, float, float], ...]  # (coordinate, min, max) [m]
    drill_types: tuple[tuple[str, int], ...] = ()  # (hole type, holes) when a column gives it


@dataclass(frozen=True)
class SurveyFacts:
    """Downhole surveys from ``drillholes__surveys``."""

    n_records: int
    n_holes_surveyed: int
    n_holes_without: int | None  # collars without any survey record
    median_stations_per_hole: float
    median_station_spacing_m: float | None  # between consecutive stations [m]
    collar_dip_median_deg: float  # top station of each hole, negative down [deg]
    collar_dip_min_deg: float
    collar_dip_max_deg: float
    n_vertical: int  # top station dip <= -85 [deg]
    desurvey_method: str | None  # project key desurvey.method


@dataclass(frozen=True)
class SampleFacts:
    """Primary assay intervals from ``drillholes__assays``."""

    n_intervals: int
    n_holes_sampled: int
    metres_sampled_m: float
    length_median_m: float
    length_min_m: float
    length_max_m: float
    length_p10_m: float
    length_p90_m: float
    grades_reported: tuple[str, ...]  # "Ce (ppm, detection limit 1)" from the project file
    treo: tuple[int, float, float, float, float] | None  # (n, mean, median, p95, max) [%]
    deleterious: tuple[tuple[str, int, float, float], ...]  # (column, n, mean, max) [%]
    recovery: tuple[int, float, float] | None = None  # (n, mean, min) [%] if recorded


@dataclass(frozen=True)
class LoggingFacts:
    """Lithology logging from ``drillholes__lithology``."""

    n_intervals: int
    n_holes_logged: int
    metres_logged_m: float
    lithologies: tuple[tuple[str, int, float], ...]  # (lithology, intervals, metres)
    n_unmapped: int  # intervals whose lithology maps to no domain


@dataclass(frozen=True)
class DuplicateFacts:
    """Duplicate precision of one duplicate type (``drillholes__qaqc_duplicate_summary``)."""

    qc_type: str
    n_pairs: int
    column: str  # the column quoted (TREO_pct when present)
    n_used: int
    pct_within_limit: float | None
    hard_limit_pct: float | None
    required_pct: float | None
    median_hard_pct: float | None
    n_columns: int
    n_columns_failing: int  # judged columns with passes == False


@dataclass(frozen=True)
class QaqcFacts:
    """QA/QC inserts and their results (``drillholes__qaqc_*``)."""

    n_primary: int | None
    insertion: tuple[tuple[str, int, float], ...]  # (qc_type, samples, rate [%])
    crm_standards: tuple[str, ...]
    crm_n_outside_2sd: int | None
    crm_n_outside_3sd: int | None
    crm_bias_min_pct: float | None
    crm_bias_max_pct: float | None
    crm_n_failing_pairs: int | None  # (standard, column) with status "failure"
    crm_n_pairs: int | None
    blank_n_failures: int | None
    blank_limit_multiple: float | None
    blank_max_dl_multiple: float | None
    duplicates: tuple[DuplicateFacts, ...]
    failures: tuple[tuple[str, str, int, int], ...]  # (qc_type, rule, flags, samples)


@dataclass(frozen=True)
class ValidationFacts:
    """Import validation: counts per input table and rejections by rule."""

    counts: tuple[tuple[str, str, int, int, int], ...]  # (table, file, in, used, rejected)
    rejections: tuple[tuple[str, str, int], ...]  # (rule, action, rows)
    below_detection: str | None  # project key validation.below_detection
    conversions: tuple[str, ...]  # "Ce ppm" -> oxide % conversions declared


@dataclass(frozen=True)
class CompositeFacts:
    """Compositing (``drillholes__composites``, ``drillholes__meta``, project file)."""

    length_m: float | None
    residual_rule: str | None
    min_sampled_fraction: float | None
    by_domain: bool | None
    n_composites: int | None
    per_domain: tuple[tuple[str, int], ...]  # (domain, composites)
    n_residual_dropped: int | None
    n_undersampled: int | None
    sources: tuple[str, ...]


@dataclass(frozen=True)
class SpacingFacts:
    """Drill spacing: nearest collar in plan, and nearest intercept per domain."""

    collar_median_m: float | None
    collar_p10_m: float | None
    collar_p90_m: float | None
    intercepts: tuple[tuple[str, int, float], ...]  # (domain, holes, median nearest [m])


@dataclass(frozen=True)
class OrientationFacts:
    """Angle between holes and the mineralised plane (variogram minor axis as its normal)."""

    per_domain: tuple[tuple[str, float, float, int, float, float], ...]
    # (domain, plane dip direction [deg], plane dip [deg], holes, median angle between
    #  hole and plane [deg], median true width / downhole length [-])


@dataclass(frozen=True)
class DomainFacts:
    """One geological domain of the project file."""

    code: str
    lithologies: tuple[str, ...]
    density_t_m3: float | None
    estimate: bool
    n_composites: int | None


@dataclass(frozen=True)
class GeologyFacts:
    """Domains and how blocks were coded to them."""

    domains: tuple[DomainFacts, ...]
    coding: tuple[tuple[str, str], ...]  # (parameter, value) of blockmodel.domain_coding
    coded_volumes: tuple[tuple[str, str, float], ...]  # (domain, source, volume [m3])
    topography_file: str | None


@dataclass(frozen=True)
class EstimationFacts:
    """The estimation stage: grid, method, variograms, search and validation."""

    method: str | None
    primary_column: str | None
    grade_columns: tuple[str, ...]
    block_size_m: tuple[float, float, float] | None
    block_counts: tuple[int, int, int] | None
    rotation_deg: float | None
    discretisation: tuple[int, ...] | None
    variograms: tuple[tuple[str, str], ...]  # (domain, description)
    searches: tuple[tuple[str, str], ...]  # (domain, description)
    top_cuts: tuple[tuple[str, str, float, int, float], ...] | None
    # (domain, column, cap [%], samples capped, metal removed [%]); () = none applied
    declustering: tuple[tuple[str, float, float], ...]  # (domain, cell [m], mean [%])
    global_comparison: tuple[tuple[str, str, float, float, float, float, float], ...]
    # (domain, column, declustered, kriged, kriged vs declustered [%], ID [%], NN [%])
    swaths: tuple[tuple[str, int, tuple[str, ...], float, float], ...]
    # (domain, slices compared, axes, median |rel. diff| [%], largest |rel. diff| [%])
    crossval: tuple[tuple[str, str, str, int, float, float, float, float], ...]
    # (domain, kind, column, n, mean error [%], rmse [%], correlation, slope)
    passes: tuple[tuple[str, tuple[int, ...]], ...]  # (domain, rows per pass)
    tonnes_volume: tuple[tuple[str, float, float], ...]  # (domain, tonnes, volume [m3])
    treo_sum_max_diff_pct: float | None
    extents: tuple[tuple[str, tuple[tuple[str, float, float], ...]], ...]
    # (domain, ((coordinate, min, max), ...)) of the composites


@dataclass(frozen=True)
class ResourceFacts:
    """The resources stage (``resources__*``): statement metadata, criteria, counts."""

    meta: tuple[tuple[str, str, str], ...]  # (key, value, unit) of statement_meta
    criteria: tuple[tuple[str, str, str, str, str, str], ...]
    # (class, criterion, operator, threshold, unit, description) of resources__criteria
    counts: tuple[tuple[str, int | None, int | None, float | None], ...]
    # (class, blocks by criteria alone, blocks after smoothing, tonnes after smoothing)
    statement: tuple[tuple[str, str, float, float, float | None, float | None], ...]
    # reporting rows: (class, cut-off with unit, tonnes [t], TREO [%], NdPr [%], TREO [t])


@dataclass(frozen=True)
class OreReserveFacts:
    """Section 4 commentary handed over by the mining stage (criterion → text, source).

    Criteria without an entry fall back to :data:`FALLBACK`. ``table1_facts`` reads the
    store table ``mining__table1`` (columns ``criterion``, ``commentary``, ``source``)
    when it exists.
    """

    entries: tuple[tuple[str, str, str], ...]  # (criterion, commentary, source)


@dataclass(frozen=True)
class Table1Facts:
    """Everything Table 1 states, reduced from the store and the project file.

    Each group is ``None`` when its tables are absent or empty; the criteria it would
    answer then fall back to :data:`FALLBACK`.
    """

    project_name: str | None = None
    synthetic: bool = False
    collars: CollarFacts | None = None
    surveys: SurveyFacts | None = None
    samples: SampleFacts | None = None
    logging: LoggingFacts | None = None
    qaqc: QaqcFacts | None = None
    validation: ValidationFacts | None = None
    composites: CompositeFacts | None = None
    spacing: SpacingFacts | None = None
    orientation: OrientationFacts | None = None
    geology: GeologyFacts | None = None
    estimation: EstimationFacts | None = None
    resource: ResourceFacts | None = None
    metallurgy: tuple[tuple[str, str], ...] | None = None  # (project key, value)
    ore_reserve: OreReserveFacts | None = None
    narrative: tuple[tuple[int, str, str], ...] = ()  # (section, criterion, text)


# ----------------------------------------------------------------------------------------
# Reading the store


def _t(tables: Mapping[str, pd.DataFrame], name: str, *cols: str) -> pd.DataFrame | None:
    """The table if present, non-empty and holding ``cols``; else None."""
    df = tables.get(name)
    if not isinstance(df, pd.DataFrame) or df.empty:
        return None
    if any(c not in df.columns for c in cols):
        return None
    return df


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce")


def _get(d: Any, *keys: str) -> Any:
    """Nested ``dict`` lookup; None when any level is missing."""
    for k in keys:
        if not isinstance(d, Mapping) or k not in d:
            return None
        d = d[k]
    return d


def _meta_value(v: Any) -> Any:
    """Values of ``*__meta`` tables are JSON text; decode when possible."""
    if isinstance(v, str):
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


def _finite(x: Any) -> float | None:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _collar_facts(tables: Mapping[str, pd.DataFrame]) -> CollarFacts | None:
    df = _t(tables, "drillholes__collars", "hole_id")
    if df is None:
        return None
    eoh = _num(df["eoh_m"]) if "eoh_m" in df else pd.Series(dtype=float)
    eoh = eoh.dropna()
    sources: tuple[tuple[str, int], ...] = ()
    if "eoh_source" in df:
        vc = df["eoh_source"].astype(str).value_counts()
        sources = tuple((str(k), int(v)) for k, v in sorted(vc.items()))
    extent = []
    for col in ("easting", "northing", "elevation"):
        if col in df:
            v = _num(df[col]).dropna()
            if len(v):
                extent.append((col, float(v.min()), float(v.max())))
    types: tuple[tuple[str, int], ...] = ()
    for col in ("hole_type", "drill_type", "drilling_type"):
        if col in df:
            vc = df[col].dropna().astype(str).value_counts()
            types = tuple((str(k), int(v)) for k, v in sorted(vc.items()))
            break
    nan = float("nan")
    return CollarFacts(
        n_holes=int(df["hole_id"].nunique()),
        metres_drilled_m=float(eoh.sum()),
        eoh_min_m=float(eoh.min()) if len(eoh) else nan,
        eoh_median_m=float(eoh.median()) if len(eoh) else nan,
        eoh_max_m=float(eoh.max()) if len(eoh) else nan,
        eoh_sources=sources,
        extent=tuple(extent),
        drill_types=types,
    )


def _survey_facts(tables: Mapping[str, pd.DataFrame], dump: Mapping) -> SurveyFacts | None:
    df = _t(tables, "drillholes__surveys", "hole_id", "depth_m", "dip_deg")
    if df is None:
        return None
    d = df[["hole_id"]].assign(depth_m=_num(df["depth_m"]), dip_deg=_num(df["dip_deg"]))
    d = d.dropna(subset=["depth_m"]).sort_values(["hole_id", "depth_m"], kind="stable")
    per_hole = d.groupby("hole_id", sort=True)
    stations = per_hole.size()
    gaps = per_hole["depth_m"].diff().dropna()
    top = per_hole.first()["dip_deg"].dropna()
    collars = _t(tables, "drillholes__collars", "hole_id")
    without = None
    if collars is not None:
        without = len(set(collars["hole_id"]) - set(d["hole_id"]))
    method = _get(dump, "desurvey", "method")
    return SurveyFacts(
        n_records=len(df),
        n_holes_surveyed=int(stations.size),
        n_holes_without=without,
        median_stations_per_hole=float(stations.median()),
        median_station_spacing_m=float(gaps.median()) if len(gaps) else None,
        collar_dip_median_deg=float(top.median()) if len(top) else float("nan"),
        collar_dip_min_deg=float(top.min()) if len(top) else float("nan"),
        collar_dip_max_deg=float(top.max()) if len(top) else float("nan"),
        n_vertical=int((top <= -85.0).sum()),
        desurvey_method=str(method) if method else None,
    )


_DELETERIOUS = ("ThO2_pct", "U3O8_pct")
_RECOVERY_COLUMNS = ("recovery_pct", "core_recovery_pct")


def _grades_reported(dump: Mapping) -> tuple[str, ...]:
    """Reported analytes grouped by unit: ``"ppm: La, Ce (detection limits 0.5-1)"``."""
    grades = _get(dump, "data", "assays", "grades")
    if not isinstance(grades, Mapping):
        return ()
    by_unit: dict[str, tuple[list[str], list[float]]] = {}
    for g in grades.values():
        if not isinstance(g, Mapping):
            continue
        names, dls = by_unit.setdefault(str(g.get("unit", "?")), ([], []))
        names.append(str(g.get("reported_as", "?")))
        if isinstance(g.get("detection_limit"), int | float):
            dls.append(float(g["detection_limit"]))
    out = []
    for unit, (names, dls) in by_unit.items():
        txt = f"{', '.join(names)} in {unit}"
        if dls:
            lo, hi = min(dls), max(dls)
            txt += (
                f" (detection limit {lo:g})" if lo == hi else f" (detection limits {lo:g}-{hi:g})"
            )
        out.append(txt)
    return tuple(out)


def _sample_facts(tables: Mapping[str, pd.DataFrame], dump: Mapping) -> SampleFacts | None:
    df = _t(tables, "drillholes__assays", "hole_id", "from_m", "to_m")
    if df is None:
        return None
    length = (_num(df["to_m"]) - _num(df["from_m"])).dropna()
    treo = None
    if "TREO_pct" in df:
        v = _num(df["TREO_pct"]).dropna()
        if len(v):
            treo = (
                len(v),
                float(v.mean()),
                float(v.median()),
                float(v.quantile(0.95)),
                float(v.max()),
            )
    deleterious = []
    for col in _DELETERIOUS:
        if col in df:
            v = _num(df[col]).dropna()
            if len(v):
                deleterious.append((col, len(v), float(v.mean()), float(v.max())))
    recovery = None
    for col in _RECOVERY_COLUMNS:
        if col in df:
            v = _num(df[col]).dropna()
            if len(v):
                recovery = (len(v), float(v.mean()), float(v.min()))
                break
    return SampleFacts(
        n_intervals=len(df),
        n_holes_sampled=int(df["hole_id"].nunique()),
        metres_sampled_m=float(length.sum()),
        length_median_m=float(length.median()),
        length_min_m=float(length.min()),
        length_max_m=float(length.max()),
        length_p10_m=float(length.quantile(0.1)),
        length_p90_m=float(length.quantile(0.9)),
        grades_reported=_grades_reported(dump),
        treo=treo,
        deleterious=tuple(deleterious),
        recovery=recovery,
    )


def _logging_facts(tables: Mapping[str, pd.DataFrame]) -> LoggingFacts | None:
    df = _t(tables, "drillholes__lithology", "hole_id", "from_m", "to_m", "lithology")
    if df is None:
        return None
    d = df.assign(length_m=_num(df["to_m"]) - _num(df["from_m"]))
    g = d.groupby(d["lithology"].astype(str), sort=True)["length_m"]
    liths = tuple(
        (str(k), int(n), float(m)) for (k, n), m in zip(g.size().items(), g.sum(), strict=True)
    )
    unmapped = int((d["domain"].astype(str) == "UNMAPPED").sum()) if "domain" in d else 0
    return LoggingFacts(
        n_intervals=len(d),
        n_holes_logged=int(d["hole_id"].nunique()),
        metres_logged_m=float(d["length_m"].sum()),
        lithologies=liths,
        n_unmapped=unmapped,
    )


def _duplicate_facts(df: pd.DataFrame) -> tuple[DuplicateFacts, ...]:
    out = []
    for qc_type, g in df.groupby(df["qc_type"].astype(str), sort=True):
        n_pairs = int(_num(g["n_pairs"]).max()) if "n_pairs" in g else 0
        if n_pairs <= 0:
            continue
        row = g[g["column"] == "TREO_pct"] if "column" in g else g.iloc[:0]
        row = row.iloc[0] if len(row) else g.iloc[0]
        judged = g[_num(g["n_used"]) > 0] if "n_used" in g else g
        failing = 0
        if "passes" in judged:
            failing = int((~judged["passes"].astype(bool)).sum())
        out.append(
            DuplicateFacts(
                qc_type=str(qc_type),
                n_pairs=n_pairs,
                column=str(row.get("column", "")),
                n_used=int(_finite(row.get("n_used")) or 0),
                pct_within_limit=_finite(row.get("pct_within_limit")),
                hard_limit_pct=_finite(row.get("hard_limit_pct")),
                required_pct=_finite(row.get("required_pct")),
                median_hard_pct=_finite(row.get("median_hard_pct")),
                n_columns=len(judged),
                n_columns_failing=failing,
            )
        )
    return tuple(out)


def _qaqc_facts(tables: Mapping[str, pd.DataFrame], dump: Mapping) -> QaqcFacts | None:
    counts = _t(tables, "drillholes__qaqc_qc_counts", "qc_type", "n_samples")
    crm = _t(tables, "drillholes__qaqc_crm_summary", "standard_id")
    blank = _t(tables, "drillholes__qaqc_blank_summary", "column")
    dup = _t(tables, "drillholes__qaqc_duplicate_summary", "qc_type", "column")
    fail = _t(tables, "drillholes__qaqc_failures", "qc_type", "rule")
    if counts is None and crm is None and blank is None and dup is None:
        return None
    insertion: tuple[tuple[str, int, float], ...] = ()
    n_primary = None
    if counts is not None:
        rates = _num(counts["rate_pct"]) if "rate_pct" in counts else pd.Series(np.nan)
        insertion = tuple(
            (str(q), int(n), float(r))
            for q, n, r in zip(counts["qc_type"], _num(counts["n_samples"]), rates, strict=True)
        )
        if "n_primary" in counts:
            n_primary = int(_num(counts["n_primary"]).max())

    def _sum(df: pd.DataFrame | None, col: str) -> int | None:
        return int(_num(df[col]).sum()) if df is not None and col in df else None

    bias = _num(crm["bias_pct"]).dropna() if crm is not None and "bias_pct" in crm else None
    status = crm["status"].astype(str) if crm is not None and "status" in crm else None
    failures: list[tuple[str, str, int, int]] = []
    if fail is not None:
        sid = fail["sample_id"] if "sample_id" in fail else pd.Series(range(len(fail)))
        f = fail.assign(_sid=sid.to_numpy())
        for (q, r), g in f.groupby([f["qc_type"].astype(str), f["rule"].astype(str)]):
            failures.append((q, r, len(g), int(g["_sid"].nunique())))
    blank_mult = None
    if blank is not None and "limit_multiple" in blank:
        blank_mult = _finite(_num(blank["limit_multiple"]).max())
    if blank_mult is None:
        blank_mult = _finite(_get(dump, "qaqc", "blank_limit_multiple"))
    return QaqcFacts(
        n_primary=n_primary,
        insertion=insertion,
        crm_standards=(
            tuple(sorted(crm["standard_id"].astype(str).unique())) if crm is not None else ()
        ),
        crm_n_outside_2sd=_sum(crm, "n_outside_2sd"),
        crm_n_outside_3sd=_sum(crm, "n_outside_3sd"),
        crm_bias_min_pct=float(bias.min()) if bias is not None and len(bias) else None,
        crm_bias_max_pct=float(bias.max()) if bias is not None and len(bias) else None,
        crm_n_failing_pairs=int((status == "failure").sum()) if status is not None else None,
        crm_n_pairs=len(crm) if crm is not None else None,
        blank_n_failures=_sum(blank, "n_failures"),
        blank_limit_multiple=blank_mult,
        blank_max_dl_multiple=(
            _finite(_num(blank["max_dl_multiple"]).max())
            if blank is not None and "max_dl_multiple" in blank
            else None
        ),
        duplicates=_duplicate_facts(dup) if dup is not None else (),
        failures=tuple(sorted(failures)),
    )


def _validation_facts(tables: Mapping[str, pd.DataFrame], dump: Mapping) -> ValidationFacts | None:
    counts = _t(tables, "drillholes__counts", "table", "rows_in", "rows_used", "rows_rejected")
    rej = _t(tables, "drillholes__rejections", "rule")
    if counts is None and rej is None:
        return None
    c: tuple[tuple[str, str, int, int, int], ...] = ()
    if counts is not None:
        files = counts["file"] if "file" in counts else pd.Series([""] * len(counts))
        c = tuple(
            (str(t), str(f), int(a), int(b), int(r))
            for t, f, a, b, r in zip(
                counts["table"],
                files,
                _num(counts["rows_in"]).fillna(0),
                _num(counts["rows_used"]).fillna(0),
                _num(counts["rows_rejected"]).fillna(0),
                strict=True,
            )
        )
    r: tuple[tuple[str, str, int], ...] = ()
    if rej is not None:
        action = rej["action"] if "action" in rej else pd.Series([""] * len(rej))
        vc = pd.DataFrame({"rule": rej["rule"].astype(str), "action": action.astype(str)})
        vc = vc.value_counts(sort=False).reset_index(name="n")
        vc = vc.sort_values(["n", "rule"], ascending=[False, True], kind="stable")
        r = tuple((str(a), str(b), int(n)) for a, b, n in vc.itertuples(index=False))
    conversions = []
    grades = _get(dump, "data", "assays", "grades")
    if isinstance(grades, Mapping):
        for g in grades.values():
            if isinstance(g, Mapping) and g.get("unit") != "pct":
                conversions.append(f"{g.get('reported_as')} {g.get('unit')}")
    bd = _get(dump, "validation", "below_detection")
    return ValidationFacts(
        counts=c,
        rejections=r,
        below_detection=str(bd) if bd is not None else None,
        conversions=tuple(conversions),
    )


def _composite_facts(tables: Mapping[str, pd.DataFrame], dump: Mapping) -> CompositeFacts | None:
    comp = _t(tables, "drillholes__composites", "hole_id")
    meta = _t(tables, "drillholes__meta", "key", "value")
    if comp is None and meta is None:
        return None
    m = {}
    if meta is not None:
        m = {str(k): _meta_value(v) for k, v in zip(meta["key"], meta["value"], strict=True)}
    sources = []
    length = _finite(m.get("composite_length_m"))
    residual = m.get("residual_rule")
    if length is not None or residual is not None:
        sources.append("drillholes__meta")
    if length is None:
        length = _finite(_get(dump, "composite", "length_m"))
    if residual is None:
        residual = _get(dump, "composite", "residual")
    msf = _finite(_get(dump, "composite", "min_sampled_fraction"))
    by_domain = _get(dump, "composite", "by_domain")
    if msf is not None or by_domain is not None:
        sources.append("project: composite")
    per_domain: tuple[tuple[str, int], ...] = ()
    n = None
    if comp is not None:
        sources.insert(0, "drillholes__composites")
        n = len(comp)
        if "domain" in comp:
            vc = comp["domain"].astype(str).value_counts()
            per_domain = tuple((str(k), int(v)) for k, v in sorted(vc.items()))
    dropped = undersampled = None
    rej = _t(tables, "drillholes__rejections", "rule")
    if rej is not None:
        dropped = int((rej["rule"] == "residual_dropped").sum())
        undersampled = int((rej["rule"] == "composite_undersampled").sum())
        sources.append("drillholes__rejections")
    return CompositeFacts(
        length_m=length,
        residual_rule=str(residual) if residual is not None else None,
        min_sampled_fraction=msf,
        by_domain=bool(by_domain) if by_domain is not None else None,
        n_composites=n,
        per_domain=per_domain,
        n_residual_dropped=dropped,
        n_undersampled=undersampled,
        sources=tuple(sources),
    )


def _nearest(points: np.ndarray) -> np.ndarray:
    """Distance from each point to its nearest other point [m]."""
    from scipy.spatial import cKDTree

    d, _ = cKDTree(points).query(points, k=2)
    return d[:, 1]


def _estimated_domains(dump: Mapping) -> set[str] | None:
    doms = dump.get("domains") if isinstance(dump, Mapping) else None
    if not isinstance(doms, list):
        return None
    return {str(d["code"]) for d in doms if isinstance(d, Mapping) and d.get("estimate", True)}


def _spacing_facts(tables: Mapping[str, pd.DataFrame], dump: Mapping) -> SpacingFacts | None:
    collars = _t(tables, "drillholes__collars", "easting", "northing")
    comp = _t(tables, "drillholes__composites", "hole_id", "domain", "easting", "northing")
    if collars is None and comp is None:
        return None
    med = p10 = p90 = None
    if collars is not None:
        xy = collars[["easting", "northing"]].apply(_num).dropna().to_numpy()
        if len(xy) >= 2:
            d = _nearest(xy)
            med, p10, p90 = (float(np.quantile(d, q)) for q in (0.5, 0.1, 0.9))
    intercepts = []
    if comp is not None and "elevation" in comp:
        keep = _estimated_domains(dump)
        xyz = comp[["easting", "northing", "elevation"]].apply(_num)
        c = xyz.assign(hole_id=comp["hole_id"], domain=comp["domain"].astype(str)).dropna()
        for dom, g in c.groupby("domain", sort=True):
            if keep is not None and dom not in keep:
                continue
            centres = g.groupby("hole_id")[["easting", "northing", "elevation"]].mean()
            if len(centres) >= 2:
                intercepts.append(
                    (str(dom), len(centres), float(np.median(_nearest(centres.to_numpy()))))
                )
    if med is None and not intercepts:
        return None
    return SpacingFacts(med, p10, p90, tuple(intercepts))


def _unit_vectors(azimuth: np.ndarray, dip: np.ndarray) -> np.ndarray:
    a, d = np.deg2rad(azimuth), np.deg2rad(dip)
    return np.column_stack([np.sin(a) * np.cos(d), np.cos(a) * np.cos(d), np.sin(d)])


def _orientation_facts(tables: Mapping[str, pd.DataFrame]) -> OrientationFacts | None:
    """Angle between each hole and the plane of the domain's variogram (major, semi-major).

    Only for tabular models (minor range at most half the semi-major range), whose minor
    axis is taken as the normal to the mineralisation. Each hole's direction is that of
    the survey station nearest the middle of its intercept (vertical without surveys).
    """
    from mine2magnet.geostats.rotation import axis_vectors

    vm = _t(
        tables,
        "estimation__variogram_models",
        "domain", "kind", "range_semi_m", "range_minor_m", "azimuth_deg", "dip_deg", "rake_deg",
    )  # fmt: skip
    comp = _t(tables, "drillholes__composites", "hole_id", "domain", "from_m", "to_m")
    surveys = _t(tables, "drillholes__surveys", "hole_id", "depth_m", "azimuth_deg", "dip_deg")
    if vm is None or comp is None:
        return None
    out = []
    structures = vm[vm["kind"].astype(str) != "nugget"]
    for dom, g in structures.groupby(structures["domain"].astype(str), sort=True):
        s = g.iloc[0]
        semi, minor = _finite(s["range_semi_m"]), _finite(s["range_minor_m"])
        angles = [_finite(s[c]) for c in ("azimuth_deg", "dip_deg", "rake_deg")]
        if semi is None or minor is None or None in angles or minor > 0.5 * semi:
            continue
        normal = axis_vectors(*angles)[2]  # type: ignore[arg-type]
        if normal[2] < 0:
            normal = -normal
        plane_dip = float(np.degrees(np.arccos(np.clip(normal[2], -1.0, 1.0))))
        dip_dir = float(np.degrees(np.arctan2(normal[0], normal[1])) % 360.0)
        c = comp[comp["domain"].astype(str) == dom]
        mid = ((_num(c["from_m"]) + _num(c["to_m"])) / 2).groupby(c["hole_id"]).median()
        holes = pd.DataFrame({"hole_id": mid.index, "depth_m": mid.to_numpy()}).dropna()
        if holes.empty:
            continue
        holes = holes.sort_values("depth_m", kind="stable")
        if surveys is not None:
            sv = surveys[["hole_id"]].assign(
                depth_m=_num(surveys["depth_m"]),
                azimuth_deg=_num(surveys["azimuth_deg"]),
                dip_deg=_num(surveys["dip_deg"]),
            )
            sv = sv.dropna().sort_values("depth_m", kind="stable")
            holes = pd.merge_asof(holes, sv, on="depth_m", by="hole_id", direction="nearest")
        else:
            holes = holes.assign(azimuth_deg=np.nan, dip_deg=np.nan)
        missing = holes["dip_deg"].isna()
        holes.loc[missing, ["azimuth_deg", "dip_deg"]] = [0.0, -90.0]
        v = _unit_vectors(holes["azimuth_deg"].to_numpy(), holes["dip_deg"].to_numpy())
        cos_n = np.abs(v @ normal)  # |cos| of angle to the normal = true width ratio
        angle = np.degrees(np.arcsin(np.clip(cos_n, 0.0, 1.0)))  # angle to the plane
        out.append(
            (dom, dip_dir, plane_dip, len(holes), float(np.median(angle)),
             float(np.median(cos_n)))
        )  # fmt: skip
    return OrientationFacts(tuple(out)) if out else None


def _geology_facts(tables: Mapping[str, pd.DataFrame], dump: Mapping) -> GeologyFacts | None:
    comp = _t(tables, "drillholes__composites", "domain")
    coding = _t(tables, "estimation__domain_coding", "domain", "source")
    doms = dump.get("domains") if isinstance(dump, Mapping) else None
    # parameters are only stated once the stages using them have run
    if comp is None and coding is None:
        return None
    counts = comp["domain"].astype(str).value_counts() if comp is not None else None
    domains = []
    if isinstance(doms, list):
        for d in doms:
            if not isinstance(d, Mapping) or "code" not in d:
                continue
            code = str(d["code"])
            domains.append(
                DomainFacts(
                    code=code,
                    lithologies=tuple(str(x) for x in d.get("lithologies", ())),
                    density_t_m3=_finite(d.get("density_t_m3")),
                    estimate=bool(d.get("estimate", True)),
                    n_composites=int(counts.get(code, 0)) if counts is not None else None,
                )
            )
    elif counts is not None:
        domains = [DomainFacts(str(k), (), None, True, int(v)) for k, v in sorted(counts.items())]
    params: tuple[tuple[str, str], ...] = ()
    volumes: tuple[tuple[str, str, float], ...] = ()
    topo = None
    if coding is not None:
        dc = _get(dump, "blockmodel", "domain_coding")
        if isinstance(dc, Mapping):
            params = tuple((str(k), _plain(v)) for k, v in dc.items())
        if "volume_m3" in coding:
            volumes = tuple(
                (str(a), str(b), float(v))
                for a, b, v in zip(
                    coding["domain"], coding["source"], _num(coding["volume_m3"]), strict=True
                )
            )
        topo = _get(dump, "blockmodel", "topography", "file")
    return GeologyFacts(tuple(domains), params, volumes, str(topo) if topo else None)


def _plain(v: Any) -> str:
    """A parameter value as short plain text."""
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_plain(x) for x in v) + "]"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _variograms(vm: pd.DataFrame) -> tuple[tuple[str, str], ...]:
    out = []
    for dom, g in vm.groupby(vm["domain"].astype(str), sort=True):
        g = g.sort_values("structure") if "structure" in g else g
        col = str(g["column"].iloc[0]) if "column" in g else "*"
        parts = []
        for s in g.itertuples(index=False):
            sill = _finite(getattr(s, "sill_pct2", None))
            if str(s.kind) == "nugget":
                parts.append(f"nugget {_g(sill)} %²")
                continue
            ranges = "/".join(
                _g(_finite(getattr(s, c, None)))
                for c in ("range_major_m", "range_semi_m", "range_minor_m")
            )
            angles = "/".join(
                _g(_finite(getattr(s, c, None))) for c in ("azimuth_deg", "dip_deg", "rake_deg")
            )
            parts.append(
                f"{s.kind} sill {_g(sill)} %², ranges {ranges} m, angles {angles}° (GSLIB)"
            )
        which = "all grade columns" if col == "*" else col
        out.append((str(dom), f"{'; '.join(parts)} ({which})"))
    return tuple(out)


def _searches(dump: Mapping, domains: Iterable[str]) -> tuple[tuple[str, str], ...]:
    out = []
    for dom in domains:
        s = _get(dump, "geostats", "domains", dom, "search")
        if not isinstance(s, Mapping):
            continue
        ranges = _plain(s.get("ranges", "?"))
        angles = _plain(s.get("angles", "?"))
        base_min, base_max = s.get("min_samples"), s.get("max_samples")
        text = (
            f"ellipse {ranges} m at {angles}°, {base_min}-{base_max} samples, "
            f"at most {s.get('max_per_hole', '-')} per hole"
        )
        passes = s.get("passes")
        if isinstance(passes, list) and passes:
            p = []
            for i, ps in enumerate(passes, start=1):
                if not isinstance(ps, Mapping):
                    continue
                mn = ps.get("min_samples", base_min)
                p.append(f"pass {i} ×{_plain(ps.get('factor', 1.0))} (min {mn})")
            text += "; " + ", ".join(p)
        out.append((str(dom), text))
    return tuple(out)


def _swaths(sw: pd.DataFrame) -> tuple[tuple[str, int, tuple[str, ...], float, float], ...]:
    """Per domain: slices with at least 10 composites, median and max |kriged/decl − 1|."""
    ref = sw["declustered_mean_pct"] if "declustered_mean_pct" in sw else sw["composites_mean_pct"]
    d = sw.assign(
        ref=_num(ref),
        kriged=_num(sw["kriged_mean_pct"]),
        n=_num(sw["n_composites"]),
    )
    d = d[(d["n"] >= 10) & (d["ref"] > 0) & d["kriged"].notna()]
    out = []
    for dom, g in d.groupby(d["domain"].astype(str), sort=True):
        rel = (g["kriged"] / g["ref"] - 1.0).abs() * 100.0
        axes = tuple(dict.fromkeys(g["axis"].astype(str))) if "axis" in g else ()
        out.append((str(dom), len(g), axes, float(rel.median()), float(rel.max())))
    return tuple(out)


def _estimation_facts(tables: Mapping[str, pd.DataFrame], dump: Mapping) -> EstimationFacts | None:
    grid = _t(tables, "estimation__grid")
    vm = _t(tables, "estimation__variogram_models", "domain", "kind")
    gc = _t(tables, "estimation__global_comparison", "domain")
    cv = _t(tables, "estimation__crossval", "domain", "kind")
    sw = _t(tables, "estimation__swaths", "domain", "n_composites", "kriged_mean_pct")
    if grid is None and vm is None and gc is None and cv is None:
        return None
    g0 = grid.iloc[0] if grid is not None else pd.Series(dtype=object)

    def _triple(prefix: str, cast: Callable[[Any], Any]) -> Any:
        keys = [f"{prefix}{a}" for a in ("i", "j", "k")]
        keys = [k + "_m" if prefix == "block_size_" else k for k in keys]
        if all(k in g0 and _finite(g0[k]) is not None for k in keys):
            return tuple(cast(g0[k]) for k in keys)
        return None

    kg = _t(tables, "estimation__kriging_groups", "method")
    method = None
    if kg is not None:
        method = ", ".join(dict.fromkeys(kg["method"].astype(str)))
    elif _get(dump, "geostats", "method"):
        method = f"{_get(dump, 'geostats', 'method')} kriging"
    primary = str(g0["primary_column"]) if "primary_column" in g0 else None
    cols = ()
    if "grade_columns" in g0 and isinstance(g0["grade_columns"], str):
        cols = tuple(c for c in g0["grade_columns"].split(",") if c)
    disc = _get(dump, "geostats", "discretisation")
    domains = sorted(set(vm["domain"].astype(str))) if vm is not None else []
    tc = tables.get("estimation__top_cuts")
    top_cuts = None
    if isinstance(tc, pd.DataFrame) and grid is not None:  # empty table = none applied
        need = ("domain", "column", "top_cut_pct", "n_capped", "metal_removed_pct")
        if all(c in tc for c in need):
            top_cuts = tuple(
                (str(a), str(b), float(c), int(d), float(e))
                for a, b, c, d, e in zip(
                    tc["domain"], tc["column"], _num(tc["top_cut_pct"]),
                    _num(tc["n_capped"]).fillna(0), _num(tc["metal_removed_pct"]), strict=True,
                )
            )  # fmt: skip
    dc = _t(tables, "estimation__declustering", "domain", "cell_size_m", "declustered_mean_pct")
    decl: tuple[tuple[str, float, float], ...] = ()
    if dc is not None:
        if "chosen" in dc:
            dc = dc[dc["chosen"].astype(bool)]
        decl = tuple(
            (str(a), float(b), float(c))
            for a, b, c in zip(
                dc["domain"], _num(dc["cell_size_m"]), _num(dc["declustered_mean_pct"]), strict=True
            )
        )
    glob: tuple[tuple[str, str, float, float, float, float, float], ...] = ()
    gcols = (
        "declustered_mean_pct", "kriged_mean_pct", "kriged_vs_declustered_pct",
        "inverse_distance_vs_declustered_pct", "nearest_neighbour_vs_declustered_pct",
    )  # fmt: skip
    if gc is not None and all(c in gc for c in gcols):
        glob = tuple(
            (str(r["domain"]), str(r.get("column", "")), *(float(_num(pd.Series([r[c]]))[0])
             for c in gcols))
            for _, r in gc.iterrows()
        )  # fmt: skip
    xv: tuple[tuple[str, str, str, int, float, float, float, float], ...] = ()
    xcols = ("n", "mean_error_pct", "rmse_pct", "correlation", "slope")
    if cv is not None and all(c in cv for c in xcols):
        xv = tuple(
            (str(r["domain"]), str(r["kind"]), str(r.get("column", "")), int(_finite(r["n"]) or 0),
             *(float(_finite(r[c]) if _finite(r[c]) is not None else np.nan) for c in xcols[1:]))
            for _, r in cv.iterrows()
        )  # fmt: skip
    checks = _t(tables, "estimation__checks", "domain", "check", "value")
    passes: list[tuple[str, tuple[int, ...]]] = []
    tv: list[tuple[str, float, float]] = []
    treo_diff = None
    if checks is not None:
        ck = checks.assign(value=_num(checks["value"]), check=checks["check"].astype(str))
        for dom, g in ck.groupby(ck["domain"].astype(str), sort=True):
            vals = dict(zip(g["check"], g["value"], strict=True))
            p = [k for k in vals if k.startswith("rows_pass_")]
            p.sort(key=lambda k: int(k.rsplit("_", 1)[1]) if k.rsplit("_", 1)[1].isdigit() else 0)
            if p:
                passes.append((str(dom), tuple(int(vals[k]) for k in p)))
            if "tonnes" in vals and "volume_m3" in vals:
                tv.append((str(dom), float(vals["tonnes"]), float(vals["volume_m3"])))
        diffs = ck.loc[ck["check"].str.startswith("treo_sum_max_abs_diff"), "value"].dropna()
        treo_diff = float(diffs.max()) if len(diffs) else None
    extents = []
    comp = _t(tables, "drillholes__composites", "domain", "easting", "northing", "elevation")
    if comp is not None:
        for dom in domains:
            c = comp[comp["domain"].astype(str) == dom]
            e = []
            for col in ("easting", "northing", "elevation"):
                v = _num(c[col]).dropna()
                if len(v):
                    e.append((col, float(v.min()), float(v.max())))
            if e:
                extents.append((dom, tuple(e)))
    return EstimationFacts(
        method=method,
        primary_column=primary,
        grade_columns=cols,
        block_size_m=_triple("block_size_", float),
        block_counts=_triple("count_", int),
        rotation_deg=_finite(g0["rotation_deg"]) if "rotation_deg" in g0 else None,
        discretisation=tuple(int(x) for x in disc) if isinstance(disc, list) else None,
        variograms=_variograms(vm) if vm is not None else (),
        searches=_searches(dump, domains),
        top_cuts=top_cuts,
        declustering=decl,
        global_comparison=glob,
        swaths=_swaths(sw) if sw is not None and "domain" in sw else (),
        crossval=xv,
        passes=tuple(passes),
        tonnes_volume=tuple(tv),
        treo_sum_max_diff_pct=treo_diff,
        extents=tuple(extents),
    )


def _column(df: pd.DataFrame, col: str, default: Any = "") -> pd.Series:
    return df[col] if col in df else pd.Series([default] * len(df), index=df.index)


def _text(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def _resource_facts(tables: Mapping[str, pd.DataFrame]) -> ResourceFacts | None:
    meta = _t(tables, "resources__statement_meta", "key", "value")
    crit = _t(tables, "resources__criteria", "class", "criterion")
    counts = _t(tables, "resources__classification_counts", "class")
    stmt = _t(tables, "resources__statement", "class", "tonnes")
    if meta is None and crit is None and counts is None and stmt is None:
        return None
    m: tuple[tuple[str, str, str], ...] = ()
    if meta is not None:
        m = tuple(
            (str(k), _text(v), _text(u))
            for k, v, u in zip(meta["key"], meta["value"], _column(meta, "unit"), strict=True)
        )
    c: tuple[tuple[str, str, str, str, str, str], ...] = ()
    if crit is not None:
        c = tuple(
            (str(a), str(b), _text(op), _plain(t), _text(u), _text(d))
            for a, b, op, t, u, d in zip(
                crit["class"], crit["criterion"], _column(crit, "operator"),
                _column(crit, "threshold"), _column(crit, "unit"),
                _column(crit, "description"), strict=True,
            )
        )  # fmt: skip
    n: tuple[tuple[str, int | None, int | None, float | None], ...] = ()
    if counts is not None:
        n = tuple(
            (str(k), _int_or_none(a), _int_or_none(b), _finite(t))
            for k, a, b, t in zip(
                counts["class"], _column(counts, "blocks_criteria", None),
                _column(counts, "blocks", None), _column(counts, "tonnes", None), strict=True,
            )
        )  # fmt: skip
    st: tuple[tuple[str, str, float, float, float | None, float | None], ...] = ()
    if stmt is not None:
        rep = stmt[stmt["reporting"].astype(bool)] if "reporting" in stmt else stmt
        units = {"TREO_pct": "% TREO", "NSR_usd_t": "US$/t NSR"}
        st = tuple(
            (str(k), f"{_plain(_finite(cut))} {units.get(str(basis), str(basis))}".strip(),
             float(_finite(t) or 0.0), float(_finite(g) or 0.0), _finite(nd), _finite(tt))
            for k, cut, basis, t, g, nd, tt in zip(
                rep["class"], _column(rep, "cutoff", None), _column(rep, "cutoff_basis"),
                rep["tonnes"], _column(rep, "TREO_pct", None), _column(rep, "NdPr_pct", None),
                _column(rep, "TREO_t", None), strict=True,
            )
        )  # fmt: skip
    return ResourceFacts(m, c, n, st)


def _int_or_none(v: Any) -> int | None:
    f = _finite(v)
    return None if f is None else int(f)


def _metallurgy(tables: Mapping[str, pd.DataFrame], dump: Mapping) -> tuple | None:
    """Processing assumptions of the project file, once the processing stage has run."""
    if not any(k.startswith("processing__") and _t(tables, k) is not None for k in tables):
        return None
    proc = _get(dump, "processing")
    if not isinstance(proc, Mapping):
        return None
    out = []
    ben = _get(proc, "beneficiation", "rare_earth")
    if isinstance(ben, Mapping) and ben:
        txt = f"rare-earth beneficiation by {ben.get('method', '?')}"
        if ben.get("recovery_pct") is not None:
            txt += f", {_plain(ben['recovery_pct'])} % recovery"
        if ben.get("concentrate_grade_pct") is not None:
            txt += f" to a {_plain(ben['concentrate_grade_pct'])} % TREO concentrate"
        out.append(("processing.beneficiation.rare_earth", txt))
    route = _get(proc, "cracking", "route")
    if route is not None:
        out.append(("processing.cracking.route", f"cracking route {_plain(route)}"))
    products = _get(proc, "separation", "products")
    if isinstance(products, list) and products:
        names = [
            f"{p.get('name')} ({_plain(p.get('recovery_pct'))} % recovery)"
            for p in products
            if isinstance(p, Mapping)
        ]
        out.append(("processing.separation.products", "separation into " + ", ".join(names)))
    return tuple(out) or None


def _ore_reserve_facts(tables: Mapping[str, pd.DataFrame]) -> OreReserveFacts | None:
    df = _t(tables, "mining__table1", "criterion", "commentary")
    if df is None:
        return None
    src = df["source"] if "source" in df else pd.Series(["mining__table1"] * len(df))
    return OreReserveFacts(
        tuple(
            (str(a), str(b), str(c))
            for a, b, c in zip(df["criterion"], df["commentary"], src, strict=True)
        )
    )


def _narrative(dump: Mapping) -> tuple[tuple[int, str, str], ...]:
    """Competent Person's text from ``resources.table1.section_<n>`` (criterion → text)."""
    t1 = _get(dump, "resources", "table1")
    if t1 is None:
        return ()
    if not isinstance(t1, Mapping):
        raise ConfigError(
            "project key 'resources.table1': expected a table of sections "
            "(section_1 ... section_4); write [resources.table1.section_1]"
        )
    names = {(c.section, c.name.lower()): c.name for c in CRITERIA}
    out = []
    for key, entries in t1.items():
        section = {f"section_{i}": i for i in SECTION_TITLES}.get(str(key))
        if section is None or not isinstance(entries, Mapping):
            raise ConfigError(
                f"project key 'resources.table1.{key}': unknown section; use section_1 "
                '... section_4, each a table of criterion = "text"'
            )
        for crit, text in entries.items():
            name = names.get((section, str(crit).strip().lower()))
            if name is None:
                valid = ", ".join(c.name for c in CRITERIA if c.section == section)
                raise ConfigError(
                    f"project key 'resources.table1.{key}.{crit}': not a criterion of "
                    f"Section {section}; use one of: {valid}"
                )
            out.append((section, name, str(text)))
    return tuple(out)


def table1_facts(tables: Mapping[str, pd.DataFrame], project_dump: Mapping) -> Table1Facts:
    """Reduce the project store's tables and the project file to Table 1 facts.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        Store tables by full name (``drillholes__collars``, ``estimation__crossval``,
        ``resources__criteria``, ...). Missing or empty tables are allowed: the facts
        they would give are ``None``. ``estimation__blocks`` is not needed. Not modified.
    project_dump : dict
        ``Project.model_dump(mode="json")``; ``{}`` when unknown.

    Returns
    -------
    Table1Facts

    Raises
    ------
    ConfigError
        When ``resources.table1`` names a section or criterion that does not exist.

    Examples
    --------
    >>> facts = table1_facts({}, {})
    >>> facts.collars is None and facts.estimation is None
    True
    """
    dump = project_dump if isinstance(project_dump, Mapping) else {}
    project = dump.get("project") if isinstance(dump.get("project"), Mapping) else {}
    meta = _t(tables, "drillholes__meta", "key", "value")
    synthetic = bool(project.get("synthetic", False))
    if meta is not None:
        flags = {str(k): _meta_value(v) for k, v in zip(meta["key"], meta["value"], strict=True)}
        synthetic = synthetic or flags.get("synthetic") is True
    return Table1Facts(
        project_name=str(project["name"]) if project.get("name") else None,
        synthetic=synthetic,
        collars=_collar_facts(tables),
        surveys=_survey_facts(tables, dump),
        samples=_sample_facts(tables, dump),
        logging=_logging_facts(tables),
        qaqc=_qaqc_facts(tables, dump),
        validation=_validation_facts(tables, dump),
        composites=_composite_facts(tables, dump),
        spacing=_spacing_facts(tables, dump),
        orientation=_orientation_facts(tables),
        geology=_geology_facts(tables, dump),
        estimation=_estimation_facts(tables, dump),
        resource=_resource_facts(tables),
        metallurgy=_metallurgy(tables, dump),
        ore_reserve=_ore_reserve_facts(tables),
        narrative=_narrative(dump),
    )
