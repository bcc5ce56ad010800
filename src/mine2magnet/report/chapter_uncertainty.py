"""The report chapter on uncertainty: the probabilistic Mineral Resource and project value.

:func:`uncertainty_chapter` builds a :class:`~mine2magnet.report.document.Section` from the
uncertainty stage's store tables (``uncertainty__<name>``: ``meta``, ``realisations``,
``gradetonnage``, ``gradetonnage_percentiles``, ``outcomes``, ``probability_blocks``,
``period_confidence``, ``support_panels``, ``classification_support``,
``validation_histogram``, ``validation_variogram``, ``validation_summary``) and
``estimation__grid`` for the maps: the method, grade-tonnage curves with their P10–P90
band, tonnes, metal and value across the realisations, probability-above-cut-off maps,
the confidence of the schedule's production periods, the classification the realisations
support (alongside the geometric classification, never replacing it) and the validation
of the realisations. A missing table gives a note, and a figure that cannot be drawn a
warning: the chapter never fails the report.

P10, P50 and P90 are the 10th, 50th and 90th percentiles over the realisations; P10 is
the low case (90 % of realisations lie above it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from mine2magnet.report.document import Block, Figure, Section, Table, Text
from mine2magnet.resources.statement import format_sig

__all__ = ["CHAPTER_FIGURES", "CHAPTER_ID", "uncertainty_chapter"]

#: Anchor of the chapter.
CHAPTER_ID = "uncertainty"

#: Figure functions of :mod:`mine2magnet.report.figures.uncertainty` the chapter calls.
CHAPTER_FIGURES: tuple[str, ...] = (
    "gradetonnage_band",
    "outcome_distributions",
    "probability_plan",
    "probability_section",
    "etype_plan",
    "period_confidence_chart",
    "support_class_plan",
    "histogram_reproduction",
    "variogram_reproduction",
)

_PREFIX = "uncertainty__"
_HOW = "run the uncertainty stage (m2m run with an [uncertainty] section) and write the report"
_STAT_ORDER = ("P10", "P50", "P90", "mean", "estimate")
_STAT_LABEL = {"estimate": "kriged estimate"}
_CLASSES = ("Measured", "Indicated", "Inferred")
_MAX_REALISATION_ROWS = 50


def _get(tables: Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame | None:
    t = tables.get(f"{_PREFIX}{name}")
    return t if isinstance(t, pd.DataFrame) else None


def _missing(name: str, what: str) -> Text:
    return Text(
        (f"{what} is not available: the project store has no table {_PREFIX}{name}; {_HOW}.",),
        "note",
    )


def _figure(name: str, *args: Any, **kwargs: Any) -> Block:
    """Call ``report.figures.uncertainty.<name>``; a warning instead when it fails."""
    try:
        from mine2magnet.report.figures import uncertainty as figs

        fn: Callable[..., Figure] = getattr(figs, name)
        return fn(*args, **kwargs)
    except Exception as err:  # a figure must never stop the report being written
        return Text((f"Figure {name} could not be drawn: {type(err).__name__}: {err}",), "warning")


def _float(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _num(x: Any, sig: int = 3) -> str:
    v = _float(x)
    if not math.isfinite(v):
        return "—" if x is None or isinstance(x, float | int) or str(x) in ("", "nan") else str(x)
    return format_sig(v, sig)


def _scaled(x: Any, div: float, sig: int = 3) -> str:
    v = _float(x)
    return format_sig(v / div, sig) if math.isfinite(v) else "—"


def _unit_scale(values: pd.Series, unit: str) -> tuple[float, str]:
    """Divisor and shown unit for tonnes [t] and money [US$]; others unchanged."""
    v = pd.to_numeric(values, errors="coerce").abs()
    big = float(v.max()) if v.notna().any() else 0.0
    u = unit.strip()
    if u == "t":
        return (1e6, "Mt") if big >= 1e6 else (1e3, "kt") if big >= 1e3 else (1.0, "t")
    if u.upper() in ("US$", "USD", "$"):
        return (1e9, "US$ B") if big >= 1e9 else (1e6, "US$ M") if big >= 1e6 else (1.0, "US$")
    return 1.0, u


def _meta(tables: Mapping[str, pd.DataFrame]) -> dict[str, str]:
    meta = _get(tables, "meta")
    if meta is None or not {"key", "value"} <= set(meta.columns):
        return {}
    return {
        str(k): "" if pd.isna(v) else str(v)
        for k, v in zip(meta["key"], meta["value"], strict=True)
    }


def _lookup(meta: Mapping[str, str], *keys: str) -> str | None:
    """The first meta value whose key matches one of ``keys`` (case, ``-``/``_``/space blind)."""

    def norm(s: str) -> str:
        return re.sub(r"[\s_\-]+", "", s.lower())

    by = {norm(k): v for k, v in meta.items()}
    for k in keys:
        v = by.get(norm(k))
        if v not in (None, ""):
            return v
    return None


def _first_number(text: str | None) -> float | None:
    if text is None:
        return None
    m = re.search(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", text)
    return float(m.group()) if m else None


def _section_params(dump: Mapping[str, Any]) -> dict[str, Any]:
    u = dump.get("uncertainty") if isinstance(dump, Mapping) else None
    return dict(u) if isinstance(u, Mapping) else {}


def _support_params(dump: Mapping[str, Any]) -> dict[str, Any]:
    cs = _section_params(dump).get("classification_support")
    return dict(cs) if isinstance(cs, Mapping) else {}


def _tolerance(meta: Mapping[str, str], dump: Mapping[str, Any]) -> float:
    v = _first_number(_lookup(meta, "tolerance_pct", "tolerance"))
    if v is None:
        v = _float(_support_params(dump).get("tolerance_pct"))
    return v if v is not None and math.isfinite(v) else 15.0


def _confidence(meta: Mapping[str, str], dump: Mapping[str, Any]) -> float:
    v = _first_number(_lookup(meta, "confidence_pct", "confidence"))
    if v is None:
        v = _float(_support_params(dump).get("confidence_pct"))
    return v if v is not None and math.isfinite(v) else 90.0


def _cutoff(meta: Mapping[str, str], dump: Mapping[str, Any]) -> float | None:
    v = _first_number(
        _lookup(meta, "probability_cutoff_pct", "cutoff_pct", "cut-off", "cutoff", "cut off")
    )
    if v is None:
        c = _float(_section_params(dump).get("probability_cutoff_pct"))
        v = c if math.isfinite(c) else None
    return v


def _is_synthetic(meta: Mapping[str, str], synthetic: bool) -> bool:
    """The project flag, or the stage's label (``label = "SYNTHETIC"`` or a key naming it)."""
    if synthetic:
        return True
    for k, v in meta.items():
        value = v.strip().lower()
        if "synthetic" in k.lower() and value not in ("", "false", "0", "no", "none"):
            return True
        if k.lower() in ("label", "synthetic_label") and "synthetic" in value:
            return True
    return False


