"""Grade-tonnage curves by domain and by resource class."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mine2magnet.errors import DataError
from mine2magnet.report.figures import CLASS_COLOURS, grade_tonnage_curve


def table(by: str, groups: list[str]) -> pd.DataFrame:
    rows = []
    for n, g in enumerate(groups):
        for c in (0.0, 0.5, 1.0, 2.0, 3.0):
            rows.append({by: g, "cutoff_pct": c, "tonnes": 1e7 * (n + 1) * np.exp(-c),
                         "TREO_pct": 1.0 + c + 0.1 * n})  # fmt: skip
    return pd.DataFrame(rows)


def test_by_domain(svgtools):
    gt = table("domain", ["HG", "LG", "ALL"])
    before = svgtools.fingerprint(gt)
    fig = grade_tonnage_curve(gt, cutoff_pct=1.0, synthetic=True)
    assert svgtools.fingerprint(gt) == before
    texts = svgtools.texts(fig.svg)
    assert fig.title == "Grade-tonnage curves of TREO [%] by domain"
    for label in (fig.title, "HG", "LG", "ALL", "tonnes above cut-off [Mt]",
                  "mean TREO [%] above cut-off", "cut-off TREO [%]", "cut-off 1 %"):  # fmt: skip
        assert label in texts
    assert fig.id == "grade-tonnage-domain-treo-pct"


def test_by_class_uses_class_colours(svgtools):
    gt = table("resource_class", ["Inferred", "Measured", "Indicated", "Total"])
    fig = grade_tonnage_curve(gt, by="resource_class")
    strokes = {s.lower() for s in __import__("re").findall(r"stroke:\s*(#[0-9a-fA-F]{6})", fig.svg)}
    for c in ("Measured", "Indicated", "Inferred"):
        assert CLASS_COLOURS[c].lower() in strokes
    assert "Measured, Indicated, Inferred, Total" in fig.caption  # legend order by confidence
    assert fig.id == "grade-tonnage-resource-class-treo-pct"


def test_bad_by():
    with pytest.raises(DataError, match="by must be"):
        grade_tonnage_curve(table("domain", ["HG"]), by="pit")


def test_demo_store_grade_tonnage(demo_table, svgtools):
    fig = grade_tonnage_curve(demo_table("estimation__grade_tonnage"))
    assert fig.title in svgtools.texts(fig.svg)
