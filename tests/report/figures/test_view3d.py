"""3-D view: deterministic subsampling, escaped hover text, true aspect, size."""

from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
import pytest

from mine2magnet.report.figures import blocks_and_drillholes_3d, subsample_blocks

EVIL = "<script>alert(1)</script>"
CLASSES = ("Measured", "Indicated", "Inferred")


def arr(value) -> np.ndarray:
    """A plotly array: list or base64 typed array (``{"dtype", "bdata"}``)."""
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
    return np.asarray(value)


def test_subsample_is_deterministic_and_keeps_top_grades():
    rng = np.random.default_rng(5)
    values = rng.lognormal(0.0, 0.8, 5000)
    values[::97] = np.nan
    keys = rng.permutation(5000)
    a = subsample_blocks(values, keys, 800)
    b = subsample_blocks(values.copy(), keys.copy(), 800)
    assert np.array_equal(a, b)
    assert len(a) == 800 and len(np.unique(a)) == 800
    top = np.argsort(-np.nan_to_num(values, nan=-1.0))[:400]
    assert set(top) <= set(a)
    assert np.isnan(values[a]).sum() <= np.isnan(values).sum()
    assert np.array_equal(subsample_blocks(values[:10], keys[:10], 800), np.arange(10))


@pytest.fixture
def small() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    for k in range(3):
        for j in range(4):
            for i in range(5):
                rows.append({"i": i, "j": j, "k": k, "easting": 5.0 + 10 * i,
                             "northing": 5.0 + 10 * j, "elevation": 2.5 + 5 * k,
                             "domain": "<b>ORE</b>", "tonnes": 100.0,
                             "TREO_pct": float(i + j + k),
                             "resource_class": CLASSES[k]})  # fmt: skip
    assays = pd.DataFrame(
        {"hole_id": [EVIL, EVIL, "H2"], "from_m": [0.0, 2.0, 0.0], "to_m": [2.0, 4.0, 2.0],
         "TREO_pct": [1.0, 2.0, 3.0], "easting_from": [10.0, 10.0, 30.0],
         "northing_from": [10.0, 10.0, 20.0], "elevation_from": [15.0, 13.0, 15.0],
         "easting_to": [10.0, 10.0, 30.0], "northing_to": [10.0, 10.0, 20.0],
         "elevation_to": [13.0, 11.0, 13.0]}
    )  # fmt: skip
    return pd.DataFrame(rows), assays


def test_hover_text_is_plain_and_escaped(small, svgtools):
    blocks, assays = small
    before = svgtools.fingerprint(blocks), svgtools.fingerprint(assays)
    fig = blocks_and_drillholes_3d(blocks, assays, max_blocks=30, synthetic=True)
    assert (svgtools.fingerprint(blocks), svgtools.fingerprint(assays)) == before
    data = fig.plotly["data"]
    holes = next(t for t in data if t.get("mode") == "lines")
    # hole ids only as data (text), shown through a fixed template
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in holes["text"]
    assert "script" not in holes["hovertemplate"] and "%{text}" in holes["hovertemplate"]
    dumped = json.dumps(fig.plotly)
    assert "<script" not in dumped and "<b>ORE" not in dumped
    assert fig.plotly["layout"]["scene"]["aspectmode"] == "data"
    grades = arr(data[0]["customdata"])
    assert len(grades) == 30 == len(arr(data[0]["x"]))
    top = np.sort(blocks["TREO_pct"].to_numpy())[-15:]
    assert np.allclose(np.sort(grades)[-15:], top)  # the top-grade half of the budget
    assert "30 of 60 shown" in fig.caption
    texts = svgtools.texts(fig.svg)
    assert fig.title in texts and "SYNTHETIC data" in texts
    assert fig.id == "view3d-treo-pct"


def test_class_colours_in_3d(small):
    blocks, assays = small
    fig = blocks_and_drillholes_3d(blocks, assays, colour_by="resource_class")
    names = {t["name"]: t["marker"]["color"] for t in fig.plotly["data"] if t["mode"] == "markers"}
    assert names == {"Measured": "#B2182B", "Indicated": "#EF8A62", "Inferred": "#67A9CF"}


def test_demo_store_view3d(demo_table, svgtools):
    fig = blocks_and_drillholes_3d(
        demo_table("estimation__blocks"), demo_table("drillholes__assays"), synthetic=True
    )
    assert len(json.dumps(fig.plotly)) < 3_000_000
    assert len(fig.svg) < 500_000
    assert fig.title in svgtools.texts(fig.svg)
