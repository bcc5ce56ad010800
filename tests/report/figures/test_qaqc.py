"""QA/QC charts: CRM control chart, blanks, duplicates and HARD."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mine2magnet.errors import DataError
from mine2magnet.report.figures import blank_chart, crm_control_chart, duplicate_scatter, hard_plot

EVIL = "<script>alert(1)</script>"


@pytest.fixture
def crm() -> pd.DataFrame:
    n = 60
    value = 2.0 + 0.05 * np.sin(np.arange(n))  # inside ±2 SD (SD 0.05 → ±0.1)
    value[20] = 2.2  # +4 SD
    value[40] = 1.85  # −3 SD
    status = np.array(["pass"] * n, dtype=object)
    status[[20, 40]] = "failure"
    status[10] = "warning"
    ids = [f"S{n:03d}" for n in range(n)]
    ids[40] = EVIL
    # rows shuffled: the chart must sort by the input row
    df = pd.DataFrame(
        {"sample_id": ids, "standard_id": "CRM-A", "column": "CeO2_pct",
         "row": np.arange(n) * 25 + 2, "value": value, "expected": 2.0, "sd": 0.05,
         "status": status}
    )  # fmt: skip
    return df.sample(frac=1.0, random_state=0)


def test_crm_control_chart(crm, svgtools):
    before = svgtools.fingerprint(crm)
    fig = crm_control_chart(crm, "CRM-A", "CeO2_pct", synthetic=True)
    assert svgtools.fingerprint(crm) == before
    texts = svgtools.texts(fig.svg)
    assert fig.title == "CRM control chart: CRM-A, CeO2 [%]"
    assert fig.title in texts
    for label in ("+3 SD", "+2 SD", "−2 SD", "−3 SD", "certified 2", "CeO2 [%] assayed"):
        assert label in texts
    bias = 100 * (crm["value"].mean() - 2.0) / 2.0
    assert f"mean {crm['value'].mean():.4g} (bias {bias:+.2f} %)" in texts
    assert "S020" in texts and EVIL in texts  # failures labelled with their ids
    assert "<script" not in fig.svg
    assert "failure (2)" in texts and "warning (Westgard rule) (1)" in texts
    assert fig.id == "crm-crm-a-ceo2-pct"


def test_crm_unknown_standard(crm):
    with pytest.raises(DataError, match="CRM-A"):
        crm_control_chart(crm, "CRM-B", "CeO2_pct")


def test_blank_chart(svgtools):
    n = 40
    dl = np.full(n, 0.6)
    dl[7] = 42.0
    dl[30] = np.nan
    status = np.where(dl > 5, "failure", "pass").astype(object)
    status[30] = "no_detection_limit"
    b = pd.DataFrame(
        {"sample_id": [f"B{n}" for n in range(n)], "column": "CeO2_pct", "row": np.arange(n),
         "value": dl * 0.001, "detection_limit": 0.001, "dl_multiple": dl,
         "limit_multiple": 5.0, "status": status, "preceding_sample_id": "P1",
         "preceding_value": 3.3}
    )  # fmt: skip
    fig = blank_chart(b, "CeO2_pct")
    texts = svgtools.texts(fig.svg)
    assert fig.title in texts and "limit 5 × DL" in texts
    assert "B7 (after P1: 3.3 %)" in texts
    assert "1 blanks without a detection limit not shown" in fig.caption
    assert "blank assay [multiples of detection limit]" in texts
    assert not any("mathdefault" in t for t in texts)


def pairs(n_fail: int, n: int = 50) -> pd.DataFrame:
    o = np.linspace(0.1, 5.0, n)
    d = o * 1.02
    d[:n_fail] = o[:n_fail] * 2.0  # HARD 33 %
    hard = 100 * np.abs(o - d) / (o + d)
    return pd.DataFrame(
        {"qc_type": "field_duplicate", "column": "TREO_pct",
         "sample_id": [EVIL] + [f"D{n}" for n in range(1, n)], "original": o,
         "duplicate": d, "hard_pct": hard, "hard_limit_pct": 20.0,
         "status": np.where(hard > 20, "failure", "pass")}
    )  # fmt: skip


def test_duplicate_scatter(svgtools):
    p = pairs(2)
    fig = duplicate_scatter(p, "field_duplicate", "TREO_pct")
    texts = svgtools.texts(fig.svg)
    assert fig.title == "Duplicate scatter: field duplicates, TREO [%]"
    for label in (fig.title, "1:1", "HARD = 20 %", "original TREO [%]",
                  "field duplicate TREO [%]", EVIL):  # fmt: skip
        assert label in texts
    assert "2 failures" in fig.caption
    assert "<script" not in fig.svg


@pytest.mark.parametrize(("n_fail", "verdict"), [(2, "meets"), (10, "fails")])
def test_hard_plot_verdict(n_fail, verdict, svgtools):
    fig = hard_plot(pairs(n_fail), "field_duplicate", "TREO_pct", required_pct=90.0)
    within = 100 * (50 - n_fail) / 50
    assert f"{within:.1f} % of pairs lie within the 20 % limit" in fig.caption
    assert f"so the set {verdict} the criterion" in fig.caption
    texts = svgtools.texts(fig.svg)
    assert "HARD [%]" in texts and "required 90 % of pairs" in texts and "HARD limit 20 %" in texts


def test_demo_store_qaqc(demo_table, svgtools):
    crm = demo_table("drillholes__qaqc_crm_results")
    summary = demo_table("drillholes__qaqc_crm_summary")
    fig = crm_control_chart(crm, "SYNCRM-H", "CeO2_pct")
    row = summary[(summary["standard_id"] == "SYNCRM-H") & (summary["column"] == "CeO2_pct")]
    assert f"bias {row['bias_pct'].iloc[0]:+.2f} %" in fig.caption  # agrees with the stage
    figs = [
        fig,
        blank_chart(demo_table("drillholes__qaqc_blank_results"), "CeO2_pct"),
        duplicate_scatter(
            demo_table("drillholes__qaqc_duplicate_pairs"), "field_duplicate", "TREO_pct"
        ),
        hard_plot(demo_table("drillholes__qaqc_duplicate_pairs"), "field_duplicate", "TREO_pct"),
    ]
    for f in figs:
        assert f.title in svgtools.texts(f.svg)
