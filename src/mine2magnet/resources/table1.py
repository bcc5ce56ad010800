"""JORC Code (2012) Table 1: every criterion, filled from the store where the software knows.

Table 1 of the JORC Code is the checklist a Public Report on Exploration Results, Mineral
Resources or Ore Reserves must address "if not, why not". This module holds the complete
list of criteria of Sections 1 to 4 (:data:`CRITERIA`, each with a one-line paraphrase of
what the Code asks) and writes a commentary for each:

- from the project store where the data answer it (hole count and metres, survey counts,
  sample lengths, QA/QC insertion rates and failures, validation rejections, drill
  spacing, compositing, variograms, search, validation statistics, classification, ...);
- from the project file where a parameter answers it (densities, compositing rule,
  search passes, ...);
- otherwise exactly ``"To be completed by the Competent Person"`` (:data:`FALLBACK`).

Section 4 (Ore Reserves) rows are ``"not applicable yet"`` until the mining stage hands
over Ore Reserve facts (:class:`OreReserveFacts`).

Two steps, both pure: :func:`table1_facts` reduces store tables and the project dump to a
frozen :class:`Table1Facts`; :func:`build_table1` turns the facts into a DataFrame. All
text is plain text (names from input files are kept verbatim); the report escapes it.

Narrative a Competent Person wants in the table (tenure, site visits, geology, ...) goes
in the project file under ``[resources.table1.section_<n>]``, keyed by criterion name.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mine2magnet.errors import ConfigError

__all__ = [
    "CRITERIA",
    "FALLBACK",
    "NOT_APPLICABLE",
    "NOT_APPLICABLE_TEXT",
    "SECTION_TITLES",
    "STATUSES",
    "CollarFacts",
    "CompositeFacts",
    "Criterion",
    "DomainFacts",
    "DuplicateFacts",
    "EstimationFacts",
    "GeologyFacts",
    "LoggingFacts",
    "OreReserveFacts",
    "OrientationFacts",
    "QaqcFacts",
    "ResourceFacts",
    "SampleFacts",
    "SpacingFacts",
    "SurveyFacts",
    "Table1Facts",
    "ValidationFacts",
    "build_table1",
    "table1_facts",
]

FALLBACK = "To be completed by the Competent Person"
"""Commentary (and status, lower-cased) of a criterion the software cannot answer."""

NOT_APPLICABLE = "not applicable yet"
"""Status of Section 4 rows before an Ore Reserve exists."""

NOT_APPLICABLE_TEXT = (
    "Not applicable yet: no Ore Reserve has been estimated (the mining stage has not reported one)."
)

FROM_DATA = "from data"
FROM_PARAMETERS = "from parameters"
TO_COMPLETE = "to be completed by the Competent Person"

STATUSES = (FROM_DATA, FROM_PARAMETERS, TO_COMPLETE, NOT_APPLICABLE)
"""The values of the ``status`` column."""

SECTION_TITLES = {
    1: "Sampling Techniques and Data",
    2: "Reporting of Exploration Results",
    3: "Estimation and Reporting of Mineral Resources",
    4: "Estimation and Reporting of Ore Reserves",
}


@dataclass(frozen=True)
class Criterion:
    """One criterion of JORC Table 1: its section, name (as in the Code) and a paraphrase."""

    section: int
    name: str
    asks: str


def _c(section: int, name: str, asks: str) -> Criterion:
    return Criterion(section, name, asks)


# The criteria of the JORC Code 2012 Table 1, in the Code's order. Names are the Code's;
# the paraphrases of what each asks are ours.
CRITERIA: tuple[Criterion, ...] = (
    # Section 1: Sampling Techniques and Data
    _c(1, "Sampling techniques",
       "What was sampled and how (core, chips, channels, downhole tools), how "
       "representivity and tool calibration were ensured, and what is material to "
       "determining the mineralisation."),
    _c(1, "Drilling techniques",
       "The drilling method and its details: core diameter, tube type, bit type, depth of "
       "tails, whether and how core was oriented."),
    _c(1, "Drill sample recovery",
       "How core and chip recoveries were recorded and assessed, steps taken to maximise "
       "them, and whether recovery relates to grade (bias from lost fines or coarse)."),
    _c(1, "Logging",
       "Whether geological and geotechnical logging supports estimation, mining and "
       "metallurgical studies; qualitative or quantitative; photographs; share logged."),
    _c(1, "Sub-sampling techniques and sample preparation",
       "How samples were split and prepared (sawn core, riffle, wet or dry), QC at each "
       "sub-sampling stage, field duplicates, and sample size against grain size."),
    _c(1, "Quality of assay data and laboratory tests",
       "Nature and suitability of the assay method (partial or total), instrument "
       "settings, and QC used (standards, blanks, duplicates, check labs) with the "
       "accuracy and precision achieved."),
    _c(1, "Verification of sampling and assaying",
       "Independent or alternative checks of significant intersections, twinned holes, "
       "data entry, verification and storage protocols, and any adjustment of assays."),
    _c(1, "Location of data points",
       "Accuracy and quality of collar and downhole surveys, the grid system used, and "
       "the quality and adequacy of topographic control."),
    _c(1, "Data spacing and distribution",
       "Data spacing, whether it establishes the geological and grade continuity needed "
       "for the estimate and classification, and whether compositing was applied."),
    _c(1, "Orientation of data in relation to geological structure",
       "Whether the sampling orientation gives unbiased sampling of the mineralised "
       "structures, and any bias introduced by the drilling orientation."),
    _c(1, "Sample security",
       "Measures taken to keep the samples secure from collection to the laboratory."),
    _c(1, "Audits or reviews",
       "Results of any audits or reviews of the sampling techniques and data."),
    # Section 2: Reporting of Exploration Results
    _c(2, "Mineral tenement and land tenure status",
       "Tenements and ownership, agreements, royalties, native title, heritage and "
       "environmental settings, and the security of tenure and any impediment to "
       "operating."),
    _c(2, "Exploration done by other parties",
       "Acknowledgement and appraisal of exploration by other parties."),
    _c(2, "Geology",
       "Deposit type, geological setting and style of mineralisation."),
    _c(2, "Drill hole Information",
       "Material drill hole data (collar coordinates and elevation, dip, azimuth, hole "
       "length, intercept depth and length), or why any is left out."),
    _c(2, "Data aggregation methods",
       "Weighting, top cuts and cut-offs used to aggregate intercepts, how short "
       "high-grade lengths are combined, and the basis of any metal equivalents."),
    _c(2, "Relationship between mineralisation widths and intercept lengths",
       "How the geometry of the mineralisation relates to the hole angle, and whether "
       "intercepts are downhole lengths or true widths."),
    _c(2, "Diagrams",
       "Maps and sections with scales and tabulated intercepts for significant "
       "discoveries, including a plan view of collars."),
    _c(2, "Balanced reporting",
       "Where not all results are reported, representative reporting of low and high "
       "grades and widths so the report does not mislead."),
    _c(2, "Other substantive exploration data",
       "Other meaningful and material data: geology, geophysics, geochemistry, bulk "
       "samples, metallurgy, bulk density, groundwater, geotechnics, deleterious or "
       "contaminating substances."),
    _c(2, "Further work",
       "Nature and scale of planned further work, with diagrams of possible extensions "
       "where not commercially sensitive."),
    # Section 3: Estimation and Reporting of Mineral Resources
    _c(3, "Database integrity",
       "Measures against corruption of data between collection and estimation (e.g. "
       "transcription or keying errors), and the data validation procedures used."),
    _c(3, "Site visits",
       "Site visits by the Competent Person and their outcome, or why none were made."),
    _c(3, "Geological interpretation",
       "Confidence in the geological interpretation, the data and assumptions behind it, "
       "effect of alternatives, how geology controls the estimate, factors affecting "
       "continuity."),
    _c(3, "Dimensions",
       "Extent and variability of the Mineral Resource: length along strike, plan width, "
       "and depth below surface to its upper and lower limits."),
    _c(3, "Estimation and modelling techniques",
       "Estimation method and key assumptions (extreme values, domains, interpolation "
       "parameters, extrapolation), software, checks, by-products and deleterious "
       "elements, block size, SMU, correlations, and validation."),
    _c(3, "Moisture",
       "Whether tonnages are on a dry or natural-moisture basis, and how moisture was "
       "determined."),
    _c(3, "Cut-off parameters",
       "The basis of the cut-off grade(s) or quality parameters applied."),
    _c(3, "Mining factors or assumptions",
       "Assumed mining method, minimum dimensions and internal dilution, or the basis "
       "for eventual economic extraction where no assumptions were made."),
    _c(3, "Metallurgical factors or assumptions",
       "Assumptions or predictions on metallurgical amenability, or their basis where "
       "none were made."),
    _c(3, "Environmental factors or assumptions",
       "Assumptions on disposal of waste and process residues and on likely "
       "environmental impacts, or the status of their consideration."),
    _c(3, "Bulk density",
       "Whether density is assumed or measured, the method, frequency and "
       "representativeness of measurements, and the densities used per material."),
    _c(3, "Classification",
       "Basis of the resource categories, whether data reliability, continuity and data "
       "distribution were accounted for, and whether the result reflects the Competent "
       "Person's view."),
    _c(3, "Audits or reviews",
       "Results of any audits or reviews of the Mineral Resource estimate."),
    _c(3, "Discussion of relative accuracy/confidence",
       "A statement of the relative accuracy and confidence of the estimate, whether "
       "global or local, and comparison with production data where available."),
    # Section 4: Estimation and Reporting of Ore Reserves
    _c(4, "Mineral Resource estimate for conversion to Ore Reserves",
       "The Mineral Resource estimate the Ore Reserve is based on, and whether Resources "
       "are reported inclusive of or additional to the Reserves."),
    _c(4, "Site visits",
       "Site visits by the Competent Person and their outcome, or why none were made."),
    _c(4, "Study status",
       "Type and level of study behind the conversion (at least Pre-Feasibility) and "
       "whether it gives a technically achievable, economically viable mine plan."),
    _c(4, "Cut-off parameters",
       "The basis of the cut-off grade(s) or quality parameters applied."),
    _c(4, "Mining factors or assumptions",
       "How Resources were converted to Reserves: mining method, geotechnical "
       "parameters, grade control, dilution and mining recovery, minimum widths, use of "
       "Inferred material, infrastructure."),
    _c(4, "Metallurgical factors or assumptions",
       "Proposed process and its suitability, whether proven, the testwork behind the "
       "recoveries, deleterious elements, pilot or bulk tests, product specifications."),
    _c(4, "Environmental",
       "Status of environmental impact studies, characterisation and storage of waste "
       "rock and residues, and approvals."),
    _c(4, "Infrastructure",
       "Availability of land, power, water, transport, labour and accommodation, or how "
       "readily they can be provided."),
    _c(4, "Costs",
       "Basis of capital and operating costs, deleterious element allowances, exchange "
       "rates, transport, treatment and refining charges, penalties and royalties."),
    _c(4, "Revenue factors",
       "Derivation of head grade, commodity prices, exchange rates, transport and "
       "treatment charges, penalties and net smelter returns."),
    _c(4, "Market assessment",
       "Demand, supply and stocks, customer and competitor analysis, price and volume "
       "forecasts and their basis, and product specifications."),
    _c(4, "Economic",
       "Inputs to the economic analysis (inflation, discount rate, ...), NPV and its "
       "sensitivity to the significant assumptions."),
    _c(4, "Social",
       "Status of agreements with key stakeholders and of the social licence to operate."),
    _c(4, "Other",
       "Effect of material natural risks, legal and marketing agreements, and the status "
       "of government approvals on the project and the Reserve."),
    _c(4, "Classification",
       "Basis of the Reserve categories, whether they reflect the Competent Person's "
       "view, and the share of Probable derived from Measured Resources."),
    _c(4, "Audits or reviews",
       "Results of any audits or reviews of the Ore Reserve estimate."),
    _c(4, "Discussion of relative accuracy/confidence",
       "A statement of the relative accuracy and confidence of the Ore Reserve, global "
       "or local, and the modifying factors that could affect it materially."),
)  # fmt: skip


# ----------------------------------------------------------------------------------------
# Facts


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


# ----------------------------------------------------------------------------------------
# Writing the commentary


@dataclass(frozen=True)
class _Draft:
    """Commentary written by the software for one criterion."""

    text: str
    data: tuple[str, ...] = ()  # store tables used
    params: tuple[str, ...] = ()  # project keys used
    todo: str = ""  # what the Competent Person still has to add


_NONE = _Draft("")


def _g(x: float | None, nd: int = 3) -> str:
    """A number with ``nd`` significant figures, no trailing zeros."""
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:.{nd}g}"


def _int(n: int) -> str:
    return f"{n:,}"


def _n(n: int, word: str) -> str:
    """``"1 sample"``, ``"2 samples"``."""
    return f"{_int(n)} {word}{'' if n == 1 else 's'}"


def _sig(x: float, nd: int = 3) -> str:
    """Round to ``nd`` significant figures, written in full with separators."""
    if not math.isfinite(x) or x == 0:
        return _g(x)
    digits = nd - 1 - math.floor(math.log10(abs(x)))
    r = round(x, digits)
    return f"{r:,.{max(digits, 0)}f}"


def _m(x: float) -> str:
    """Metres with one decimal and thousands separators."""
    return f"{x:,.1f} m"


def _pct(x: float | None, nd: int = 1) -> str:
    return "-" if x is None or not math.isfinite(x) else f"{x:,.{nd}f} %"


def _list(items: Sequence[str], limit: int = 12) -> str:
    items = list(items)
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def _s1_sampling(f: Table1Facts) -> _Draft:
    s = f.samples
    if s is None:
        return _NONE
    text = (
        f"{_int(s.n_intervals)} primary assay intervals from {_int(s.n_holes_sampled)} holes, "
        f"{_m(s.metres_sampled_m)} sampled; interval length median {_m(s.length_median_m)} "
        f"(10th-90th percentile {_g(s.length_p10_m)}-{_g(s.length_p90_m)} m, range "
        f"{_g(s.length_min_m)}-{_g(s.length_max_m)} m)."
    )
    params: tuple[str, ...] = ()
    if s.grades_reported:
        text += f" Analytes as reported by the laboratory: {'; '.join(s.grades_reported)}."
        params = ("project: data.assays.grades",)
    return _Draft(
        text,
        ("drillholes__assays",),
        params,
        "the nature of the samples (e.g. half core) and measures taken for representivity",
    )


def _s1_drilling(f: Table1Facts) -> _Draft:
    c = f.collars
    if c is None or not c.drill_types:
        return _NONE
    types = ", ".join(f"{t}: {_int(n)} holes" for t, n in c.drill_types)
    return _Draft(
        f"Drill hole types recorded in the collar file: {types}.",
        ("drillholes__collars",),
        todo="core diameter, tube type and core orientation method",
    )


def _s1_recovery(f: Table1Facts) -> _Draft:
    s = f.samples
    if s is None or s.recovery is None:
        return _NONE
    n, mean, lo = s.recovery
    return _Draft(
        f"Recovery recorded for {_int(n)} intervals: mean {_pct(mean)}, minimum {_pct(lo)}.",
        ("drillholes__assays",),
        todo="how recovery was measured and whether recovery and grade are related",
    )


def _s1_logging(f: Table1Facts) -> _Draft:
    lg = f.logging
    if lg is None:
        return _NONE
    liths = [f"{name} ({_n(n, 'interval')}, {_m(m)})" for name, n, m in lg.lithologies]
    text = (
        f"{_int(lg.n_intervals)} lithology intervals logged in {_int(lg.n_holes_logged)} holes, "
        f"{_m(lg.metres_logged_m)} in total"
    )
    if f.collars is not None and f.collars.metres_drilled_m > 0:
        share = 100.0 * lg.metres_logged_m / f.collars.metres_drilled_m
        text += f" ({_pct(share)} of the metres drilled)"
    text += f". Lithologies: {_list(liths)}."
    if lg.n_unmapped:
        text += f" {_int(lg.n_unmapped)} intervals have a lithology mapped to no domain."
    data = ("drillholes__lithology",) + (("drillholes__collars",) if f.collars else ())
    return _Draft(
        text, data, todo="geotechnical logging, whether logging is quantitative, core photography"
    )


def _s1_subsampling(f: Table1Facts) -> _Draft:
    q = f.qaqc
    dups = [d for d in q.duplicates if "field" in d.qc_type] if q is not None else []
    if not dups:
        return _NONE
    parts = []
    for d in dups:
        txt = (
            f"{_int(d.n_pairs)} {d.qc_type.replace('_', ' ')} pairs; for {d.column} "
            f"{_pct(d.pct_within_limit)} of {_int(d.n_used)} judged pairs have HARD within "
            f"{_g(d.hard_limit_pct)} % (required {_g(d.required_pct)} %), median HARD "
            f"{_pct(d.median_hard_pct, 2)}"
        )
        if d.n_columns_failing:
            txt += f"; {_int(d.n_columns_failing)} of {_int(d.n_columns)} columns fail"
        parts.append(txt)
    return _Draft(
        "Field duplicates: " + "; ".join(parts) + ".",
        ("drillholes__qaqc_duplicate_summary",),
        todo="the splitting and preparation protocol and sample size against grain size",
    )


def _s1_assay_quality(f: Table1Facts) -> _Draft:
    q = f.qaqc
    if q is None:
        return _NONE
    parts = []
    data = []
    if q.insertion:
        ins = ", ".join(
            f"{t.replace('_', ' ')} {_int(n)} ({_pct(r, 2)})" for t, n, r in q.insertion
        )
        prim = f" among {_int(q.n_primary)} primary samples" if q.n_primary else ""
        parts.append(f"QC inserts{prim}: {ins}.")
        data.append("drillholes__qaqc_qc_counts")
    if q.crm_standards:
        parts.append(
            f"CRMs ({_list(q.crm_standards)}): {_int(q.crm_n_outside_2sd or 0)} analyte "
            f"results beyond 2 SD and {_int(q.crm_n_outside_3sd or 0)} beyond 3 SD; bias "
            f"{_g(q.crm_bias_min_pct, 2)} to {_g(q.crm_bias_max_pct, 2)} %; "
            f"{_int(q.crm_n_failing_pairs or 0)} of {_int(q.crm_n_pairs or 0)} "
            "standard-analyte pairs flagged as failing."
        )
        data.append("drillholes__qaqc_crm_summary")
    if q.blank_n_failures is not None:
        parts.append(
            f"Blanks: {_int(q.blank_n_failures)} results above {_g(q.blank_limit_multiple)}× "
            f"the detection limit (highest {_g(q.blank_max_dl_multiple)}×)."
        )
        data.append("drillholes__qaqc_blank_summary")
    for d in q.duplicates:
        if "field" in d.qc_type:
            continue  # under sub-sampling
        parts.append(
            f"{d.qc_type.replace('_', ' ').capitalize()}: {_int(d.n_pairs)} pairs, "
            f"{_pct(d.pct_within_limit)} within HARD {_g(d.hard_limit_pct)} % for {d.column}."
        )
        data.append("drillholes__qaqc_duplicate_summary")
    if q.failures:
        fl = ", ".join(
            f"{t} {r}: {_n(n, 'flag')} on {_n(s, 'sample')}" for t, r, n, s in q.failures
        )
        parts.append(f"Failures listed: {fl}.")
        data.append("drillholes__qaqc_failures")
    if not parts:
        return _NONE
    return _Draft(
        " ".join(parts),
        tuple(data),
        todo="the laboratory, preparation and analytical method (partial or total digest)",
    )


_REPLACED = ("value_replaced",)


def _s1_verification(f: Table1Facts) -> _Draft:
    v = f.validation
    if v is None:
        return _NONE
    parts = []
    data = []
    params = []
    if v.conversions:
        parts.append(
            "Assays reported as elements were converted to oxide weight percent with the "
            f"element-to-oxide factors of mine2magnet.chemistry ({_list(v.conversions, 20)})."
        )
        params.append("project: data.assays.grades")
    replaced = sum(n for _, action, n in v.rejections if action in _REPLACED)
    if v.below_detection or replaced:
        txt = f"{_int(replaced)} values replaced and flagged"
        if v.below_detection:
            txt += f" (below detection: rule '{v.below_detection}')"
            params.append("project: validation.below_detection")
        parts.append(txt + ".")
    if v.rejections:
        data.append("drillholes__rejections")
    if v.counts:
        rejected = sum(r for *_, r in v.counts)
        rows_in = sum(a for _, _, a, _, _ in v.counts)
        parts.append(
            f"Automated import checks: {_int(rejected)} of {_int(rows_in)} input rows "
            "rejected (see Database integrity)."
        )
        data.append("drillholes__counts")
    if not parts:
        return _NONE
    return _Draft(
        " ".join(parts),
        tuple(data),
        tuple(params),
        "independent verification of significant intersections and twinned holes",
    )


def _s1_location(f: Table1Facts) -> _Draft:
    c, s = f.collars, f.surveys
    if c is None and s is None:
        return _NONE
    parts = []
    data = []
    params = []
    if c is not None:
        ext = "; ".join(f"{k} {lo:,.1f} to {hi:,.1f} m" for k, lo, hi in c.extent)
        parts.append(f"{_int(c.n_holes)} collars with coordinates: {ext}.")
        data.append("drillholes__collars")
    if s is not None:
        txt = (
            f"{_int(s.n_records)} downhole survey records on {_int(s.n_holes_surveyed)} holes "
            f"(median {_g(s.median_stations_per_hole)} stations per hole"
        )
        if s.median_station_spacing_m is not None:
            txt += f", median {_m(s.median_station_spacing_m)} apart"
        txt += ")"
        if s.n_holes_without:
            txt += f"; {_int(s.n_holes_without)} holes without survey, taken as vertical"
        parts.append(txt + ".")
        data.append("drillholes__surveys")
        if s.desurvey_method:
            parts.append(f"Holes desurveyed by {s.desurvey_method.replace('_', ' ')}.")
            params.append("project: desurvey.method")
    if f.geology is not None and f.geology.topography_file:
        parts.append(f"Topography from {f.geology.topography_file}.")
        params.append("project: blockmodel.topography")
    return _Draft(
        " ".join(parts),
        tuple(data),
        tuple(params),
        "the grid system and datum and the survey instruments and their accuracy",
    )


def _s1_spacing(f: Table1Facts) -> _Draft:
    sp, cp = f.spacing, f.composites
    if sp is None and (cp is None or cp.length_m is None):
        return _NONE
    parts = []
    data = []
    params: list[str] = []
    if sp is not None and sp.collar_median_m is not None:
        parts.append(
            f"Nearest collar in plan: median {_m(sp.collar_median_m)} (10th-90th percentile "
            f"{_g(sp.collar_p10_m)}-{_g(sp.collar_p90_m)} m)."
        )
        data.append("drillholes__collars")
    if sp is not None and sp.intercepts:
        parts.append(
            "Nearest intercept of another hole within the domain (mean composite position): "
            + "; ".join(f"{d} median {_m(m)} ({_int(n)} holes)" for d, n, m in sp.intercepts)
            + "."
        )
        data.append("drillholes__composites")
    if cp is not None and cp.length_m is not None:
        parts.append(_compositing_sentence(cp))
        data.extend(x for x in cp.sources if not x.startswith("project"))
        params.extend(x for x in cp.sources if x.startswith("project"))
    return _Draft(
        " ".join(parts),
        tuple(dict.fromkeys(data)),
        tuple(params),
        "whether the spacing establishes the continuity required for each class",
    )


def _compositing_sentence(cp: CompositeFacts) -> str:
    txt = f"Samples composited to {_g(cp.length_m)} m"
    if cp.by_domain:
        txt += " within domains"
    if cp.residual_rule:
        txt += f", residual rule '{cp.residual_rule}'"
    if cp.min_sampled_fraction is not None:
        txt += f", grades kept when at least {_g(cp.min_sampled_fraction)} of the length is sampled"
    txt += " (length-weighted; unsampled gaps are never zero)."
    if cp.n_composites is not None:
        txt += f" {_int(cp.n_composites)} composites"
        if cp.per_domain:
            txt += " (" + ", ".join(f"{d} {_int(n)}" for d, n in cp.per_domain) + ")"
        txt += "."
    if cp.n_residual_dropped:
        txt += f" {_int(cp.n_residual_dropped)} residual pieces dropped."
    if cp.n_undersampled:
        txt += f" {_int(cp.n_undersampled)} composites undersampled (grades missing)."
    return txt


def _s1_orientation(f: Table1Facts) -> _Draft:
    s, o = f.surveys, f.orientation
    if s is None and o is None:
        return _NONE
    parts = []
    data = []
    if s is not None and math.isfinite(s.collar_dip_median_deg):
        parts.append(
            f"Hole dips at the collar: median {_g(s.collar_dip_median_deg)}° (range "
            f"{_g(s.collar_dip_min_deg)}° to {_g(s.collar_dip_max_deg)}°, negative down); "
            f"{_int(s.n_vertical)} of {_int(s.n_holes_surveyed)} holes near vertical (dip -85° or "
            "steeper)."
        )
        data.append("drillholes__surveys")
    if o is not None:
        parts.append(_orientation_sentence(o))
        data.extend(["estimation__variogram_models", "drillholes__composites"])
    return _Draft(
        " ".join(parts),
        tuple(dict.fromkeys(data)),
        todo="whether the drilling orientation introduces a sampling bias",
    )


def _orientation_sentence(o: OrientationFacts) -> str:
    return (
        "Taking the variogram's minor axis as the normal to the mineralisation: "
        + "; ".join(
            f"{d} plane dips {_g(dip)}° towards {_g(ddir)}°, holes cross it at a median "
            f"{_g(ang)}° ({_int(n)} holes), true width about {_g(ratio, 2)} of the downhole "
            "length"
            for d, ddir, dip, n, ang, ratio in o.per_domain
        )
        + "."
    )


def _s2_drillhole_info(f: Table1Facts) -> _Draft:
    c = f.collars
    if c is None:
        return _NONE
    text = (
        f"{_int(c.n_holes)} holes, {_m(c.metres_drilled_m)} drilled; hole length median "
        f"{_m(c.eoh_median_m)} (range {_g(c.eoh_min_m, 4)}-{_g(c.eoh_max_m, 4)} m)."
    )
    if c.eoh_sources:
        text += (
            " End-of-hole depth source: "
            + ", ".join(f"{k} {_int(n)}" for k, n in c.eoh_sources)
            + "."
        )
    data = ["drillholes__collars"]
    if f.surveys is not None and math.isfinite(f.surveys.collar_dip_median_deg):
        text += f" Collar dips {_g(f.surveys.collar_dip_min_deg)}° to "
        text += f"{_g(f.surveys.collar_dip_max_deg)}°."
        data.append("drillholes__surveys")
    text += " Collar coordinates, elevation, dip, azimuth and length of every hole are in the "
    text += "store tables drillholes__collars and drillholes__surveys."
    return _Draft(text, tuple(data), todo="the table of significant intercepts for the report")


def _s2_aggregation(f: Table1Facts) -> _Draft:
    cp, e = f.composites, f.estimation
    if cp is None or cp.length_m is None:
        return _NONE
    parts = [_compositing_sentence(cp)]
    data = [x for x in cp.sources if not x.startswith("project")]
    params = [x for x in cp.sources if x.startswith("project")]
    if e is not None and e.top_cuts is not None:
        parts.append(_top_cut_sentence(e))
        data.append("estimation__top_cuts")
    parts.append(
        "No metal equivalents are reported; TREO is the sum of the fifteen rare-earth oxides "
        "La2O3 to Lu2O3 and Y2O3 (Sc2O3 excluded)."
    )
    return _Draft(" ".join(parts), tuple(dict.fromkeys(data)), tuple(params))


def _top_cut_sentence(e: EstimationFacts) -> str:
    if not e.top_cuts:
        return "No top cuts applied to composites."
    return (
        "Top cuts: "
        + "; ".join(
            f"{d} {c} capped at {_g(cap)} % ({_int(n)} composites, {_g(metal, 2)} % of metal "
            "removed)"
            for d, c, cap, n, metal in e.top_cuts
        )
        + "."
    )


def _s2_widths(f: Table1Facts) -> _Draft:
    if f.orientation is None:
        return _NONE
    return _Draft(
        "Intercepts are downhole lengths. " + _orientation_sentence(f.orientation),
        ("estimation__variogram_models", "drillholes__composites", "drillholes__surveys"),
        todo="confirmation of the mineralisation geometry",
    )


def _s2_balanced(f: Table1Facts) -> _Draft:
    s = f.samples
    if s is None or s.treo is None:
        return _NONE
    n, mean, med, p95, mx = s.treo
    return _Draft(
        f"All {_int(s.n_intervals)} primary intervals are kept in the database and used; "
        f"TREO over {_int(n)} assayed intervals: mean {_g(mean)} %, median {_g(med)} %, "
        f"95th percentile {_g(p95)} %, maximum {_g(mx)} %.",
        ("drillholes__assays",),
    )


def _s2_other(f: Table1Facts) -> _Draft:
    s = f.samples
    if s is None or not s.deleterious:
        return _NONE
    d = "; ".join(
        f"{c} mean {_g(mean)} %, maximum {_g(mx)} % ({_int(n)} intervals)"
        for c, n, mean, mx in s.deleterious
    )
    return _Draft(
        f"Radioactive and deleterious elements assayed with the rare earths: {d}.",
        ("drillholes__assays",),
        todo="geophysics, metallurgical testwork, groundwater and geotechnical data",
    )


def _s3_database(f: Table1Facts) -> _Draft:
    v = f.validation
    if v is None:
        return _NONE
    parts = [
        "Every input row is either used or listed in the rejection table with the rule it "
        "broke (rows in = rows used + rows rejected)."
    ]
    data = []
    if v.counts:
        c = "; ".join(
            f"{t} ({fn}): {_int(a)} rows in, {_int(b)} used, {_int(r)} rejected"
            for t, fn, a, b, r in v.counts
        )
        parts.append(f"{c}.")
        data.append("drillholes__counts")
    if v.rejections:
        r = ", ".join(f"{rule} ({action}) {_int(n)}" for rule, action, n in v.rejections)
        parts.append(f"Validation findings by rule: {r}.")
        data.append("drillholes__rejections")
    return _Draft(
        " ".join(parts),
        tuple(data),
        todo="how the database was compiled and checked against the original records",
    )


def _s3_geology(f: Table1Facts) -> _Draft:
    g = f.geology
    if g is None or not g.domains:
        return _NONE
    doms = []
    for d in g.domains:
        txt = d.code
        if d.lithologies:
            txt += f" (lithologies {', '.join(d.lithologies)}"
            txt += ", estimated" if d.estimate else ", not estimated"
            txt += ")"
        if d.n_composites is not None:
            txt += f": {_int(d.n_composites)} composites"
        doms.append(txt)
    parts = [f"Domains from logged lithology: {'; '.join(doms)}."]
    data = ["drillholes__composites"] if any(d.n_composites for d in g.domains) else []
    params = ["project: domains"]
    if g.coding:
        kv = ", ".join(f"{k} {v}" for k, v in g.coding)
        parts.append(
            "Block sub-cells take the domain of the nearest composite in an anisotropic "
            f"metric ({kv}); domains are hard boundaries for estimation."
        )
        params.append("project: blockmodel.domain_coding")
    return _Draft(
        " ".join(parts),
        tuple(data),
        tuple(params),
        "confidence in the interpretation, alternative interpretations, controls on continuity",
    )


def _s3_dimensions(f: Table1Facts) -> _Draft:
    e = f.estimation
    if e is None or (not e.extents and not e.tonnes_volume):
        return _NONE
    parts = []
    data = []
    if e.extents:
        parts.append(
            "Extent of composites per estimated domain: "
            + "; ".join(
                f"{d} " + ", ".join(f"{k} {lo:,.0f}-{hi:,.0f} m" for k, lo, hi in ext)
                for d, ext in e.extents
            )
            + "."
        )
        data.append("drillholes__composites")
    if e.tonnes_volume:
        parts.append(
            "Modelled: "
            + "; ".join(f"{d} {_sig(v)} m³, {_sig(t)} t" for d, t, v in e.tonnes_volume)
            + " (before cut-off and classification)."
        )
        data.append("estimation__checks")
    return _Draft(
        " ".join(parts),
        tuple(data),
        todo="strike length, plan width and depth limits of the reported Mineral Resource",
    )


def _s3_estimation(f: Table1Facts) -> _Draft:
    e = f.estimation
    if e is None:
        return _NONE
    parts = []
    data = []
    params = []
    if e.method:
        txt = f"Method: {e.method.replace('_', ' ')}"
        if e.primary_column:
            txt += f", primary column {e.primary_column}"
        txt += ", per domain with hard boundaries."
        if e.grade_columns:
            txt += f" Estimated columns: {', '.join(e.grade_columns)}."
        parts.append(txt)
        data.append("estimation__kriging_groups" if "kriging" in e.method else "estimation__grid")
    if e.block_size_m:
        txt = f"Blocks {'×'.join(_g(x) for x in e.block_size_m)} m"
        if e.block_counts:
            txt += f", {'×'.join(_int(x) for x in e.block_counts)} blocks"
        if e.rotation_deg:
            txt += f", grid rotated {_g(e.rotation_deg)}°"
        if e.discretisation:
            txt += f", discretised {'×'.join(str(x) for x in e.discretisation)}"
            params.append("project: geostats.discretisation")
        parts.append(txt + ".")
        data.append("estimation__grid")
    if e.variograms:
        parts.append("Variograms: " + "; ".join(f"{d}: {t}" for d, t in e.variograms) + ".")
        data.append("estimation__variogram_models")
    if e.searches:
        parts.append("Search: " + "; ".join(f"{d}: {t}" for d, t in e.searches) + ".")
        params.append("project: geostats.domains.*.search")
    if e.passes:
        parts.append(
            "Rows estimated per pass: "
            + "; ".join(f"{d} " + "/".join(_int(x) for x in p) for d, p in e.passes)
            + "."
        )
        data.append("estimation__checks")
    if e.top_cuts is not None:
        parts.append(_top_cut_sentence(e))
        data.append("estimation__top_cuts")
    if e.declustering:
        parts.append(
            "Declustering cells: "
            + "; ".join(f"{d} {_g(c)} m (mean {_g(m)} %)" for d, c, m in e.declustering)
            + "."
        )
        data.append("estimation__declustering")
    if e.global_comparison:
        parts.append(
            "Global validation (estimate vs declustered composites): "
            + "; ".join(
                f"{d} {c} kriged {_g(k)} % vs {_g(dm)} % ({kd:+.1f} %; inverse distance "
                f"{idd:+.1f} %, nearest neighbour {nn:+.1f} %)"
                for d, c, dm, k, kd, idd, nn in e.global_comparison
            )
            + "."
        )
        data.append("estimation__global_comparison")
    if e.swaths:
        parts.append(
            "Swaths (slices with at least 10 composites): "
            + "; ".join(
                f"{d} {_int(n)} slices along {', '.join(ax)}, kriged vs declustered median "
                f"|difference| {_g(med, 2)} %, largest {_g(mx, 2)} %"
                for d, n, ax, med, mx in e.swaths
            )
            + "."
        )
        data.append("estimation__swaths")
    if e.crossval:
        parts.append(f"Cross-validation: {_crossval_sentence(e)}.")
        data.append("estimation__crossval")
    if e.treo_sum_max_diff_pct is not None:
        parts.append(
            f"Block TREO equals the sum of block oxides to {_g(e.treo_sum_max_diff_pct, 2)} % "
            "(shared kriging weights)."
        )
    if not parts:
        return _NONE
    return _Draft(
        " ".join(parts),
        tuple(dict.fromkeys(data)),
        tuple(params),
        "the maximum extrapolation distance and any reconciliation with production",
    )


def _crossval_sentence(e: EstimationFacts) -> str:
    return "; ".join(
        f"{d} {k.replace('_', ' ')} ({_int(n)} {c}): mean error {me:+.2g} %, RMSE {_g(rmse)} %, "
        f"r {_g(r, 2)}, slope of regression {_g(sl)}"
        for d, k, c, n, me, rmse, r, sl in e.crossval
    )


def _s3_moisture(f: Table1Facts) -> _Draft:
    g = f.geology
    if g is None or not any(d.density_t_m3 for d in g.domains):
        return _NONE
    return _Draft(
        "Tonnages are estimated on a dry basis: the densities in the project file are dry "
        "bulk densities.",
        params=("project: domains.density_t_m3",),
        todo="how moisture was measured",
    )


def _meta(f: Table1Facts, key: str) -> str | None:
    """``value`` (with its unit unless already in it) of one statement_meta key."""
    if f.resource is None:
        return None
    for k, v, u in f.resource.meta:
        if k == key and v:
            return _with_unit(v.strip().rstrip("."), u.strip())
    return None


_NUMBER = r"[-+]?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?"


def _with_unit(value: str, unit: str) -> str:
    """``"0.5", "% TREO"`` → ``"0.5 % TREO"``; ``"300 below topography", "m"`` →
    ``"300 m below topography"``; text not starting with a number is left alone."""
    if not unit or unit == "-" or unit in value:
        return value
    if re.fullmatch(rf"{_NUMBER}(?:\s*,\s*{_NUMBER})*", value):
        return f"{value} {unit}"
    head, _, rest = value.partition(" ")
    if re.fullmatch(_NUMBER, head) and rest:
        return f"{head} {unit} {rest}"
    return value


_META = "resources__statement_meta"


def _s3_cutoff(f: Table1Facts) -> _Draft:
    cut = _meta(f, "reporting_cutoff")
    if cut is None:
        return _NONE
    text = f"Reporting cut-off {cut}"
    rule = _meta(f, "cutoff_rule")
    text += f" ({rule})." if rule else "."
    more = _meta(f, "statement_cutoffs")
    if more:
        text += f" The statement is also given at {more}."
    if _meta(f, "cutoff_basis") == "NSR_usd_t":
        parts = [
            f"{label} {v}"
            for label, key in (
                ("NSR", "nsr_formula"), ("price factor", "price_factor"),
                ("recovery", "recovery_pct"), ("payability", "payability_pct"),
                ("processing cost", "processing_cost"), ("G&A cost", "ga_cost"),
                ("break-even", "nsr_breakeven"),
            )
            if (v := _meta(f, key))
        ]  # fmt: skip
        text += " Net smelter return basis: " + "; ".join(parts) + "."
    return _Draft(text, (_META,), todo="the economic justification of the cut-off")


_CONSTRAINT_LABELS = (
    ("max_depth_m", "maximum depth"),
    ("max_strip_ratio", "maximum strip ratio"),
    ("pit_shell", "pit shell"),
    ("topography", "topography"),
    ("price_factor", "price factor"),
)


def _s3_mining(f: Table1Facts) -> _Draft:
    constraint = _meta(f, "rpeee_constraint")
    if constraint is None:
        return _NONE
    parts = [f"{label} {v}" for key, label in _CONSTRAINT_LABELS if (v := _meta(f, key))]
    text = (
        "Reasonable prospects for eventual economic extraction: only material above the "
        f"cut-off inside the '{constraint}' constraint is reported"
        + (f" ({'; '.join(parts)})" if parts else "")
        + "."
    )
    data = [_META]
    e = f.estimation
    if e is not None and e.block_size_m:
        text += f" Blocks of {'×'.join(_g(x) for x in e.block_size_m)} m, no dilution applied."
        data.append("estimation__grid")
    return _Draft(
        text, tuple(data), todo="the assumed mining method, minimum mining width and dilution"
    )


def _s3_metallurgy(f: Table1Facts) -> _Draft:
    parts = []
    data: tuple[str, ...] = ()
    rec, pay = _meta(f, "recovery_pct"), _meta(f, "payability_pct")
    if rec or pay:
        parts.append(
            "The RPEEE test assumes "
            + " and ".join(x for x in (rec and f"{rec} recovery", pay and f"{pay} payability") if x)
            + "."
        )
        data = (_META,)
    params: tuple[str, ...] = ()
    if f.metallurgy:
        parts.append(
            "Processing assumptions of the project model: "
            + "; ".join(v for _, v in f.metallurgy)
            + "."
        )
        params = ("project: processing",)
    if not parts:
        return _NONE
    return _Draft(
        " ".join(parts), data, params, "the metallurgical testwork supporting these assumptions"
    )


def _s3_density(f: Table1Facts) -> _Draft:
    g = f.geology
    basis = _meta(f, "density_basis")
    if basis:
        return _Draft(
            f"Density basis of the statement: {basis}.",
            (_META,),
            ("project: domains.density_t_m3",) if g else (),
            "the number, method and representativeness of density measurements",
        )
    if g is None or not any(d.density_t_m3 for d in g.domains):
        return _NONE
    dens = ", ".join(f"{d.code} {d.density_t_m3:g} t/m³" for d in g.domains if d.density_t_m3)
    return _Draft(
        f"Constant dry bulk density assigned per domain: {dens}.",
        params=("project: domains.density_t_m3",),
        todo="the number, method and representativeness of density measurements",
    )


def _s3_classification(f: Table1Facts) -> _Draft:
    r = f.resource
    if r is None:
        return _NONE
    parts = []
    data = []
    if r.criteria:
        by_class: dict[str, list[str]] = {}
        for cls, crit, op, thr, unit, desc in r.criteria:
            txt = f"{crit} {op} {thr}".replace("  ", " ")
            if unit and unit != "-":
                txt += f" {unit}"
            if cls == "All" and desc:
                txt += f" ({desc})"
            by_class.setdefault(cls, []).append(txt)
        parts.append(
            "Criteria (a block meets those of its class and every lower class): "
            + "; ".join(f"{c}: {', '.join(v)}" for c, v in by_class.items())
            + "."
        )
        data.append("resources__criteria")
    if r.counts:
        after = [
            f"{c} {_int(b)}" + (f" ({_sig(t)} t)" if t is not None else "")
            for c, _, b, t in r.counts
            if b is not None and c != "Total"
        ]
        before = [f"{c} {_int(a)}" for c, a, _, _ in r.counts if a is not None and c != "Total"]
        if after:
            parts.append(f"Blocks per class after smoothing: {', '.join(after)}.")
        if before:
            parts.append(f"By the criteria alone: {', '.join(before)}.")
        data.append("resources__classification_counts")
    holes = _meta(f, "qaqc_flagged_holes")
    if holes:
        parts.append(f"Holes flagged by QA/QC: {holes}.")
    if r.statement:
        parts.append(
            "Reported at the cut-off, inside the RPEEE constraint: "
            + "; ".join(
                f"{c} {_sig(t)} t at {_g(g)} % TREO" + (f", {_g(nd)} % NdPr" if nd else "")
                for c, cut, t, g, nd, _ in r.statement
            )
            + f" ({r.statement[0][1]})."
        )
        data.append("resources__statement")
    date = _meta(f, "effective_date")
    if date:
        parts.append(f"Effective date: {date}.")
    if holes or date:
        data.append(_META)
    if not parts:
        return _NONE
    return _Draft(
        " ".join(parts),
        tuple(dict.fromkeys(data)),
        todo="whether the classification reflects the Competent Person's view of the deposit",
    )


def _s3_accuracy(f: Table1Facts) -> _Draft:
    e = f.estimation
    parts = []
    data = []
    if e is not None and e.crossval:
        parts.append(f"Local accuracy measured by cross-validation: {_crossval_sentence(e)}.")
        data.append("estimation__crossval")
    rounding = _meta(f, "rounding")
    if rounding:
        parts.append(f"Statement figures rounded to reflect their uncertainty: {rounding}.")
        data.append(_META)
    if not parts:
        return _NONE
    return _Draft(
        " ".join(parts),
        tuple(data),
        todo="a statement of relative accuracy and confidence, global or local",
    )


_Writer = Callable[[Table1Facts], _Draft]

_WRITERS: dict[tuple[int, str], _Writer] = {
    (1, "Sampling techniques"): _s1_sampling,
    (1, "Drilling techniques"): _s1_drilling,
    (1, "Drill sample recovery"): _s1_recovery,
    (1, "Logging"): _s1_logging,
    (1, "Sub-sampling techniques and sample preparation"): _s1_subsampling,
    (1, "Quality of assay data and laboratory tests"): _s1_assay_quality,
    (1, "Verification of sampling and assaying"): _s1_verification,
    (1, "Location of data points"): _s1_location,
    (1, "Data spacing and distribution"): _s1_spacing,
    (1, "Orientation of data in relation to geological structure"): _s1_orientation,
    (2, "Drill hole Information"): _s2_drillhole_info,
    (2, "Data aggregation methods"): _s2_aggregation,
    (2, "Relationship between mineralisation widths and intercept lengths"): _s2_widths,
    (2, "Balanced reporting"): _s2_balanced,
    (2, "Other substantive exploration data"): _s2_other,
    (3, "Database integrity"): _s3_database,
    (3, "Geological interpretation"): _s3_geology,
    (3, "Dimensions"): _s3_dimensions,
    (3, "Estimation and modelling techniques"): _s3_estimation,
    (3, "Moisture"): _s3_moisture,
    (3, "Cut-off parameters"): _s3_cutoff,
    (3, "Mining factors or assumptions"): _s3_mining,
    (3, "Metallurgical factors or assumptions"): _s3_metallurgy,
    (3, "Bulk density"): _s3_density,
    (3, "Classification"): _s3_classification,
    (3, "Discussion of relative accuracy/confidence"): _s3_accuracy,
}
"""Criteria the software can answer; every other criterion needs the Competent Person."""


def _s4_resource(f: Table1Facts) -> _Draft:
    r = f.resource
    if r is None or not r.statement:
        return _NONE
    text = "The Ore Reserve is based on the Mineral Resource: " + "; ".join(
        f"{c} {_sig(t)} t at {_g(g)} % TREO" for c, _, t, g, _, _ in r.statement
    )
    text += f" ({r.statement[0][1]})."
    return _Draft(
        text,
        ("resources__statement",),
        todo="whether Mineral Resources are reported inclusive of the Ore Reserve",
    )


_WRITERS_S4: dict[str, _Writer] = {
    "Mineral Resource estimate for conversion to Ore Reserves": _s4_resource,
}
"""Section 4 criteria the software can answer once an Ore Reserve exists."""


def _row(c: Criterion, f: Table1Facts, narrative: Mapping[tuple[int, str], str]) -> dict:
    cp_text = narrative.get((c.section, c.name))
    cp_source = f"project: resources.table1.section_{c.section}"
    if c.section == 4:
        entries = {k: (t, s) for k, t, s in f.ore_reserve.entries} if f.ore_reserve else None
        if entries is None:
            return _out(c, NOT_APPLICABLE_TEXT, NOT_APPLICABLE, "")
        if c.name in entries:
            text, src = entries[c.name]
            if cp_text:
                text += f" Competent Person: {cp_text}"
            status = FROM_PARAMETERS if src.startswith("project") else FROM_DATA
            return _out(c, _mark(f, text), status, src)
        writer = _WRITERS_S4.get(c.name)
        draft = writer(f) if writer else _NONE
    else:
        writer = _WRITERS.get((c.section, c.name))
        draft = writer(f) if writer else _NONE
    if not draft.text:
        if cp_text:
            return _out(c, _mark(f, cp_text), FROM_PARAMETERS, cp_source)
        return _out(c, FALLBACK, TO_COMPLETE, "")
    text = draft.text
    sources = list(draft.data) + list(draft.params)
    if cp_text:
        text += f" Competent Person: {cp_text}"
        sources.append(cp_source)
    elif draft.todo:
        text += f" {FALLBACK}: {draft.todo}."
    status = FROM_DATA if draft.data else FROM_PARAMETERS
    return _out(c, _mark(f, text), status, "; ".join(dict.fromkeys(sources)))


def _mark(f: Table1Facts, text: str) -> str:
    return f"SYNTHETIC data: {text}" if f.synthetic else text


def _out(c: Criterion, commentary: str, status: str, source: str) -> dict:
    return {
        "section": c.section,
        "section_title": SECTION_TITLES[c.section],
        "criterion": c.name,
        "asks": c.asks,
        "commentary": commentary,
        "status": status,
        "source": source,
    }


def build_table1(facts: Table1Facts) -> pd.DataFrame:
    """JORC Table 1 (Sections 1-4), one row per criterion in the Code's order.

    Parameters
    ----------
    facts : Table1Facts
        From :func:`table1_facts`.

    Returns
    -------
    pandas.DataFrame
        Columns ``section`` (1-4), ``section_title``, ``criterion`` (the Code's name),
        ``asks`` (what the Code asks, paraphrased), ``commentary`` (plain text),
        ``status`` (one of :data:`STATUSES`) and ``source`` (store tables and project keys
        the text came from, ``"; "``-separated; empty when nothing is known).

    Examples
    --------
    >>> t = build_table1(Table1Facts())
    >>> len(t), t["section"].value_counts().sort_index().tolist()
    (53, [12, 10, 14, 17])
    >>> t.loc[0, "commentary"]
    'To be completed by the Competent Person'
    >>> t.loc[t["section"] == 4, "status"].unique().tolist()
    ['not applicable yet']
    """
    narrative = {(s, name): text for s, name, text in facts.narrative}
    rows = [_row(c, facts, narrative) for c in CRITERIA]
    return pd.DataFrame(
        rows,
        columns=["section", "section_title", "criterion", "asks", "commentary", "status", "source"],
    )
