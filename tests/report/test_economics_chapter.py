"""The economics chapter and the JORC Table 1 Section 4 economic criteria."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

from mine2magnet.economics import economics_params
from mine2magnet.economics.scenarios import scenario_params
from mine2magnet.economics.stage import run_economics
from mine2magnet.report.chapter_economics import (
    CHAPTER_FIGURES,
    economics_chapter,
    table1_section4_economics,
)
from mine2magnet.report.document import Figure, Report, Section, Table, Text

matplotlib.use("Agg")

FIGURE_IDS = {
    "economics-cashflow-profile",
    "economics-waterfall",
    "economics-npv-rate",
    "economics-tornado",
    "economics-spider",
    "economics-npv-histogram",
    "economics-scenarios",
    "economics-magnet",
}

SECTION = {
    "discount_rate_pct": 8,
    "production": {
        "preproduction_years": 2,
        "production_years": 12,
        "ore_tpa": 570_000,
        "waste_tpa": 2e6,
        "ramp_up_pct": [60, 90],
        "products_tpa": {"NdPr oxide": 1800.0, "La-Ce carbonate": 7000.0, "fluorite": 6e4},
    },
    "products": {
        "NdPr oxide": {"composition_pct": {"Nd2O3": 74.6, "Pr6O11": 24.9}},
        "La-Ce carbonate": {"composition_pct": {"La2O3": 24.0, "CeO2": 41.0}, "payability_pct": 75},
        "fluorite": {
            "pricing": "fixed",
            "price_usd_kg": 0.3,
            "grade_linked": False,
            "by_product": True,
        },
    },
    "opex": {
        "mining": {"usd_per_t_mined": 2.5, "local_share_pct": 90},
        "processing": {"usd_per_t_ore": 45.0, "local_share_pct": 60},
        "refining": {"usd_per_t_product": 9000.0, "products": ["NdPr oxide"]},
        "g_and_a": {"fixed_usd_per_year": 1.2e7, "local_share_pct": 80},
    },
    "capex": [
        {"name": "plant", "category": "initial", "amounts_usd": [1.5e8, 2.5e8]},
        {"name": "sustaining", "category": "sustaining", "usd_per_year": 8e6},
    ],
    "closure": {"cost_usd": 4e7, "years": 2},
    "owners": [
        {"name": "state operator", "share_pct": 51},
        {"name": "foreign partner", "share_pct": 49, "foreign": True},
    ],
    "montecarlo": {"draws": 500},
}


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    sc = scenario_params(
        [
            {"name": "(b) carbonate", "route": "mixed_chemical"},
            {"name": "(c) oxides", "route": "separated_oxides"},
            {"name": "(d) alloy", "route": "metals_magnet"},
        ]
    )
    r = run_economics(None, None, economics_params(SECTION), scenarios=sc, seed=7)
    return {f"economics__{k}": v for k, v in r.tables().items()}


@pytest.fixture(scope="module")
def synthetic_chapter(tables) -> Section:
    return economics_chapter(tables, {}, synthetic=True)


def blocks(section: Section) -> list:
    out = list(section.blocks)
    for c in section.children:
        out += blocks(c)
    return out


def test_the_chapter_has_every_figure(tables):
    before = {k: pd.util.hash_pandas_object(v.astype(str)).sum() for k, v in tables.items()}
    s = economics_chapter(tables, {"economics": SECTION}, synthetic=False)
    after = {k: pd.util.hash_pandas_object(v.astype(str)).sum() for k, v in tables.items()}
    assert before == after  # inputs untouched
    assert s.id == "economics"
    assert [c.id for c in s.children] == [
        "economics-cashflow",
        "economics-returns",
        "economics-sensitivity",
        "economics-risk",
        "economics-scenarios",
        "economics-magnet",
        "economics-assumptions",
    ]
    all_blocks = blocks(s)
    figs = [b for b in all_blocks if isinstance(b, Figure)]
    assert {f.id for f in figs} == FIGURE_IDS
    assert len(CHAPTER_FIGURES) == len(FIGURE_IDS)
    assert all(f.svg.startswith("<svg") for f in figs)
    assert not [b for b in all_blocks if isinstance(b, Text) and b.kind == "warning"]
    ids = {b.id for b in all_blocks if isinstance(b, Table)}
    for t in (
        "economics-cashflow-table",
        "economics-metrics",
        "economics-scenario-table",
        "economics-montecarlo",
        "economics-magnet-table",
        "economics-break-even",
    ):
        assert t in ids
    cf = next(b for b in all_blocks if isinstance(b, Table) and b.id == "economics-cashflow-table")
    assert cf.frame["year"].iloc[-1] == "total"
    sc = next(b for b in all_blocks if isinstance(b, Table) and b.id == "economics-scenario-table")
    assert list(sc.frame["scenario"]) == ["base case", "(b) carbonate", "(c) oxides", "(d) alloy"]


def test_the_chapter_renders_to_html(synthetic_chapter):
    from mine2magnet.report.html import render_html

    s = synthetic_chapter
    html = render_html(Report("t", "s", True, (s,), "2026-01-01T00:00:00Z", "0"), variant="print")
    assert "Partner scenarios" in html and "economics-npv-histogram" in html


def test_synthetic_marks(synthetic_chapter):
    s = synthetic_chapter
    assert s.blocks[0].kind == "synthetic"
    figs = [b for b in blocks(s) if isinstance(b, Figure)]
    assert all("SYNTHETIC data" in f.svg and "SYNTHETIC" in f.caption for f in figs)


def test_missing_tables_leave_notes_never_a_crash():
    s = economics_chapter({}, {}, synthetic=False)
    all_blocks = blocks(s)
    assert not [b for b in all_blocks if isinstance(b, Figure)]
    notes = " ".join(p for b in all_blocks if isinstance(b, Text) for p in b.paragraphs)
    for name in (
        "economics__cashflow",
        "economics__tornado",
        "economics__montecarlo_npv",
        "economics__scenarios",
        "economics__magnet",
    ):
        assert name in notes
    assert "no [economics] section" in notes


def test_one_missing_table_only_touches_its_figure(tables):
    part = {k: v for k, v in tables.items() if k != "economics__montecarlo_npv"}
    s = economics_chapter(part, {}, synthetic=False)
    figs = {b.id for b in blocks(s) if isinstance(b, Figure)}
    assert figs == FIGURE_IDS - {"economics-npv-histogram"}
    risk = next(c for c in s.children if c.id == "economics-risk")
    assert "economics__montecarlo_npv" in risk.blocks[0].paragraphs[0]


def test_a_broken_table_leaves_a_warning(tables):
    broken = dict(tables)
    broken["economics__tornado"] = pd.DataFrame({"variable": ["price"]})
    s = economics_chapter(broken, {}, synthetic=False)
    sens = next(c for c in s.children if c.id == "economics-sensitivity")
    warn = [b for b in sens.blocks if isinstance(b, Text) and b.kind == "warning"]
    assert warn and "npv_low_usd" in warn[0].paragraphs[0]
    assert any(isinstance(b, Figure) and b.id == "economics-spider" for b in sens.blocks)


def test_table1_section4(tables):
    t = table1_section4_economics(tables)
    assert list(t.columns) == ["criterion", "commentary", "source"]
    assert t["criterion"].tolist() == ["Costs", "Revenue factors", "Market assessment", "Economic"]
    rows = t.set_index("criterion")
    m = tables["economics__metrics"].set_index(["kind", "series"])
    npv = m.loc[("npv", "after_tax"), "value"] / 1e6
    assert f"US$ {npv:,.1f} M" in rows.loc["Economic", "commentary"]
    assert "P10/P50/P90" in rows.loc["Economic", "commentary"]
    assert "Capital: initial US$ 400.0 M" in rows.loc["Costs", "commentary"]
    assert "state_right" in rows.loc["Costs", "commentary"]
    assert "ex_china_spot_2026q1" in rows.loc["Revenue factors", "commentary"]
    assert "Nd2O3 110.00 US$/kg" in rows.loc["Revenue factors", "commentary"]
    assert "NdPr oxide" in rows.loc["Market assessment", "commentary"]
    assert "Competent Person" in rows.loc["Market assessment", "commentary"]
    assert (t["source"].str.len() > 0).all()
    empty = table1_section4_economics({})
    assert empty["commentary"].str.contains("To be completed").all()
