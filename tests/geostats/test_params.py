"""The [geostats] schema: defaults, conversion to core types, errors naming the key."""

import tomllib
from pathlib import Path

import pytest

from mine2magnet.errors import ConfigError
from mine2magnet.geostats import SearchParameters, VariogramModel
from mine2magnet.geostats.params import GeostatsParams, VariogramParams, geostats_params

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo" / "project.toml"

DOMAIN = {
    "variogram": {
        "nugget": 0.1,
        "structures": [{"kind": "spherical", "sill": 0.9, "ranges": [100, 50, 10],
                        "angles": [60, 0, 50]}],
    },
    "search": {
        "ranges": [80, 40, 8],
        "angles": [60, 0, 50],
        "min_samples": 4,
        "max_samples": 16,
        "max_per_hole": 4,
        "passes": [{"factor": 1.0}, {"factor": 2.0, "min_samples": 2}],
    },
}  # fmt: skip


def test_defaults_and_core_types():
    p = geostats_params({"domains": {"HG": DOMAIN}})
    assert p.method == "ordinary" and p.discretisation == [4, 4, 2]
    assert p.primary_column == "TREO_pct"
    d = p.domain("HG")
    m = d.variogram.model()
    assert isinstance(m, VariogramModel) and m.sill == pytest.approx(1.0)
    passes = d.search.search_passes()
    assert all(isinstance(s, SearchParameters) for s in passes)
    assert passes[1].ranges == (160.0, 80.0, 16.0)
    assert passes[1].min_samples == 2 and passes[1].max_samples == 16
    assert passes[0].max_per_hole == 4


def test_model_round_trip_through_params():
    m = geostats_params({"domains": {"HG": DOMAIN}}).domain("HG").variogram.model()
    again = VariogramParams.from_model(m, source="test").model()
    assert again == m


@pytest.mark.parametrize(
    ("patch", "key"),
    [
        ({"search": {**DOMAIN["search"], "max_samples": 0}},
         "geostats.domains.HG.search.max_samples"),
        ({"search": {**DOMAIN["search"], "min_samples": 20}}, "geostats.domains.HG.search"),
        ({"search": {**DOMAIN["search"], "ranges": [1, 2]}}, "geostats.domains.HG.search"),
        ({"search": {**DOMAIN["search"], "passes": [{"factor": 2}, {"factor": 1}]}},
         "geostats.domains.HG.search"),
        ({"variogram": {"nugget": -1, "structures": DOMAIN["variogram"]["structures"]}},
         "geostats.domains.HG.variogram.nugget"),
        ({"variogram": {"structures": [{"kind": "cubic", "sill": 1, "ranges": [5]}]}},
         "geostats.domains.HG.variogram.structures[0].kind"),
        ({"serch": {}}, "geostats.domains.HG.serch"),
    ],
)  # fmt: skip
def test_errors_name_the_key(patch, key):
    with pytest.raises(ConfigError) as err:
        geostats_params({"domains": {"HG": {**DOMAIN, **patch}}}, source="p.toml")
    msg = str(err.value)
    assert f"'{key}'" in msg and msg.startswith("p.toml: ")


def test_missing_domain_named():
    with pytest.raises(ConfigError, match=r"geostats\.domains\.LG"):
        GeostatsParams().domain("LG")


def test_demo_sections_validate():
    raw = tomllib.loads(DEMO.read_text(encoding="utf-8"))
    p = geostats_params(raw["geostats"])
    assert set(p.domains) == {"HG", "LG"}
    for d in p.domains.values():
        assert d.variogram.source.startswith("fit_axis_model")
        assert len(d.search.search_passes()) == 3
