"""Shared fixtures: the demo generated once per session, and the shipped files parsed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mine2magnet.synthetic import DEFAULT_SEED, SyntheticDemo, build_demo
from mine2magnet.synthetic.writer import write_demo

DEMO_DIR = Path(__file__).resolve().parents[2] / "examples" / "demo"


@pytest.fixture(scope="session")
def demo() -> SyntheticDemo:
    """The demo with the shipped seed, in memory."""
    return build_demo(DEFAULT_SEED)


@pytest.fixture(scope="session")
def regenerated(demo: SyntheticDemo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo written to a fresh temporary folder."""
    out = tmp_path_factory.mktemp("demo")
    write_demo(demo, out)
    return out


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(DEMO_DIR / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def shipped() -> dict[str, pd.DataFrame]:
    """The shipped CSV files as text tables."""
    return {
        key: _read(f"SYNTHETIC_{key}.csv")
        for key in ("collars", "surveys", "lithology", "assays", "standards", "topography")
    }


def _numeric(col: pd.Series) -> pd.Series:
    """Lab text → numbers: ``<DL``, empty and ``NS`` become NaN."""
    bad = col.str.startswith("<") | col.isin(["", "NS"])
    return pd.to_numeric(col.where(~bad, np.nan))


@pytest.fixture(scope="session")
def numeric():
    """The lab-text-to-number converter (a fixture, as test folders are not packages)."""
    return _numeric


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    """The shipped demo folder."""
    return DEMO_DIR
