"""[processing.refinery]: the train's topology, purity grades and errors that name the key."""

from __future__ import annotations

import pytest

from mine2magnet.errors import ConfigError
from mine2magnet.processing.params import processing_params
from mine2magnet.processing.refinery_params import (
    PURITY_GRADES_PCT,
    RefineryParams,
    extractabilities,
    train_streams,
)


def _streams(params: RefineryParams):
    return train_streams(params, tuple(extractabilities(params)))[1]


def test_default_train_is_the_light_ree_train():
    p = RefineryParams()
    streams = _streams(p)
    products = {s.product: s.elements for s in streams.values() if s.consumer is None}
    assert products["La2O3"] == ("La",) and products["CeO2"] == ("Ce",)
    assert products["Pr6O11"] == ("Pr",) and products["Nd2O3"] == ("Nd",)
    seg = products["SEG+HRE concentrate"]
    assert seg[0] == "Sm" and {"Eu", "Gd", "Tb", "Dy", "Y", "Lu"} <= set(seg)
    # every rare earth of the system is payable in exactly one product
    payable = [e for els in products.values() for e in els]
    assert sorted(payable) == sorted(extractabilities(p))
    # intermediate streams feed the next cascades
    assert streams["0.raffinate"].consumer == 1 and streams["1.extract"].consumer == 3
    assert all(s.purity_pct == 99.5 for s in streams.values() if s.consumer is None)


def test_organic_loading_from_extractant_and_saponification():
    p = RefineryParams(extractant_mol_l=1.5, saponification_pct=36)
    assert p.organic_loading_mol_l == pytest.approx(0.18)  # 1.5 × 0.36 / 3
    assert p.system == "P507_HCl" and RefineryParams(extractant="D2EHPA").system == "D2EHPA_HCl"


def test_user_beta_orders_the_elements():
    p = RefineryParams(
        beta={"La": 1.0, "Ce": 4.0, "Pr": 6.0, "Nd": 9.0},
        splits=[{"cut": "Ce|Pr"}, {"cut": "Pr|Nd", "source": "Ce|Pr.extract"}],
    )
    assert list(extractabilities(p)) == ["La", "Ce", "Pr", "Nd"]
    names = {s.product for s in _streams(p).values() if s.consumer is None}
    assert names == {"La2O3+CeO2", "Pr6O11", "Nd2O3"}


@pytest.mark.parametrize("grade", PURITY_GRADES_PCT)
def test_every_grade_is_accepted(grade):
    p = RefineryParams(splits=[{"cut": "Pr|Nd", "extract_purity_pct": grade}])
    assert _streams(p)["0.extract"].purity_pct == grade


@pytest.mark.parametrize(
    ("section", "match"),
    [
        ({"splits": [{"cut": "Pr-Nd"}]}, r"splits\[0\]\.cut.*'Nd\|Sm'"),
        ({"splits": [{"cut": "Pr|Xx"}]}, r"not a rare earth"),
        ({"splits": [{"cut": "Nd|Pr"}]}, r"splits\[0\]\.cut 'Nd\|Pr'.*more extractable"),
        ({"splits": [{"cut": "Ce|Nd"}]}, r"splits\[0\]\.cut 'Ce\|Nd' is not a cut between"),
        ({"splits": [{"cut": "Pr|Nd", "source": "Ce|Pr.extract"}]}, r"splits\[0\]\.source"),
        (
            {"splits": [{"cut": "Ce|Pr"}, {"cut": "La|Ce", "source": "Ce|Pr.extract"}]},
            r"splits\[1\]\.cut 'La\|Ce' is not a cut between",
        ),
        (
            {
                "splits": [
                    {"cut": "Ce|Pr"},
                    {"cut": "Pr|Nd", "source": "Ce|Pr.extract"},
                    {"cut": "Nd|Sm", "source": "Ce|Pr.extract"},
                ]
            },
            r"splits\[2\]\.source.*already feeds splits\[1\]",
        ),
        (
            {
                "splits": [
                    {"cut": "Ce|Pr", "extract_product": "PrNd"},
                    {"cut": "Pr|Nd", "source": "Ce|Pr.extract"},
                ]
            },
            r"splits\[0\]\.extract_product.*only final streams",
        ),
        (
            {"splits": [{"cut": "Ce|Pr", "extract_product": "X", "raffinate_product": "X"}]},
            r"product 'X' named twice",
        ),
        ({"splits": [{"cut": "Pr|Nd", "extract_purity_pct": 99.0}]}, r"extract_purity_pct"),
        ({"default_purity_pct": 99.95}, r"default_purity_pct"),
        ({"beta": {"La": 1.0, "Th": 2.0}}, r"'Th' is not a rare earth"),
        ({"unit_prices": {"NaOHH": 1.0}}, r"unknown key 'NaOHH'"),
        ({"splits": []}, r"splits"),
        ({"saponification_pct": 0}, r"saponification_pct"),
    ],
)
def test_errors_name_the_key(section, match):
    with pytest.raises(ConfigError, match=match) as exc:
        processing_params({"refinery": section})
    assert "processing.refinery" in str(exc.value)


def test_refinery_and_placeholder_products_exclude_each_other():
    with pytest.raises(ConfigError, match="not both"):
        processing_params(
            {"refinery": {}, "separation": {"products": [{"name": "Nd", "elements": ["Nd"]}]}}
        )
    with pytest.raises(ConfigError, match="enabled is false"):
        processing_params({"refinery": {}, "separation": {"enabled": False}})
    assert processing_params({}).refinery is None
    assert processing_params({"refinery": {}}).refinery == RefineryParams()


def test_every_refinery_key_is_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "processing.md").read_text("utf-8")
    missing = [k for k in RefineryParams.model_fields if f"`{k}`" not in doc]
    assert not missing, f"keys of [processing.refinery] missing from docs/processing.md: {missing}"
