"""Block estimation and the estimation stage on a small two-domain deposit."""

import numpy as np
import pandas as pd
import pytest

from mine2magnet.blockmodel import (
    EstimationOutcome,
    comparison_column,
    estimate_block_model,
    run_estimation,
)
from mine2magnet.config import DomainDef
from mine2magnet.errors import ConfigError
from mine2magnet.geostats import SearchParameters, Structure, VariogramModel, krige

OXIDES = ["La2O3_pct", "CeO2_pct", "Nd2O3_pct"]


def test_treo_equals_sum_of_oxides(outcome):
    t = outcome.block_model.table
    ore = t[t["domain"] == "ORE"]
    assert ore["TREO_pct"].notna().all()
    dev = np.abs(ore["TREO_pct"] - ore[OXIDES].sum(axis=1)).max()
    assert dev < 1e-12
    chk = outcome.checks.set_index(["domain", "check"])["value"]
    assert chk[("ORE", "treo_sum_max_abs_diff_blocks")] == pytest.approx(dev, abs=1e-15)


def test_rows_volumes_and_tonnes(outcome):
    t = outcome.block_model.table
    # the grid is exactly filled: 800,000 m³ of ore between −20 and −60 m
    vol = t.groupby("domain")["volume_m3"].sum()
    assert vol["ORE"] == pytest.approx(800_000.0)
    assert t["volume_m3"].sum() == pytest.approx(20 * 10 * 8 * 1000.0)
    np.testing.assert_allclose(t["tonnes"], t["volume_m3"] * t["density_t_m3"])
    waste = t[t["domain"] == "WASTE"]
    assert waste["TREO_pct"].isna().all() and (waste["pass"] == 0).all()
    assert list(t.columns[:11]) == ["i", "j", "k", "easting", "northing", "elevation",
                                    "domain", "volume_fraction", "volume_m3",
                                    "density_t_m3", "tonnes"]  # fmt: skip
    assert {"kv", "slope", "ke", "n_samples", "mean_distance_m", "pass"} <= set(t.columns)
    assert {"TREO_id2_pct", "TREO_nn_pct"} <= set(t.columns)


def test_hard_boundary_and_direct_krige(composites, outcome, case):
    """ORE rows equal krige() run on the ORE composites only (hard boundary)."""
    GEOSTATS, GRADES = case["geostats"], case["grades"]
    t = outcome.block_model.table
    ore_rows = t[t["domain"] == "ORE"].head(50)
    c = composites.table[composites.table["domain"] == "ORE"]
    d = GEOSTATS["domains"]["ORE"]
    s = d["search"]
    passes = [
        SearchParameters(s["ranges"], s["angles"], 4, 12, 4),
        SearchParameters([2.5 * r for r in s["ranges"]], s["angles"], 1, 12, 4),
    ]
    st = d["variogram"]["structures"][0]
    model = VariogramModel(0.05, (Structure("spherical", st["sill"], st["ranges"], st["angles"]),))
    cols = [g for g in GRADES if g != "ThO2_pct"]  # ThO2 has a missing sample
    r = krige(
        c[["easting", "northing", "elevation"]].to_numpy(), c[cols].to_numpy(),
        ore_rows[["easting", "northing", "elevation"]].to_numpy(), model, passes,
        block_size=(10, 10, 10), discretisation=(2, 2, 2), hole_id=c["hole_id"].to_numpy(),
    )  # fmt: skip
    np.testing.assert_allclose(ore_rows[cols].to_numpy(), r.estimate, rtol=1e-12)
    np.testing.assert_allclose(ore_rows["kv"], r.variance, rtol=1e-12)
    groups = outcome.kriging_groups
    assert len(groups) == 2  # ThO2 (one missing sample) is kriged on its own
    assert "ThO2_pct" in set(groups["columns"])


def test_tables_are_frames_with_columns(outcome):
    tabs = outcome.tables()
    assert {"blocks", "grid", "statistics", "crossval", "swaths", "grade_tonnage",
            "variogram_experimental", "variogram_model_curves", "checks"} <= set(tabs)  # fmt: skip
    for name, df in tabs.items():
        assert isinstance(df, pd.DataFrame), name
        assert len(df.columns) > 0, name
    assert set(outcome.crossval["kind"]) == {"leave_one_out", "leave_hole_out"}
    assert (outcome.crossval["n"] == 60).all()  # max_targets
    assert set(outcome.swaths["axis"]) == {"easting", "northing", "elevation"}
    assert set(outcome.variogram_experimental["direction"]) == {
        "major", "semi_major", "minor", "downhole"}  # fmt: skip


def test_deterministic_and_executor_independent(composites, case):
    DOMAINS, GEOSTATS, BLOCKMODEL = case["domains"], case["geostats"], case["blockmodel"]
    a = run_estimation(composites, DOMAINS, GEOSTATS, BLOCKMODEL, seed=3)
    b = run_estimation(composites, DOMAINS, GEOSTATS, BLOCKMODEL, seed=3, executor="threads")
    for name, df in a.tables().items():
        pd.testing.assert_frame_equal(df, b.tables()[name], obj=name)


def test_inputs_not_modified(composites, case):
    DOMAINS, GEOSTATS, BLOCKMODEL = case["domains"], case["geostats"], case["blockmodel"]
    before = composites.table.copy()
    estimate_block_model(composites, DOMAINS, GEOSTATS, BLOCKMODEL)
    pd.testing.assert_frame_equal(composites.table, before)


