"""``[uncertainty]`` parameters: defaults, strict types, errors naming the key."""

import pytest

from mine2magnet.errors import ConfigError
from mine2magnet.uncertainty.params import UncertaintyParams, uncertainty_params


def test_defaults_match_the_contract():
    p = uncertainty_params(None)
    assert isinstance(p, UncertaintyParams)
    assert p.realisations == 20 and p.domains == []
    assert p.columns == ["TREO_pct", "Nd2O3_pct", "Pr6O11_pct"]
    assert p.discretisation == [2, 2, 2] and p.max_data == 24 and p.max_previous == 24
    assert p.ns_variogram == "fitted" and p.cutoffs_pct == [0.5, 1.0, 2.0, 3.0, 4.0]
    assert p.probability_cutoff_pct is None and p.pit and p.npv
    cs = p.classification_support
    assert (cs.quarter_tonnes, cs.tolerance_pct, cs.confidence_pct) == (0.0, 15.0, 90.0)


def test_values_are_read():
    p = uncertainty_params(
        {"realisations": 3, "domains": ["HG"], "discretisation": [1, 1, 1], "pit": False,
         "classification_support": {"quarter_tonnes": 1e5}}
    )  # fmt: skip
    assert p.realisations == 3 and p.domains == ["HG"] and not p.pit
    assert p.classification_support.quarter_tonnes == 1e5


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"realisations": "5"}, "uncertainty.realisations"),
        ({"realisations": 0}, "uncertainty.realisations"),
        ({"realisation": 5}, "uncertainty.realisation"),
        ({"discretisation": [2, 2]}, "uncertainty.discretisation"),
        ({"ns_variogram": "guessed"}, "uncertainty.ns_variogram"),
        ({"cutoffs_pct": [2.0, 1.0]}, "uncertainty.cutoffs_pct"),
        ({"columns": ["TREO"]}, "uncertainty.columns"),
        ({"domains": ["HG", "HG"]}, "uncertainty.domains"),
        ({"pit": "yes"}, "uncertainty.pit"),
        ({"classification_support": {"tolerance_pct": 0}},
         "uncertainty.classification_support.tolerance_pct"),
        ({"classification_support": {"confidence_pct": 100}},
         "uncertainty.classification_support.confidence_pct"),
    ],
)  # fmt: skip
def test_errors_name_the_key(section, key):
    with pytest.raises(ConfigError, match=f"'{key}'"):
        uncertainty_params(section)


def test_integers_are_accepted_where_toml_writes_them():
    p = uncertainty_params({"cutoffs_pct": [1, 2], "classification_support": {"quarter_tonnes": 0}})
    assert p.cutoffs_pct == [1.0, 2.0] and p.classification_support.quarter_tonnes == 0.0


def test_project_errors_name_the_file_and_overrides_apply():
    from mine2magnet.cli import demo_project_dir
    from mine2magnet.config import load_project

    project = load_project(demo_project_dir())
    n = uncertainty_params(project).realisations
    assert n >= 10
    assert uncertainty_params(project, {"realisations": 2}).realisations == 2
    with pytest.raises(ConfigError, match=r"project\.toml: key 'uncertainty\.realisations'"):
        uncertainty_params(project, {"realisations": -1})
