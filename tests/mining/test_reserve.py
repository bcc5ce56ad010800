"""Ore Reserve: Inferred never in it, Proved only from Measured, modifying factors exactly as
documented, reconciliation sums, Table 1 Section 4, and the demo store."""

from __future__ import annotations

import doctest
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mine2magnet.errors import DataError
from mine2magnet.mining import reserve as module
from mine2magnet.mining.params import mining_params
from mine2magnet.mining.reserve import (
    INFERRED_ROW,
    reserve_blocks,
    reserve_from_blocks,
    reserve_statement_text,
    run_reserve,
    table1_section4,
)
from mine2magnet.mining.schedule_types import Schedule
from mine2magnet.resources.statement import round_sig

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo" / "out" / "project.duckdb"
CLASSES = ("Measured", "Indicated", "Inferred", "Unclassified")
MR, D, PC, MC = 0.95, 0.05, 100.0, 2.0
NET = 0.5 * 100.0  # recovery × price of Nd2O3 and Pr6O11 (no selling cost, no royalty) [US$/kg]

PARAMS = mining_params(
    {
        "prices_usd_kg": {"Nd2O3": 100.0, "Pr6O11": 100.0},
        "default_recovery_pct": 50.0,
        "selling_cost_usd_kg": 0.0,
        "royalty_pct": 0.0,
        "processing_cost_usd_t": PC,
        "mining_cost_usd_t": MC,
        "dilution_pct": 100 * D,
        "mining_recovery_pct": 100 * MR,
    }
)


