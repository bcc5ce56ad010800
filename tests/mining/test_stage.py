"""Schedule and Ore Reserve stage: tables, consistency of schedule and Reserve, Inferred as
waste in the schedule, capacities, discounting, and the demo store."""

from __future__ import annotations

import doctest
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mine2magnet.errors import DataError
from mine2magnet.mining import stage as module
from mine2magnet.mining.params import mining_params
from mine2magnet.mining.reserve import INFERRED_ROW, run_reserve
from mine2magnet.mining.stage import (
    period_discount_factors,
    schedule_and_reserve,
)

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo" / "out" / "project.duckdb"
MR, D, PC, MC = 0.95, 0.05, 100.0, 2.0


def params(**schedule) -> object:
    return mining_params(
        {
            "prices_usd_kg": {"Nd2O3": 100.0, "Pr6O11": 100.0},
            "default_recovery_pct": 50.0,
            "selling_cost_usd_kg": 0.0,
            "royalty_pct": 0.0,
            "processing_cost_usd_t": PC,
            "mining_cost_usd_t": MC,
            "mining_cost_increment_usd_t": 0.0,
            "dilution_pct": 100 * D,
            "mining_recovery_pct": 100 * MR,
            "mining_rate_tpa": 6000.0,
            "processing_rate_tpa": 2500.0,
            "discount_rate_pct": 10.0,
            "schedule": {"periods": 5, "grade_bins": 2, **schedule},
        }
    )


