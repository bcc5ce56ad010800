"""The uncertainty stage: whole-model realisations, outcome tables, base-plan NPV."""

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from mine2magnet.blockmodel.grid import BlockModel
from mine2magnet.errors import ConfigError
from mine2magnet.uncertainty.params import uncertainty_params
from mine2magnet.uncertainty.stage import (
    TABLE_NAMES,
    BasePlan,
    base_plan_periods,
    plan_npv,
    run_uncertainty,
)

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"
DEMO_STORE = DEMO / "out" / "project.duckdb"

#: Contract columns of every store table (the stage may add columns).
CONTRACT = {
    "realisations": ["realisation", "seed", "seconds", "tonnes_above_cutoff",
                     "TREO_pct_above_cutoff", "TREO_t_above_cutoff", "pit_value_usd",
                     "pit_ore_tonnes", "pit_TREO_t", "npv_usd"],
    "gradetonnage": ["realisation", "cutoff_pct", "tonnes", "TREO_pct", "TREO_t"],
    "gradetonnage_percentiles": ["cutoff_pct", "statistic", "tonnes", "TREO_pct", "TREO_t"],
    "outcomes": ["item", "unit", "P10", "P50", "P90", "mean", "estimate"],
    "probability_blocks": ["i", "j", "k", "domain", "easting", "northing", "elevation",
                           "tonnes", "TREO_pct_estimate", "TREO_pct_mean", "TREO_pct_P10",
                           "TREO_pct_P90", "prob_above_cutoff", "resource_class",
                           "support_class"],
    "period_confidence": ["period", "year_from", "year_to", "tonnes_estimate", "tonnes_P05",
                          "tonnes_P50", "tonnes_P95", "metal_t_estimate", "metal_t_P05",
                          "metal_t_P50", "metal_t_P95", "half_width_pct", "within_tolerance"],
    "classification_support": ["resource_class", "support_class", "tonnes", "blocks"],
    "support_panels": ["scale", "panel", "tonnes", "metal_t_P05", "metal_t_P50",
                       "metal_t_P95", "half_width_pct", "within_tolerance"],
    "validation_histogram": ["domain", "quantile", "data", "sim_P10", "sim_P50", "sim_P90",
                             "error_sd", "tolerance_sd", "passed"],
    "validation_variogram": ["domain", "direction", "lag_m", "model", "sim_P10", "sim_P50",
                             "sim_P90", "pairs"],
    "validation_summary": ["domain", "check", "value", "tolerance", "passed", "note"],
    "meta": ["key", "value"],
}  # fmt: skip


def _tiny():
    """A 12 × 10 × 4 model, domain ORE (i < 9) in HOST, and 60 composites of ORE."""
    nx, ny, nz = 12, 10, 4
    k, j, i = (a.ravel() for a in np.meshgrid(np.arange(nz), np.arange(ny), np.arange(nx),
                                              indexing="ij"))  # fmt: skip
    rng = np.random.default_rng(3)
    n = len(i)
    treo = rng.lognormal(0.6, 0.4, n)
    blocks = pd.DataFrame({
        "i": i, "j": j, "k": k, "easting": 5.0 + 10 * i, "northing": 5.0 + 10 * j,
        "elevation": 5.0 + 10 * k, "domain": np.where(i < 9, "ORE", "HOST"),
        "volume_fraction": 1.0, "tonnes": 2600.0, "TREO_pct": treo,
        "Nd2O3_pct": 0.15 * treo, "Pr6O11_pct": 0.05 * treo, "La2O3_pct": 0.3 * treo,
        "CeO2_pct": 0.5 * treo,
    })  # fmt: skip
    grid = BlockModel((0.0, 0.0, 0.0), (10.0, 10.0, 10.0), (nx, ny, nz), 0.0,
                      blocks, ("TREO_pct",)).grid_frame()  # fmt: skip
    m = 60
    t = rng.lognormal(0.6, 0.5, m)
    nd = rng.uniform(0.12, 0.18, m)
    comps = pd.DataFrame({"easting": rng.uniform(0, 90, m), "northing": rng.uniform(0, 100, m),
                          "elevation": rng.uniform(0, 40, m), "domain": "ORE", "TREO_pct": t,
                          "Nd2O3_pct": nd * t, "Pr6O11_pct": nd / 3 * t})  # fmt: skip
    vm = pd.DataFrame({
        "domain": ["ORE", "ORE"], "column": ["*", "*"], "structure": [0, 1],
        "kind": ["nugget", "spherical"], "sill_pct2": [0.1, 0.9],
        "range_major_m": [np.nan, 60.0], "range_semi_m": [np.nan, 50.0],
        "range_minor_m": [np.nan, 30.0], "azimuth_deg": [np.nan, 0.0],
        "dip_deg": [np.nan, 0.0], "rake_deg": [np.nan, 0.0],
    })  # fmt: skip
    classes = np.where(blocks["i"] < 3, "Measured", np.where(blocks["i"] < 6, "Indicated",
                                                             "Inferred"))  # fmt: skip
    rb = blocks[["i", "j", "k", "domain"]].assign(resource_class=classes)
    return blocks, grid, comps, vm, rb