def _support_text(support: str) -> str:
    m = re.fullmatch(r"\s*(\d+)\s*[x×,]\s*(\d+)\s*[x×,]\s*(\d+)\s*", support)
    if m:
        return f"{m[1]} × {m[2]} × {m[3]} points per block"
    return support


# ---------------------------------------------------------------------------- sections


def _method_section(
    tables: Mapping[str, pd.DataFrame], dump: Mapping[str, Any], synthetic: bool
) -> Section:
    meta = _meta(tables)
    params = _section_params(dump)
    real = _get(tables, "realisations")
    n_real = _lookup(meta, "realisations", "n_realisations")
    if n_real is None and real is not None:
        n_real = str(len(real))
    if n_real is None and params.get("realisations") is not None:
        n_real = str(params["realisations"])
    method = _lookup(meta, "method", "simulation") or "sequential Gaussian simulation (SGS)"
    transform = _lookup(meta, "transform", "normal_score", "normal-score")
    multi = _lookup(meta, "multivariate", "multivariate_method", "multivariate method")
    columns = _lookup(meta, "columns", "variables")
    if columns is None and params.get("columns"):
        columns = ", ".join(str(c) for c in params["columns"])
    domains = _lookup(meta, "domains")
    if domains and ", " not in domains:
        domains = domains.replace(",", ", ")
    if domains is None and params.get("domains"):
        domains = ", ".join(str(c) for c in params["domains"])
    support = _lookup(meta, "support", "discretisation", "change_of_support")
    if support is None and params.get("discretisation"):
        support = " × ".join(str(c) for c in params["discretisation"]) + " points per block"
    seed = _lookup(meta, "seed", "project_seed")
    ns = _lookup(meta, "ns_variogram", "normal_score_variogram")
    executor = _lookup(meta, "executor", "scheduler")
    cutoff = _cutoff(meta, dump)
    method_text = (
        f"Method: {method}. The simulated variables are transformed to normal scores "
        + (f"({transform}) " if transform else "")
        + "through their declustered distributions, simulated conditionally to the "
        "composites and back-transformed; each realisation is an equally probable image of "
        "the deposit that honours the data, their histogram and their variogram. Every "
        "realisation is carried through the grade-tonnage, its own ultimate pit and the "
        "base plan's cash flow."
    )
    if _is_synthetic(meta, synthetic):
        method_text += (
            " The project is SYNTHETIC: its drillholes, its deposit and therefore every "
            "realisation, probability and percentile below are invented for the "
            "demonstration."
        )
    facts = []
    if multi:
        facts.append(f"Multivariate method: {multi}.")
    if columns:
        facts.append(f"Simulated grades: {columns}.")
    if domains:
        facts.append(f"Domains: {domains}.")
    if support:
        facts.append(
            f"Block support: {_support_text(support)} (simulated points averaged to blocks)."
        )
    if ns:
        facts.append(f"Normal-score variogram: {ns}.")
    if n_real:
        facts.append(f"Realisations: {n_real}.")
    if seed:
        facts.append(f"Seed: {seed} (each realisation's seed is drawn from it).")
    if executor:
        facts.append(f"Executor: {executor}.")
    if cutoff is not None:
        facts.append(f"Probability cut-off: {cutoff:g} % TREO.")
    paragraphs = [method_text, " ".join(facts)] if facts else [method_text]
    blocks: list[Block] = [Text(tuple(paragraphs))]
    notes = _lookup(meta, "notes")
    if notes:
        blocks.append(
            Text(tuple(f"Run note: {n.strip()}" for n in notes.split(" | ") if n.strip()), "note")
        )
    blocks.append(
        Text(
            (
                "What the spread covers: the uncertainty of grades between drillholes given "
                "the data, the domains and the variogram model. It does not cover the "
                "domain boundaries, density, the variogram parameters, metallurgical "
                "recovery, prices or costs (see the economics chapter for those). A P10–P90 "
                "range is a statement about this model of the deposit, not a guarantee.",
            ),
            "note",
        )
    )
    if meta:
        shown = pd.DataFrame(
            {
                "Item": [k.replace("_", " ") for k in meta],
                "Value": list(meta.values()),
            }
        )
        blocks.append(
            Table(
                "tab-uncertainty-meta",
                "Simulation run: parameters and provenance",
                shown,
                caption="As recorded by the uncertainty stage (uncertainty__meta).",
            )
        )
    else:
        blocks.append(_missing("meta", "The record of the simulation run"))
    return Section("uncertainty-method", "Method and basis", tuple(blocks))


