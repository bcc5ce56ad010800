"""Cross-validation equals kriging with the left-out samples deleted; statistics by hand."""

import numpy as np
import pytest

from mine2magnet.errors import ConfigError
from mine2magnet.geostats import SearchParameters, Structure, VariogramModel, krige
from mine2magnet.geostats.crossval import cross_validate, crossval_statistics

MODEL = VariogramModel(0.2, (Structure("spherical", 0.8, (80.0, 50.0, 20.0), (30.0, 0.0, 0.0)),))
PASSES = [
    SearchParameters((60.0, 40.0, 15.0), (30.0, 0.0, 0.0), 4, 12, 3, 2),
    SearchParameters((120.0, 80.0, 30.0), (30.0, 0.0, 0.0), 2, 12, 3),
]


def _holes(seed=1, n_holes=30, per=8):
    rng = np.random.default_rng(seed)
    holes = np.repeat(np.arange(n_holes), per)
    n = holes.size
    # inclined-ish holes: collars scattered, composites 2 m apart with small wander
    X = np.c_[
        rng.uniform(0, 200, n_holes)[holes] + rng.normal(0, 0.3, n),
        rng.uniform(0, 200, n_holes)[holes] + rng.normal(0, 0.3, n),
        -np.tile(np.arange(per) * 2.0, n_holes) + rng.normal(0, 0.1, n),
    ]
    z = rng.lognormal(0.0, 0.8, n)
    return X, np.c_[z, 3.0 * z + 1.0], holes


@pytest.mark.parametrize("kind", ["leave_one_out", "leave_hole_out"])
@pytest.mark.parametrize("method", ["ordinary", "simple"])
def test_equals_krige_without_the_left_out_samples(kind, method):
    X, Z, holes = _holes()
    mean = [1.4, 5.2]
    cv = cross_validate(X, Z, MODEL, PASSES, kind=kind, hole_id=holes, method=method,
                        mean=mean)  # fmt: skip
    s = cv.samples.set_index("sample")
    for t in range(0, len(X), 9):
        keep = holes != holes[t] if kind == "leave_hole_out" else np.arange(len(X)) != t
        r = krige(X[keep], Z[keep], X[t : t + 1], MODEL, PASSES, hole_id=holes[keep],
                  method=method, mean=mean)  # fmt: skip
        got = s.loc[t, ["value_0_estimate", "value_1_estimate"]].to_numpy(dtype=float)
        np.testing.assert_allclose(got, r.estimate[0], rtol=1e-9, atol=1e-12)
        assert s.loc[t, "pass"] == r.pass_number[0]
        assert s.loc[t, "kv"] == pytest.approx(r.variance[0], rel=1e-9, nan_ok=True)


def test_linear_in_the_data_and_targets_subset():
    X, Z, holes = _holes(seed=3)
    cv = cross_validate(X, Z, MODEL, PASSES, hole_id=holes, targets=[5, 17, 40])
    assert cv.samples["sample"].tolist() == [5, 17, 40]
    e = cv.samples
    np.testing.assert_allclose(e["value_1_estimate"], 3.0 * e["value_0_estimate"] + 1.0)


def test_statistics_by_hand():
    s = crossval_statistics([1.0, 2.0, 3.0, 4.0], [1.5, 1.5, 3.5, 3.5], variance=[1, 1, 1, 1])
    assert s["n"] == 4
    assert s["mean_error"] == pytest.approx(0.0)
    assert s["rmse"] == pytest.approx(0.5)
    assert s["slope"] == pytest.approx(1.0)  # cov = var(est) = 1
    assert s["correlation"] == pytest.approx(1.0 / np.sqrt(1.25))
    assert s["mean_squared_standardised_error"] == pytest.approx(0.25)


def test_needs_holes_for_leave_hole_out():
    X, Z, _ = _holes()
    with pytest.raises(ConfigError, match="hole_id"):
        cross_validate(X, Z[:, 0], MODEL, PASSES[1], kind="leave_hole_out")


def test_nan_rows_are_neither_used_nor_estimated():
    X, Z, holes = _holes()
    z = Z[:, 0].copy()
    z[[3, 50]] = np.nan
    cv = cross_validate(X, z, MODEL, PASSES[1], hole_id=holes)
    assert 3 not in cv.samples["sample"].tolist() and len(cv.samples) == len(z) - 2