def small_pit() -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Two phases of three columns, four benches of 1,000 t blocks; one resource row per
    block (900 t) with classes and grades varying by position."""
    rows, res = [], []
    classes = ("Measured", "Indicated", "Inferred", "Indicated", "Unclassified")
    for i in range(6):
        for k in range(4):
            rows.append({"i": i, "j": 0, "k": k, "in_block_model": True, "tonnes": 1000.0,
                         "phase": 1 if i < 3 else 2, "pit_id": 1 if i < 3 else 2,
                         "revenue_factor": 0.5 if i < 3 else 1.0, "elevation": 100.0 + 10 * k,
                         "ground_m": 140.0})  # fmt: skip
            nd = 0.2 + 0.15 * ((i * 7 + k * 3) % 5)
            res.append({"i": i, "j": 0, "k": k, "domain": "ORE", "tonnes": 900.0,
                        "resource_class": classes[(i + 2 * k) % 5], "in_resource": True,
                        "Nd2O3_pct": nd, "Pr6O11_pct": nd / 4, "TREO_pct": 6 * nd})  # fmt: skip
    pit = pd.DataFrame(rows)
    pit["processing_cost_usd"] = pit["tonnes"] * MR * (1 + D) * PC
    pit["mining_cost_usd"] = pit["tonnes"] * MC
    phases = pd.DataFrame({"phase": [1, 2], "pit": [1, 2], "width_ok": [True, False]})
    summary = pd.DataFrame({"item": ["engine"], "value": ["mineflow"], "unit": ["-"]})
    return (
        {"pit_blocks": pit, "phases": phases, "pit_summary": summary},
        {"blocks": pd.DataFrame(res)},
    )


@pytest.fixture(scope="module")
def small():
    pit, res = small_pit()
    return pit, res, schedule_and_reserve(pit, res, params())


def test_doctests() -> None:
    assert doctest.testmod(module).failed == 0


def test_tables_and_their_consistency(small) -> None:
    _, _, out = small
    tables = out.tables()
    assert set(tables) == {
        "schedule_periods", "schedule_increments", "schedule_blocks", "reserve_statement",
        "reserve_statement_unrounded", "reserve_meta", "reserve_reconciliation", "table1",
    }  # fmt: skip
    p = out.periods
    st = out.reserve.statement_unrounded.set_index("class")
    # the Reserve is exactly what the schedule feeds to the plant
    assert p["feed_tonnes"].sum() == pytest.approx(st.loc["Total", "tonnes"], rel=1e-9)
    assert p["feed_proved_tonnes"].sum() == pytest.approx(st.loc["Proved", "tonnes"], rel=1e-9)
    assert p["NdPr_t"].sum() == pytest.approx(st.loc["Total", "NdPr_t"], rel=1e-9)
    assert st.loc["Total", "tonnes"] > 0
    np.testing.assert_allclose(
        p[[c for c in p if c.startswith("feed_phase_")]].sum(axis=1), p["feed_tonnes"], atol=1e-6
    )
    np.testing.assert_allclose(
        p[[c for c in p if c.startswith("mined_phase_")]].sum(axis=1), p["mined_tonnes"], atol=1e-6
    )
    assert out.summary["npv_usd"] == pytest.approx(p["discounted_cash_flow_usd"].sum())
    assert p["cumulative_discounted_cash_flow_usd"].iloc[-1] == pytest.approx(
        out.summary["npv_usd"]
    )
    b = out.blocks
    assert len(b) == 24 and b["period"].between(-1, len(p) - 1).all()
    assert set(out.increments["phase"]) <= {1, 2}  # the pit's phase numbers
    assert "Economic" in set(out.table1["criterion"])
    assert out.reserve.meta["key"].str.startswith("schedule_").any()


def test_capacities_hold(small) -> None:
    _, _, out = small
    p = out.periods
    assert (p["feed_tonnes"] <= 2500.0 * (1 + 1e-6)).all()
    assert (p["mined_tonnes"] <= 6000.0 * (1 + 1e-6)).all()


def test_inferred_is_waste_in_the_schedule(small) -> None:
    pit, res, out = small
    rich = {"blocks": res["blocks"].copy()}
    other = ~rich["blocks"]["resource_class"].isin(["Measured", "Indicated"])
    rich["blocks"].loc[other, ["Nd2O3_pct", "Pr6O11_pct", "TREO_pct"]] *= 20.0
    out2 = schedule_and_reserve(pit, rich, params())
    assert out2.summary["npv_usd"] == pytest.approx(out.summary["npv_usd"], rel=1e-9)
    rows = ["Proved", "Probable", "Total"]
    pd.testing.assert_frame_equal(
        out2.reserve.statement_unrounded.set_index("class").loc[rows],
        out.reserve.statement_unrounded.set_index("class").loc[rows],
    )
    inf = out2.reserve.statement_unrounded.set_index("class").loc[INFERRED_ROW]
    assert inf["tonnes"] > 0


def test_final_pit_basis_matches_the_mask_reserve(small) -> None:
    pit, res, _ = small
    p = params()
    p = p.model_copy(update={"reserve": {"basis": "final_pit"}})
    out = schedule_and_reserve(pit, res, p)
    mask = run_reserve(pit["pit_blocks"], res["blocks"], None, p)
    pd.testing.assert_frame_equal(out.reserve.statement, mask.statement)


def test_ramp_up_and_higher_discount_rate() -> None:
    pit, res = small_pit()
    ramp = schedule_and_reserve(pit, res, params(processing_ramp_up_pct=[40]))
    assert ramp.periods["feed_tonnes"].iloc[0] <= 0.4 * 2500.0 * (1 + 1e-6)
    low = schedule_and_reserve(pit, res, params(discount_rate_pct=2.0))
    high = schedule_and_reserve(pit, res, params(discount_rate_pct=20.0))
    assert high.summary["npv_usd"] < low.summary["npv_usd"]


def test_period_discount_factors() -> None:
    np.testing.assert_allclose(period_discount_factors(3, 1, 0.1), 1.1 ** -np.arange(1, 4))
    f = period_discount_factors(2, 2, 0.1)
    np.testing.assert_allclose(f, [(1.1**-1 + 1.1**-2) / 2, (1.1**-3 + 1.1**-4) / 2])
    assert (period_discount_factors(5, 3, 0.0) == 1.0).all()


def test_missing_tables_and_pits_without_phases() -> None:
    pit, res = small_pit()
    with pytest.raises(DataError, match="pit_blocks"):
        schedule_and_reserve({}, res, params())
    flat = {**pit, "pit_blocks": pit["pit_blocks"].assign(phase=0)}
    with pytest.raises(DataError, match="phase"):
        schedule_and_reserve(flat, res, params())
    # prefixed names are accepted too
    pref = {f"mining__{k}": v for k, v in pit.items()}
    out = schedule_and_reserve(pref, {"resources__blocks": res["blocks"]}, params())
    assert out.reserve.total() > 0


def test_inputs_not_modified() -> None:
    pit, res = small_pit()
    before = {k: v.copy() for k, v in {**pit, **res}.items()}
    schedule_and_reserve(pit, res, params())
    for k, v in {**pit, **res}.items():
        pd.testing.assert_frame_equal(v, before[k])


# ---------------------------------------------------------------------- demo store


@pytest.mark.slow
def test_demo_schedule_and_reserve(tmp_path) -> None:
    duckdb = pytest.importorskip("duckdb")
    if not DEMO.exists():
        pytest.skip("demo store not built (make demo)")
    copy = tmp_path / "project.duckdb"
    shutil.copy(DEMO, copy)
    con = duckdb.connect(str(copy), read_only=True)
    have = {r[0] for r in con.execute("show tables").fetchall()}
    need = {"mining__pit_blocks", "mining__phases", "mining__pit_summary", "resources__blocks",
            "estimation__blocks"}  # fmt: skip
    if not need <= have:
        con.close()
        pytest.skip(f"demo store lacks {sorted(need - have)}")
    tabs = {n: con.execute(f'select * from "{n}"').df() for n in need}
    con.close()
    import tomllib

    raw = tomllib.loads((DEMO.parents[1] / "project.toml").read_text(encoding="utf-8"))
    mining = dict(raw.get("mining", {}))
    mining.setdefault(
        "schedule",
        {"period_years": 2, "periods": 14, "benches_per_increment": 3,
         "processing_ramp_up_pct": [75]},
    )  # fmt: skip
    p = mining_params(mining)
    t0 = time.perf_counter()
    out = schedule_and_reserve(
        {k.split("__")[1]: v for k, v in tabs.items() if k.startswith("mining__")},
        {"blocks": tabs["resources__blocks"]},
        p,
        estimation_blocks=tabs["estimation__blocks"],
    )
    seconds = time.perf_counter() - t0
    assert seconds < 60  # ~10 s alone; 2 shared cores
    st = out.reserve.statement_unrounded.set_index("class")
    assert st.loc["Proved", "tonnes"] > 0 and st.loc["Probable", "tonnes"] > 0
    assert out.periods["feed_tonnes"].sum() == pytest.approx(st.loc["Total", "tonnes"], rel=1e-9)
    assert out.summary["npv_usd"] > 0
    assert (out.periods["feed_tonnes"] <= p.processing_rate_tpa * 2 * (1 + 1e-6)).all()