def make_case(cells: list[dict], rows: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pit blocks (one per cell, i = cell) and resource rows, costs as in value.py."""
    pit = pd.DataFrame(
        {
            "i": [c["i"] for c in cells],
            "j": 0,
            "k": 0,
            "tonnes": [float(c["T"]) for c in cells],
            "phase": [int(c["phase"]) for c in cells],
        }
    )
    pit["processing_cost_usd"] = pit["tonnes"] * MR * (1 + D) * PC
    pit["mining_cost_usd"] = pit["tonnes"] * MC
    res = pd.DataFrame(rows)
    res["j"] = 0
    res["k"] = 0
    res["domain"] = [f"D{n}" for n in range(len(res))]
    res["TREO_pct"] = 5.0 * (res["Nd2O3_pct"] + res["Pr6O11_pct"])
    return pit, res


def expected(pit: pd.DataFrame, res: pd.DataFrame) -> dict[str, float]:
    """Brute force of the documented rules, row by row (no code shared with the module)."""
    out = dict.fromkeys(
        ["proved_t", "probable_t", "proved_nd", "probable_nd", "inferred_t", "mi_pit_t"], 0.0
    )
    out["rock_processed"] = 0.0
    for _, c in pit.iterrows():
        mine = c["phase"] > 0
        rows = res[res["i"] == c["i"]]
        meas = rows[(rows["resource_class"] == "Measured") & rows["in_resource"]]
        ind = rows[(rows["resource_class"] == "Indicated") & rows["in_resource"]]
        inf = rows[(rows["resource_class"] == "Inferred") & rows["in_resource"]]
        tm, ti = meas["tonnes"].sum(), ind["tonnes"].sum()
        metal = lambda r: (r["tonnes"] * (r["Nd2O3_pct"] + r["Pr6O11_pct"]) / 100).sum()  # noqa: E731
        nd = lambda r: (r["tonnes"] * r["Nd2O3_pct"] / 100).sum()  # noqa: E731
        if not mine:
            continue
        out["inferred_t"] += inf["tonnes"].sum()
        out["mi_pit_t"] += tm + ti
        revenue = 1000 * MR * (metal(meas) + metal(ind)) * NET
        if tm + ti > 0 and revenue - c["processing_cost_usd"] > 0:
            feed = c["tonnes"] * MR * (1 + D)
            out["proved_t"] += feed * tm / (tm + ti)
            out["probable_t"] += feed * ti / (tm + ti)
            out["proved_nd"] += MR * nd(meas)
            out["probable_nd"] += MR * nd(ind)
            out["rock_processed"] += c["tonnes"]
    return out


@st.composite
def cases(draw):
    n = draw(st.integers(1, 7))
    cells, rows = [], []
    for i in range(n):
        k = draw(st.integers(0, 3))
        inside = 0.0
        for _ in range(k):
            t = draw(st.floats(10, 1000))
            inside += t
            rows.append(
                {
                    "i": i,
                    "tonnes": t,
                    "resource_class": draw(st.sampled_from(CLASSES)),
                    "in_resource": draw(st.booleans()),
                    "Nd2O3_pct": draw(st.floats(0, 3)),
                    "Pr6O11_pct": draw(st.floats(0, 1)),
                }
            )
        extra = draw(st.floats(0, 500))
        cells.append({"i": i, "T": inside + extra + 1.0, "phase": draw(st.integers(0, 2))})
    if not rows:
        rows.append({"i": 0, "tonnes": 1.0, "resource_class": "Inferred", "in_resource": True,
                     "Nd2O3_pct": 1.0, "Pr6O11_pct": 0.2})  # fmt: skip
        cells[0]["T"] += 1.0
    return make_case(cells, rows)


def figures(r) -> pd.DataFrame:
    return r.statement_unrounded.set_index("class")


def test_doctests() -> None:
    assert doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0


@settings(max_examples=60, deadline=None)
@given(cases())
def test_rules_match_a_brute_force(case) -> None:
    pit, res = case
    r = run_reserve(pit, res, None, PARAMS)
    f = figures(r)
    e = expected(pit, res)
    assert f.loc["Proved", "tonnes"] == pytest.approx(e["proved_t"], rel=1e-9, abs=1e-6)
    assert f.loc["Probable", "tonnes"] == pytest.approx(e["probable_t"], rel=1e-9, abs=1e-6)
    assert f.loc["Proved", "Nd2O3_t"] == pytest.approx(e["proved_nd"], rel=1e-9, abs=1e-9)
    assert f.loc["Probable", "Nd2O3_t"] == pytest.approx(e["probable_nd"], rel=1e-9, abs=1e-9)
    assert f.loc[INFERRED_ROW, "tonnes"] == pytest.approx(e["inferred_t"], rel=1e-9, abs=1e-9)
    # Reserve tonnes are the processed blocks' rock × MR × (1 + D), never more than the
    # rock of pit blocks holding M + I; metal never more than MR × the M + I in the pit
    total = f.loc["Total", "tonnes"]
    assert total == pytest.approx(MR * (1 + D) * e["rock_processed"], rel=1e-9, abs=1e-6)
    pit_mi_metal = sum(
        (res.loc[(res["i"] == i) & res["in_resource"]
                 & res["resource_class"].isin(["Measured", "Indicated"]), "tonnes"]
         * res["Nd2O3_pct"] / 100).sum()
        for i in pit.loc[pit["phase"] > 0, "i"]
    )  # fmt: skip
    assert f.loc["Total", "Nd2O3_t"] <= MR * pit_mi_metal * (1 + 1e-9) + 1e-12


@settings(max_examples=60, deadline=None)
@given(cases(), st.floats(2.0, 50.0))
def test_inferred_never_in_the_reserve(case, boost) -> None:
    """Raising the grade of every row that is not a Measured or Indicated Resource row
    changes nothing in the Reserve (only the Inferred memo row)."""
    pit, res = case
    base = figures(run_reserve(pit, res, None, PARAMS))
    rich = res.copy()
    other = ~(rich["in_resource"] & rich["resource_class"].isin(["Measured", "Indicated"]))
    for c in ("Nd2O3_pct", "Pr6O11_pct", "TREO_pct"):
        rich.loc[other, c] = rich.loc[other, c] * boost + 1.0
    after = figures(run_reserve(pit, rich, None, PARAMS))
    rows = ["Proved", "Probable", "Total"]
    pd.testing.assert_frame_equal(base.loc[rows], after.loc[rows])


@settings(max_examples=40, deadline=None)
@given(cases())
def test_reconciliation_adds_up(case) -> None:
    pit, res = case
    rec = run_reserve(pit, res, None, PARAMS).reconciliation
    for col in [c for c in rec.columns if c == "tonnes" or c.endswith("_t")]:
        v = rec[col].to_numpy()
        assert v[:-1].sum() == pytest.approx(v[-1], rel=1e-9, abs=1e-6)
    assert rec["step"].tolist() == list(range(len(rec)))


def test_proved_only_from_measured() -> None:
    cells = [{"i": 0, "T": 1000.0, "phase": 1}, {"i": 1, "T": 1000.0, "phase": 1}]
    rows = [
        {"i": 0, "tonnes": 800.0, "resource_class": "Indicated", "in_resource": True,
         "Nd2O3_pct": 1.0, "Pr6O11_pct": 0.3},
        {"i": 1, "tonnes": 900.0, "resource_class": "Indicated", "in_resource": True,
         "Nd2O3_pct": 1.0, "Pr6O11_pct": 0.3},
    ]  # fmt: skip
    pit, res = make_case(cells, rows)
    f = figures(run_reserve(pit, res, None, PARAMS))
    assert f.loc["Proved", "tonnes"] == 0.0 and f.loc["Proved", "Nd2O3_t"] == 0.0
    assert f.loc["Probable", "tonnes"] == pytest.approx(2000 * MR * (1 + D))
    res.loc[0, "resource_class"] = "Measured"
    f = figures(run_reserve(pit, res, None, PARAMS))
    assert f.loc["Proved", "tonnes"] == pytest.approx(1000 * MR * (1 + D))
    assert f.loc["Proved", "Nd2O3_t"] == pytest.approx(MR * 8.0)


def test_hand_example_with_mixed_block() -> None:
    # cell 0: 600 t Measured + 200 t Indicated + 200 t host; cell 1: Inferred only, rich
    cells = [{"i": 0, "T": 1000.0, "phase": 1}, {"i": 1, "T": 1000.0, "phase": 1}]
    rows = [
        {"i": 0, "tonnes": 600.0, "resource_class": "Measured", "in_resource": True,
         "Nd2O3_pct": 1.0, "Pr6O11_pct": 0.0},
        {"i": 0, "tonnes": 200.0, "resource_class": "Indicated", "in_resource": True,
         "Nd2O3_pct": 2.0, "Pr6O11_pct": 0.0},
        {"i": 1, "tonnes": 1000.0, "resource_class": "Inferred", "in_resource": True,
         "Nd2O3_pct": 5.0, "Pr6O11_pct": 0.0},
    ]  # fmt: skip
    pit, res = make_case(cells, rows)
    r = run_reserve(pit, res, None, PARAMS)
    f = figures(r)
    feed = 1000 * MR * (1 + D)  # 997.5 t
    assert f.loc["Proved", "tonnes"] == pytest.approx(feed * 0.75)
    assert f.loc["Probable", "tonnes"] == pytest.approx(feed * 0.25)
    assert f.loc["Proved", "Nd2O3_t"] == pytest.approx(6.0 * MR)
    assert f.loc["Probable", "Nd2O3_t"] == pytest.approx(4.0 * MR)
    assert f.loc["Total", "Nd2O3_pct"] == pytest.approx(100 * 10.0 * MR / feed)
    assert f.loc["Total", "NdPr_t"] == pytest.approx(10.0 * MR)
    assert f.loc[INFERRED_ROW, "tonnes"] == 1000.0
    assert f.loc[INFERRED_ROW, "Nd2O3_pct"] == pytest.approx(5.0)
    assert bool(r.statement.set_index("class").loc[INFERRED_ROW, "in_reserve"]) is False
    rec = r.reconciliation.set_index("step")
    assert rec.loc[0, "tonnes"] == 800.0  # M + I Resource
    assert rec.loc[4, "tonnes"] == pytest.approx(MR * 200.0)  # host of the processed block
    assert rec.loc[5, "tonnes"] == pytest.approx(MR * D * 1000.0)
    # the mask decides what is mined: without cell 0 nothing is left
    r2 = run_reserve(pit, res, np.array([False, True]), PARAMS)
    assert r2.total() == 0.0
    assert figures(r2).loc[INFERRED_ROW, "tonnes"] == 1000.0


def test_statement_is_rounded_row_by_row_from_unrounded() -> None:
    cells = [{"i": i, "T": 1234.5 + 10 * i, "phase": 1} for i in range(3)]
    rows = [
        {"i": i, "tonnes": 1000.0 + i, "resource_class": ("Measured", "Indicated")[i % 2],
         "in_resource": True, "Nd2O3_pct": 1.234 + i, "Pr6O11_pct": 0.321}
        for i in range(3)
    ]  # fmt: skip
    pit, res = make_case(cells, rows)
    r = run_reserve(pit, res, None, PARAMS)
    u, s = r.statement_unrounded, r.statement
    for col in ("tonnes", "Nd2O3_pct", "NdPr_t"):
        for a, b, cls in zip(u[col], s[col], u["class"], strict=True):
            sig = 2 if cls == INFERRED_ROW else 3
            assert (np.isnan(a) and np.isnan(b)) or b == round_sig(a, sig)
    total = u.set_index("class")
    assert total.loc["Total", "tonnes"] == pytest.approx(
        total.loc["Proved", "tonnes"] + total.loc["Probable", "tonnes"]
    )
    text = reserve_statement_text(s, r.rounding, ["class", "tonnes", "Nd2O3_pct"])
    assert text.loc[0, "class"] == "Proved" and "," in text.loc[0, "tonnes"]


def test_species_grades_join_and_pro_rata_fallback() -> None:
    cells = [{"i": 0, "T": 1000.0, "phase": 1}]
    rows = [{"i": 0, "tonnes": 1000.0, "resource_class": "Indicated", "in_resource": True,
             "Nd2O3_pct": 1.0, "Pr6O11_pct": 0.25}]  # fmt: skip
    pit, res = make_case(cells, rows)
    full = run_reserve(pit, res, None, PARAMS)
    grades = res[["i", "j", "k", "domain", "Nd2O3_pct", "Pr6O11_pct"]]
    joined = run_reserve(pit, res.drop(columns=["Nd2O3_pct", "Pr6O11_pct"]), None, PARAMS,
                         grades=grades)  # fmt: skip
    pd.testing.assert_frame_equal(full.statement_unrounded, joined.statement_unrounded)
    # without species grades: pit revenue scaled by the M + I share of TREO
    bare = res.drop(columns=["Nd2O3_pct", "Pr6O11_pct"])
    with pytest.raises(DataError, match="estimation__blocks"):
        run_reserve(pit, bare, None, PARAMS)
    pit2 = pit.assign(revenue_usd=1e6, TREO_t=MR * 62.5)
    b = reserve_blocks(pit2, bare, PARAMS)
    assert b.table["revenue_mi_usd"].iloc[0] == pytest.approx(1e6)
    assert "pro rata" in b.grades_basis or "share" in b.grades_basis


def test_bad_inputs_raise_data_errors() -> None:
    cells = [{"i": 0, "T": 1000.0, "phase": 1}]
    rows = [{"i": 0, "tonnes": 10.0, "resource_class": "Measured", "in_resource": True,
             "Nd2O3_pct": 1.0, "Pr6O11_pct": 0.2}]  # fmt: skip
    pit, res = make_case(cells, rows)
    with pytest.raises(DataError, match="phase"):
        run_reserve(pit.drop(columns="phase"), res, None, PARAMS)
    with pytest.raises(DataError, match="shape"):
        run_reserve(pit, res, np.array([True, False]), PARAMS)
    b = reserve_blocks(pit, res, PARAMS)
    fake = Schedule(pd.DataFrame({"period": [0]}), pd.DataFrame(), np.zeros(1, np.int64),
                    np.ones((1, 1)), 0.0, "Optimal", 0.0)  # fmt: skip
    with pytest.raises(DataError, match="schedule_input"):
        reserve_from_blocks(b, fake, PARAMS)
    fake2 = Schedule(pd.DataFrame({"period": [0]}), pd.DataFrame(), np.zeros(3, np.int64),
                     np.ones((3, 1)), 0.0, "Optimal", 0.0)  # fmt: skip
    with pytest.raises(DataError, match="phase pit"):
        reserve_from_blocks(b, fake2, PARAMS)


def test_inputs_are_not_modified() -> None:
    cells = [{"i": 0, "T": 1000.0, "phase": 1}, {"i": 1, "T": 500.0, "phase": 0}]
    rows = [{"i": 0, "tonnes": 900.0, "resource_class": "Measured", "in_resource": True,
             "Nd2O3_pct": 1.0, "Pr6O11_pct": 0.2}]  # fmt: skip
    pit, res = make_case(cells, rows)
    p0, r0 = pit.copy(), res.copy()
    run_reserve(pit, res, None, PARAMS)
    pd.testing.assert_frame_equal(pit, p0)
    pd.testing.assert_frame_equal(res, r0)


def test_table1_section4_feeds_table1() -> None:
    from mine2magnet.resources.table1 import (
        CRITERIA,
        FROM_DATA,
        FROM_PARAMETERS,
        TO_COMPLETE,
        build_table1,
        table1_facts,
    )

    cells = [{"i": 0, "T": 1000.0, "phase": 1}]
    rows = [{"i": 0, "tonnes": 900.0, "resource_class": "Measured", "in_resource": True,
             "Nd2O3_pct": 1.0, "Pr6O11_pct": 0.2}]  # fmt: skip
    pit, res = make_case(cells, rows)
    r = run_reserve(pit, res, None, PARAMS)
    sched = {"npv_usd": 1.5e8, "discount_rate_pct": 8.0, "periods": 10, "period_years": 1,
             "status": "Optimal", "mip_gap_pct": 0.1, "grade_bins": 3}  # fmt: skip
    t1 = table1_section4(r, PARAMS, schedule=sched)
    assert list(t1.columns) == ["criterion", "commentary", "source"]
    names = {c.name for c in CRITERIA if c.section == 4}
    assert set(t1["criterion"]) <= names
    assert {"Economic", "Mining factors or assumptions", "Classification"} <= set(t1["criterion"])
    assert "150 M US$" in t1.set_index("criterion").loc["Economic", "commentary"]
    table = build_table1(table1_facts({"mining__table1": t1}, {}))
    s4 = table[table["section"] == 4].set_index("criterion")
    for c in t1["criterion"]:
        assert s4.loc[c, "status"] in (FROM_DATA, FROM_PARAMETERS)
    assert s4.loc["Site visits", "status"] == TO_COMPLETE
    # without schedule figures there is no Economic row
    assert "Economic" not in set(table1_section4(r, PARAMS)["criterion"])


# ---------------------------------------------------------------------- demo store


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    duckdb = pytest.importorskip("duckdb")
    if not DEMO.exists():
        pytest.skip("demo store not built (make demo)")
    copy = tmp_path_factory.mktemp("demo") / "project.duckdb"
    shutil.copy(DEMO, copy)
    con = duckdb.connect(str(copy), read_only=True)
    have = {r[0] for r in con.execute("show tables").fetchall()}
    need = {"mining__pit_blocks", "resources__blocks", "estimation__blocks"}
    if not need <= have:
        con.close()
        pytest.skip(f"demo store lacks {sorted(need - have)}")
    out = {n: con.execute(f'select * from "{n}"').df() for n in need}
    out["resources__statement_unrounded"] = (
        con.execute('select * from "resources__statement_unrounded"').df()
        if "resources__statement_unrounded" in have
        else None
    )
    con.close()
    return out


@pytest.mark.slow
def test_demo_reserve_of_the_phase_pit(demo) -> None:
    import tomllib

    raw = tomllib.loads((DEMO.parents[1] / "project.toml").read_text(encoding="utf-8"))
    p = mining_params(raw.get("mining", {}))
    pb, rb, est = demo["mining__pit_blocks"], demo["resources__blocks"], demo["estimation__blocks"]
    b = reserve_blocks(pb, rb, p, grades=est)
    # revenue of blocks whose estimated rows are all M + I Resource equals the pit's
    ok = (
        (rb["resource_class"].isin(["Measured", "Indicated"]) & rb["in_resource"])
        .groupby([rb["i"], rb["j"], rb["k"]])
        .all()
    )
    key = pd.MultiIndex.from_frame(pb[["i", "j", "k"]])
    m = ok.reindex(key).fillna(False).to_numpy(bool)
    assert m.sum() > 100
    np.testing.assert_allclose(b.table["revenue_mi_usd"][m], pb["revenue_usd"][m], rtol=1e-9)
    # the reconciliation starts from the resource statement's M + I
    st_u = demo["resources__statement_unrounded"]
    if st_u is not None:
        mi = st_u[st_u["reporting"].astype(bool) & (st_u["class"] == "Measured + Indicated")]
        assert b.resource["tonnes"] == pytest.approx(float(mi["tonnes"].iloc[0]), rel=1e-9)
    r = reserve_from_blocks(b, None, p)
    f = figures(r)
    assert 0 < f.loc["Total", "tonnes"] < b.resource["tonnes"]
    assert f.loc["Proved", "tonnes"] > 0 and f.loc["Probable", "tonnes"] > 0
    rec = r.reconciliation
    assert rec["tonnes"].iloc[:-1].sum() == pytest.approx(rec["tonnes"].iloc[-1], rel=1e-9)
    assert rec["TREO_t"].iloc[:-1].sum() == pytest.approx(rec["TREO_t"].iloc[-1], rel=1e-9)
    # Inferred never in: zeroing every Inferred grade leaves the Reserve unchanged
    rb0 = rb.copy()
    inf = rb0["resource_class"] == "Inferred"
    rb0.loc[inf, ["TREO_pct", "NdPr_pct"]] = 0.0
    est0 = est.merge(rb0.loc[inf, ["i", "j", "k", "domain"]].assign(_inf=True),
                     on=["i", "j", "k", "domain"], how="left")  # fmt: skip
    gcols = [c for c in est0.columns if c.endswith("_pct")]
    est0.loc[est0["_inf"].fillna(False).astype(bool), gcols] = 0.0
    r0 = reserve_from_blocks(reserve_blocks(pb, rb0, p, grades=est0.drop(columns="_inf")), None, p)
    rows = ["Proved", "Probable", "Total"]
    pd.testing.assert_frame_equal(figures(r0).loc[rows], f.loc[rows])
    assert figures(r0).loc[INFERRED_ROW, "TREO_t"] == 0.0 < f.loc[INFERRED_ROW, "TREO_t"]
