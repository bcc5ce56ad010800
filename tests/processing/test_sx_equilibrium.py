"""Separation-factor table and equilibrium models."""

import numpy as np
import pytest

from mine2magnet.errors import ConfigError
from mine2magnet.processing.sx import (
    available_systems,
    fixed_loading_equilibrium,
    load_separation_factors,
    loading_limited_equilibrium,
)
from mine2magnet.processing.sx.equilibrium import SeparationFactors


def test_packaged_systems():
    assert {"P507_HCl", "D2EHPA_HCl"} <= set(available_systems())


@pytest.mark.parametrize("system", ["P507_HCl", "D2EHPA_HCl"])
def test_every_pair_cited_and_ordered(system):
    sf = load_separation_factors(system)
    assert isinstance(sf, SeparationFactors)
    assert len(sf.elements) == 15 and set(sf.elements) >= {"La", "Nd", "Lu", "Y"}
    assert sf.beta[0] == 1.0 and np.all(np.diff(sf.beta) >= 0)
    assert sf.pairs["source"].str.len().min() > 0
    assert sf.pairs["entered"].str.len().min() > 0
    assert len(sf.unverified_pairs) == len(sf.pairs)  # nothing is verified yet: say so


def test_domain_values():
    p507 = load_separation_factors("P507_HCl")
    assert p507.separation_factor("Nd", "Pr") == pytest.approx(1.5)
    d2 = load_separation_factors("D2EHPA_HCl")
    assert d2.separation_factor("Ce", "La") == pytest.approx(3.24)
    assert d2.separation_factor("Pr", "Ce") == pytest.approx(2.04)
    assert d2.separation_factor("Nd", "Pr") == pytest.approx(1.58)


def test_user_file_and_errors(tmp_path):
    f = tmp_path / "my.toml"
    f.write_text(
        '[systems.mine]\norder = ["Pr", "Nd"]\n'
        '[[systems.mine.pairs]]\npair = "Nd/Pr"\nbeta = 1.45\nsource = "our lab, 2026"\n'
    )
    sf = load_separation_factors("mine", f)
    assert sf.separation_factor("Nd", "Pr") == pytest.approx(1.45)
    with pytest.raises(ConfigError, match="not found"):
        load_separation_factors("other", f)
    with pytest.raises(ConfigError, match="no separation factor"):
        sf.relative(["La"])
    f.write_text(
        '[systems.mine]\norder = ["Pr", "Nd"]\n'
        '[[systems.mine.pairs]]\npair = "Pr/Nd"\nbeta = 1.45\nsource = "x"\n'
    )
    with pytest.raises(ConfigError, match="adjacent pair"):
        load_separation_factors("mine", f)
    f.write_text(
        '[systems.mine]\norder = ["Pr", "Nd"]\n[[systems.mine.pairs]]\npair = "Nd/Pr"\nbeta = 0.5\n'
        'source = "x"\n'
    )
    with pytest.raises(ConfigError, match=">= 1"):
        load_separation_factors("mine", f)
    with pytest.raises(ConfigError, match="not found"):
        load_separation_factors("mine", tmp_path / "missing.toml")


def test_fixed_loading_equilibrium():
    y = fixed_loading_equilibrium(np.array([0.2, 0.8]), np.array([1.0, 1.5]), 2.0)
    assert y.sum() == pytest.approx(2.0)
    # separation factor between the phases equals the beta ratio
    assert (y[1] / 0.8) / (y[0] / 0.2) == pytest.approx(1.5)


def test_loading_limited_equilibrium_limits():
    x = np.array([0.3, 0.7])
    b = np.array([1.0, 2.0])
    sat = loading_limited_equilibrium(x, b, 1.0, 1e9)
    assert sat.sum() == pytest.approx(1.0, rel=1e-6)
    dilute = loading_limited_equilibrium(x, b, 1.0, 1e-9)
    assert dilute / (1e-9 * b * x) == pytest.approx(np.ones(2), rel=1e-6)
