"""Slope patterns (against brute-force cones and closures) and applying them to grids."""

from __future__ import annotations

import math
from itertools import product

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mine2magnet.blockmodel.grid import BlockModel
from mine2magnet.errors import ConfigError, DataError
from mine2magnet.mining.params import SlopeParams, SlopeSector
from mine2magnet.mining.slopes import (
    block_precedence,
    edge_blocked,
    effective_angles,
    grid_precedence,
    sector_angle_function,
    slope_pattern,
)
from mine2magnet.mining.value import BlockEconomics, block_values

# ------------------------------------------------------------------ brute-force helpers


def cone(block_size, angle_of, n_benches, rot=0.0, flattest=30.0):
    """Every (di, dj, dk) inside the cone, straight from the definition."""
    sx, sy, sz = block_size
    out = set()
    for dk in range(1, n_benches + 1):
        r = int(dk * sz / math.tan(math.radians(flattest)) / min(sx, sy)) + 2
        for di, dj in product(range(-r, r + 1), repeat=2):
            if di == 0 and dj == 0:
                out.add((0, 0, dk))
                continue
            az = (rot + math.degrees(math.atan2(di * sx, dj * sy))) % 360.0
            lim = dk * sz / math.tan(math.radians(angle_of(az)))
            if math.hypot(di * sx, dj * sy) <= lim * (1 + 1e-9) + 1e-12:
                out.add((di, dj, dk))
    return out


def closure(offsets, n_benches):
    """All sums of pattern offsets up to n_benches."""
    offs = [tuple(int(v) for v in o) for o in offsets]
    reach = set(offs)
    frontier = set(offs)
    while frontier:
        new = set()
        for a in frontier:
            for b in offs:
                c = (a[0] + b[0], a[1] + b[1], a[2] + b[2])
                if c[2] <= n_benches and c not in reach:
                    new.add(c)
        reach |= new
        frontier = new
    return reach


def const(a):
    return lambda az: a


# ---------------------------------------------------------------------------- patterns


def test_45_degree_cubic_pattern_is_the_known_minimal_set():
    p = slope_pattern((10.0, 10.0, 10.0), 45.0, n_benches=8)
    got = {tuple(o) for o in p.offsets.tolist()}
    ring1 = {(0, 0, 1), (1, 0, 1), (-1, 0, 1), (0, 1, 1), (0, -1, 1)}
    knights3 = {(a, b, 3) for a in (-2, 2) for b in (-2, 2)}
    five = {(a, b, 5) for a, b in [(3, 4), (4, 3)]}
    five = {(sa * a, sb * b, 5) for a, b, _ in five for sa in (-1, 1) for sb in (-1, 1)}
    assert got == ring1 | knights3 | five
    assert p.n_offsets == 17
    assert p.offsets.dtype == np.int64
    # sorted by (dk, dj, di): the order grid_precedence relies on
    key = [tuple(o[::-1]) for o in p.offsets.tolist()]
    assert key == sorted(key)


@settings(max_examples=25, deadline=None)
@given(
    sx=st.sampled_from([5.0, 10.0, 15.0, 20.0]),
    sy=st.sampled_from([5.0, 10.0, 20.0]),
    sz=st.sampled_from([5.0, 10.0, 15.0]),
    angle=st.floats(30.0, 70.0),
    nb=st.integers(1, 5),
)
def test_pattern_is_minimal_and_its_closure_is_the_cone(sx, sy, sz, angle, nb):
    bs = (sx, sy, sz)
    p = slope_pattern(bs, angle, n_benches=nb)
    full = cone(bs, const(angle), nb)
    offs = {tuple(o) for o in p.offsets.tolist()}
    assert offs <= full
    assert p.n_cone == len(full)
    cl = closure(offs, nb)
    assert cl == full  # a convex cone: the closure neither misses nor adds an offset
    for o in offs:  # minimal: no offset is implied by the others
        assert o not in closure(offs - {o}, nb)


@settings(max_examples=15, deadline=None)
@given(
    lo=st.floats(0.0, 359.0),
    span=st.floats(20.0, 200.0),
    a1=st.floats(30.0, 70.0),
    a2=st.floats(30.0, 70.0),
    rot=st.sampled_from([0.0, -30.0, 45.0]),
)
def test_sector_pattern_closure_covers_the_cone(lo, span, a1, a2, rot):
    f = sector_angle_function([(lo, (lo + span) % 360.0, a1)], a2)
    bs = (10.0, 10.0, 10.0)
    p = slope_pattern(bs, f, n_benches=4, rotation_deg=rot)
    full = cone(bs, lambda az: float(f(np.array([az]))[0]), 4, rot)
    offs = {tuple(o) for o in p.offsets.tolist()}
    assert offs <= full
    assert full <= closure(offs, 4)