def _gradetonnage_section(tables: Mapping[str, pd.DataFrame], synthetic: bool) -> Section:
    sid, title = "uncertainty-gradetonnage", "Grade-tonnage curves with their uncertainty"
    pct = _get(tables, "gradetonnage_percentiles")
    if pct is None:
        return Section(sid, title, (_missing("gradetonnage_percentiles", "The curves"),))
    curves = _get(tables, "gradetonnage")
    blocks: list[Block] = [_figure("gradetonnage_band", pct, curves, synthetic=synthetic)]
    need = {"cutoff_pct", "statistic", "tonnes", "TREO_pct"}
    if need <= set(pct.columns) and len(pct):
        d = pct.copy()
        d["_order"] = (
            d["statistic"]
            .astype(str)
            .map({s: n for n, s in enumerate(_STAT_ORDER)})
            .fillna(len(_STAT_ORDER))
        )
        d = d.sort_values(["cutoff_pct", "_order"])
        t_div, t_unit = _unit_scale(d["tonnes"], "t")
        frame = {
            "Cut-off (% TREO)": [f"{_float(v):g}" for v in d["cutoff_pct"]],
            "Statistic": [_STAT_LABEL.get(str(s), str(s)) for s in d["statistic"]],
            f"Tonnes ({t_unit})": [_scaled(v, t_div) for v in d["tonnes"]],
            "TREO (%)": [_num(v) for v in d["TREO_pct"]],
        }
        if "TREO_t" in d:
            m_div, m_unit = _unit_scale(d["TREO_t"], "t")
            frame[f"Contained TREO ({m_unit})"] = [_scaled(v, m_div) for v in d["TREO_t"]]
        blocks.append(
            Table(
                "tab-uncertainty-gradetonnage",
                "Grade-tonnage over the realisations, by cut-off",
                pd.DataFrame(frame),
                caption="Simulated domains, whole model, no RPEEE constraint, at 3 "
                "significant figures. Percentiles are taken for each quantity separately, "
                "so a row of P10 values is not one realisation. Kriged estimate: the "
                "grade-tonnage of the same blocks in the estimated block model.",
            )
        )
    return Section(sid, title, tuple(blocks))


