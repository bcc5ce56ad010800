"""Oracle: oxide factors computed from IUPAC atomic weights equal the published factors.

Published factors: DOMAIN.md §2 table (oxide mass per unit element mass, as tabulated in
element-to-oxide conversion tables, e.g. JCU Advanced Analytical Centre conversion table).
Tolerance: 1e-4 absolute (the published values carry four decimals).
"""

import pytest

from mine2magnet.chemistry import oxide_factor

PUBLISHED = {
    "La2O3": 1.1728, "CeO2": 1.2284, "Pr6O11": 1.2082, "Nd2O3": 1.1664, "Sm2O3": 1.1596,
    "Eu2O3": 1.1579, "Gd2O3": 1.1526, "Tb4O7": 1.1762, "Dy2O3": 1.1477, "Ho2O3": 1.1455,
    "Er2O3": 1.1435, "Tm2O3": 1.1421, "Yb2O3": 1.1387, "Lu2O3": 1.1372, "Y2O3": 1.2699,
    "Sc2O3": 1.5338, "ThO2": 1.1379,
}  # fmt: skip


@pytest.mark.parametrize(("species", "factor"), sorted(PUBLISHED.items()))
def test_oxide_factor_matches_published(species, factor):
    assert oxide_factor(species) == pytest.approx(factor, abs=1e-4)


def test_metal_in_oxide_matches_domain_notes():
    # DOMAIN.md §4: 0.8574 kg Nd per kg Nd2O3; 0.8277 kg Pr per kg Pr6O11
    assert 1 / oxide_factor("Nd2O3") == pytest.approx(0.8574, abs=1e-4)
    assert 1 / oxide_factor("Pr6O11") == pytest.approx(0.8277, abs=1e-4)