def test_simple_kriging_and_top_cut(composites, case):
    DOMAINS, GEOSTATS, BLOCKMODEL = case["domains"], case["geostats"], case["blockmodel"]
    g = {**GEOSTATS, "method": "simple", "cross_validation": {"kinds": []}}
    g["domains"] = {"ORE": {**GEOSTATS["domains"]["ORE"], "top_cuts": {"TREO_pct": 4.0}}}
    out = run_estimation(composites, DOMAINS, g, BLOCKMODEL, seed=1)
    t = out.block_model.table
    ore = t[t["domain"] == "ORE"]
    assert np.abs(ore["TREO_pct"] - ore[OXIDES].sum(axis=1)).max() < 1e-12
    assert ore["TREO_pct"].max() <= 4.0 + 1e-9
    assert out.top_cuts["n_capped"].iloc[0] > 0
    assert out.crossval.empty and list(out.crossval.columns)[:3] == ["domain", "kind", "column"]
    assert set(out.kriging_groups["method"]) == {"simple_kriging"}


def test_config_errors_name_keys(composites, case):
    DOMAINS, GEOSTATS, BLOCKMODEL = case["domains"], case["geostats"], case["blockmodel"]
    with pytest.raises(ConfigError, match=r"geostats\.domains\.WASTE"):
        doms = [DOMAINS[0], DomainDef(code="WASTE", density_t_m3=2.5, estimate=True)]
        estimate_block_model(composites, doms, GEOSTATS, BLOCKMODEL)
    with pytest.raises(ConfigError, match=r"geostats\.primary_column"):
        estimate_block_model(composites, DOMAINS, {**GEOSTATS, "primary_column": "X_pct"},
                             BLOCKMODEL)  # fmt: skip
    with pytest.raises(ConfigError, match=r"blockmodel\.topography"):
        bm = {**BLOCKMODEL, "topography": {"file": "topo.csv"}}
        estimate_block_model(composites, DOMAINS, GEOSTATS, bm)


def test_neighbourhood_analysis(outcome):
    k = outcome.neighbourhood_analysis
    assert len(k) == 2 * 2 * 3
    assert {"i", "j", "k", "slope", "ke", "kv_pct2"} <= set(k.columns)
    # more samples and bigger blocks: a better (higher) slope of regression on average
    m = k.groupby(["block_x_m", "max_samples"])["slope"].mean()
    assert m.loc[(20.0, 12)] > m.loc[(5.0, 4)]


def test_comparison_column_names():
    assert comparison_column("TREO_pct", "inverse_distance", 3.0) == "TREO_id3_pct"
    assert comparison_column("Nd2O3_pct", "nearest_neighbour") == "Nd2O3_nn_pct"


def test_outcome_type(outcome):
    assert isinstance(outcome, EstimationOutcome)
    assert outcome.block_model.primary_column == "TREO_pct"


@pytest.mark.slow
def test_dask_local_cluster_equals_serial(composites, case, outcome):
    distributed = pytest.importorskip("dask.distributed")
    DOMAINS, GEOSTATS, BLOCKMODEL = case["domains"], case["geostats"], case["blockmodel"]
    g = {**GEOSTATS, "chunk_size": 300}
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        got = run_estimation(composites, DOMAINS, g, BLOCKMODEL, seed=3, executor=client)
    for name, df in outcome.tables().items():
        pd.testing.assert_frame_equal(got.tables()[name], df, obj=name)


def test_rotating_everything_rotates_the_estimate(composites, case):
    """Grid, data, variogram, search and coding all turned 35° about the grid origin give
    the same blocks: the discretisation follows the rotated blocks."""
    import copy

    from mine2magnet.blockmodel import BlockGrid
    from mine2magnet.drillholes.types import Composites

    theta = 35.0
    bm0 = case["blockmodel"]
    g0 = BlockGrid(tuple(bm0["origin"]), tuple(bm0["block_size"]), tuple(bm0["counts"]))
    g1 = BlockGrid(g0.origin, g0.block_size, g0.counts, theta)
    t = composites.table.copy()
    xyz = g1.to_world(g0.to_local(t[["easting", "northing", "elevation"]].to_numpy()))
    t[["easting", "northing", "elevation"]] = xyz
    c1 = Composites(t, composites.grade_columns, 2.0, "keep_if_half", pd.DataFrame())
    geo = copy.deepcopy(case["geostats"])
    geo["cross_validation"] = {"kinds": []}
    d = geo["domains"]["ORE"]
    for part in (d["variogram"]["structures"][0], d["search"]):
        part["angles"] = [part["angles"][0] + theta, *part["angles"][1:]]
    bm1 = copy.deepcopy(bm0)
    bm1["rotation_deg"] = theta
    ang = bm1["domain_coding"]["angles"]
    bm1["domain_coding"]["angles"] = [ang[0] + theta, *ang[1:]]
    geo0 = {**case["geostats"], "cross_validation": {"kinds": []}}
    a = estimate_block_model(composites, case["domains"], geo0, bm0).table
    b = estimate_block_model(c1, case["domains"], geo, bm1).table
    assert a[["i", "j", "k", "domain"]].equals(b[["i", "j", "k", "domain"]])
    for col in ["TREO_pct", "kv", "slope", "TREO_id2_pct", "TREO_nn_pct"]:
        np.testing.assert_allclose(b[col], a[col], rtol=1e-9, atol=1e-12, err_msg=col)