PARAMS = {"realisations": 3, "discretisation": [1, 1, 1], "max_data": 8, "max_previous": 8,
          "ns_variogram": "rescaled", "pit": False, "npv": False,
          "classification_support": {"quarter_tonnes": 30000.0}}  # fmt: skip


def _run(tmp, executor="serial", **kw):
    blocks, grid, comps, vm, rb = _tiny()
    return run_uncertainty(blocks, grid, comps, vm, uncertainty_params({**PARAMS, **kw}),
                           seed=7, out_dir=tmp, resource_blocks=rb, executor=executor,
                           workers=2, declustering_cell_m=20.0)  # fmt: skip


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("u") / "run")


def test_tables_match_the_contract(tiny):
    t = tiny.tables()
    assert set(t) == set(TABLE_NAMES)
    for name, cols in CONTRACT.items():
        assert set(cols) <= set(t[name].columns), (name, set(cols) - set(t[name].columns))
    assert len(t["realisations"]) == 3 and list(t["realisations"]["realisation"]) == [0, 1, 2]
    assert t["realisations"]["pit_value_usd"].isna().all()  # pit = false
    assert set(t["gradetonnage_percentiles"]["statistic"]) == {"P10", "P50", "P90", "mean",
                                                               "estimate"}  # fmt: skip
    o = t["outcomes"].set_index("item")
    assert list(o.index) == ["tonnes above cut-off", "contained TREO", "ultimate pit value",
                             "pit ore", "NPV"]  # fmt: skip
    assert o.loc["tonnes above cut-off", "P10"] <= o.loc["tonnes above cut-off", "P90"]
    assert set(t["validation_variogram"]["direction"]) == {"major", "semi-major", "minor"}
    meta = dict(zip(t["meta"]["key"], t["meta"]["value"], strict=True))
    assert meta["realisations"] == "3" and meta["ns_variogram"] == "ORE: rescaled"


def test_probability_model_and_classification_support(tiny):
    t = tiny.tables()
    pb = t["probability_blocks"]
    assert len(pb) == 9 * 10 * 4 and set(pb["domain"]) == {"ORE"}
    assert pb["prob_above_cutoff"].between(0.0, 1.0).all()
    assert (pb["TREO_pct_P10"] <= pb["TREO_pct_P90"] + 1e-12).all()
    assert set(pb["support_class"]) <= {"Measured", "Indicated", "Inferred"}
    cs = t["classification_support"]
    assert cs["tonnes"].sum() == pytest.approx(pb["tonnes"].sum())
    assert cs["blocks"].sum() == len(pb)
    for scale in ("quarter", "year"):
        sp = t["support_panels"]
        assert sp.loc[sp["scale"] == scale, "tonnes"].sum() == pytest.approx(pb["tonnes"].sum())


