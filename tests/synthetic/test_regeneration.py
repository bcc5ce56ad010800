"""The shipped demo is exactly what the generator writes, and it is labelled SYNTHETIC."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

import pytest

from mine2magnet.config import load_project
from mine2magnet.synthetic import FILES
from mine2magnet.synthetic.__main__ import main

DEMO_DIR = Path(__file__).resolve().parents[2] / "examples" / "demo"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", FILES)
def test_regeneration_is_byte_identical_to_shipped(regenerated: Path, name: str) -> None:
    assert (DEMO_DIR / name).is_file(), f"{name} missing from examples/demo"
    assert _sha(regenerated / name) == _sha(DEMO_DIR / name), (
        f"{name} differs: regenerate with `python -m mine2magnet.synthetic examples/demo`"
    )


def test_folder_is_small() -> None:
    total = sum((DEMO_DIR / f).stat().st_size for f in FILES)
    assert total < 6_000_000


def test_every_file_says_synthetic() -> None:
    for name in FILES:
        if name.endswith(".csv"):
            assert name.startswith("SYNTHETIC_")
    text = (DEMO_DIR / "README.md").read_text(encoding="utf-8")
    assert text.startswith("# SYNTHETIC")
    raw = tomllib.loads((DEMO_DIR / "project.toml").read_text(encoding="utf-8"))
    assert "SYNTHETIC" in raw["project"]["name"]
    assert "SYNTHETIC" in raw["project"]["description"]


def test_files_are_plain_utf8_with_unix_newlines() -> None:
    for name in FILES:
        data = (DEMO_DIR / name).read_bytes()
        assert b"\r" not in data and not data.startswith(b"\xef\xbb\xbf")
        data.decode("utf-8")
        assert data.endswith(b"\n")


def test_project_toml_loads_and_maps_everything() -> None:
    proj = load_project(DEMO_DIR)
    assert proj.project.synthetic is True
    assert proj.composite.length_m == 2.0
    grades = proj.data.assays.grades
    assert {"La_ppm", "Ce_ppm", "Nd_ppm", "Pr_ppm", "Th_ppm", "CaF2_pct", "BaSO4_pct"} <= set(
        grades
    )
    assert grades["Nd_ppm"].reported_as == "Nd" and grades["Nd_ppm"].unit == "ppm"
    lith = proj.domain_of_lithology()
    assert lith["VEIN_HG"] == "HG" and lith["BRECCIA"] == "LG" and lith["TUFF"] == "HOST"
    dens = {d.code: d.density_t_m3 for d in proj.domains}
    assert 3.0 <= dens["HG"] <= 3.2 and 2.9 <= dens["LG"] <= 3.1 and dens["HOST"] < 2.7
    assert proj.data.assays.columns.sample_type == "SAMPLE_TYPE"
    assert proj.data.standards is not None


def test_cli_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "SYNTHETIC" in capsys.readouterr().out