def _outcomes_table(out: pd.DataFrame) -> Table:
    rows = []
    stats = [c for c in ("P10", "P50", "P90", "mean", "estimate") if c in out.columns]
    for _, r in out.iterrows():
        unit = str(r.get("unit", "") or "")
        vals = pd.Series([r[c] for c in stats])
        div, shown_unit = _unit_scale(vals, unit)
        row = {"Item": str(r["item"]), "Unit": shown_unit}
        for c in stats:
            row[{"mean": "Mean", "estimate": "Base case (kriged)"}.get(c, c)] = _scaled(r[c], div)
        p10, p50, p90 = (_float(r.get(c)) for c in ("P10", "P50", "P90"))
        spread = (p90 - p10) / abs(p50) * 100.0 if math.isfinite(p50) and p50 != 0 else math.nan
        row["P90 − P10 (% of P50)"] = f"{spread:.0f}" if math.isfinite(spread) else "—"
        rows.append(row)
    return Table(
        "tab-uncertainty-outcomes",
        "Outcomes over the realisations",
        pd.DataFrame(rows),
        caption="P10, P50, P90 and mean over the realisations, at 3 significant figures, "
        "and the base case from the kriged block model. Tonnes and contained TREO above "
        "the probability cut-off; pit value and pit ore of each realisation's own ultimate "
        "pit; NPV of the base plan applied to each realisation. Money in the model's money "
        "basis. '—': not computed.",
    )


def _realisations_table(real: pd.DataFrame) -> Table:
    cols = {
        "realisation": ("#", lambda v: str(int(v))),
        "seed": ("Seed", lambda v: str(int(v)) if math.isfinite(_float(v)) else str(v)),
        "tonnes_above_cutoff": ("Tonnes (Mt)", lambda v: _scaled(v, 1e6)),
        "TREO_pct_above_cutoff": ("TREO (%)", _num),
        "TREO_t_above_cutoff": ("TREO (kt)", lambda v: _scaled(v, 1e3)),
        "pit_ore_tonnes": ("Pit ore (Mt)", lambda v: _scaled(v, 1e6)),
        "pit_value_usd": ("Pit value (US$ M)", lambda v: _scaled(v, 1e6)),
        "npv_usd": ("NPV (US$ M)", lambda v: _scaled(v, 1e6)),
        "seconds": ("Time (s)", lambda v: _num(v, 2)),
    }
    d = real.sort_values("realisation") if "realisation" in real else real
    shown = d.head(_MAX_REALISATION_ROWS)
    frame = pd.DataFrame(
        {label: [f(v) for v in shown[c]] for c, (label, f) in cols.items() if c in shown}
    )
    caption = (
        "Every realisation with its seed: tonnes, grade and contained TREO above the "
        "probability cut-off, ore and value of its ultimate pit, NPV of the base plan, and "
        "the time it took; '—' where the pit or the NPV was not computed."
    )
    if len(d) > len(shown):
        caption += (
            f" The first {len(shown)} of {len(d)}; the store table uncertainty__realisations "
            "holds all."
        )
    return Table("tab-uncertainty-realisations", "The realisations", frame, caption=caption)