def test_sector_function_wraps_north_and_first_match_wins():
    f = sector_angle_function([(300.0, 60.0, 38.0), (0.0, 180.0, 50.0)], 45.0)
    got = f(np.array([0.0, 59.9, 60.0, 100.0, 200.0, 300.0, 359.0])).tolist()
    assert got == [38.0, 38.0, 50.0, 50.0, 45.0, 38.0, 38.0]
    assert sector_angle_function([(10.0, 10.0, 30.0)], 45.0)(np.array([200.0])).tolist() == [30.0]


def test_rotation_turns_the_pattern_with_the_grid():
    # j axis to the east: a steep north wall limits the −i reach (i points south)
    f = sector_angle_function([(315.0, 45.0, 80.0)], 35.0)
    p = slope_pattern((10.0, 10.0, 10.0), f, n_benches=4, rotation_deg=90.0)
    o = p.offsets
    north = o[(o[:, 1] == 0) & (o[:, 0] < 0)]
    south = o[(o[:, 1] == 0) & (o[:, 0] > 0)]
    assert south.size and not north.size
    eff = effective_angles(o, (10.0, 10.0, 10.0), [0.0, 180.0], rotation_deg=90.0)
    assert eff[1] == pytest.approx(35.0, abs=2.0)
    # chains through the flat sectors either side cut across a narrow steep sector: the
    # long north wall comes out much flatter than 80°, and the report says so
    assert 40.0 < eff[0] < 70.0
    assert p.max_flatter_deg > 10.0


def test_effective_angle_of_the_one_bench_cross_is_exact():
    offs = [(0, 0, 1), (1, 0, 1), (-1, 0, 1), (0, 1, 1), (0, -1, 1)]
    eff = effective_angles(offs, (10, 10, 10), [0.0, 45.0, 90.0])
    assert eff == pytest.approx([45.0, math.degrees(math.atan(math.sqrt(2))), 45.0])
    assert effective_angles([(0, 0, 1)], (10, 10, 10), [0.0]).tolist() == [90.0]


def test_error_report_and_more_benches_are_more_accurate():
    errs = [slope_pattern((10, 10, 10), 45.0, n_benches=nb).max_abs_error_deg
            for nb in (1, 4, 8, 16)]  # fmt: skip
    assert errs == sorted(errs, reverse=True) and errs[-1] < 0.6 < errs[0]
    p = slope_pattern((10, 10, 10), 45.0, n_benches=8)
    assert set(p.errors.columns) == {"azimuth_deg", "target_deg", "pattern_deg", "error_deg"}
    assert len(p.errors) == 720
    # inscribed in a convex cone, the pattern is never flatter than designed
    assert p.max_flatter_deg == 0.0 and p.max_steeper_deg == pytest.approx(1.5085, abs=1e-3)
    assert p.max_abs_error_deg == pytest.approx(p.max_steeper_deg)
    assert 0 < p.mean_abs_error_deg < p.max_abs_error_deg


