"""The uncertainty chapter: every figure and table from a small SYNTHETIC store, notes for
missing tables, the report without the stage, warnings for broken figures, escaping."""

from __future__ import annotations

import doctest

import matplotlib
import numpy as np
import pandas as pd
import pytest

from mine2magnet.report import chapter_uncertainty as module
from mine2magnet.report.build import build_resource_report
from mine2magnet.report.chapter_uncertainty import CHAPTER_FIGURES, uncertainty_chapter
from mine2magnet.report.document import Figure, Report, Section, Table, Text
from mine2magnet.report.html import render_html

matplotlib.use("Agg")

EVIL = "<script>alert(1)</script>"
DOMAINS = ("HG", EVIL)
N_REAL = 5
CUTOFFS = (0.5, 1.0, 2.0, 3.0)
CHILDREN = [
    "uncertainty-method",
    "uncertainty-gradetonnage",
    "uncertainty-value",
    "uncertainty-probability",
    "uncertainty-periods",
    "uncertainty-classification",
    "uncertainty-validation",
]
FIGURE_IDS = {
    "uncertainty-gradetonnage",
    "uncertainty-value-distributions",
    "uncertainty-probability-plan",
    "uncertainty-period-confidence",
    "uncertainty-validation-histogram",
    "uncertainty-validation-variogram",
}
FIGURE_PREFIXES = (
    "uncertainty-probability-section-i",
    "uncertainty-etype-plan-k",
    "uncertainty-support-plan-k",
)
TABLE_IDS = {
    "tab-uncertainty-meta",
    "tab-uncertainty-gradetonnage",
    "tab-uncertainty-outcomes",
    "tab-uncertainty-realisations",
    "tab-uncertainty-probability",
    "tab-uncertainty-periods",
    "tab-uncertainty-panels",
    "tab-uncertainty-classification",
    "tab-uncertainty-validation",
}
PROJECT = {
    "project": {"name": "Uncertain deposit", "synthetic": True},
    "uncertainty": {
        "realisations": N_REAL,
        "classification_support": {"tolerance_pct": 15.0, "confidence_pct": 90.0},
    },
}


def _stats(x: np.ndarray) -> dict[str, float]:
    p10, p50, p90 = np.percentile(x, [10.0, 50.0, 90.0])
    return {"P10": p10, "P50": p50, "P90": p90, "mean": float(np.mean(x))}