def _value_section(tables: Mapping[str, pd.DataFrame], synthetic: bool) -> Section:
    sid, title = "uncertainty-value", "Tonnes, metal and value across the realisations"
    blocks: list[Block] = []
    out = _get(tables, "outcomes")
    real = _get(tables, "realisations")
    if out is None or not {"item"} <= set(out.columns):
        blocks.append(_missing("outcomes", "The outcomes table"))
    else:
        blocks.append(_outcomes_table(out))
    if real is None:
        blocks.append(_missing("realisations", "The realisations"))
    else:
        valued = [
            c
            for c in ("pit_value_usd", "npv_usd")
            if c in real and pd.to_numeric(real[c], errors="coerce").notna().any()
        ]
        if valued:
            blocks.append(_figure("outcome_distributions", real, out, synthetic=synthetic))
        else:
            blocks.append(
                Text(
                    (
                        "The realisations were not valued ([uncertainty] pit = false and "
                        "npv = false): no distribution of pit value or NPV.",
                    ),
                    "note",
                )
            )
        blocks.append(_realisations_table(real))
    return Section(sid, title, tuple(blocks))


def _probability_section(
    tables: Mapping[str, pd.DataFrame], dump: Mapping[str, Any], synthetic: bool
) -> Section:
    sid, title = "uncertainty-probability", "Probability above cut-off and the E-type mean"
    pb = _get(tables, "probability_blocks")
    if pb is None:
        return Section(sid, title, (_missing("probability_blocks", "The probability maps"),))
    grid = tables.get("estimation__grid")
    grid = grid if isinstance(grid, pd.DataFrame) and len(grid) == 1 else None
    cutoff = _cutoff(_meta(tables), dump)
    lead = (
        "Each block's probability above cut-off is the fraction of realisations in which "
        "its simulated TREO grade (block support) is at or above the cut-off. Blocks near "
        "0 or 1 are well known; blocks near 0.5 are where more drilling changes the "
        "outline of the ore most.",
    )
    blocks: list[Block] = [
        Text(lead),
        _figure("probability_plan", pb, grid, cutoff_pct=cutoff, synthetic=synthetic),
        _figure("probability_section", pb, grid, cutoff_pct=cutoff, synthetic=synthetic),
        _figure("etype_plan", pb, grid, synthetic=synthetic),
    ]
    if {"tonnes", "prob_above_cutoff"} <= set(pb.columns) and len(pb):
        t = pd.to_numeric(pb["tonnes"], errors="coerce").fillna(0.0)
        p = pd.to_numeric(pb["prob_above_cutoff"], errors="coerce").fillna(0.0)
        bins = [(0.0, 0.1), (0.1, 0.5), (0.5, 0.9), (0.9, 1.0)]
        div, unit = _unit_scale(pd.Series([t.sum()]), "t")
        rows = []
        for lo, hi in bins:
            m = (p >= lo) & ((p < hi) if hi < 1.0 else (p <= hi))
            rows.append(
                {
                    "Probability above cut-off": f"{lo:g} to {hi:g}" if hi < 1.0 else f"≥ {lo:g}",
                    "Blocks": f"{int(m.sum()):,}",
                    f"Tonnes ({unit})": _scaled(t[m].sum(), div),
                    f"Expected tonnes above cut-off ({unit})": _scaled((t * p)[m].sum(), div),
                }
            )
        blocks.append(
            Table(
                "tab-uncertainty-probability",
                "Simulated tonnes by probability above cut-off",
                pd.DataFrame(rows),
                caption="Blocks of the simulated domains grouped by probability; expected "
                "tonnes above cut-off = tonnes × probability. Lower bound of each range "
                "included, upper excluded (the last range includes 1).",
            )
        )
    return Section(sid, title, tuple(blocks))


