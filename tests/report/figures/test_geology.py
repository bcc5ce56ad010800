"""Collar plan, sections and plans: slab selection on a rotated grid, colours, escaping."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from mine2magnet.errors import DataError
from mine2magnet.report.document import Figure
from mine2magnet.report.figures import (
    CLASS_COLOURS,
    blocks_in_slab,
    collar_plan,
    plan_view,
    section_view,
)

EVIL = "<script>alert(1)</script>"

# a 4 × 3 × 2 grid of 10 × 10 × 5 m blocks, origin (100, 200, 0), rotated 30° clockwise
GRID = {
    "origin_easting": 100.0, "origin_northing": 200.0, "origin_elevation": 0.0,
    "block_size_i_m": 10.0, "block_size_j_m": 10.0, "block_size_k_m": 5.0,
    "count_i": 4, "count_j": 3, "count_k": 2, "rotation_deg": 30.0,
}  # fmt: skip
COS, SIN = math.cos(math.radians(30)), math.sin(math.radians(30))


def world(li: float, lj: float) -> tuple[float, float]:
    """Grid-frame (along i, along j) → (easting, northing) by hand: i → az 120°, j → 30°."""
    return 100.0 + li * COS + lj * SIN, 200.0 - li * SIN + lj * COS


def make_blocks() -> pd.DataFrame:
    rows = []
    classes = ["Measured", "Indicated", "Inferred", "Unclassified"]
    for k in range(2):
        for j in range(3):
            for i in range(4):
                e, n = world((i + 0.5) * 10, (j + 0.5) * 10)
                base = {"i": i, "j": j, "k": k, "easting": e, "northing": n,
                        "elevation": 2.5 + 5 * k}  # fmt: skip
                rows.append(
                    {**base, "domain": "ORE", "tonnes": 1000.0, "volume_fraction": 0.8,
                     "TREO_pct": 1.0 + i + 0.5 * j, "resource_class": classes[(i + j) % 4]}
                )  # fmt: skip
                rows.append(
                    {**base, "domain": "HOST", "tonnes": 250.0, "volume_fraction": 0.2,
                     "TREO_pct": np.nan, "resource_class": None}
                )  # fmt: skip
    return pd.DataFrame(rows)


def make_assays() -> pd.DataFrame:
    rows = []
    for hid, (li, lj) in {"H1": (15.0, 15.0), EVIL: (25.0, 12.0), "H3": (35.0, 25.0)}.items():
        e, n = world(li, lj)
        for d in np.arange(0.0, 10.0, 2.0):
            rows.append(
                {"hole_id": hid, "from_m": d, "to_m": d + 2.0, "TREO_pct": 1.0 + d / 4,
                 "easting_from": e, "northing_from": n, "elevation_from": 10.0 - d,
                 "easting_to": e, "northing_to": n, "elevation_to": 8.0 - d}
            )  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture
def blocks() -> pd.DataFrame:
    return make_blocks()


@pytest.fixture
def assays() -> pd.DataFrame:
    return make_assays()


def picked(blocks: pd.DataFrame, **kw) -> set[tuple[int, int]]:
    m = blocks_in_slab(blocks, GRID, **kw)
    return set(zip(blocks["i"][m], blocks["j"][m], strict=True))


def test_slab_on_rotated_grid_matches_hand_computation(blocks):
    # easting of a block's corners: 100 + 8.660 i' + 5 j' for i' in {i, i+1}, j' in {j, j+1}:
    # min 100 + 8.660 i + 5 j, max = min + 13.660. Slab 113..117 m keeps min in (99.34, 117):
    # (0,0) 100, (1,0) 108.66, (0,1) 105, (1,1) 113.66, (0,2) 110; not (2,0) 117.32 etc.
    assert picked(blocks, axis="easting", at_m=115.0, width_m=4.0) == {
        (0, 0), (1, 0), (0, 1), (1, 1), (0, 2)
    }  # fmt: skip
    # northing: min 195 − 5 i + 8.660 j, max = min + 13.660; the plane 210 m (width 0)
    # cuts (0,1) [203.7, 217.3), (1,1) [198.7, 212.3), (1,2), (2,2), (3,2) [197.3, 211.0)
    assert picked(blocks, axis="northing", at_m=210.0, width_m=0.0) == {
        (0, 1), (1, 1), (1, 2), (2, 2), (3, 2)
    }  # fmt: skip


def test_slab_on_grid_axes_is_exact(blocks):
    assert picked(blocks, axis="i", at_m=15.0, width_m=10.0) == {(1, 0), (1, 1), (1, 2)}
    # a plane on a block face picks the block above it, only
    assert picked(blocks, axis="i", at_m=20.0, width_m=0.0) == {(2, 0), (2, 1), (2, 2)}
    # a slab just touching faces picks nothing beyond them
    assert picked(blocks, axis="j", at_m=15.0, width_m=10.0) == {(i, 1) for i in range(4)}
    assert picked(blocks, axis="j", at_m=15.0, width_m=10.2) == {
        (i, j) for i in range(4) for j in range(3)
    }


def test_section_draws_the_slab_blocks(blocks, assays, svgtools):
    before = svgtools.fingerprint(blocks), svgtools.fingerprint(assays)
    fig = section_view(blocks, GRID, assays, axis="j", at_m=15.0, width_m=10.0)
    assert (svgtools.fingerprint(blocks), svgtools.fingerprint(assays)) == before
    assert isinstance(fig, Figure)
    # one block row j = 1: 4 along i × 2 benches, each one polygon
    paths = list(svgtools.group(fig.svg, "blocks").iter("{http://www.w3.org/2000/svg}path"))
    assert len(paths) == 8
    texts = svgtools.texts(fig.svg)
    assert fig.title in texts
    assert "elevation [m]" in texts
    assert any("distance along grid i axis" in t for t in texts)
    assert "8 blocks overlap the 10 m slab" in fig.caption
    assert fig.id == "section-j-15m-treo-pct"


def test_oblique_section_counts_slab_blocks(blocks, assays, svgtools):
    fig = section_view(blocks, GRID, assays, axis="easting", at_m=115.0, width_m=4.0)
    assert "10 blocks overlap the 4 m slab" in fig.caption
    paths = list(svgtools.group(fig.svg, "blocks").iter("{http://www.w3.org/2000/svg}path"))
    assert 1 <= len(paths) <= 10
    assert "northing [m]" in svgtools.texts(fig.svg)


def test_hole_ids_are_escaped(blocks, assays, svgtools):
    fig = section_view(blocks, GRID, assays, axis="j", at_m=12.0, width_m=30.0)
    assert EVIL in svgtools.texts(fig.svg)  # parsed back: it was text, not markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in fig.svg
    assert "<script" not in fig.svg
    collars = pd.DataFrame(
        {"hole_id": ["H1", EVIL, "A$x$"], "easting": [0.0, 500.0, 1000.0],
         "northing": [0.0, 400.0, 0.0], "eoh_m": [10.0, 20.0, 30.0]}
    )  # fmt: skip
    plan = collar_plan(collars)
    texts = svgtools.texts(plan.svg)
    assert EVIL in texts and "A$x$" in texts  # no mathtext: dollars shown as typed
    assert "<script" not in plan.svg


def test_class_colours_are_the_documented_ones(blocks, assays, svgtools):
    assert CLASS_COLOURS == {
        "Measured": "#B2182B",
        "Indicated": "#EF8A62",
        "Inferred": "#67A9CF",
        "Unclassified": "#BDBDBD",
    }
    fig = section_view(
        blocks, GRID, assays, axis="j", at_m=15.0, width_m=10.0, colour_by="resource_class"
    )
    fills = {
        m.group(1).upper()
        for p in svgtools.group(fig.svg, "blocks").iter("{http://www.w3.org/2000/svg}path")
        for m in [re.search(r"fill:\s*(#[0-9a-fA-F]{6})", p.get("style", ""))]
        if m
    }
    # j = 1: classes (i + 1) % 4 for i = 0..3 → all four classes
    assert fills == set(CLASS_COLOURS.values())
    texts = svgtools.texts(fig.svg)
    assert {"Measured", "Indicated", "Inferred", "Unclassified"} <= set(texts)


def test_unknown_class_and_bad_axis_raise(blocks, assays):
    bad = blocks.assign(resource_class=blocks["resource_class"].replace("Inferred", "Probable"))
    with pytest.raises(DataError, match="Probable"):
        section_view(bad, GRID, assays, axis="i", colour_by="resource_class")
    with pytest.raises(DataError, match="section axis"):
        section_view(blocks, GRID, assays, axis="elevation")
    with pytest.raises(DataError, match="misses the block model"):
        section_view(blocks, GRID, assays, axis="i", at_m=500.0)


def test_plan_view_bench(blocks, assays, svgtools):
    fig = plan_view(blocks, GRID, assays, elevation_m=2.5, synthetic=True)
    paths = list(svgtools.group(fig.svg, "blocks").iter("{http://www.w3.org/2000/svg}path"))
    assert len(paths) == 12  # the whole bench k = 0
    texts = svgtools.texts(fig.svg)
    assert fig.title in texts and "easting [m]" in texts and "N" in texts
    assert "SYNTHETIC data" in texts and "SYNTHETIC data" in fig.caption
    assert fig.id == "plan-0m-treo-pct"
    default = plan_view(blocks, GRID, assays)  # the bench with the most assayed metres
    assert "bench 5–10 m" in default.title


def test_demo_store_geology(demo_table, svgtools):
    blocks = demo_table("estimation__blocks")
    grid = demo_table("estimation__grid")
    assays = demo_table("drillholes__assays")
    collars = demo_table("drillholes__collars")
    figs = [
        collar_plan(collars, assays, synthetic=True),
        section_view(blocks, grid, assays, axis="j", synthetic=True),
        plan_view(blocks, grid, assays, synthetic=True),
    ]
    for fig in figs:
        assert fig.title in svgtools.texts(fig.svg)
        assert len(fig.svg) < 1_000_000
    assert len({f.id for f in figs}) == 3


def test_composite_midpoints_give_traces(blocks, assays, svgtools):
    comps = assays.assign(
        easting=0.5 * (assays["easting_from"] + assays["easting_to"]),
        northing=0.5 * (assays["northing_from"] + assays["northing_to"]),
        elevation=0.5 * (assays["elevation_from"] + assays["elevation_to"]),
    ).drop(columns=[c for c in assays.columns if c.endswith(("_from", "_to"))])
    fig = section_view(blocks, GRID, comps, axis="i", at_m=15.0, width_m=10.0)
    assert "H1" in svgtools.texts(fig.svg)  # the hole through block column i = 1
    assert "(1 holes)" in fig.caption
