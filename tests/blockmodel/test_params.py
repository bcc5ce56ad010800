"""The [blockmodel] schema and its errors."""

import tomllib
from pathlib import Path

import pytest

from mine2magnet.blockmodel import blockmodel_params
from mine2magnet.errors import ConfigError

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo" / "project.toml"
BASE = {"origin": [0, 0, 0], "block_size": [10, 10, 5], "counts": [4, 3, 2]}


def test_defaults():
    p = blockmodel_params(BASE)
    assert p.domain_coding.subcells == [3, 3, 3]
    assert p.topography is None
    assert p.export.formats == ["parquet", "vti"]


@pytest.mark.parametrize(
    ("patch", "key"),
    [
        ({"block_size": [10, 0, 5]}, "blockmodel.block_size[1]"),
        ({"counts": [4, 3]}, "blockmodel.counts"),
        ({"domain_coding": {"subcells": [3, 3, 0]}}, "blockmodel.domain_coding.subcells[2]"),
        ({"export": {"formats": ["omf"]}}, "blockmodel.export"),
        ({"counts": [5000, 5000, 5000]}, "blockmodel"),
        ({"rotaton_deg": 3}, "blockmodel.rotaton_deg"),
    ],
)
def test_errors_name_the_key(patch, key):
    with pytest.raises(ConfigError) as err:
        blockmodel_params({**BASE, **patch})
    assert f"'{key}'" in str(err.value)


def test_empty_section_is_an_error():
    with pytest.raises(ConfigError, match=r"blockmodel\.origin"):
        blockmodel_params({})


def test_demo_section_validates():
    raw = tomllib.loads(DEMO.read_text(encoding="utf-8"))
    p = blockmodel_params(raw["blockmodel"])
    assert p.block_size == [10.0, 10.0, 10.0] and p.rotation_deg == -30.0
    assert p.topography is not None and p.domain_coding.default_domain == "HOST"