def _period_section(
    tables: Mapping[str, pd.DataFrame], dump: Mapping[str, Any], synthetic: bool
) -> Section:
    sid, title = "uncertainty-periods", "Confidence of the schedule's production periods"
    pc = _get(tables, "period_confidence")
    meta = _meta(tables)
    tol = _tolerance(meta, dump)
    conf = _confidence(meta, dump)
    blocks: list[Block] = []
    if pc is None:
        blocks.append(_missing("period_confidence", "The period confidence"))
    elif pc.empty:
        blocks.append(
            Text(
                (
                    "No schedule period was evaluated: the realisations were not run through "
                    "the base plan ([uncertainty] npv = false, or no reserve schedule).",
                ),
                "note",
            )
        )
    else:
        lead = (
            f"Each schedule period's plant feed is evaluated in every realisation. A "
            f"period meets the tolerance when the {conf:g} % interval of its contained "
            f"TREO lies within ±{tol:g} % of the median (P50). This is the production-based "
            "test of classification: Measured supports quarterly, Indicated annual "
            "production within the tolerance."
        )
        basis = _lookup(meta, "npv_basis")
        if basis:
            lead += f" Plan: {basis}."
        plan_cut = _lookup(meta, "plan_cutoff_treo_pct")
        if plan_cut:
            lead += f" Cut-off of the plan by period: {plan_cut} % TREO."
        blocks.append(Text((lead,)))
        blocks.append(
            _figure("period_confidence_chart", pc, tolerance_pct=tol, synthetic=synthetic)
        )
        if "period" in pc and len(pc):
            d = pc.sort_values("period")
            metal = [c for c in ("metal_t_P05", "metal_t_P50", "metal_t_P95") if c in d]
            m_div, m_unit = _unit_scale(
                pd.concat([d[c] for c in metal]) if metal else pd.Series(dtype=float), "t"
            )
            f_div, f_unit = _unit_scale(d.get("tonnes_P50", pd.Series(dtype=float)), "t")
            cols: dict[str, tuple[str, Callable[[Any], str]]] = {
                "tonnes_P50": (f"Feed P50 ({f_unit})", lambda v: _scaled(v, f_div)),
                "metal_t_estimate": (f"TREO est. ({m_unit})", lambda v: _scaled(v, m_div)),
                "metal_t_P05": (f"TREO P05 ({m_unit})", lambda v: _scaled(v, m_div)),
                "metal_t_P50": (f"TREO P50 ({m_unit})", lambda v: _scaled(v, m_div)),
                "metal_t_P95": (f"TREO P95 ({m_unit})", lambda v: _scaled(v, m_div)),
                "half_width_pct": ("Half-width (%)", lambda v: _num(v, 2)),
            }
            frame = {"Years": _years(d)}
            frame.update({label: [f(v) for v in d[c]] for c, (label, f) in cols.items() if c in d})
            fed = (
                (pd.to_numeric(d["metal_t_P50"], errors="coerce") > 0).to_numpy()
                if "metal_t_P50" in d
                else [True] * len(d)
            )
            n_out = 0
            if "within_tolerance" in d:
                ok = d["within_tolerance"].fillna(False).astype(bool).to_numpy()
                frame[f"Within ±{tol:g} %"] = [
                    ("yes" if o else "NO") if f else "no feed" for o, f in zip(ok, fed, strict=True)
                ]
                n_out = int(sum(1 for o, f in zip(ok, fed, strict=True) if f and not o))
            blocks.append(
                Table(
                    "tab-uncertainty-periods",
                    "Plant feed and contained TREO per schedule period",
                    pd.DataFrame(frame),
                    caption="Plant feed (P50) and its contained TREO (P05, P50, P95) over the "
                    "realisations, and the TREO of the plan on the kriged estimate (est.); "
                    f"half-width of the "
                    f"{conf:g} % interval as a percentage of the P50. Outside the "
                    f"tolerance: {n_out} of {len(d)} periods.",
                )
            )
    panels = _get(tables, "support_panels")
    if panels is not None and {"scale", "half_width_pct"} <= set(panels.columns) and len(panels):
        rows = []
        for scale, g in panels.groupby(panels["scale"].astype(str), sort=False):
            ok = (
                g["within_tolerance"].fillna(False).astype(bool)
                if "within_tolerance" in g
                else None
            )
            shape = str(g["panel_shape_blocks"].iloc[0]) if "panel_shape_blocks" in g else "—"
            target = _scaled(g["target_tonnes"].iloc[0], 1e3) if "target_tonnes" in g else "—"
            rows.append(
                {
                    "Panel": scale,
                    "Shape (blocks i × j × k)": shape.replace("x", " × "),
                    "Target (kt)": target,
                    "Panels": f"{len(g):,}",
                    "Median tonnes (kt)": _scaled(g["tonnes"].median(), 1e3)
                    if "tonnes" in g
                    else "—",
                    "Median half-width (%)": _num(g["half_width_pct"].median(), 2),
                    f"Within ±{tol:g} %": f"{int(ok.sum()):,} ({100 * ok.mean():.0f} %)"
                    if ok is not None
                    else "—",
                }
            )
        blocks.append(
            Table(
                "tab-uncertainty-panels",
                "Production panels of the classification support",
                pd.DataFrame(rows),
                caption="Blocks grouped into cuboid panels whose tonnage is closest to a "
                "quarter (resp. a year) of plant feed; a panel's metal is the contained "
                "TREO above the probability cut-off.",
            )
        )
    return Section(sid, title, tuple(blocks))