def synthetic_store() -> dict[str, pd.DataFrame]:
    """A small SYNTHETIC uncertainty stage output per the contract, with a kriged base."""
    rng = np.random.default_rng(20260)
    grid = pd.DataFrame(
        [
            {
                "origin_easting": 1000.0,
                "origin_northing": 2000.0,
                "origin_elevation": 500.0,
                "block_size_i_m": 10.0,
                "block_size_j_m": 10.0,
                "block_size_k_m": 5.0,
                "count_i": 12,
                "count_j": 9,
                "count_k": 4,
                "rotation_deg": -30.0,
            }
        ]
    )
    i, j, k = (a.ravel() for a in np.meshgrid(np.arange(12), np.arange(9), np.arange(4)))
    r = np.radians(-30.0)
    u, v = (i + 0.5) * 10.0, (j + 0.5) * 10.0
    n = len(i)
    est = np.clip(2.0 + np.sin(i / 3.0) + 0.3 * k + rng.normal(0, 0.3, n), 0.05, None)
    sims = np.clip(est[None, :] + rng.normal(0, 0.6, (N_REAL, n)), 0.0, None)
    tonnes = np.full(n, 10.0 * 10.0 * 5.0 * 2.6)
    resource = np.array(["Measured", "Indicated", "Inferred", ""])[(i // 3) % 4]
    support = np.array(["Measured", "Indicated", "Inferred"])[(i // 4) % 3]
    blocks = pd.DataFrame(
        {
            "i": i,
            "j": j,
            "k": k,
            "domain": np.where(j < 5, DOMAINS[0], DOMAINS[1]),
            "easting": 1000.0 + u * np.cos(r) + v * np.sin(r),
            "northing": 2000.0 - u * np.sin(r) + v * np.cos(r),
            "elevation": 500.0 + (k + 0.5) * 5.0,
            "tonnes": tonnes,
            "TREO_pct_estimate": est,
            "TREO_pct_mean": sims.mean(axis=0),
            "TREO_pct_P10": np.percentile(sims, 10.0, axis=0),
            "TREO_pct_P90": np.percentile(sims, 90.0, axis=0),
            "prob_above_cutoff": (sims >= 3.0).mean(axis=0),
            "resource_class": resource,
            "support_class": support,
        }
    )

    def gt(grades: np.ndarray) -> list[dict[str, float]]:
        out = []
        for c in CUTOFFS:
            m = grades >= c
            t = float(tonnes[m].sum())
            g = float(np.average(grades[m], weights=tonnes[m])) if m.any() else 0.0
            out.append({"cutoff_pct": c, "tonnes": t, "TREO_pct": g, "TREO_t": t * g / 100})
        return out

    gtr = pd.DataFrame([{"realisation": n_, **row} for n_ in range(N_REAL) for row in gt(sims[n_])])
    pct_rows = []
    for c, d in gtr.groupby("cutoff_pct"):
        st = {col: _stats(d[col].to_numpy()) for col in ("tonnes", "TREO_pct", "TREO_t")}
        for s in ("P10", "P50", "P90", "mean"):
            pct_rows.append({"cutoff_pct": c, "statistic": s, **{k_: st[k_][s] for k_ in st}})
    for row in gt(est):
        pct_rows.append({"statistic": "estimate", **row})
    top = gtr[gtr["cutoff_pct"] == 2.0].reset_index(drop=True)
    real = pd.DataFrame(
        {
            "realisation": np.arange(N_REAL),
            "seed": 1000 + np.arange(N_REAL),
            "seconds": rng.uniform(1, 3, N_REAL),
            "tonnes_above_cutoff": top["tonnes"],
            "TREO_pct_above_cutoff": top["TREO_pct"],
            "TREO_t_above_cutoff": top["TREO_t"],
            "pit_value_usd": rng.normal(4.0e8, 6.0e7, N_REAL),
            "pit_ore_tonnes": top["tonnes"] * 0.9,
            "pit_TREO_t": top["TREO_t"] * 0.9,
            "npv_usd": rng.normal(2.5e8, 5.0e7, N_REAL),
        }
    )
    items = [
        ("tonnes above cut-off", "t", real["tonnes_above_cutoff"], 480_000.0),
        ("contained TREO", "t", real["TREO_t_above_cutoff"], 14_000.0),
        ("ultimate pit value", "US$", real["pit_value_usd"], 4.1e8),
        ("pit ore", "t", real["pit_ore_tonnes"], 430_000.0),
        ("NPV", "US$", real["npv_usd"], 2.6e8),
    ]
    outcomes = pd.DataFrame(
        [
            {"item": it, "unit": un, **_stats(x.to_numpy()), "estimate": base}
            for it, un, x, base in items
        ]
    )
    p50 = np.array([9000.0, 12000.0, 11000.0, 10000.0, 8000.0, 6000.0, 0.0])  # last: no feed
    hw = np.array([8.0, 11.0, 14.0, 17.0, 12.0, 9.0, np.nan])
    periods = pd.DataFrame(
        {
            "period": np.arange(7),
            "year_from": np.arange(7) * 2.0,
            "year_to": np.arange(7) * 2.0 + 2,
            "tonnes_estimate": p50 * 40,
            "tonnes_P05": p50 * 38,
            "tonnes_P50": p50 * 40,
            "tonnes_P95": p50 * 42,
            "metal_t_estimate": p50 * 1.02,
            "metal_t_P05": p50 * (1 - hw / 100),
            "metal_t_P50": p50,
            "metal_t_P95": p50 * (1 + hw / 100),
            "half_width_pct": hw,
            "within_tolerance": hw <= 15.0,
        }
    )
    cs = (
        blocks.assign(resource_class=blocks["resource_class"])
        .groupby(["resource_class", "support_class"], as_index=False)
        .agg(tonnes=("tonnes", "sum"), blocks=("tonnes", "size"))
    )
    panels = pd.DataFrame(
        {
            "scale": ["quarter"] * 4 + ["year"] * 2,
            "panel": [0, 1, 2, 3, 0, 1],
            "tonnes": [1.2e5] * 4 + [4.8e5] * 2,
            "metal_t_P05": [3000.0] * 6,
            "metal_t_P50": [3500.0] * 6,
            "metal_t_P95": [4000.0] * 6,
            "half_width_pct": [14.0, 16.0, 12.0, 20.0, 8.0, 9.0],
            "within_tolerance": [True, False, True, False, True, True],
            "panel_shape_blocks": ["4x3x2"] * 4 + ["8x6x2"] * 2,
            "target_tonnes": [1.2e5] * 4 + [4.8e5] * 2,
        }
    )
    q = np.round(np.arange(0.05, 0.96, 0.1), 2)
    vh = pd.DataFrame(
        [
            {
                "domain": d,
                "quantile": qq,
                "data": 1.0 + 3.0 * qq,
                "sim_P10": 0.9 + 2.9 * qq,
                "sim_P50": 1.0 + 3.0 * qq + (0.4 if d == EVIL and qq > 0.9 else 0.0),
                "sim_P90": 1.1 + 3.1 * qq,
                "error_sd": 0.0,
                "tolerance_sd": 0.2,
                "passed": not (d == EVIL and qq > 0.9),
            }
            for d in DOMAINS
            for qq in q
        ]
    )
    lags = np.arange(10.0, 110.0, 10.0)
    vv = pd.DataFrame(
        [
            {
                "domain": d,
                "direction": direc,
                "lag_m": h,
                "model": 0.1 + 0.9 * (1 - np.exp(-3 * h / rng_m)),
                "sim_P10": 0.08 + 0.8 * (1 - np.exp(-3 * h / rng_m)),
                "sim_P50": 0.1 + 0.9 * (1 - np.exp(-3 * h / rng_m)),
                "sim_P90": 0.12 + 1.0 * (1 - np.exp(-3 * h / rng_m)),
                "pairs": 500,
            }
            for d in DOMAINS
            for direc, rng_m in (("major", 120.0), ("semi-major", 80.0), ("minor", 30.0))
            for h in lags
        ]
    )
    summary = pd.DataFrame(
        {
            "domain": [DOMAINS[0], DOMAINS[0], DOMAINS[1], DOMAINS[1]],
            "check": ["histogram", "variogram", "histogram", "variogram"],
            "value": [0.05, 0.08, 0.31, 0.07],
            "tolerance": [0.2, 0.15, 0.2, 0.15],
            "passed": [True, True, False, True],
            "note": ["", "", "upper tail high", ""],
        }
    )
    meta = pd.DataFrame(
        [
            ("method", "sequential Gaussian simulation on block discretisation points"),
            ("realisations", str(N_REAL)),
            ("domains", ",".join(DOMAINS)),
            ("seed", "42"),
            ("executor", "serial"),
            ("ns_variogram", f"HG: fitted; {EVIL}: rescaled"),
            ("cutoff_pct", "3"),
            ("discretisation", "2x2x2"),
            ("run_dir", "out/uncertainty"),
            ("fingerprint", "abc123"),
            ("npv_basis", "base plan re-graded per realisation; not re-optimised"),
            ("notes", f"domain {EVIL} simulated with few data | second note"),
            ("label", "SYNTHETIC"),
        ],
        columns=["key", "value"],
    )
    t = {
        "meta": meta,
        "realisations": real,
        "gradetonnage": gtr,
        "gradetonnage_percentiles": pd.DataFrame(pct_rows),
        "outcomes": outcomes,
        "probability_blocks": blocks,
        "period_confidence": periods,
        "classification_support": cs,
        "support_panels": panels,
        "validation_histogram": vh,
        "validation_variogram": vv,
        "validation_summary": summary,
    }
    out = {f"uncertainty__{name}": df for name, df in t.items()}
    out["estimation__grid"] = grid
    return out


def blocks_of(section: Section) -> list:
    out = list(section.blocks)
    for c in section.children:
        out += blocks_of(c)
    return out


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return synthetic_store()


@pytest.fixture(scope="module")
def chapter(tables) -> Section:
    return uncertainty_chapter(tables, PROJECT, synthetic=False)  # SYNTHETIC from the meta


def test_doctests() -> None:
    assert doctest.testmod(module).failed == 0


def test_every_figure_and_table(tables, chapter) -> None:
    assert chapter.id == "uncertainty" and [c.id for c in chapter.children] == CHILDREN
    blocks = blocks_of(chapter)
    warnings = [b.paragraphs for b in blocks if isinstance(b, Text) and b.kind == "warning"]
    assert not warnings
    figs = [b for b in blocks if isinstance(b, Figure)]
    ids = {f.id for f in figs}
    assert ids >= FIGURE_IDS
    for prefix in FIGURE_PREFIXES:
        assert any(i.startswith(prefix) for i in ids), prefix
    assert len(figs) == len(CHAPTER_FIGURES)
    assert all(f.svg.startswith("<svg") for f in figs)
    assert {b.id for b in blocks if isinstance(b, Table)} == TABLE_IDS
    all_ids = [b.id for b in blocks if isinstance(b, Table | Figure)]
    assert len(all_ids) == len(set(all_ids))
    tabs = {b.id: b for b in blocks if isinstance(b, Table)}
    out = tabs["tab-uncertainty-outcomes"].frame.set_index("Item")
    assert out.loc["NPV", "Unit"] == "US$ M" and out.loc["tonnes above cut-off", "Unit"] == "kt"
    assert out.loc["NPV", "Base case (kriged)"] == "260"
    cls = tabs["tab-uncertainty-classification"].frame
    assert cls["Geometric class"].tolist() == [
        "Measured",
        "Indicated",
        "Inferred",
        "Unclassified",
        "Total",
    ]
    total_kt = tables["uncertainty__probability_blocks"]["tonnes"].sum() / 1e3
    assert cls.iloc[-1]["Total (kt)"] == f"{total_kt:,.0f}"
    per = tabs["tab-uncertainty-periods"].frame
    assert per["Within ±15 %"].tolist() == ["yes", "yes", "yes", "NO", "yes", "yes", "no feed"]
    assert per["Years"].tolist()[:2] == ["1–2", "3–4"]
    assert "Outside the tolerance: 1 of 7 periods." in tabs["tab-uncertainty-periods"].caption
    chart = next(f for f in figs if f.id == "uncertainty-period-confidence")
    assert "Outside tolerance: year(s) 7–8." in chart.caption
    assert "No plant feed in year(s) 13–14." in chart.caption
    val = tabs["tab-uncertainty-validation"].frame
    assert val["Result"].tolist().count("FAILS") == 1
    text = "\n".join(p for b in blocks if isinstance(b, Text) for p in b.paragraphs)
    assert "alongside the geometric classification" in text and "not replacing it" in text
    assert "Seed: 42" in text and "Realisations: 5." in text and "2 × 2 × 2 points" in text
    assert "SYNTHETIC" in text and "Run note: second note" in text
    panels = tabs["tab-uncertainty-panels"].frame
    assert panels["Within ±15 %"].tolist() == ["2 (50 %)", "2 (100 %)"]


def test_synthetic_label(chapter) -> None:
    assert any(b.kind == "synthetic" for b in chapter.blocks)
    figs = [b for b in blocks_of(chapter) if isinstance(b, Figure)]
    assert all("SYNTHETIC data" in f.svg and "SYNTHETIC" in f.caption for f in figs)


def test_inputs_are_not_modified(tables) -> None:
    small = {
        k: v.copy()
        for k, v in tables.items()
        if k.endswith(("period_confidence", "classification_support", "outcomes", "meta"))
    }
    before = {k: v.copy() for k, v in small.items()}
    uncertainty_chapter(small, {}, synthetic=True)
    for k, v in small.items():
        pd.testing.assert_frame_equal(v, before[k])


def test_missing_tables_give_notes() -> None:
    s = uncertainty_chapter({}, {}, synthetic=False)
    assert [c.id for c in s.children] == CHILDREN
    blocks = blocks_of(s)
    assert not any(isinstance(b, Figure) for b in blocks)
    notes = " ".join(b.paragraphs[0] for b in blocks if isinstance(b, Text) and b.kind == "note")
    assert "uncertainty__realisations" in notes and "uncertainty__probability_blocks" in notes
    render_html(Report("T", "S", False, (s,), "2026", "0.1"))


def test_broken_table_gives_a_warning(tables) -> None:
    broken = {
        "uncertainty__realisations": tables["uncertainty__realisations"],
        "uncertainty__period_confidence": tables["uncertainty__period_confidence"].drop(
            columns="metal_t_P95"
        ),
    }
    s = uncertainty_chapter(broken, {}, synthetic=False)
    warns = [b for b in blocks_of(s) if isinstance(b, Text) and b.kind == "warning"]
    assert any("period_confidence_chart" in w.paragraphs[0] for w in warns)


def test_hostile_strings_are_escaped(chapter) -> None:
    html = render_html(Report("T", "S", True, (chapter,), "2026", "0.1"), variant="print")
    assert EVIL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # table cells and SVG text


def test_report_with_and_without_the_stage(tables, chapter, monkeypatch) -> None:
    """The chapter joins the report only with uncertainty__realisations; both build."""
    calls = []

    def drawn(t, dump, *, synthetic):  # the chapter drawn once by the fixture (fast)
        calls.append((set(t), synthetic))
        return chapter

    monkeypatch.setattr(module, "uncertainty_chapter", drawn)

    def build(t):
        return build_resource_report(
            t, PROJECT, software_version="0", runs=pd.DataFrame(), input_hashes={}
        )

    without = build({k: v for k, v in tables.items() if k != "uncertainty__realisations"})
    assert "uncertainty" not in [s.id for s in without.sections]
    report = build(tables)
    ids = [s.id for s in report.sections]
    assert "uncertainty" in ids and ids.index("uncertainty") < ids.index("provenance")
    assert calls == [(set(tables), True)]
    html = render_html(report)
    assert 'id="uncertainty"' in html and 'id="fig-uncertainty-probability-plan"' in html
    assert EVIL not in html
