"""Estimates against exhaustive truth on classic public data sets (``../shared/data``).

* GSLIB ``cluster.dat`` (140 clustered samples) against ``true.dat`` (50 × 50 truth),
  Deutsch & Journel (1998): cell declustering, and ordinary kriging with a model fitted
  to the normal scores and rescaled to the declustered variance.
* Walker Lake ``V`` (Isaaks & Srivastava, 1989): 470 samples against the 78,000-point
  exhaustive set, points and 10 × 10 m blocks, with the published anisotropic model of
  I&S ch. 16 (nugget 22,000; spherical 40,000 with ranges 30/25 m and 45,000 with
  150/50 m, major axis N14°W).
* Jura (Goovaerts, 1997): Ni at the 100 validation sites from the 259 prediction sites.

The error statistics printed by ``pytest -s`` are the numbers quoted in the docs.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mine2magnet.geostats import (
    SearchParameters,
    Structure,
    VariogramFitter,
    VariogramModel,
    cell_declustering,
    experimental_variogram,
    inverse_distance,
    krige,
    nearest_neighbour,
)

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is absent"),
]


def _stats(est, truth):
    e = est - truth
    return {
        "ME": float(np.mean(e)),
        "MAE": float(np.mean(np.abs(e))),
        "RMSE": float(np.sqrt(np.mean(e**2))),
        "r": float(np.corrcoef(est, truth)[0, 1]),
        "mean": float(np.mean(est)),
        "true_mean": float(np.mean(truth)),
    }


def _show(label, s):
    print(label, " ".join(f"{k}={v:.3f}" for k, v in s.items()))


def _gslib(path, skip):
    return np.loadtxt(path, skiprows=skip)


def test_cluster_vs_true():
    d = _gslib(DATA / "gslib" / "cluster.dat", 7)  # title, 5, five names
    truth = _gslib(DATA / "gslib" / "true.dat", 4)[:, 0]  # 50 x 50, x fastest
    X = np.column_stack([d[:, 0], d[:, 1], np.zeros(len(d))])
    z = d[:, 2]
    gx, gy = np.meshgrid(np.arange(50) + 0.5, np.arange(50) + 0.5)
    T = np.column_stack([gx.ravel(), gy.ravel(), np.zeros(2500)])

    dc = cell_declustering(X[:, :2], z, cell_sizes=np.arange(0.0, 26.0, 1.0))
    print(f"\ncluster: naive mean {dc.naive_mean:.3f}, declustered {dc.declustered_mean:.3f}"
          f" (cell {dc.cell_size_m:g} m), true {truth.mean():.3f}")  # fmt: skip
    assert abs(dc.declustered_mean - truth.mean()) < 0.15 < abs(dc.naive_mean - truth.mean())
    assert np.corrcoef(dc.weights, d[:, 4])[0, 1] > 0.85  # GSLIB's own weights in the file

    ev = experimental_variogram(X, z, lag=2.0, n_lags=12, transform="normal_score")
    ns = VariogramFitter(VariogramModel(0.3, (Structure("spherical", 0.7, 10.0),))).fit(ev).model_
    var = np.sum(dc.weights * (z - dc.declustered_mean) ** 2) / np.sum(dc.weights)
    f = var / ns.sill
    s0 = ns.structures[0]
    model = VariogramModel(ns.nugget * f, (Structure("spherical", s0.sill * f, s0.ranges),))
    search = SearchParameters(25.0, min_samples=1, max_samples=16)
    ok = _stats(krige(X, z, T, model, search).estimate, truth)
    idw = _stats(inverse_distance(X, z, T, search).estimate, truth)
    nn = _stats(nearest_neighbour(X, z, T, search).estimate, truth)
    for label, s in (("OK", ok), ("ID2", idw), ("NN", nn)):
        _show(f"cluster {label:3s}", s)
    assert abs(ok["ME"]) < 0.3 and ok["RMSE"] < 4.3 and ok["r"] > 0.55
    assert ok["RMSE"] < idw["RMSE"] and ok["RMSE"] < nn["RMSE"]


WALKER_V = VariogramModel(
    22000.0,
    (
        Structure("spherical", 40000.0, (30.0, 25.0, 25.0), (-14.0, 0.0, 0.0)),
        Structure("spherical", 45000.0, (150.0, 50.0, 50.0), (-14.0, 0.0, 0.0)),
    ),
)


def test_walker_lake_points_and_blocks():
    w = np.loadtxt(DATA / "walker_lake" / "walker.dat", skiprows=8)  # id, x, y, V, U, T
    ex = pd.read_csv(DATA / "walker_lake" / "Exhaustive_set.csv")
    X = np.column_stack([w[:, 1], w[:, 2], np.zeros(len(w))])
    z = w[:, 3]
    search = SearchParameters((150.0, 75.0, 10.0), (-14.0, 0.0, 0.0), 4, 24)

    T = np.column_stack([ex.X, ex.Y, np.zeros(len(ex))]).astype(float)
    truth = ex.V.to_numpy(float)
    ok = _stats(krige(X, z, T, WALKER_V, search).estimate, truth)
    idw = _stats(inverse_distance(X, z, T, search).estimate, truth)
    nn = _stats(nearest_neighbour(X, z, T, search).estimate, truth)
    print()
    for label, s in (("OK", ok), ("ID2", idw), ("NN", nn)):
        _show(f"walker points {label:3s}", s)
    assert abs(ok["ME"]) < 15.0 and ok["r"] > 0.78 and ok["RMSE"] < 155.0
    assert ok["RMSE"] < idw["RMSE"] and ok["RMSE"] < nn["RMSE"]

    bx, by = (ex.X.to_numpy() - 1) // 10, (ex.Y.to_numpy() - 1) // 10
    blocks = pd.DataFrame({"bx": bx, "by": by, "V": truth}).groupby(["by", "bx"]).V.mean()
    B = np.column_stack(
        [
            blocks.index.get_level_values("bx") * 10 + 5.5,
            blocks.index.get_level_values("by") * 10 + 5.5,
            np.zeros(len(blocks)),
        ]
    )
    res = krige(X, z, B, WALKER_V, search, block_size=(10, 10, 1), discretisation=(4, 4, 1))
    okb = _stats(res.estimate, blocks.to_numpy())
    nnb = _stats(nearest_neighbour(X, z, B, search).estimate, blocks.to_numpy())
    _show("walker blocks OK ", okb)
    _show("walker blocks NN ", nnb)
    print(f"walker blocks mean slope {np.mean(res.slope):.3f}, KE {np.mean(res.efficiency):.3f}")
    assert abs(okb["ME"]) < 15.0 and okb["r"] > 0.88 and okb["RMSE"] < 100.0
    assert okb["RMSE"] < ok["RMSE"] and okb["RMSE"] < nnb["RMSE"]

    dc = cell_declustering(X[:, :2], z, cell_sizes=np.arange(0.0, 101.0, 5.0))
    print(f"walker declustered mean {dc.declustered_mean:.1f} (cell {dc.cell_size_m:g} m), "
          f"naive {dc.naive_mean:.1f}, true {truth.mean():.1f}")  # fmt: skip
    assert abs(dc.declustered_mean - truth.mean()) < abs(dc.naive_mean - truth.mean()) / 5


def test_jura_validation_ni():
    p = pd.read_csv(DATA / "jura" / "prediction.dat.csv")
    v = pd.read_csv(DATA / "jura" / "validation.dat.csv")
    X = np.column_stack([p.Xloc, p.Yloc, np.zeros(len(p))])
    T = np.column_stack([v.Xloc, v.Yloc, np.zeros(len(v))])
    z, truth = p.Ni.to_numpy(float), v.Ni.to_numpy(float)
    ev = experimental_variogram(X, z, lag=0.15, n_lags=12)
    start = VariogramModel(0.3 * z.var(), (Structure("spherical", 0.7 * z.var(), 1.0),))
    model = VariogramFitter(start).fit(ev).model_
    search = SearchParameters(2.0, max_samples=24)  # km
    ok = _stats(krige(X, z, T, model, search).estimate, truth)
    idw = _stats(inverse_distance(X, z, T, search).estimate, truth)
    nn = _stats(nearest_neighbour(X, z, T, search).estimate, truth)
    print()
    for label, s in (("OK", ok), ("ID2", idw), ("NN", nn)):
        _show(f"jura Ni {label:3s}", s)
    mean_rmse = float(np.sqrt(np.mean((truth - z.mean()) ** 2)))
    assert ok["RMSE"] < idw["RMSE"] < nn["RMSE"] and ok["RMSE"] < mean_rmse
    assert ok["r"] > 0.5
