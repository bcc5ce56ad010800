"""Small drillhole fixtures for the io/validate/database tests (a few lines each)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from mine2magnet.config import Project, load_project
from mine2magnet.drillholes.io import read_table

#: A tiny consistent database: two holes, REE assays in ppm, lithology with two domains.
DH_FILES: dict[str, str] = {
    "collars.csv": "hole_id,easting,northing,elevation,eoh_m\nDH1,100,200,50,30\nDH2,110,200,50,\n",
    "surveys.csv": "hole_id,depth_m,azimuth_deg,dip_deg\n"
    "DH1,0,90,-60\n"
    "DH1,25,92,-61\n"
    "DH2,0,0,-90\n",
    "assays.csv": "hole_id,from_m,to_m,sample_id,La_ppm,Ce_ppm,Nd_ppm\n"
    "DH1,0,2,S1,1000,2000,500\n"
    "DH1,2,4,S2,<10,1500,NA\n"
    "DH1,6,8,S3,800,1600,400\n"
    "DH2,0,3,S4,100,200,50\n"
    "DH2,3,6,S5,120,,60\n",
    "lithology.csv": "hole_id,from_m,to_m,lithology\n"
    "DH1,0,5,carbonatite\n"
    "DH1,5,30,syenite\n"
    "DH2,0,6,carbonatite\n",
}

DH_TOML = """\
[project]
name = "unit"

[data.collars]
file = "collars.csv"
columns = {eoh_m = "eoh_m"}

[data.surveys]
file = "surveys.csv"

[data.assays]
file = "assays.csv"
columns = {sample_id = "sample_id"}

[data.assays.grades]
La_ppm = {reported_as = "La", unit = "ppm"}
Ce_ppm = {reported_as = "Ce", unit = "ppm"}
Nd_ppm = {reported_as = "Nd", unit = "ppm"}

[data.lithology]
file = "lithology.csv"

[[domains]]
code = "CARB"
lithologies = ["carbonatite"]

[[domains]]
code = "WASTE"
lithologies = ["syenite"]
estimate = false
"""


@pytest.fixture
def dh_project(tmp_path: Path) -> Callable[..., Project]:
    """Factory: write the tiny database (files overridable, None = omit) and load it."""

    def make(
        files: dict[str, str | bytes | None] | None = None,
        toml: str = DH_TOML,
        extra: str = "",
    ) -> Project:
        for name, content in (DH_FILES | (files or {})).items():
            if content is None:
                continue
            p = tmp_path / name
            if isinstance(content, bytes):
                p.write_bytes(content)
            else:
                p.write_text(content, encoding="utf-8")
        (tmp_path / "project.toml").write_text(toml + extra, encoding="utf-8")
        return load_project(tmp_path)

    return make


@pytest.fixture
def dh_toml() -> str:
    """The project file of the tiny database (edit with ``str.replace`` in a test)."""
    return DH_TOML


@pytest.fixture
def dh_table(tmp_path: Path) -> Callable[..., pd.DataFrame]:
    """Factory: CSV text → table of strings via ``read_table`` (real line numbers)."""
    counter = itertools.count()

    def read(text: str, **kwargs) -> pd.DataFrame:
        p = tmp_path / f"table_{next(counter)}.csv"
        p.write_text(text, encoding="utf-8")
        return read_table(p, **kwargs)

    return read
