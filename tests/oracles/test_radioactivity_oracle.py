"""Oracle: specific activities from first principles against the DOMAIN.md constants.

A = λ·N_A/M with λ = ln2/T½. Half-lives: Th-232 1.40e10 y, U-238 4.468e9 y (ENSDF/NUBASE2020);
the published specific activities (DOMAIN.md §2) are 4.06 kBq/g Th and 12.4 kBq/g U, and
must agree within 0.5 %. Constants are typed in here independently of the module.
"""

from __future__ import annotations

import math

import pytest

from mine2magnet.processing import radioactivity as ra

N_A = 6.02214076e23  # 1/mol, SI exact
YEAR_S = 365.25 * 24 * 3600  # Julian year


def _first_principles(half_life_y: float, molar_mass: float, abundance: float = 1.0) -> float:
    return abundance * math.log(2) / (half_life_y * YEAR_S) * N_A / molar_mass


@pytest.mark.parametrize(
    ("element", "half_life_y", "molar_mass", "published"),
    [
        ("Th", 1.40e10, 232.0377, 4.06e3),  # Th: 100 % Th-232; IUPAC atomic weight
        ("U", 4.468e9, 238.0508, 12.4e3),  # U-238 nuclide mass (AME2020 238.050788)
    ],
)
def test_specific_activity_matches_published(element, half_life_y, molar_mass, published):
    a = _first_principles(half_life_y, molar_mass)
    assert a == pytest.approx(published, rel=5e-3)
    # the constant the flowsheet uses is the published one ...
    assert ra.SPECIFIC_ACTIVITY_BQ_PER_G[element] == pytest.approx(published, rel=1e-12)
    # ... and the module's own first-principles function agrees with ours to rounding
    assert ra.specific_activity(half_life_y, molar_mass) == pytest.approx(a, rel=1e-12)


def test_natural_uranium_within_half_percent_of_published():
    """Per gram of natural U (99.2742 atom % U-238, atomic weight 238.02891) the U-238
    activity is 12.35 kBq/g: the published 12.4 is the pure-nuclide value, 0.4 % higher."""
    a = _first_principles(4.468e9, 238.02891, abundance=0.992742)
    assert a == pytest.approx(12.35e3, rel=1e-3)
    assert a == pytest.approx(12.4e3, rel=5e-3)
    assert a < ra.SPECIFIC_ACTIVITY_BQ_PER_G["U"]  # the constant is conservative


def test_u235_to_u238_activity_ratio():
    """Natural U: A(U-235)/A(U-238) ≈ 0.046 (≈ 1:21.7)."""
    expected = (0.007204 / 0.992742) * (4.468e9 / 7.04e8)
    assert ra.u235_activity_ratio() == pytest.approx(expected, rel=1e-12)
    assert 0.045 < expected < 0.047


def test_chain_member_counts():
    """Members counted with full activity in secular equilibrium; a branching pair counts
    once (its branching fractions sum to one). Decay data: ICRP Publication 107."""
    th232 = ["Th-232", "Ra-228", "Ac-228", "Th-228", "Ra-224", "Rn-220", "Po-216", "Pb-212",
             "Bi-212", ("Po-212", 0.6406, "Tl-208", 0.3594)]  # fmt: skip
    u238 = ["U-238", "Th-234", "Pa-234m", "U-234", "Th-230", "Ra-226", "Rn-222", "Po-218",
            "Pb-214", "Bi-214", "Po-214", "Pb-210", "Bi-210", "Po-210"]  # fmt: skip
    u235 = ["U-235", "Th-231", "Pa-231", "Ac-227", ("Th-227", 0.9862, "Fr-223", 0.0138),
            "Ra-223", "Rn-219", "Po-215", "Pb-211", "Bi-211", ("Tl-207", 0.9972, "Po-211",
            0.0028)]  # fmt: skip

    def members(chain):
        return sum(m[1] + m[3] if isinstance(m, tuple) else 1.0 for m in chain)

    assert members(th232) == pytest.approx(ra.CHAIN_MEMBERS["Th-232"])
    assert members(u238) == pytest.approx(ra.CHAIN_MEMBERS["U-238"])
    assert members(u235) == pytest.approx(ra.CHAIN_MEMBERS["U-235"])


def test_clearance_thresholds_hand_calculation():
    """1 Bq/g ⇔ 1/4060 g Th per g = 246 ppm Th = 280 ppm ThO2; 1/12400 = 80.6 ppm U."""
    assert ra.clearance_mass_fraction("Th") * 1e6 == pytest.approx(246.3, abs=0.1)
    tho2_ppm = ra.clearance_mass_fraction("Th") * 1e6 * (232.0377 + 2 * 15.999) / 232.0377
    assert tho2_ppm == pytest.approx(280.3, abs=0.1)
    assert ra.clearance_mass_fraction("U") * 1e6 == pytest.approx(80.6, abs=0.1)