def test_simulated_grades_are_consistent_and_vary(tiny):
    run = tiny.run
    a, b = run.read("blocks", 0), run.read("blocks", 1)
    assert (a["TREO_pct"] != b["TREO_pct"]).any() and (a["TREO_pct"] > 0).all()


def test_serial_and_threads_give_identical_tables(tiny, tmp_path):
    th = _run(tmp_path / "threads", executor="threads")
    a, b = tiny.tables(), th.tables()
    for name in TABLE_NAMES:
        if name in ("meta",):
            continue
        x, y = a[name], b[name]
        if name == "realisations":
            x, y = x.drop(columns="seconds"), y.drop(columns="seconds")
        pd.testing.assert_frame_equal(x, y, check_exact=True)
    assert tiny.run.fingerprint() != ""  # Parquet tables hashed (timing differs)


def test_resume_reuses_realisations(tmp_path):
    first = _run(tmp_path / "r", realisations=2)
    again = _run(tmp_path / "r", realisations=3)
    assert first.run.computed == (0, 1) and again.run.skipped == (0, 1)
    assert again.run.computed == (2,)


def test_unknown_domain_names_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"uncertainty\.domains"):
        _run(tmp_path / "x", domains=["NOPE"])


# ----------------------------------------------------------- on the demo project's store
def _demo_tables():
    if not DEMO_STORE.is_file():
        pytest.skip("the demo store is not built (make demo)")
    con = duckdb.connect(str(DEMO_STORE), read_only=True)
    names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables")
             .fetchall()}  # fmt: skip
    need = {"estimation__blocks", "resources__blocks", "reserve__schedule_blocks",
            "reserve__schedule_periods", "reserve__reserve_meta", "economics__metrics",
            "processing__products"}  # fmt: skip
    if not need <= names:
        con.close()
        pytest.skip("the demo store lacks the reserve or economics stage")
    out = {n: con.execute(f'SELECT * FROM "{n}"').df() for n in need}
    out["processing"] = {n.split("__", 1)[1]: con.execute(f'SELECT * FROM "{n}"').df()
                         for n in names if n.startswith("processing__")}  # fmt: skip
    con.close()
    return out


def test_base_plan_npv_with_the_estimate_is_the_economics_base_npv():
    from mine2magnet.config import load_project
    from mine2magnet.economics import economics_and_scenarios
    from mine2magnet.mining import mining_params

    t = _demo_tables()
    project = load_project(DEMO)
    econ, _ = economics_and_scenarios(project)
    blocks = t["estimation__blocks"]
    reserve = {n: t[f"reserve__{n}"] for n in ("schedule_blocks", "schedule_periods",
                                                 "reserve_meta")}  # fmt: skip
    plan = BasePlan.build(blocks, t["resources__blocks"], reserve, mining_params(project),
                          t["processing"], econ)  # fmt: skip
    est = blocks["TREO_pct"].to_numpy(dtype=float)
    periods = base_plan_periods(plan, est)
    pd.testing.assert_frame_equal(periods, plan.periods, check_exact=True)
    m = t["economics__metrics"]
    base = m.loc[(m["kind"] == "npv") & (m["series"] == "after_tax"), "value"].iloc[0]
    assert plan_npv(plan, periods) == pytest.approx(base, rel=1e-12)
    # richer grades raise the metal fed and the NPV of the same plan
    richer = base_plan_periods(plan, est * 1.1)
    assert richer["TREO_t"].sum() > periods["TREO_t"].sum()
    assert (richer["feed_tonnes"] <= plan.capacity_t + 1e-6).all()
    assert plan_npv(plan, richer) > base


