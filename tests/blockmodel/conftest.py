"""A small two-domain deposit with vertical holes, its project sections, and the estimate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mine2magnet.blockmodel import run_estimation
from mine2magnet.config import DomainDef
from mine2magnet.drillholes.types import Composites

GRADES = ("La2O3_pct", "CeO2_pct", "Nd2O3_pct", "ThO2_pct", "CaF2_pct", "TREO_pct")
ANGLES = [90.0, 0.0, 0.0]


def make_composites(seed: int = 7) -> Composites:
    """Vertical holes on a 20 m grid, 2 m composites from z = 0 down to −80 m.

    Domain ``ORE`` between −20 and −60 m, ``WASTE`` elsewhere; grades rise towards the
    centre of the ore; TREO is the sum of the three oxides in every composite; one ThO2
    value is missing.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for hx in np.arange(10.0, 200.0, 20.0):
        for hy in np.arange(10.0, 100.0, 20.0):
            hid = f"H{int(hx):03d}{int(hy):03d}"
            for d in np.arange(0.0, 80.0, 2.0):
                z = -(d + 1.0)
                ore = -60.0 <= z < -20.0
                base = 2.0 + 0.01 * hx if ore else 0.1
                treo = base * rng.lognormal(0.0, 0.3)
                la, ce = 0.3 * treo * rng.uniform(0.9, 1.1), 0.5 * treo
                nd = treo - la - ce
                rows.append(
                    {"hole_id": hid, "from_m": d, "to_m": d + 2.0, "length_m": 2.0,
                     "sampled_length_m": 2.0, "easting": hx + 0.01 * d,
                     "northing": hy + 0.005 * d, "elevation": z,
                     "domain": "ORE" if ore else "WASTE", "La2O3_pct": la, "CeO2_pct": ce,
                     "Nd2O3_pct": nd, "ThO2_pct": treo / 9.0, "CaF2_pct": 10.0 * treo,
                     "TREO_pct": la + ce + nd}
                )  # fmt: skip
    t = pd.DataFrame(rows)
    t.loc[15, "ThO2_pct"] = np.nan  # an ORE composite (hole 1, 30–32 m)
    return Composites(t, GRADES, 2.0, "keep_if_half", pd.DataFrame())


DOMAINS = [
    DomainDef(code="ORE", lithologies=["ore"], density_t_m3=3.0, estimate=True),
    DomainDef(code="WASTE", lithologies=["host"], density_t_m3=2.5, estimate=False),
]

GEOSTATS = {
    "discretisation": [2, 2, 2],
    "cross_validation": {"max_targets": 60},
    "declustering": {"cell_sizes_m": [20.0]},
    "domains": {
        "ORE": {
            "variogram": {"nugget": 0.05, "structures": [
                {"kind": "spherical", "sill": 0.3, "ranges": [120, 80, 30], "angles": ANGLES}
            ], "source": "test"},
            "search": {"ranges": [60, 40, 15], "angles": ANGLES, "min_samples": 4,
                       "max_samples": 12, "max_per_hole": 4,
                       "passes": [{"factor": 1.0}, {"factor": 2.5, "min_samples": 1}]},
            "neighbourhood_analysis": {"block_sizes_m": [[5, 5, 5], [20, 20, 10]],
                                       "max_samples": [4, 12], "n_blocks": 3},
        }
    },
}  # fmt: skip

BLOCKMODEL = {
    "origin": [0.0, 0.0, -80.0],
    "block_size": [10.0, 10.0, 10.0],
    "counts": [20, 10, 8],
    "domain_coding": {"subcells": [2, 2, 2], "ranges": [40.0, 40.0, 8.0],
                      "angles": ANGLES, "default_domain": "WASTE"},
    "grade_tonnage": {"cutoffs_pct": [0.0, 1.0, 2.0, 3.0]},
}  # fmt: skip


@pytest.fixture(scope="session")
def composites() -> Composites:
    return make_composites()


@pytest.fixture(scope="session")
def outcome(composites):
    return run_estimation(composites, DOMAINS, GEOSTATS, BLOCKMODEL, seed=3)


@pytest.fixture(scope="session")
def case() -> dict:
    """The sections and constants of the small deposit (importlib mode: no conftest import)."""
    return {
        "domains": DOMAINS,
        "geostats": GEOSTATS,
        "blockmodel": BLOCKMODEL,
        "grades": GRADES,
    }
