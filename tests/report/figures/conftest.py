"""Shared fixtures of the report-figure tests: headless matplotlib, SVG parsing, demo store."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

SVG_NS = "{http://www.w3.org/2000/svg}"
DEMO_STORE = Path(__file__).resolve().parents[3] / "examples" / "demo" / "out" / "project.duckdb"
EVIL = "<script>alert(1)</script>"


def svg_root(svg: str) -> ET.Element:
    """Parse the SVG (fails the test if it is not well-formed XML)."""
    return ET.fromstring(svg)


def svg_texts(svg: str) -> list[str]:
    """Every ``<text>`` content of the SVG, unescaped by the XML parser."""
    return ["".join(t.itertext()) for t in svg_root(svg).iter(f"{SVG_NS}text")]


def svg_group(svg: str, gid: str) -> ET.Element:
    """The ``<g id=gid>`` element."""
    for g in svg_root(svg).iter(f"{SVG_NS}g"):
        if g.get("id") == gid:
            return g
    raise AssertionError(f"no <g id={gid!r}> in the SVG")


def fingerprint(frame: pd.DataFrame) -> tuple[int, tuple[str, ...]]:
    """A hash of a table's content and columns, to check that inputs are not modified."""
    return int(pd.util.hash_pandas_object(frame, index=True).sum()), tuple(frame.columns)


@pytest.fixture(scope="session")
def demo_con(tmp_path_factory: pytest.TempPathFactory):
    """A read-only connection to a copy of the demo project store (skip if absent)."""
    duckdb = pytest.importorskip("duckdb")
    if not DEMO_STORE.exists():
        pytest.skip("demo store examples/demo/out/project.duckdb not built (run `make demo`)")
    copy = tmp_path_factory.mktemp("demo") / "project.duckdb"
    shutil.copy(DEMO_STORE, copy)
    con = duckdb.connect(str(copy), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def demo_table(demo_con):
    """Loader of a demo-store table by name (cached)."""
    cache: dict[str, pd.DataFrame] = {}

    def load(name: str) -> pd.DataFrame:
        if name not in cache:
            tables = {r[0] for r in demo_con.execute("show tables").fetchall()}
            if name not in tables:
                pytest.skip(f"demo store has no table {name}")
            cache[name] = demo_con.execute(f'select * from "{name}"').df()
        return cache[name]

    return load


@pytest.fixture(scope="session")
def svgtools():
    """The helpers above (importlib mode: tests cannot import conftest)."""
    from types import SimpleNamespace

    return SimpleNamespace(
        root=svg_root, texts=svg_texts, group=svg_group, fingerprint=fingerprint, EVIL=EVIL
    )