@pytest.mark.slow
def test_stage_is_cached_in_the_pipeline(tmp_path):
    """The demo's stored stages are reused; the uncertainty stage is computed once."""
    _demo_tables()
    from mine2magnet.config import load_project
    from mine2magnet.pipeline import (
        run_drillhole_stage,
        run_economics_stage,
        run_estimation_stage,
        run_pit_stage,
        run_processing_stage,
        run_resource_stage,
        run_schedule_stage,
        run_uncertainty_stage,
    )
    from mine2magnet.store import Store

    dst = tmp_path / "demo"
    shutil.copytree(DEMO, dst, ignore=shutil.ignore_patterns("uncertainty", "report",
                                                             "blockmodel"))  # fmt: skip
    project = load_project(dst)
    over = {"realisations": 2, "domains": ["HG"], "discretisation": [1, 1, 1], "pit": False}
    with Store(project.path(project.project.store)) as s:
        dh = run_drillhole_stage(project, s)
        est = run_estimation_stage(project, s, dh)
        pit = run_pit_stage(project, s, est)
        res = run_resource_stage(project, s, dh, est, pit)
        rsv = run_schedule_stage(project, s, est, pit, res)
        proc = run_processing_stage(project, s)
        eco = run_economics_stage(project, s, proc, schedule=rsv)
        assert all(x.run.reused for x in (dh, est, pit, res, rsv, proc, eco))
        a = run_uncertainty_stage(project, s, est, pit, res, rsv, eco, drillholes=dh,
                                  processing=proc, overrides=over, executor="serial")  # fmt: skip
        b = run_uncertainty_stage(project, s, est, pit, res, rsv, eco, drillholes=dh,
                                  processing=proc, overrides=over, executor="threads")  # fmt: skip
        assert s.has_table("uncertainty__outcomes")
    assert not a.run.reused and b.run.reused
    assert a.outcome is not None and b.outcome is None
    o = a.tables["outcomes"].set_index("item")
    npv = o.loc["NPV"]
    assert np.isfinite(npv["P50"]) and np.isfinite(npv["estimate"])
    pc = a.tables["period_confidence"]
    assert len(pc) == len(rsv.tables["schedule_periods"])
    pd.testing.assert_frame_equal(a.tables["outcomes"], b.tables["outcomes"])


@pytest.mark.slow
def test_dask_cluster_gives_the_serial_tables(tiny, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                 dashboard_address=":0") as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip
        dk = _run(tmp_path / "dask", executor=client)
    a, b = tiny.tables(), dk.tables()
    for name in ("gradetonnage", "probability_blocks", "outcomes", "support_panels"):
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True)


def test_a_domain_over_the_memory_limit_is_simulated_in_chunks(tmp_path):
    """Under a small parallel.memory_limit_mb the domain runs through simulate_blocks_chunked."""
    blocks, grid, comps, vm, rb = _tiny()
    vm = vm.assign(range_major_m=[np.nan, 20.0], range_semi_m=[np.nan, 20.0],
                   range_minor_m=[np.nan, 10.0])  # fmt: skip
    p = uncertainty_params({**PARAMS, "discretisation": [2, 2, 1], "realisations": 2})

    def run(limit, out, executor="serial"):
        return run_uncertainty(blocks, grid, comps, vm, p, seed=7, out_dir=out,
                               resource_blocks=rb, executor=executor, workers=2,
                               declustering_cell_m=20.0, memory_limit_mb=limit)  # fmt: skip

    whole, chunked = run(50.0, tmp_path / "whole"), run(0.6, tmp_path / "chunked")
    tw, tc = whole.tables(), chunked.tables()
    meta = dict(zip(tc["meta"]["key"], tc["meta"]["value"], strict=True))
    assert "9 chunks" in meta["notes"], meta["notes"]
    assert set(tc) == set(tw) and len(tc["probability_blocks"]) == len(tw["probability_blocks"])
    # another visiting order: other realisations, the same statistics within sampling error
    assert not tc["gradetonnage"].equals(tw["gradetonnage"])
    a, b = (t["realisations"]["TREO_t_above_cutoff"].mean() for t in (tw, tc))
    assert abs(a - b) / a < 0.15
    assert tc["validation_histogram"]["sim_P50"].notna().all()
    again = run(0.6, tmp_path / "threads", executor="threads").tables()
    pd.testing.assert_frame_equal(again["probability_blocks"], tc["probability_blocks"])
