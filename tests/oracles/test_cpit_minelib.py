"""CPIT on public MineLib instances against the published LP bounds and best known values.

Values from ../shared/minelib/README.md (Espinoza et al. 2013, MineLib; best known CPIT
from TopoSort on the LP, Chicoisne et al. 2012). Skipped when ../shared/minelib is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mine2magnet.mining.minelib import read_instance
from mine2magnet.mining.schedule_cpit import (
    check_cpit,
    cpit_lp_bz,
    cpit_lp_highs,
    solve_cpit,
    upit_blocks,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "minelib"
PUBLISHED = {  # best known CPIT, LP bound
    "newman1": (23_483_671, 24_486_184),
    "marvin": (820_726_048, 863_916_131),
}
pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/minelib absent"),
]


def _load(name: str):
    inst = read_instance(SHARED, name)
    if inst.cpit is None:
        pytest.skip(f"{name}.cpit absent")
    return inst.cpit, inst.precedence


def test_newman1_lp_bound_is_the_published_one() -> None:
    m, g = _load("newman1")
    bz = cpit_lp_bz(m, g, upit_blocks(m, g))
    assert round(bz.bound) == PUBLISHED["newman1"][1]
    assert round(bz.value) == PUBLISHED["newman1"][1]
    # the plain LP over all blocks (no ultimate-pit restriction) agrees
    assert cpit_lp_highs(m, g).bound == pytest.approx(bz.bound, rel=1e-9)


@pytest.mark.slow
def test_newman1_schedule_beats_best_known_within_3_percent_of_lp() -> None:
    m, g = _load("newman1")
    s = solve_cpit(m, g, search_time=10)
    chk = check_cpit(m, g, s.period)
    assert chk.feasible
    assert chk.objective == pytest.approx(s.objective)
    best_known, lp_bound = PUBLISHED["newman1"]
    assert s.objective >= best_known
    assert s.objective >= 0.97 * lp_bound


@pytest.mark.slow
def test_marvin_lp_bound() -> None:
    # Our LP optimum is 863,934,505, 0.002 % above the published 863,916,131; the LP point
    # is feasible (checked in the unit tests' way below) so the published value is slightly
    # low, or marvin.prec (rebuilt from coordinates, see the README) differs in a few arcs.
    m, g = _load("marvin")
    lp = cpit_lp_bz(m, g, upit_blocks(m, g))
    assert lp.bound - lp.value <= 1e-6 * lp.bound
    assert lp.bound == pytest.approx(PUBLISHED["marvin"][1], rel=5e-5)
