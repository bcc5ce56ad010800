"""MineLib (Espinoza et al. 2013): published UPIT optima and kd's official precedence.

Reads ``../shared/minelib`` (next to the repository; skipped when absent). Every instance's
ultimate pit must equal the published optimum once rounded to the unit (the files carry
fractional profits), with both engines agreeing to the unit, every arc met, and the
published pit (``*_upit.sol``) worth the same. The slope-pattern builder must regenerate
kd's ``.prec`` exactly from the block coordinates: 45° over 8 benches, z up, arcs to
absent blocks dropped (the rule that rebuilt marvin's and mclaughlin_limit's files),
with blocks 4/3 as wide as high (20 × 20 × 15 m; any height/width in [0.75, 0.79) gives
the same pattern). mclaughlin_limit's file is regenerated the same way with blocks 5/4 as
wide as high (25 × 25 × 20 m).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mine2magnet.mining.closure import ultimate_pit
from mine2magnet.mining.minelib import read_blocks, read_prec, read_solution, read_upit
from mine2magnet.mining.nested import PitInputs, nested_pits
from mine2magnet.mining.slopes import grid_precedence, slope_pattern

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "minelib"

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/minelib not present"),
]

#: Published UPIT optima (MineLib; ../shared/minelib/README.md).
OPTIMA = {
    "newman1": 26_086_899,
    "zuck_small": 1_422_726_898,
    "kd": 652_195_037,
    "marvin": 1_415_655_436,
    "mclaughlin_limit": 1_495_726_474,
}


def _file(name: str, ext: str) -> Path:
    for p in (SHARED / f"{name}.{ext}", SHARED / f"{name}.{ext}.gz"):
        if p.is_file():
            return p
    pytest.skip(f"{name}.{ext} not in ../shared/minelib")


@pytest.mark.parametrize(
    "name",
    [
        "newman1",
        "zuck_small",
        "kd",
        pytest.param("marvin", marks=pytest.mark.slow),
        pytest.param("mclaughlin_limit", marks=pytest.mark.slow),
    ],
)
def test_upit_reproduces_the_published_optimum(name):
    g = read_prec(_file(name, "prec"))
    values = read_upit(_file(name, "upit")).values
    results = [ultimate_pit(values, g, engine=e) for e in ("mineflow", "ortools")]
    assert results[0].value_scaled == results[1].value_scaled
    for r in results:
        assert round(r.value) == OPTIMA[name]
        assert g.violations(r.mask) == 0
        assert float(values[r.mask].sum()) == pytest.approx(r.value, abs=g.n_blocks / r.scale)
    sol = SHARED / f"{name}_upit.sol"
    if sol.is_file():
        ids = read_solution(sol)
        pub = np.zeros(g.n_blocks, bool)
        pub[ids] = True
        assert g.violations(pub) == 0
        assert round(float(values[pub].sum())) == OPTIMA[name]


def _regenerate(name: str, block_size: tuple[float, float, float]):
    b = read_blocks(_file(name, "blocks")).table
    ids = b["id"].to_numpy(np.int64)
    x, y, z = (b[c].to_numpy(np.int64) for c in ("x", "y", "z"))
    x, y, z = x - x.min(), y - y.min(), z - z.min()
    counts = (int(x.max()) + 1, int(y.max()) + 1, int(z.max()) + 1)
    flat = x + counts[0] * (y + counts[1] * z)
    order = np.argsort(flat)
    pattern = slope_pattern(block_size, 45.0, n_benches=8)
    g = grid_precedence(flat[order], counts, pattern)
    s, p = g.arcs()
    ours = np.sort(ids[order][s] * len(ids) + ids[order][p])  # arcs are unique per block
    official = read_prec(_file(name, "prec"))
    s2, p2 = official.arcs()
    theirs = np.sort(s2 * len(ids) + p2)
    return pattern, ours, theirs


def test_slope_builder_regenerates_kd_precedence_exactly():
    pattern, ours, theirs = _regenerate("kd", (20.0, 20.0, 15.0))
    assert pattern.n_offsets == 25 and int(pattern.offsets[:, 2].max()) == 4
    assert ours.size == theirs.size == 219_778
    assert np.array_equal(ours, theirs)


@pytest.mark.slow
def test_slope_builder_regenerates_mclaughlin_precedence_exactly():
    pattern, ours, theirs = _regenerate("mclaughlin_limit", (25.0, 25.0, 20.0))
    assert pattern.n_offsets == 37
    assert ours.size == theirs.size == 3_035_483
    assert np.array_equal(ours, theirs)


def test_nested_pits_on_kd_are_nested_and_both_methods_agree():
    g = read_prec(_file("kd", "prec"))
    values = read_upit(_file("kd", "upit")).values
    inp = PitInputs.from_values(values)
    factors = [0.5, 0.8, 1.0, 1.5]
    a = nested_pits(inp, g, factors)
    b = nested_pits(inp, g, factors, method="independent", engine="ortools")
    assert a.objective == pytest.approx(b.objective, abs=1e-3)
    assert round(a.objective[2]) == OPTIMA["kd"]
    for s in range(1, 4):
        assert np.all(a.mask(s + 1) >= a.mask(s))
        assert g.violations(a.mask(s)) == 0
