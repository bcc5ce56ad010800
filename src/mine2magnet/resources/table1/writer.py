"""JORC Table 1 commentary: one writer per criterion, from the facts."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from mine2magnet.resources.table1.criteria import (
    CRITERIA,
    FALLBACK,
    FROM_DATA,
    FROM_PARAMETERS,
    NOT_APPLICABLE,
    NOT_APPLICABLE_TEXT,
    SECTION_TITLES,
    TO_COMPLETE,
    Criterion,
)
from mine2magnet.resources.table1.facts import (
    CompositeFacts,
    EstimationFacts,
    OrientationFacts,
    Table1Facts,
    _g,
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
