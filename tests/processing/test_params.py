"""The [processing] schema: defaults, the example block, and errors that name the key."""

from __future__ import annotations

import tomllib

import pytest

from mine2magnet.config import Project
from mine2magnet.errors import ConfigError
from mine2magnet.processing.params import (
    ProcessingParams,
    SxProduct,
    expand_elements,
    processing_params,
    ree_distribution,
    with_sx_products,
)

#: The block handed to the demo project (examples/demo/project.toml); keep it valid.
EXAMPLE = """
[processing.feed]                     # until the mine schedule provides the feed
ore_tpa = 570_000                     # planned Beylikova plant (DOMAIN §1)
TREO_pct = 1.8                        # Eti Maden ~1.75–1.8 % (DOMAIN §1)
distribution = "bayan_obo"            # SYNTHETIC: Beylikova's REE pattern is unpublished
ThO2_pct = 0.2                        # MTA average (DOMAIN §1)
U3O8_pct = 0.002                      # ASSUMPTION: not published
CaF2_pct = 40.0                       # MTA sector report (DOMAIN §1)
BaSO4_pct = 29.0
Fe2O3_pct = 8.0

[processing.comminution]
p80_um = 38.0
bond_work_index_kwh_t = 12.0          # assumption

[processing.beneficiation.rare_earth]
method = "flotation"
recovery_pct = 50.0                   # typical 30–70 % (DOMAIN §1)
concentrate_grade_pct = 30.0          # % TREO

[processing.beneficiation.fluorite]
recovery_pct = 70.0
concentrate_grade_pct = 97.0          # acid grade

[processing.beneficiation.barite]
recovery_pct = 80.0
concentrate_grade_pct = 92.0

[processing.cracking]
route = "acid_bake_high_t"            # Th reports to the leach residue

[processing.impurity_removal]
neutralant = "MgO"

[processing.cerium_removal]
enabled = false

[processing.separation]
enabled = true

[[processing.separation.products]]
name = "La2O3"
elements = ["La"]
recovery_pct = 98.0
purity_pct = 99.5

[[processing.separation.products]]
name = "CeO2"
elements = ["Ce"]
recovery_pct = 98.0
purity_pct = 99.5

[[processing.separation.products]]
name = "NdPr oxide"
elements = ["Pr", "Nd"]
recovery_pct = 98.0
purity_pct = 99.5

[[processing.separation.products]]
name = "SEG+HRE concentrate"
elements = ["Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Y"]
recovery_pct = 98.0
purity_pct = 95.0

[processing.precipitation]
precipitant = "oxalic_acid"

[processing.radioactivity]
secular_equilibrium = true
clearance_bq_g = 1.0                  # IAEA GSR Part 3, per nuclide

[processing.targets]                  # announced figures; gaps become warnings
source = "Eti Maden, press 2022–2025 (DOMAIN §1)"
treo_tpa = 10_000
fluorite_tpa = 70_000
barite_tpa = 72_000
thorium_tpa = 250
"""


def test_defaults_are_valid():
    p = processing_params(None)
    assert isinstance(p, ProcessingParams)
    assert p.feed is None
    assert p.beneficiation.rare_earth.recovery_pct == 50.0
    assert [x.name for x in p.separation.products][:3] == ["La2O3", "CeO2", "NdPr oxide"]


def test_example_block_parses_and_defaults_match():
    raw = tomllib.loads(EXAMPLE)["processing"]
    p = processing_params(raw)
    assert p.feed is not None and p.feed.ore_tpa == 570_000
    assert p.targets is not None and p.targets.treo_tpa == 10_000
    # the example restates the defaults: same separation train
    assert p.separation == processing_params(None).separation


