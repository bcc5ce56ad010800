"""The mining chapter: every section present, notes for missing tables, warnings for broken
figures, the Reserve at its significant figures, escaping, and the demo store."""

from __future__ import annotations

import doctest
import shutil
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from mine2magnet.mining.params import mining_params
from mine2magnet.mining.stage import schedule_and_reserve
from mine2magnet.report import chapter_mining as module
from mine2magnet.report.chapter_mining import mining_chapter
from mine2magnet.report.document import Figure, Report, Section, Table, Text
from mine2magnet.report.html import render_html
from mine2magnet.resources.statement import format_sig

matplotlib.use("Agg")

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo" / "out" / "project.duckdb"
EVIL = "<script>alert(1)</script>"
CHILDREN = [
    "mining-pit",
    "mining-slopes",
    "mining-shells",
    "mining-phases",
    "mining-schedule",
    "mining-reserve",
]

MINING = {
    "prices_usd_kg": {"Nd2O3": 100.0, "Pr6O11": 100.0},
    "default_recovery_pct": 50.0,
    "processing_cost_usd_t": 100.0,
    "mining_rate_tpa": 6000.0,
    "processing_rate_tpa": 2500.0,
    "slopes": {
        "default_angle_deg": 45.0,
        "sectors": [
            {"azimuth_from_deg": 0, "azimuth_to_deg": 90, "angle_deg": 40, "domains": [EVIL]}
        ],
    },
    "schedule": {"periods": 5, "period_years": 2},
    "reserve": {"effective_date": "2026-01-01"},
}


def blocks_of(section: Section) -> list:
    out = list(section.blocks)
    for c in section.children:
        out += blocks_of(c)
    return out


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    """Store tables of a small two-phase pit, its schedule and Reserve."""
    pit_rows, res = [], []
    for i in range(6):
        for k in range(4):
            pit_rows.append({"i": i, "j": 0, "k": k, "in_block_model": True, "tonnes": 1000.0,
                             "phase": 1 if i < 3 else 2, "pit_id": 1 if i < 3 else 2,
                             "revenue_factor": 0.5 if i < 3 else 1.0,
                             "elevation": 5.0 + 10 * k, "ground_m": 40.0})  # fmt: skip
            nd = 0.3 + 0.1 * ((i + k) % 4)
            res.append({"i": i, "j": 0, "k": k, "domain": "ORE", "tonnes": 900.0,
                        "resource_class": ("Measured", "Indicated", "Inferred")[(i + k) % 3],
                        "in_resource": True, "Nd2O3_pct": nd, "Pr6O11_pct": nd / 4,
                        "TREO_pct": 6 * nd})  # fmt: skip
    pit = pd.DataFrame(pit_rows)
    pit["processing_cost_usd"] = pit["tonnes"] * 0.9975 * 100.0
    pit["mining_cost_usd"] = pit["tonnes"] * 2.5
    phases = pd.DataFrame({"phase": [1, 2], "pit": [1, 2], "revenue_factor": [0.5, 1.0],
                           "tonnes": [12e3, 12e3], "ore_tonnes": [5e3, 6e3],
                           "waste_tonnes": [7e3, 6e3], "strip_ratio": [1.4, 1.0],
                           "value_usd": [1e6, 2e6], "min_width_m": [10.0, 30.0],
                           "narrow_blocks": [3, 0], "width_ok": [False, True]})  # fmt: skip
    pbp = pd.DataFrame({"pit": [1, 2], "revenue_factor": [0.5, 1.0], "tonnes": [12e3, 24e3],
                        "ore_tonnes": [5e3, 11e3], "waste_tonnes": [7e3, 13e3],
                        "strip_ratio": [1.4, 1.2], "value_usd": [1e6, 3e6],
                        "npv_best_usd": [9e5, 2.5e6], "npv_worst_usd": [9e5, 2.2e6]})  # fmt: skip
    summary = pd.DataFrame({"item": ["engine", "ultimate pit value", "ultimate pit blocks"],
                            "value": ["mineflow", "3567300599.14", "78135"],
                            "unit": ["-", "US$", "-"]})  # fmt: skip
    errors = pd.DataFrame({"zone": [0, 0], "azimuth_deg": [0.0, 180.0], "target_deg": [45.0] * 2,
                           "pattern_deg": [46.0, 44.0], "error_deg": [1.0, -1.0]})  # fmt: skip
    zones = pd.DataFrame({"zone": [0], "sectors": ["0"], "blocks": [24], "n_offsets": [5],
                          "n_cone": [5], "n_benches": [1], "max_steeper_deg": [1.0],
                          "max_flatter_deg": [1.0], "mean_abs_error_deg": [0.5]})  # fmt: skip
    grid = pd.DataFrame([{"origin_easting": 0.0, "origin_northing": 0.0,
                          "origin_elevation": 0.0, "block_size_i_m": 10.0,
                          "block_size_j_m": 10.0, "block_size_k_m": 10.0, "count_i": 6,
                          "count_j": 1, "count_k": 4, "rotation_deg": 0.0}])  # fmt: skip
    pit_tables = {"pit_blocks": pit, "phases": phases, "pit_summary": summary}
    out = schedule_and_reserve(pit_tables, {"blocks": pd.DataFrame(res)}, mining_params(MINING))
    t = {
        "mining__pit_blocks": pit,
        "mining__phases": phases,
        "mining__pit_summary": summary,
        "mining__pit_by_pit": pbp,
        "mining__slope_errors": errors,
        "mining__slope_zones": zones,
        "estimation__grid": grid,
    }
    t.update({f"reserve__{k}": v for k, v in out.tables().items()})
    return t