def _years(periods: pd.DataFrame) -> list[str]:
    """Period labels: years ``a+1`` or ``a+1–b`` from ``year_from``/``year_to``."""
    if {"year_from", "year_to"} <= set(periods.columns):
        out = []
        for a, b in zip(periods["year_from"], periods["year_to"], strict=True):
            a, b = int(a), int(b)
            out.append(f"{a + 1}" if b - a <= 1 else f"{a + 1}–{b}")
        return out
    return [f"period {int(p)}" for p in periods["period"]]


def _classification_section(
    tables: Mapping[str, pd.DataFrame], dump: Mapping[str, Any], synthetic: bool
) -> Section:
    sid, title = "uncertainty-classification", "Classification support"
    cs = _get(tables, "classification_support")
    tol = _tolerance(_meta(tables), dump)
    conf = _confidence(_meta(tables), dump)
    blocks: list[Block] = [
        Text(
            (
                "The support class of a block is the class the realisations support: "
                f"Measured when its quarterly production panel's {conf:g} % interval of "
                f"metal is within ±{tol:g} %, else Indicated when its annual panel's is, "
                "else Inferred. It is reported alongside the geometric classification of "
                "the Mineral Resource, not replacing it: the Mineral Resource statement "
                "keeps the geometric classes, and the Competent Person weighs both.",
            )
        )
    ]
    if cs is None or not {"resource_class", "support_class", "tonnes"} <= set(cs.columns):
        blocks.append(_missing("classification_support", "The classification crosstab"))
    else:
        d = cs.copy()
        d["resource_class"] = d["resource_class"].fillna("").astype(str).replace("", "Unclassified")
        d["support_class"] = d["support_class"].astype(str)
        tab = d.pivot_table(
            index="resource_class", columns="support_class", values="tonnes", aggfunc="sum"
        ).fillna(0.0)
        sup = [c for c in _CLASSES if c in tab.columns] + [
            c for c in tab.columns if c not in _CLASSES
        ]
        order = [c for c in (*_CLASSES, "Unclassified") if c in tab.index] + [
            c for c in tab.index if c not in (*_CLASSES, "Unclassified")
        ]
        tab = tab.reindex(index=order, columns=sup)
        tab["Total"] = tab.sum(axis=1)
        tab.loc["Total"] = tab.sum(axis=0)
        div, unit = _unit_scale(pd.Series([float(tab.loc["Total", "Total"])]), "t")
        shown = pd.DataFrame({"Geometric class": list(tab.index)})
        for c in tab.columns:
            label = f"{c} support ({unit})" if c != "Total" else f"Total ({unit})"
            shown[label] = [_scaled(v, div) for v in tab[c]]
        blocks.append(
            Table(
                "tab-uncertainty-classification",
                "Geometric class against support class (tonnes)",
                shown,
                caption="Tonnes of the simulated blocks by the class of the Mineral Resource "
                "(rows, geometric criteria) and by the class the realisations support "
                "(columns), at 3 significant figures.",
            )
        )
        agree = sum(float(tab.loc[c, c]) for c in _CLASSES if c in tab.index and c in tab.columns)
        total = float(tab.loc["Total", "Total"])
        if total > 0:
            blocks.append(
                Text(
                    (
                        f"The two classifications agree on {100 * agree / total:.0f} % of "
                        "the simulated tonnes.",
                    )
                )
            )
    pb = _get(tables, "probability_blocks")
    if pb is not None and {"resource_class", "support_class"} <= set(pb.columns):
        grid = tables.get("estimation__grid")
        grid = grid if isinstance(grid, pd.DataFrame) and len(grid) == 1 else None
        blocks.append(_figure("support_class_plan", pb, grid, synthetic=synthetic))
    return Section(sid, title, tuple(blocks))


