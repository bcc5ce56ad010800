"""The processing chapter: built from processing tables; notes instead of failures."""

import xml.etree.ElementTree as ET

import pandas as pd

from mine2magnet.processing import feed_from_params, processing_params, run_flowsheet
from mine2magnet.processing.flowsheet import unit_balance
from mine2magnet.report.chapter_processing import processing_chapter
from mine2magnet.report.document import Figure, Table, Text


def _tables() -> dict[str, pd.DataFrame]:
    p = processing_params(
        {"feed": {"ore_tpa": 1e5, "TREO_pct": 2.0, "distribution": "mountain_pass"}}
    )
    fs = run_flowsheet(feed_from_params(p), p)
    raw = {
        "streams": fs.streams,
        "stream_summary": fs.summary,
        "units": fs.units,
        "checks": fs.checks,
        "products": fs.products.products,
        "unit_balance": unit_balance(fs),
    }
    return {f"processing__{k}": v for k, v in raw.items()}


def _blocks(section):
    out = list(section.blocks)
    for child in section.children:
        out.extend(_blocks(child))
    return out


def test_chapter_has_sankey_products_and_notes_missing_refinery():
    tables = _tables()
    sec = processing_chapter(tables, {}, synthetic=True)
    blocks = _blocks(sec)
    figs = [b for b in blocks if isinstance(b, Figure)]
    assert [f.id for f in figs] == ["fig-processing-sankey"]
    root = ET.fromstring(figs[0].svg)
    assert root.tag.endswith("svg")
    assert "SYNTHETIC" in figs[0].svg
    products = next(b for b in blocks if isinstance(b, Table) and b.id == "tab-processing-products")
    assert len(products.frame) == len(tables["processing__products"])
    notes = [b for b in blocks if isinstance(b, Text) and b.kind == "note"]
    assert any("refinery_cascades" in p for n in notes for p in n.paragraphs)


def test_chapter_without_tables_is_notes_only():
    sec = processing_chapter({}, {}, synthetic=False)
    blocks = _blocks(sec)
    assert blocks and all(isinstance(b, Text) for b in blocks)


def test_inputs_not_modified():
    tables = _tables()
    before = {k: v.copy() for k, v in tables.items()}
    processing_chapter(tables, {}, synthetic=False)
    for k, v in tables.items():
        pd.testing.assert_frame_equal(v, before[k])