def test_doctests() -> None:
    assert doctest.testmod(module).failed == 0


def test_empty_store_gives_notes_not_errors() -> None:
    s = mining_chapter({}, {}, synthetic=False)
    assert s.id == "mining" and [c.id for c in s.children] == CHILDREN
    blocks = blocks_of(s)
    assert not any(isinstance(b, Figure) for b in blocks)
    notes = [b for b in blocks if isinstance(b, Text) and b.kind == "note"]
    assert len(notes) >= 6
    assert any("mining__pit_summary" in b.paragraphs[0] for b in notes)
    render_html(Report("T", "S", False, (s,), "2026", "0.1"))


def test_full_chapter(tables) -> None:
    before = {k: v.copy() for k, v in tables.items()}
    s = mining_chapter(tables, {"mining": MINING}, synthetic=True)
    blocks = blocks_of(s)
    figs = [b for b in blocks if isinstance(b, Figure)]
    assert {f.id for f in figs} >= {
        "mining-pit-by-pit", "mining-slope-errors", "mining-shells-plan",
        "mining-schedule-tonnes", "mining-schedule-grade", "mining-schedule-cash",
    }  # fmt: skip
    assert any(f.id.startswith("mining-shells-section") for f in figs)
    ids = [b.id for b in blocks if isinstance(b, Table | Figure)]
    assert len(ids) == len(set(ids))
    assert not [b for b in blocks if isinstance(b, Text) and b.kind == "warning"]
    assert any(isinstance(b, Text) and b.kind == "synthetic" for b in s.blocks)
    tabs = {b.id: b for b in blocks if isinstance(b, Table)}
    st = tabs["tab-mining-reserve"].frame.set_index("Class")
    assert list(st.index[:3]) == ["Proved", "Probable", "Total"]
    raw = tables["reserve__reserve_statement_unrounded"].set_index("class")
    mt = raw.loc["Total", "tonnes"] / 1e6
    assert st.loc["Total", "Tonnes (Mt)"] == format_sig(mt, 3)  # 3 s.f. of the unrounded total
    rec = tabs["tab-mining-reserve-reconciliation"].frame
    assert rec["Step"].iloc[0].startswith("Mineral Resource") and len(rec) == 7
    reserve_text = [p for b in s.children[-1].blocks if isinstance(b, Text) for p in b.paragraphs]
    assert "Effective date: 2026-01-01." in reserve_text
    assert tabs["tab-mining-phases"].frame["Width check"].tolist() == ["fails", "passes"]
    for k, v in tables.items():
        pd.testing.assert_frame_equal(v, before[k])


def test_broken_tables_give_warnings(tables) -> None:
    broken = dict(tables)
    broken["mining__pit_by_pit"] = tables["mining__pit_by_pit"].drop(columns="npv_best_usd")
    broken.pop("estimation__grid")
    s = mining_chapter(broken, {}, synthetic=False)
    blocks = blocks_of(s)
    warns = [b for b in blocks if isinstance(b, Text) and b.kind == "warning"]
    assert any("pit_by_pit_chart" in w.paragraphs[0] for w in warns)
    shells = next(c for c in s.children if c.id == "mining-shells")
    assert "estimation__grid" in shells.blocks[0].paragraphs[0]


def test_text_from_the_project_is_escaped(tables) -> None:
    s = mining_chapter(tables, {"mining": MINING}, synthetic=False)
    sectors = next(b for b in blocks_of(s) if isinstance(b, Table) and "sectors" in b.id)
    assert EVIL in sectors.frame["Domains"].tolist()  # kept verbatim as data …
    html = render_html(Report("T", "S", False, (s,), "2026", "0.1"), variant="print")
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # … escaped


@pytest.mark.slow
def test_demo_store_pit_sections(tmp_path) -> None:
    duckdb = pytest.importorskip("duckdb")
    if not DEMO.exists():
        pytest.skip("demo store not built (make demo)")
    copy = tmp_path / "project.duckdb"
    shutil.copy(DEMO, copy)
    con = duckdb.connect(str(copy), read_only=True)
    names = [r[0] for r in con.execute("show tables").fetchall()]
    if "mining__pit_blocks" not in names or "resources__blocks" not in names:
        con.close()
        pytest.skip("demo store lacks mining__pit_blocks or resources__blocks")
    wanted = [
        n for n in names if n.startswith(("mining__", "reserve__")) or n == "estimation__grid"
    ]
    tables = {n: con.execute(f'select * from "{n}"').df() for n in wanted}
    con.close()
    s = mining_chapter(tables, {}, synthetic=True)
    blocks = blocks_of(s)
    assert not [b for b in blocks if isinstance(b, Text) and b.kind == "warning"]
    figs = {b.id for b in blocks if isinstance(b, Figure)}
    assert {"mining-pit-by-pit", "mining-slope-errors", "mining-shells-plan"} <= figs
    assert sum(len(b.svg) for b in blocks if isinstance(b, Figure)) < 1_500_000
