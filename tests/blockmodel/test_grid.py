"""Grid geometry, topography, and domain coding (exact against coding every sub-cell)."""

import numpy as np
import pandas as pd
import pytest
from scipy.spatial import cKDTree

from mine2magnet.blockmodel import BlockGrid, BlockModel, Topography, code_domains
from mine2magnet.blockmodel.grid import _subcell_offsets
from mine2magnet.errors import ConfigError
from mine2magnet.geostats import anisotropy_matrix


def test_rotation_convention():
    g = BlockGrid((100.0, 200.0, 0.0), (10.0, 10.0, 5.0), (4, 3, 2), rotation_deg=30.0)
    ax = g.axes()
    # j axis points to azimuth 30, i axis to azimuth 120, k up
    np.testing.assert_allclose(ax[1], [np.sin(np.radians(30)), np.cos(np.radians(30)), 0])
    np.testing.assert_allclose(ax[0], [np.sin(np.radians(120)), np.cos(np.radians(120)), 0])
    p = g.centroids([1], [2], [1])
    np.testing.assert_allclose(g.to_local(p), [[15.0, 25.0, 7.5]])
    i, j, k = g.unravel(g.ravel([3, 0], [2, 1], [1, 0]))
    assert (i.tolist(), j.tolist(), k.tolist()) == ([3, 0], [2, 1], [1, 0])
    with pytest.raises(ConfigError):
        BlockGrid((0, 0, 0), (10, -1, 5), (1, 1, 1))


def test_topography_lattice_and_scattered():
    xs, ys = np.meshgrid([0.0, 10.0, 20.0], [0.0, 10.0])
    pts = np.c_[xs.ravel(), ys.ravel(), 2.0 * xs.ravel() + ys.ravel()]
    t = Topography(pts)
    assert t.elevation([5.0, 15.0], [5.0, 2.0]).tolist() == pytest.approx([15.0, 32.0])
    assert t.elevation([50.0], [50.0]).tolist() == pytest.approx([50.0])  # clamped edge
    tri = Topography(np.array([[0, 0, 0], [10, 0, 10], [0, 10, 0], [10, 10, 10.0]])[[0, 1, 2]])
    assert tri.elevation([2.0], [2.0]).tolist() == pytest.approx([2.0])


def _brute(grid, X, dom, sub, ranges, angles, maxd, default, topo):
    """Code every sub-cell with one KD-tree over all composites."""
    names = sorted(set(dom) | ({default} if default else set()))
    A = anisotropy_matrix(ranges, *angles)
    tree = cKDTree(X @ A.T)
    off = _subcell_offsets(grid, sub) @ grid.axes()
    idx = np.arange(grid.n_blocks)
    cen = grid.centroids(*grid.unravel(idx))
    P = (cen[:, None, :] + off[None]).reshape(-1, 3)
    d, j = tree.query(P @ A.T, k=1)
    code = np.where(d <= maxd, np.asarray(dom, dtype=object)[np.minimum(j, len(dom) - 1)],
                    default)  # fmt: skip
    if topo is not None:
        code = np.where(P[:, 2] > topo.elevation(P[:, 0], P[:, 1]), None, code)
    blk = np.repeat(idx, off.shape[0])
    df = pd.DataFrame({"block": blk, "domain": code}).dropna()
    out = df.groupby(["block", "domain"]).size().rename("n").reset_index()
    out["volume_fraction"] = out["n"] / off.shape[0]
    assert set(out["domain"]) <= set(names)
    return out.drop(columns="n").sort_values(["block", "domain"]).reset_index(drop=True)


@pytest.mark.parametrize("default", [None, "C"])
@pytest.mark.parametrize("rotation", [0.0, -30.0])
def test_coding_equals_coding_every_subcell(default, rotation):
    rng = np.random.default_rng(4)
    X = rng.uniform([0, 0, 0], [120, 80, 60], size=(300, 3))
    dom = np.where(X[:, 2] + 0.3 * X[:, 0] > 50, "A", "B")
    dom[X[:, 1] > 60] = "C"
    grid = BlockGrid((-10.0, -20.0, -5.0), (10.0, 10.0, 5.0), (15, 11, 14), rotation)
    topo = Topography(np.array([[-100, -100, 50], [300, -100, 70], [-100, 300, 40],
                                [300, 300, 60.0]]))  # fmt: skip
    kw = dict(subcells=(3, 2, 2), ranges=(40.0, 30.0, 8.0), angles=(60.0, -10.0, 20.0),
              max_distance=1.0, default_domain=default, topography=topo)  # fmt: skip
    got = code_domains(grid, X, dom, chunk_size=500, **kw)
    ref = _brute(grid, X, dom, kw["subcells"], kw["ranges"], kw["angles"], 1.0, default, topo)
    g = got.table[["block", "domain", "volume_fraction"]].sort_values(["block", "domain"])
    pd.testing.assert_frame_equal(g.reset_index(drop=True), ref, check_dtype=False)
    # volumes add up: coded + excluded = grid volume
    assert got.summary["volume_m3"].sum() == pytest.approx(grid.n_blocks * grid.block_volume_m3)


def test_coding_threads_equal_serial():
    rng = np.random.default_rng(5)
    X = rng.uniform(0, 100, size=(200, 3))
    dom = np.where(X[:, 0] > 50, "A", "B")
    grid = BlockGrid((0.0, 0.0, 0.0), (10.0, 10.0, 10.0), (10, 10, 10))
    a = code_domains(grid, X, dom, ranges=(30, 30, 30), chunk_size=97)
    b = code_domains(grid, X, dom, ranges=(30, 30, 30), chunk_size=333, executor="threads")
    pd.testing.assert_frame_equal(a.table, b.table)


def test_parent_blocks_sum_partial_rows():
    tab = pd.DataFrame(
        {"i": [0, 0, 1], "j": [0, 0, 0], "k": [0, 0, 0], "easting": [5.0, 5.0, 15.0],
         "northing": 5.0, "elevation": 5.0, "domain": ["A", "B", "A"],
         "volume_fraction": [0.75, 0.25, 1.0], "volume_m3": [750.0, 250.0, 1000.0],
         "density_t_m3": [3.0, 2.0, 3.0], "tonnes": [2250.0, 500.0, 3000.0],
         "TREO_pct": [2.0, np.nan, 1.0]}
    )  # fmt: skip
    bm = BlockModel((0.0, 0.0, 0.0), (10.0, 10.0, 10.0), (2, 1, 1), 0.0, tab, ("TREO_pct",))
    pb = bm.parent_blocks()
    assert pb["domain"].tolist() == ["A", "A"]
    assert pb["tonnes"].tolist() == [2750.0, 3000.0]
    assert pb["volume_fraction"].tolist() == [1.0, 1.0]
    assert pb["TREO_pct"].tolist() == pytest.approx([2.0, 1.0])  # NaN rows carry no metal
    again = BlockModel.from_frames(bm.grid_frame(), bm.table)
    assert again.grid == bm.grid and again.grade_columns == ("TREO_pct",)