def _validation_section(tables: Mapping[str, pd.DataFrame], synthetic: bool) -> Section:
    sid, title = "uncertainty-validation", "Validation of the realisations"
    blocks: list[Block] = [
        Text(
            (
                "Realisations are fit for use when they reproduce, in each domain, the "
                "declustered histogram of the data and the normal-score variogram model the "
                "simulation was given; the checks below test both, and the mean against the "
                "data and the estimate.",
            )
        )
    ]
    vh = _get(tables, "validation_histogram")
    vv = _get(tables, "validation_variogram")
    vs = _get(tables, "validation_summary")
    if vh is None:
        blocks.append(_missing("validation_histogram", "The histogram reproduction"))
    else:
        blocks.append(_figure("histogram_reproduction", vh, synthetic=synthetic))
    if vv is None:
        blocks.append(_missing("validation_variogram", "The variogram reproduction"))
    else:
        blocks.append(_figure("variogram_reproduction", vv, synthetic=synthetic))
    if vs is None or not {"domain", "check"} <= set(vs.columns):
        blocks.append(_missing("validation_summary", "The validation summary"))
    else:
        passed = (
            vs["passed"].fillna(False).astype(bool)
            if "passed" in vs
            else pd.Series(True, index=vs.index)
        )
        frame = pd.DataFrame(
            {
                "Domain": vs["domain"].astype(str),
                "Check": vs["check"].astype(str),
                "Value": [_num(v) for v in vs["value"]] if "value" in vs else "",
                "Tolerance": [_num(v) for v in vs["tolerance"]] if "tolerance" in vs else "",
                "Result": ["passes" if p else "FAILS" for p in passed],
                "Note": vs["note"].fillna("").astype(str) if "note" in vs else "",
            }
        ).reset_index(drop=True)
        blocks.append(
            Table(
                "tab-uncertainty-validation",
                "Validation checks",
                frame,
                caption=f"{int(passed.sum())} of {len(vs)} checks pass.",
            )
        )
        if not passed.all():
            failed = sorted(
                {
                    f"{d}: {c}"
                    for d, c, p in zip(vs["domain"], vs["check"], passed, strict=True)
                    if not p
                }
            )
            blocks.append(
                Text(
                    (
                        "Checks that fail: " + "; ".join(failed) + ". The Competent Person "
                        "should judge whether the affected realisations may be used or the "
                        "simulation parameters revised.",
                    ),
                    "note",
                )
            )
    return Section(sid, title, tuple(blocks))


def uncertainty_chapter(
    tables: Mapping[str, pd.DataFrame], project_dump: Mapping[str, Any], *, synthetic: bool
) -> Section:
    """The uncertainty chapter of the report.

    Parameters
    ----------
    tables : Mapping[str, pandas.DataFrame]
        Store tables by full name (``uncertainty__realisations``,
        ``uncertainty__probability_blocks``, ``estimation__grid`` …); any may be missing.
        Not modified.
    project_dump : Mapping
        ``Project.model_dump(mode="json")`` (the ``[uncertainty]`` section fills what
        ``uncertainty__meta`` does not record).
    synthetic : bool
        Mark figures and the chapter as SYNTHETIC data.

    Returns
    -------
    Section
        Anchor :data:`CHAPTER_ID`, with sections on the method, grade-tonnage, value,
        probability maps, production periods, classification support and validation.

    Examples
    --------
    >>> s = uncertainty_chapter({}, {}, synthetic=False)
    >>> s.id, [c.id for c in s.children][:2]
    ('uncertainty', ['uncertainty-method', 'uncertainty-gradetonnage'])
    """
    intro = (
        "How well the grades are known and what that means for tonnes, metal, the pit and "
        "the project's value: conditional simulation gives many equally probable versions "
        "of the deposit, each carried through the grade-tonnage, the ultimate pit and the "
        "base plan's cash flow.",
    )
    blocks: list[Block] = [Text(intro)]
    synthetic = _is_synthetic(_meta(tables), synthetic)
    if synthetic:
        blocks.append(
            Text(
                (
                    "SYNTHETIC data: the deposit and its realisations are invented for the "
                    "demonstration; they describe no real project.",
                ),
                "synthetic",
            )
        )
    children = (
        _method_section(tables, project_dump, synthetic),
        _gradetonnage_section(tables, synthetic),
        _value_section(tables, synthetic),
        _probability_section(tables, project_dump, synthetic),
        _period_section(tables, project_dump, synthetic),
        _classification_section(tables, project_dump, synthetic),
        _validation_section(tables, synthetic),
    )
    return Section(
        CHAPTER_ID, "Uncertainty: probabilistic resource and value", tuple(blocks), children
    )