def test_example_block_inside_a_project():
    raw = tomllib.loads(EXAMPLE)
    proj = Project.model_validate(
        {
            "project": {"name": "demo"},
            "data": {"collars": {"file": "c.csv"}, "assays": {"file": "a.csv"}},
            **raw,
        }
    )
    assert processing_params(proj).feed.TREO_pct == 1.8


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"beneficiation": {"rare_earth": {"recovery_pct": 120}}},
         "processing.beneficiation.rare_earth.recovery_pct"),
        ({"beneficiation": {"fluorite": {"concentrate_grade_pct": 0}}},
         "processing.beneficiation.fluorite.concentrate_grade_pct"),
        ({"beneficiation": {"rare_earth": {"model": "curve"}}},
         "processing.beneficiation.rare_earth.model"),
        ({"beneficiation": {"barite": {"model": "selectivity"}}},
         "processing.beneficiation.barite"),
        ({"beneficiation": {"rare_earth": {"enabled": False}}},
         "processing.beneficiation.rare_earth"),
        ({"beneficiation": {"fluorite": {"element_recovery_pct": {"F": 5}}}},
         "processing.beneficiation.fluorite.element_recovery_pct"),
        ({"flotation": {"recovery": 50}}, "processing.flotation"),
        ({"cracking": {"route": "microwave"}}, "processing.cracking.route"),
        ({"cracking": {"dissolution_pct": {"Xx": 50}}}, "processing.cracking.dissolution_pct.Xx"),
        ({"cracking": {"dissolution_pct": {"F": 60}}}, "processing.cracking"),
        ({"impurity_removal": {"precipitation_pct": {"Th": -1}}},
         "processing.impurity_removal.precipitation_pct.Th"),
        ({"separation": {"products": [{"name": "x", "elements": ["Fe"]}]}},
         "processing.separation.products[0].elements"),
        ({"separation": {"products": [{"name": "a", "elements": ["La"]},
                                      {"name": "b", "elements": ["La"]}]}},
         "processing.separation"),
        ({"feed": {"TREO_pct": 1, "distribution": "bayan_obo"}}, "processing.feed.ore_tpa"),
        ({"feed": {"ore_tpa": 1e5, "TREO_pct": 1}}, "processing.feed"),
        ({"feed": {"ore_tpa": -5, "TREO_pct": 1, "distribution": "bayan_obo"}},
         "processing.feed.ore_tpa"),
        ({"feed": {"ore_tpa": 1, "TREO_pct": 1, "distribution": "nowhere"}},
         "processing.feed.distribution"),
        ({"feed": {"ore_tpa": 1, "CaF2_pct": 70, "BaSO4_pct": 40}}, "processing.feed"),
        ({"comminution": {"p80_um": 20000}}, "processing.comminution"),
        ({"radioactivity": {"clearance_bq_g": 0}}, "processing.radioactivity.clearance_bq_g"),
        ({"checks": {"typical_flotation_recovery_pct": [70, 30]}},
         "processing.checks.typical_flotation_recovery_pct"),
    ],
)  # fmt: skip
def test_errors_name_the_key(section, key):
    with pytest.raises(ConfigError) as exc:
        processing_params(section, source="project.toml")
    msg = str(exc.value)
    assert msg.startswith("project.toml: ")
    assert f"key '{key}'" in msg


def test_error_names_project_file():
    proj = Project.model_validate(
        {
            "project": {"name": "demo"},
            "data": {"collars": {"file": "c.csv"}, "assays": {"file": "a.csv"}},
            "processing": {"beneficiation": {"rare_earth": {"recovery_pct": 101}}},
        }
    ).model_copy(update={"source_file": "demo/project.toml"})
    with pytest.raises(ConfigError, match=r"demo/project.toml: key 'processing\.beneficiation"):
        processing_params(proj)


def test_feed_explicit_oxides_and_distribution():
    p = processing_params({"feed": {"ore_tpa": 1, "La2O3_pct": 1.0, "Nd2O3_pct": 0.5}})
    g = p.feed.grades_pct()
    assert g["La2O3_pct"] == 1.0 and g["Nd2O3_pct"] == 0.5 and "CeO2_pct" not in g
    with pytest.raises(ConfigError, match="not both"):
        processing_params(
            {"feed": {"ore_tpa": 1, "TREO_pct": 2, "distribution": "bayan_obo", "La2O3_pct": 1.0}}
        )


@pytest.mark.parametrize("name", ["mountain_pass", "bayan_obo"])
def test_distributions_sum_to_100(name):
    assert sum(ree_distribution(name).values()) == pytest.approx(100.0)


def test_expand_elements_groups_and_overrides():
    out = expand_elements({"REE": 90.0, "HREE": 50.0, "Dy": 10.0, "Th": 1.0})
    assert out["La"] == 90.0 and out["Gd"] == 50.0 and out["Y"] == 50.0 and out["Dy"] == 10.0
    assert out["Th"] == 1.0 and "Fe" not in out


def test_with_sx_products_revalidates():
    p = processing_params(None)
    q = with_sx_products(p, [SxProduct(name="Nd2O3", elements=["Nd"], purity_pct=99.9)])
    assert [x.name for x in q.separation.products] == ["Nd2O3"]
    assert p.separation.products[0].name == "La2O3"  # input untouched


def test_with_sx_products_replaces_the_refinery_by_its_products():
    p = processing_params({"refinery": {}})
    designed = SxProduct(name="Nd2O3", elements=["Nd"], distribution_pct={"Nd": 99.0, "Pr": 0.2})
    q = with_sx_products(p, [designed])
    assert q.refinery is None and p.refinery is not None
    assert q.separation.products[0].distribution_pct == {"Nd": 99.0, "Pr": 0.2}


def test_designed_products_are_consistent():
    nd = {"name": "Nd", "elements": ["Nd"], "distribution_pct": {"Nd": 60.0}}
    with pytest.raises(ConfigError, match="distribution_pct of Nd sums to 120"):
        processing_params(
            {"separation": {"products": [nd, {**nd, "name": "Pr", "elements": ["Pr"]}]}}
        )
    with pytest.raises(ConfigError, match="cannot be mixed"):
        processing_params({"separation": {"products": [nd, {"name": "Pr", "elements": ["Pr"]}]}})
    with pytest.raises(ConfigError, match="'Th' is not a rare earth"):
        processing_params({"separation": {"products": [{**nd, "distribution_pct": {"Th": 1.0}}]}})


def test_params_are_frozen():
    p = processing_params(None)
    with pytest.raises(Exception):  # noqa: B017  (pydantic ValidationError on frozen)
        p.cracking.route = "caustic"
