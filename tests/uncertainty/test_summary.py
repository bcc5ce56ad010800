"""Probabilistic outputs: percentiles, probability above cut-off, period confidence."""

import numpy as np
import pandas as pd
import pytest

from mine2magnet.errors import ConfigError, DataError
from mine2magnet.uncertainty import (
    percentiles,
    period_confidence,
    period_tonnes,
    probability_above,
    realisation_seed,
    run_realisations,
)
from mine2magnet.uncertainty.standin import seeded_field

SMALL = {"counts": (20, 20, 10), "cutoffs": (0.0, 1.0, 2.0, 3.0)}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_realisations(seeded_field, 30, seed=21, out_dir=tmp_path_factory.mktemp("r"),
                            kwargs=SMALL, memory_limit_mb=0.05)  # fmt: skip


def test_grade_tonnage_percentiles_are_ordered_and_exact(run):
    values = ("tonnes", "TREO_pct", "TREO_t")
    p = percentiles(run, "gradetonnage", by=("cutoff_pct",), values=values)
    assert list(p["cutoff_pct"]) == [0.0, 1.0, 2.0, 3.0]
    assert (p["n_realisations"] == 30).all()
    for v in values:
        assert (p[f"{v}_p10"] <= p[f"{v}_p50"]).all() and (p[f"{v}_p50"] <= p[f"{v}_p90"]).all()
    # against the stacked table
    stack = np.stack([run.read("gradetonnage", r)["TREO_t"].to_numpy() for r in range(30)])
    np.testing.assert_array_equal(p["TREO_t_p90"], np.percentile(stack, 90, axis=0))
    assert p.loc[1, "TREO_t_p10"] < p.loc[1, "TREO_t_p90"]  # realisations differ


def test_one_row_table_percentiles(tmp_path):
    def_run = run_realisations(_pit, 40, seed=2, out_dir=tmp_path)
    p = percentiles(def_run, "pit", values=("value_usd", "npv_usd"))
    assert len(p) == 1
    draws = [np.random.default_rng(realisation_seed(2, r)).normal(1e8, 2e7) for r in range(40)]
    assert p.loc[0, "value_usd_p50"] == pytest.approx(np.percentile(draws, 50))
    assert p.loc[0, "npv_usd_p10"] < p.loc[0, "npv_usd_p50"] < p.loc[0, "npv_usd_p90"]


def _pit(realisation, seed):
    v = np.random.default_rng(seed).normal(1e8, 2e7)
    return {"pit": pd.DataFrame({"value_usd": [v], "npv_usd": [0.4 * v - 1e7]})}


def test_probability_above_streams_under_a_tiny_memory_limit(run):
    with pytest.raises(ConfigError):  # the stack of all block tables does not fit ...
        run.table("blocks")
    prob = probability_above(run, column="TREO_pct", cutoff_pct=2.0)  # ... the counts do
    brute = np.mean(
        [seeded_field(r, realisation_seed(21, r), **SMALL)["blocks"]["TREO_pct"] >= 2.0
         for r in range(30)], axis=0)  # fmt: skip
    assert list(prob["block_index"]) == list(range(4000))
    np.testing.assert_array_equal(prob["probability"].to_numpy(), brute)
    assert 0 < prob["probability"].mean() < 1
    lo = probability_above(run, column="TREO_pct", cutoff_pct=1.0)["probability"]
    assert (lo.to_numpy() >= prob["probability"].to_numpy()).all()


def _periods(realisation, seed, *, spread):
    rng = np.random.default_rng(seed)
    t = 1e6 * (1 + np.asarray(spread) * rng.uniform(-1, 1, len(spread)))
    return {"periods": pd.DataFrame({"period": np.arange(len(spread)), "tonnes": t,
                                     "metal_t": 0.02 * t})}  # fmt: skip


def test_period_confidence_flags_the_stable_periods(tmp_path):
    run = run_realisations(_periods, 200, seed=4, out_dir=tmp_path,
                           kwargs={"spread": [0.05, 0.5, 0.2]})  # fmt: skip
    pc = period_confidence(run)
    assert list(pc["within_tolerance"]) == [True, False, False]
    # 90 % of U(-20 %, 20 %) is ±18 %
    assert pc.loc[0, "tonnes_rel_ci"] < 0.05 < 0.15 < pc.loc[2, "tonnes_rel_ci"]
    assert pc.loc[1, "tonnes_rel_ci"] == pytest.approx(0.45, abs=0.03)  # 90 % of U(-50%, 50%)


def test_period_tonnes_counts_ore_only():
    b = pd.DataFrame({"period": [0, 0, 1, -1], "tonnes": [10.0, 20.0, 30.0, 40.0],
                      "TREO_pct": [2.0, 0.5, 1.0, 5.0]})  # fmt: skip
    got = period_tonnes(b, column="TREO_pct", ore_cutoff_pct=1.0)
    assert got["tonnes"].tolist() == [10.0, 30.0]
    assert got["metal_t"].tolist() == pytest.approx([0.2, 0.3])


def test_mismatched_rows_are_refused(tmp_path):
    run = run_realisations(_ragged, 2, seed=1, out_dir=tmp_path)
    with pytest.raises(DataError, match="other"):
        percentiles(run, "gradetonnage", by=("cutoff_pct",), values=("tonnes",))


def _ragged(realisation, seed):
    c = [0.0, 1.0] if realisation == 0 else [0.0, 2.0]
    return {"gradetonnage": pd.DataFrame({"cutoff_pct": c, "tonnes": [1.0, 2.0]})}


def _benches(realisation, seed):
    """``seeded_field``'s blocks yielded as one part per bench (a chunked realisation)."""
    blocks = seeded_field(realisation, seed, **SMALL)["blocks"]
    for rows in np.array_split(np.arange(len(blocks)), 10):
        yield {"blocks": blocks.iloc[rows].reset_index(drop=True)}


def test_probability_above_reads_the_parts_of_chunked_realisations(run, tmp_path):
    parted = run_realisations(_benches, 30, seed=21, out_dir=tmp_path, memory_limit_mb=0.05)
    assert parted.is_parted("blocks", 0) and len(parted.paths("blocks", 0)) == 10
    got = probability_above(parted, column="TREO_pct", cutoff_pct=2.0)
    pd.testing.assert_frame_equal(got, probability_above(run, column="TREO_pct", cutoff_pct=2.0))
