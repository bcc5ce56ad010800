"""run_resources end to end: a small model, purity, and the demo project store."""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mine2magnet.blockmodel.grid import Topography
from mine2magnet.errors import DataError
from mine2magnet.resources import resource_params, run_resources
from mine2magnet.resources.types import ResourceModel

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo"
STORE = DEMO / "out" / "project.duckdb"


def _topo(z):
    return Topography(np.array([[-1e3, -1e3, z], [1e3, -1e3, z], [-1e3, 1e3, z], [1e3, 1e3, z]]))


@pytest.fixture(scope="module")
def small(build):
    holes = [(x, y) for x in (10.0, 20.0, 30.0, 40.0) for y in (10.0, 20.0, 30.0)]
    holes += [(80.0, 20.0), (110.0, 30.0)]
    comps = build.vertical_holes(holes)
    blocks = build.block_table((12, 4, 4), waste_levels=(3,))
    failures = pd.DataFrame({"sample_id": ["C1"], "rule": ["crm_outside_3sd"]})
    samples = pd.DataFrame({"sample_id": ["C1"], "hole_id": ["H013"]})
    return {
        "blocks": blocks,
        "grid": build.grid_frame((12, 4, 4)),
        "composites": comps,
        "qaqc_failures": failures,
        "qaqc_samples": samples,
        "topography": _topo(45.0),
    }


def _run(case, section=None, **kw):
    return run_resources(case["blocks"], case["grid"], case["composites"],
                         case["qaqc_failures"], case["qaqc_samples"], case["topography"],
                         resource_params(section or {}), **kw)  # fmt: skip


def test_small_model_tables_and_conservation(small):
    rm = _run(small, {"rpeee": {"constraint": "none"}, "reporting_cutoff": {"value": 0.0}})
    assert isinstance(rm, ResourceModel)
    est = small["blocks"][small["blocks"]["domain"] == "ORE"]
    assert len(rm.blocks) == len(est)
    cnt = rm.classification_counts.set_index("class")
    assert cnt.loc["Total", "tonnes"] == pytest.approx(est["tonnes"].sum())
    # no constraint, zero cut-off: the Total row is every classified block
    total = rm.reporting_statement(rounded=False).set_index("class").loc["Total", "tonnes"]
    classified = rm.blocks["tonnes"][rm.blocks["resource_class"] != "Unclassified"].sum()
    assert total == pytest.approx(classified)
    assert rm.blocks["in_resource"].sum() == (rm.blocks["resource_class"] != "Unclassified").sum()
    kv = dict(zip(rm.statement_meta["key"], rm.statement_meta["value"], strict=True))
    assert kv["qaqc_flagged_holes"] == "H013"
    assert set(rm.flagged_holes["hole_id"]) == {"H013"}


def test_depth_constraint_and_cutoff_drive_rpeee(small):
    rm = _run(small, {"rpeee": {"constraint": "depth", "max_depth_m": 30.0},
                      "reporting_cutoff": {"value": 1.0}})  # fmt: skip
    b = rm.blocks
    np.testing.assert_allclose(b["depth_m"], 45.0 - b["elevation"])
    assert (b["in_constraint"] == (b["depth_m"] <= 30.0)).all()
    assert (b["above_cutoff"] == (b["TREO_pct"] >= 1.0)).all()
    assert (b["rpeee"] == (b["in_constraint"] & b["above_cutoff"])).all()
    total = rm.reporting_statement(rounded=False).set_index("class").loc["Total", "tonnes"]
    assert total == pytest.approx(b["tonnes"][b["in_resource"]].sum())


def test_nsr_basis(small):
    rm = _run(small, {"reporting_cutoff": {"basis": "NSR_usd_t", "value": None},
                      "rpeee": {"constraint": "none"}})  # fmt: skip
    b = rm.blocks
    assert (b["above_cutoff"] == (b["nsr_usd_t"] >= 55.0)).all()
    st = rm.statement
    assert (st["cutoff_basis"] == "NSR_usd_t").all()
    assert st.loc[st["reporting"], "cutoff"].iloc[0] == 55.0


def test_pit_mask_only_used_by_pit_constraint(small):
    pit = small["blocks"][["i", "j", "k"]].drop_duplicates().assign(in_pit=lambda t: t["i"] < 3)
    rm = _run(small, {"rpeee": {"constraint": "pit"}}, pit_mask=pit)
    assert (rm.blocks["in_constraint"] == (rm.blocks["i"] < 3)).all()
    other = _run(small, {"rpeee": {"constraint": "none"}}, pit_mask=pit)
    assert other.blocks["in_constraint"].all()


def test_inputs_never_modified(small, build):
    before = {k: build.frame_hash(v) for k, v in small.items() if isinstance(v, pd.DataFrame)}
    pit = small["blocks"][["i", "j", "k"]].assign(in_pit=True)
    pit_hash = build.frame_hash(pit)
    _run(small, {"rpeee": {"constraint": "pit"}}, pit_mask=pit)
    after = {k: build.frame_hash(v) for k, v in small.items() if isinstance(v, pd.DataFrame)}
    assert after == before and build.frame_hash(pit) == pit_hash


def test_same_inputs_same_tables(small):
    a, b = _run(small).tables(), _run(small).tables()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])


def test_missing_column_is_a_data_error(small):
    bad = dict(small, blocks=small["blocks"].drop(columns="tonnes"))
    with pytest.raises(DataError, match="tonnes"):
        _run(bad)


# -------------------------------------------------------------------- demo store


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    if not STORE.is_file():
        pytest.skip("examples/demo/out/project.duckdb missing (run `make demo`)")
    duckdb = pytest.importorskip("duckdb")
    from mine2magnet.blockmodel import load_topography
    from mine2magnet.config import load_project

    copy = tmp_path_factory.mktemp("store") / "project.duckdb"
    shutil.copy(STORE, copy)
    with duckdb.connect(str(copy), read_only=True) as con:
        names = {"blocks": "estimation__blocks", "grid": "estimation__grid",
                 "composites": "drillholes__composites",
                 "qaqc_failures": "drillholes__qaqc_failures",
                 "qaqc_samples": "drillholes__qaqc_samples"}  # fmt: skip
        case = {k: con.execute(f'SELECT * FROM "{v}"').df() for k, v in names.items()}
    case["topography"] = load_topography(load_project(DEMO))
    case["default"] = _run(case)
    return case


def test_demo_has_all_three_classes(demo):
    rm = demo["default"]
    st = rm.reporting_statement().set_index("class")
    for cls in ("Measured", "Indicated", "Inferred"):
        assert st.loc[cls, "tonnes"] > 0, cls
    assert (rm.classification_counts.set_index("class")["tonnes"] > 0).all()
    assert st.loc["Measured", "TREO_pct"] > st.loc["Indicated", "TREO_pct"]  # the HG core
    assert set(rm.flagged_holes["hole_id"]) >= {"SBK107", "SBK149", "SBK153", "SBK210"}
    assert rm.statement_unrounded["tonnes"].max() <= demo["blocks"]["tonnes"].sum()


def test_demo_one_threshold_changes_the_statement(demo):
    base = demo["default"].reporting_statement(rounded=False).set_index("class")
    tighter = _run(demo, {"classification": {"measured": {"max_spacing_m": 25.0}}})
    new = tighter.reporting_statement(rounded=False).set_index("class")
    assert new.loc["Measured", "tonnes"] < base.loc["Measured", "tonnes"]
    assert new.loc["Total", "tonnes"] == pytest.approx(base.loc["Total", "tonnes"], rel=0.01)
    assert not new["tonnes"].equals(base["tonnes"])
