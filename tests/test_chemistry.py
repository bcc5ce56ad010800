"""Unit tests for mine2magnet.chemistry."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mine2magnet import chemistry as ch


def test_ree_lists():
    assert len(ch.LANTHANIDES) == 14 and "Pm" not in ch.LANTHANIDES
    assert ch.REE[-1] == "Y"
    assert ch.REO[:4] == ("La2O3", "CeO2", "Pr6O11", "Nd2O3")
    assert set(ch.LREE) | set(ch.HREE) == set(ch.REE)


def test_parse_formula():
    assert ch.parse_formula("Pr6O11") == (("Pr", 6), ("O", 11))
    assert ch.parse_formula("BaSO4") == (("Ba", 1), ("S", 1), ("O", 4))
    for bad in ("", "xyz", "Nd2O3!", "Qq2"):
        with pytest.raises(ValueError):
            ch.parse_formula(bad)


def test_canonical_columns():
    assert ch.canonical_column("Ce") == "CeO2_pct"
    assert ch.canonical_column("Nd2O3") == "Nd2O3_pct"
    assert ch.canonical_column("BaSO4") == "BaSO4_pct"
    assert ch.canonical_column("F") == "F_pct"
    assert ch.canonical_column("Cu") == "Cu_pct"
    assert ch.canonical_column("Th") == "ThO2_pct"


def test_conversion_factors():
    assert ch.conversion_factor("CeO2", "pct") == 1.0
    assert ch.conversion_factor("Ce", "ppm") == pytest.approx(1e-4 * 1.2284, rel=1e-4)
    assert ch.conversion_factor("Au", "g_t") == pytest.approx(1e-4)
    with pytest.raises(ValueError):
        ch.conversion_factor("Ce", "furlongs")


@given(st.sampled_from(sorted(ch.CANONICAL_SPECIES)), st.floats(0, 1e6))
def test_oxide_mass_exceeds_element_mass(element, ppm):
    # an oxide always weighs more than the element it holds
    assert ch.conversion_factor(element, "ppm") * ppm >= ppm * 1e-4