def test_angular_tolerance_picks_the_fewest_benches():
    p = slope_pattern((10, 10, 10), 45.0, n_benches=16, angular_tolerance_deg=2.0)
    assert p.max_abs_error_deg <= 2.0
    fewer = slope_pattern((10, 10, 10), 45.0, n_benches=p.n_benches - 1)
    assert fewer.max_abs_error_deg > 2.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"n_benches": 0}, "n_benches"), ({"angle_deg": 90.0}, "between 0 and 90")],
)
def test_bad_pattern_arguments(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        slope_pattern((10, 10, 10), **kwargs)


# ---------------------------------------------------------------- applying patterns


def brute_graph(cells, counts, offsets):
    nx, ny, nz = counts
    pos = {c: b for b, c in enumerate(cells)}
    arcs = []
    for b, c in enumerate(cells):
        i, j, k = c % nx, (c // nx) % ny, c // (nx * ny)
        for di, dj, dk in offsets:
            ii, jj, kk = i + di, j + dj, k + dk
            if 0 <= ii < nx and 0 <= jj < ny and 0 <= kk < nz:
                t = ii + nx * (jj + ny * kk)
                if t in pos:
                    arcs.append((b, pos[t]))
    return sorted(arcs)


@settings(max_examples=30, deadline=None)
@given(
    nx=st.integers(1, 6), ny=st.integers(1, 5), nz=st.integers(1, 5),
    keep=st.floats(0.3, 1.0), seed=st.integers(0, 10_000),
)  # fmt: skip
def test_grid_precedence_matches_brute_force(nx, ny, nz, keep, seed):
    rng = np.random.default_rng(seed)
    n = nx * ny * nz
    cells = np.flatnonzero(rng.random(n) < keep)
    offs = slope_pattern((10.0, 10.0, 10.0), 45.0, n_benches=3).offsets
    g = grid_precedence(cells, (nx, ny, nz), offs)
    s, p = g.arcs()
    assert sorted(zip(s.tolist(), p.tolist(), strict=True)) == brute_graph(
        cells.tolist(), (nx, ny, nz), offs.tolist()
    )
    for b in range(g.n_blocks):  # predecessors in increasing order, no duplicates
        pr = g.predecessors(b)
        assert np.all(np.diff(pr) > 0)


def test_grid_precedence_with_zones_uses_each_blocks_pattern():
    cells = np.arange(3 * 1 * 2)
    zone = np.array([0, 1, 0, 0, 0, 0])
    g = grid_precedence(cells, (3, 1, 2), [np.array([[0, 0, 1]]), np.array([[1, 0, 1]])],
                        zone=zone)  # fmt: skip
    assert g.predecessors(0).tolist() == [3]
    assert g.predecessors(1).tolist() == [5]
    assert g.n_arcs == 3


@pytest.mark.parametrize(
    ("cells", "match"), [([2, 1], "strictly increasing"), ([0, 99], "must lie in")]
)
def test_grid_precedence_rejects_bad_cells(cells, match):
    with pytest.raises(DataError, match=match):
        grid_precedence(cells, (3, 1, 2), [(0, 0, 1)])


def test_several_patterns_need_zones():
    with pytest.raises(ConfigError, match="zone"):
        grid_precedence([0, 1], (2, 1, 1), [slope_pattern((1, 1, 1)), slope_pattern((1, 1, 1))])


@settings(max_examples=20, deadline=None)
@given(nx=st.integers(1, 7), ny=st.integers(1, 6), nz=st.integers(1, 6))
def test_edge_blocked_matches_a_recursive_definition(nx, ny, nz):
    offs = slope_pattern((10.0, 10.0, 10.0), 45.0, n_benches=3).offsets.tolist()
    memo: dict[tuple[int, int, int], bool] = {}

    def blocked(i, j, k):
        if (i, j, k) in memo:
            return memo[(i, j, k)]
        out = False
        for di, dj, dk in offs:
            ii, jj, kk = i + di, j + dj, k + dk
            if kk >= nz:
                continue
            if not (0 <= ii < nx and 0 <= jj < ny) or blocked(ii, jj, kk):
                out = True
                break
        memo[(i, j, k)] = out
        return out

    got = edge_blocked((nx, ny, nz), np.array(offs))
    want = [blocked(c % nx, (c // nx) % ny, c // (nx * ny)) for c in range(nx * ny * nz)]
    assert got.tolist() == want


# ------------------------------------------------------------- block-model precedence


def _two_domain_model() -> BlockModel:
    nx, ny, nz = 8, 6, 5
    rows = []
    for k, j, i in product(range(nz), range(ny), range(nx)):
        dom = "ORE" if i < 4 else "HOST"
        rows.append({"i": i, "j": j, "k": k, "domain": dom, "volume_fraction": 1.0,
                     "density_t_m3": 2.5, "tonnes": 2500.0,
                     "Nd2O3_pct": 1.0 if dom == "ORE" else np.nan})  # fmt: skip
    return BlockModel((0.0, 0.0, 0.0), (10.0, 10.0, 10.0), (nx, ny, nz), 0.0,
                      pd.DataFrame(rows), ("Nd2O3_pct",))  # fmt: skip


def test_block_precedence_zones_by_domain_and_depth():
    bv = block_values(_two_domain_model(), BlockEconomics({"Nd2O3": 50.0}, {"Nd2O3": 0.5}),
                      pad_cells=5)  # fmt: skip
    slopes = SlopeParams(
        default_angle_deg=45.0,
        sectors=[
            SlopeSector(azimuth_from_deg=0, azimuth_to_deg=180, angle_deg=35, domains=["ORE"]),
            SlopeSector(azimuth_from_deg=0, azimuth_to_deg=360, angle_deg=55,
                        elevation_from_m=0.0, elevation_to_m=20.0),
        ],
        max_benches=4,
    )  # fmt: skip
    sp = block_precedence(bv, slopes)
    assert set(sp.zones["sectors"]) >= {"-", "0", "1", "0,1"}
    assert int(sp.zones["blocks"].sum()) == sp.graph.n_blocks == sp.rows.size
    # a block of ORE on a low bench takes sector 0 towards 0–180 and sector 1 elsewhere
    z01 = int(sp.zones.index[sp.zones["sectors"] == "0,1"][0])
    eff = sp.patterns[z01].errors.set_index("azimuth_deg")["target_deg"]
    assert eff[90.0] == 35.0 and eff[270.0] == 55.0
    # air above the highest ground is not in the graph; rows index the cell table
    t = bv.table
    top = t["ground_m"].max()
    assert (t["elevation"].to_numpy()[sp.rows] < top).all()
    errs = sp.errors()
    assert list(errs.columns[:2]) == ["zone", "azimuth_deg"] and len(errs) == 720 * len(sp.zones)
    # the sides of the padded grid block what cannot be reached inside it
    assert sp.blocked_cells > 0 and sp.blocked_tonnes > 0
