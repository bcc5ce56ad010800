"""Unit and property tests for QA/QC: CRMs, blanks, duplicates and the failures table.

Every expected number below is worked out by hand in the comments.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mine2magnet.config import QaqcParams
from mine2magnet.drillholes.qaqc import (
    FAILURE_RULES,
    QaqcResult,
    blank_check,
    crm_check,
    cv_avg_pct,
    duplicate_check,
    hard_pct,
    pair_cv_pct,
    qaqc_summary,
    rma_fit,
)
from mine2magnet.drillholes.types import DrillholeDB

# ---------------------------------------------------------------------------- fixtures

# Standard REE-1, TREO_pct: expected 2.0 %, SD 0.1 %. In file order (row):
#   row  value   z     expected outcome
#   10   2.05   +0.5   pass
#   12   2.25   +2.5   warning
#   14   1.95   -0.5   pass
#   16   2.25   +2.5   warning
#   18   2.26   +2.6   failure: second of two beyond +2 SD (2-2s)
#   20   2.35   +3.5   failure: beyond 3 SD and 2-2s
#   22   1.75   -2.5   warning (previous was on the other side)
#   24   1.65   -3.5   failure: beyond 3 SD and 2-2s
CRM_ROWS = [10, 12, 14, 16, 18, 20, 22, 24]
CRM_VALUES = [2.05, 2.25, 1.95, 2.25, 2.26, 2.35, 1.75, 1.65]
CRM_STATUS = ["pass", "warning", "pass", "warning", "failure", "failure", "warning", "failure"]


def _crm_table(values=CRM_VALUES, rows=CRM_ROWS, standard="REE-1", column="TREO_pct"):
    return pd.DataFrame(
        {
            "sample_id": [f"{standard}-{r}" for r in rows],
            "qc_type": "crm",
            "standard_id": standard,
            "parent_sample_id": None,
            "row": rows,
            column: values,
        }
    )


def _standards():
    return pd.DataFrame(
        {
            "standard_id": ["REE-1", "REE-2"],
            "column": ["TREO_pct", "Nd2O3_pct"],
            "expected": [2.0, 0.5],
            "sd": [0.1, 0.02],
        }
    )


# -------------------------------------------------------------------------------- CRMs


def test_crm_point_rules_and_summary_known_answers():
    q = _crm_table().sample(frac=1.0, random_state=3)  # input order must not matter
    res = crm_check(q, _standards())
    r = res.results
    assert r["row"].tolist() == CRM_ROWS
    assert r["status"].tolist() == CRM_STATUS
    assert r["z_score"].to_numpy() == pytest.approx([0.5, 2.5, -0.5, 2.5, 2.6, 3.5, -2.5, -3.5])
    assert r["two_consecutive_2sd"].tolist() == [False] * 4 + [True, True, False, True]
    assert r["outside_3sd"].tolist() == [False] * 5 + [True, False, True]
    assert r["run_length"].tolist() == [2, 2, 1, 3, 3, 3, 2, 2]
    assert not r["bias_trend"].any()

    s = res.summary.iloc[0]
    assert (s["standard_id"], s["column"], s["n"], s["n_missing"]) == ("REE-1", "TREO_pct", 8, 0)
    # mean = 16.51 / 8 = 2.06375; bias = (2.06375 / 2 - 1) * 100 = 3.1875 %
    assert s["mean"] == pytest.approx(2.06375)
    assert s["bias_pct"] == pytest.approx(3.1875)
    assert s["observed_sd"] == pytest.approx(statistics.stdev(CRM_VALUES))
    assert (s["expected"], s["certified_sd"]) == (2.0, 0.1)
    assert s["n_outside_2sd"] == 6 and s["n_outside_3sd"] == 2
    assert s["samples_outside_2sd"] == "REE-1-12;REE-1-16;REE-1-18;REE-1-20;REE-1-22;REE-1-24"
    assert s["samples_outside_3sd"] == "REE-1-20;REE-1-24"
    assert s["n_two_consecutive_2sd"] == 3
    assert s["longest_run"] == 3 and s["n_bias_trend_runs"] == 0
    assert s["status"] == "failure"


def test_crm_failures_list_rule_value_and_crossed_bound():
    f = crm_check(_crm_table(), _standards()).failures
    got = sorted(zip(f["sample_id"], f["rule"], f["value"], f["limit"], strict=True))
    want = sorted(
        [
            ("REE-1-18", "crm_2x2sd_same_side", 2.26, 2.2),
            ("REE-1-20", "crm_2x2sd_same_side", 2.35, 2.2),
            ("REE-1-20", "crm_outside_3sd", 2.35, 2.3),
            ("REE-1-24", "crm_2x2sd_same_side", 1.65, 1.8),
            ("REE-1-24", "crm_outside_3sd", 1.65, 1.7),
        ]
    )
    assert [g[:2] for g in got] == [w[:2] for w in want]
    assert np.array([g[2:] for g in got]) == pytest.approx(np.array([w[2:] for w in want]))
    assert set(f["qc_type"]) == {"crm"} and set(f["column"]) == {"TREO_pct"}


def test_crm_value_exactly_on_two_sd_is_inside():
    # 2.2 is exactly expected + 2 SD in decimal notation; floating point gives z=2.0000000000000018
    r = crm_check(_crm_table([2.2, 2.2], [1, 2]), _standards()).results
    assert r["status"].tolist() == ["pass", "pass"]
    assert not r["two_consecutive_2sd"].any()


def test_crm_bias_trend_run_of_ten_and_configurable_length():
    # REE-2 Nd2O3_pct expected 0.5, SD 0.02: ten results slightly high, then one low, one equal
    vals = [0.51] * 10 + [0.49, 0.50]
    q = _crm_table(vals, list(range(1, 13)), standard="REE-2", column="Nd2O3_pct")
    res = crm_check(q, _standards())
    r = res.results
    assert r["bias_trend"].tolist() == [True] * 10 + [False, False]
    assert r["run_length"].tolist() == [10] * 10 + [1, 1]
    assert r["status"].eq("pass").all()  # point rules are not affected by the trend
    f = res.failures
    assert f["rule"].tolist() == ["crm_bias_trend"]
    # listed at the 9th result, the one completing the minimum run; value = full run length
    assert f["sample_id"].tolist() == ["REE-2-9"]
    assert (f["value"].iloc[0], f["limit"].iloc[0]) == (10.0, 9.0)
    assert "10 consecutive results above" in f["note"].iloc[0]
    s = res.summary.iloc[0]
    assert (s["longest_run"], s["n_bias_trend_runs"], s["status"]) == (10, 1, "failure")

    assert not crm_check(q, _standards(), trend_run=11).results["bias_trend"].any()
    assert len(crm_check(q, _standards(), trend_run=11).failures) == 0


def test_crm_result_equal_to_expected_breaks_a_run():
    vals = [0.51] * 8 + [0.50] + [0.51] * 8
    q = _crm_table(vals, list(range(1, 18)), standard="REE-2", column="Nd2O3_pct")
    res = crm_check(q, _standards())
    assert not res.results["bias_trend"].any()
    assert res.summary["longest_run"].iloc[0] == 8


def test_crm_run_rules_follow_row_order_not_input_order():
    # same values, different time order: 2.26 now follows a pass -> no 2-2s there
    rows = [10, 12, 14, 16, 20, 18, 22, 24]  # swap the times of 2.26 and 2.35
    r = crm_check(_crm_table(rows=rows), _standards()).results
    by_id = r.set_index("sample_id")
    assert by_id.loc["REE-1-18", "value"] == 2.35  # row 18 now holds 2.35, preceded by 2.25
    assert bool(by_id.loc["REE-1-18", "two_consecutive_2sd"])
    assert bool(by_id.loc["REE-1-20", "two_consecutive_2sd"])  # 2.26 after 2.35, same side


def test_crm_missing_values_unknown_standards_and_uncertified_columns():
    q = pd.concat(
        [
            _crm_table([2.0, np.nan, 2.1], [1, 2, 3]),
            pd.DataFrame(
                {
                    "sample_id": ["X-1", "Y-1"],
                    "qc_type": "crm",
                    "standard_id": ["NOPE", None],
                    "row": [4, 5],
                    "TREO_pct": [1.0, 1.0],
                }
            ),
        ],
        ignore_index=True,
    )
    res = crm_check(q, _standards())
    assert res.results["status"].tolist() == ["pass", "missing", "pass"]
    s = res.summary.iloc[0]
    assert (s["n"], s["n_missing"]) == (2, 1)
    assert s["mean"] == pytest.approx(2.05)
    f = res.failures
    assert f["rule"].tolist() == ["crm_unknown_standard"] * 2
    assert f["sample_id"].tolist() == ["X-1", "Y-1"]
    assert "NOPE" in f["note"].iloc[0] and f["note"].iloc[1] == "standard_id missing"
    assert f["column"].isna().all()


def test_crm_certified_column_absent_from_assays_is_reported_as_no_data():
    std = pd.concat(
        [
            _standards(),
            pd.DataFrame(
                {"standard_id": ["REE-1"], "column": ["CeO2_pct"], "expected": [1.0], "sd": [0.05]}
            ),
        ]
    )
    res = crm_check(_crm_table([2.0, 2.0], [1, 2]), std)
    s = res.summary.set_index("column")
    assert s.loc["CeO2_pct", "status"] == "no_data" and s.loc["CeO2_pct", "n_missing"] == 2
    assert s.loc["TREO_pct", "status"] == "pass"
    # the columns argument restricts the check
    only = crm_check(_crm_table([2.0, 2.0], [1, 2]), std, columns=["TREO_pct"]).summary
    assert only["column"].tolist() == ["TREO_pct"]


def test_crm_zero_sd_is_not_evaluated():
    std = _standards().assign(sd=[0.0, 0.02])
    r = crm_check(_crm_table([2.0, 2.5], [1, 2]), std).results
    assert r["status"].tolist() == ["no_sd", "no_sd"] and r["z_score"].isna().all()


def test_crm_bad_arguments():
    std = pd.concat([_standards(), _standards().iloc[:1]])
    with pytest.raises(ValueError, match="REE-1, TREO_pct"):
        crm_check(_crm_table(), std)
    with pytest.raises(ValueError, match="trend_run"):
        crm_check(_crm_table(), _standards(), trend_run=1)


# ------------------------------------------------------------------------------ blanks


def _blank_case():
    # file order: A1 (row 1, low) B1 (2) | A2 (3, high-grade) B2 (4) | CRM C1 (5, high) B3 (6)
    #             | A3 (7) B4 (8) B5 (9)
    assays = pd.DataFrame(
        {
            "sample_id": ["A1", "A2", "A3", "A4"],
            "row": [1, 3, 7, 20],
            "TREO_pct": [0.5, 6.0, 1.0, 2.0],
            "Nd2O3_pct": [0.1, 1.0, 0.2, 0.3],
        }
    )
    qaqc = pd.DataFrame(
        {
            "sample_id": ["B1", "B2", "C1", "B3", "B4", "B5"],
            "qc_type": ["blank", "blank", "crm", "blank", "blank", "blank"],
            "standard_id": [None, None, "REE-1", None, None, None],
            "row": [2, 4, 5, 6, 8, 9],
            # DL 0.001 %: multiples 2, 5 (exactly on the limit), -, 5.1, 20, missing
            "TREO_pct": [0.002, 0.005, 8.0, 0.0051, 0.02, np.nan],
            "Nd2O3_pct": [0.0, 0.0, 1.5, 0.0, 0.0, 0.0],
        }
    )
    return qaqc, assays


def test_blank_multiples_status_and_carryover_note():
    qaqc, assays = _blank_case()
    res = blank_check(qaqc, assays, {"TREO_pct": 0.001}, high_grade={"TREO_pct": 5.0})
    t = res.results[res.results["column"] == "TREO_pct"].set_index("sample_id")
    assert t["dl_multiple"].to_numpy() == pytest.approx([2.0, 5.0, 5.1, 20.0, np.nan], nan_ok=True)
    assert t["status"].tolist() == ["pass", "pass", "failure", "failure", "missing"]
    assert t["preceding_sample_id"].tolist() == ["A1", "A2", "C1", "A3", "B4"]
    # B3 follows the high-grade CRM C1 (8 % >= 5 %) and fails -> carry-over note
    assert bool(t.loc["B3", "preceding_high_grade"])
    assert "C1" in t.loc["B3", "note"] and "carry-over" in t.loc["B3", "note"]
    # B2 follows high-grade A2 but passes -> flagged, no note; B4 fails after low-grade A3
    assert bool(t.loc["B2", "preceding_high_grade"]) and t.loc["B2", "note"] == ""
    assert not t.loc["B4", "preceding_high_grade"] and t.loc["B4", "note"] == ""

    n = res.results[res.results["column"] == "Nd2O3_pct"]
    assert n["status"].eq("no_detection_limit").all()

    s = res.summary.set_index("column")
    assert s.loc["TREO_pct", ["n", "n_evaluated", "n_missing", "n_failures"]].tolist() == [
        5,
        4,
        1,
        2,
    ]
    assert s.loc["TREO_pct", "failure_pct"] == pytest.approx(50.0)
    assert s.loc["TREO_pct", "limit_pct"] == pytest.approx(0.005)
    assert s.loc["TREO_pct", "max_dl_multiple"] == pytest.approx(20.0)
    assert s.loc["TREO_pct", "mean_dl_multiple"] == pytest.approx((2 + 5 + 5.1 + 20) / 4)
    assert s.loc["TREO_pct", "n_carryover_suspect"] == 1
    assert s.loc["Nd2O3_pct", "n_evaluated"] == 0 and np.isnan(s.loc["Nd2O3_pct", "failure_pct"])

    f = res.failures
    assert f["sample_id"].tolist() == ["B3", "B4"]
    assert set(f["rule"]) == {"blank_above_limit"}
    assert f["value"].to_numpy() == pytest.approx([0.0051, 0.02])
    assert f["limit"].to_numpy() == pytest.approx([0.005, 0.005])
    assert f["note"].iloc[0] != "" and f["note"].iloc[1] == ""


def test_blank_default_high_grade_is_ninetieth_percentile_of_assays():
    qaqc, assays = _blank_case()
    res = blank_check(qaqc, assays, {"TREO_pct": 0.001}, limit_multiple=1.0)
    t = res.results[res.results["column"] == "TREO_pct"].set_index("sample_id")
    # TREO of A1..A4 = 0.5, 6, 1, 2 -> 90th percentile (linear) = 2 + 0.7 * (6 - 2) = 4.8
    assert t["high_grade_threshold"].iloc[0] == pytest.approx(4.8)
    assert bool(t.loc["B2", "preceding_high_grade"])  # after A2 = 6 %
    assert "A2" in t.loc["B2", "note"]  # with limit 1 x DL, B2 (5 x DL) now fails
    assert t.loc["B1", "note"] == ""


def test_blank_limit_multiple_is_configurable():
    qaqc, assays = _blank_case()
    res = blank_check(qaqc, assays, {"TREO_pct": 0.001}, limit_multiple=10.0)
    assert res.failures["sample_id"].tolist() == ["B4"]


# -------------------------------------------------------------------------- duplicates


def _dup_case():
    assays = pd.DataFrame(
        {
            "sample_id": ["P1", "P2", "P3", "P4", "P5", "P6", "P7"],
            "row": [1, 3, 5, 7, 9, 11, 13],
            "TREO_pct": [1.0, 1.0, 2.0, 1.0, 4.0, 2.0, 1.0],
            "Nd2O3_pct": [0.2, 0.2, 0.4, 0.2, 0.8, 0.4, 0.2],
        }
    )
    qaqc = pd.DataFrame(
        {
            "sample_id": ["F1", "F2", "F3", "F4", "F5", "L1", "L2", "F6", "L3"],
            "qc_type": ["field_duplicate"] * 5
            + ["lab_duplicate"] * 2
            + ["field_duplicate"]
            + ["lab_duplicate"],
            "parent_sample_id": ["P1", "P2", "P3", "P4", "P5", "P6", "P7", None, "GONE"],
            "row": [2, 4, 6, 8, 10, 12, 14, 15, 16],
            # field pairs (TREO): (1,1) (1,1.5) (2,3) (1,3) (4,NaN); lab: (2,2.2) (1,1.3)
            "TREO_pct": [1.0, 1.5, 3.0, 3.0, np.nan, 2.2, 1.3, 1.0, 1.0],
            "Nd2O3_pct": [0.2, 0.2, 0.4, 0.2, 0.8, 0.4, 0.2, 0.2, 0.2],
        }
    )
    return qaqc, assays


def test_duplicate_pairs_hard_cv_and_status():
    qaqc, assays = _dup_case()
    res = duplicate_check(qaqc, assays, columns=["TREO_pct"])
    p = res.pairs.set_index("sample_id")
    # HARD = 100 |a - b| / (a + b): 0, 0.5/2.5 = 20, 1/5 = 20, 2/4 = 50; lab 0.2/4.2, 0.3/2.3
    assert p["hard_pct"].to_numpy() == pytest.approx(
        [0.0, 20.0, 20.0, 50.0, np.nan, 100 * 0.2 / 4.2, 100 * 0.3 / 2.3], nan_ok=True
    )
    assert p["cv_pct"].to_numpy() == pytest.approx(
        math.sqrt(2) * p["hard_pct"].to_numpy(), nan_ok=True
    )
    assert p["status"].tolist() == ["pass", "pass", "pass", "failure", "missing", "pass", "failure"]
    assert p["original"].tolist()[:4] == [1.0, 1.0, 2.0, 1.0]
    assert p["hard_limit_pct"].tolist() == [20.0] * 5 + [10.0] * 2


def test_duplicate_summary_known_answers():
    qaqc, assays = _dup_case()
    res = duplicate_check(qaqc, assays, columns=["TREO_pct"])
    s = res.summary.set_index("qc_type")
    fd = s.loc["field_duplicate"]
    assert (fd["n_pairs"], fd["n_used"], fd["n_excluded"], fd["n_unmatched"]) == (5, 4, 1, 1)
    assert (fd["n_within_limit"], fd["pct_within_limit"]) == (3, 75.0)
    assert not fd["passes"] and fd["required_pct"] == 90.0
    # median of HARD 0, 20, 20, 50 = 20
    assert fd["median_hard_pct"] == pytest.approx(20.0)
    # CV_avg = sqrt(mean(CV_i^2)), CV_i = sqrt(2) HARD_i -> sqrt(2 (0 + 400 + 400 + 2500) / 4)
    assert fd["cv_avg_pct"] == pytest.approx(math.sqrt(1650.0))
    x, y = [1.0, 1.0, 2.0, 1.0], [1.0, 1.5, 3.0, 3.0]
    assert fd["mean_original"] == pytest.approx(1.25) and fd["mean_duplicate"] == pytest.approx(
        2.125
    )
    assert fd["correlation"] == pytest.approx(statistics.correlation(x, y))
    slope = statistics.stdev(y) / statistics.stdev(x)  # r > 0
    assert fd["rma_slope"] == pytest.approx(slope)
    assert fd["rma_intercept"] == pytest.approx(2.125 - slope * 1.25)

    ld = s.loc["lab_duplicate"]
    assert (ld["n_pairs"], ld["n_used"], ld["n_unmatched"], ld["hard_limit_pct"]) == (2, 2, 1, 10.0)
    assert (ld["n_within_limit"], ld["pct_within_limit"], ld["passes"]) == (1, 50.0, False)


def test_duplicate_limits_configurable_per_type():
    qaqc, assays = _dup_case()
    res = duplicate_check(
        qaqc,
        assays,
        columns=["TREO_pct"],
        field_hard_limit_pct=50.0,
        lab_hard_limit_pct=15.0,
        lab_required_pct=100.0,
    )
    s = res.summary.set_index("qc_type")
    assert s.loc["field_duplicate", "pct_within_limit"] == 100.0
    assert bool(s.loc["field_duplicate", "passes"])
    assert s.loc["lab_duplicate", "pct_within_limit"] == 100.0  # 4.8 % and 13.0 % <= 15 %
    assert bool(s.loc["lab_duplicate", "passes"])


def test_duplicate_unmatched_are_reported_not_dropped():
    qaqc, assays = _dup_case()
    res = duplicate_check(qaqc, assays)
    u = res.unmatched
    assert u["sample_id"].tolist() == ["F6", "L3"]
    assert u["reason"].tolist() == ["no_parent_id", "parent_not_found"]
    f = res.failures[res.failures["rule"] == "duplicate_parent_missing"]
    assert f["sample_id"].tolist() == ["F6", "L3"]
    # every duplicate is either paired or unmatched
    paired = set(res.pairs["sample_id"])
    assert paired | set(u["sample_id"]) == set(qaqc["sample_id"])
    assert not paired & set(u["sample_id"])


def test_duplicate_failures_table():
    qaqc, assays = _dup_case()
    f = duplicate_check(qaqc, assays, columns=["TREO_pct"]).failures
    hard = f[f["rule"] == "duplicate_hard"]
    assert hard["sample_id"].tolist() == ["F4", "L2"]
    assert hard["value"].to_numpy() == pytest.approx([50.0, 100 * 0.3 / 2.3])
    assert hard["limit"].tolist() == [20.0, 10.0]
    prec = f[f["rule"] == "duplicate_precision"].set_index("qc_type")
    assert prec.loc["field_duplicate", "value"] == 75.0
    assert prec.loc["field_duplicate", "limit"] == 90.0
    assert prec["sample_id"].isna().all()
    assert "3 of 4 pairs within 20 % HARD" in prec.loc["field_duplicate", "note"]


def test_duplicate_nan_excluded_per_column_only():
    qaqc, assays = _dup_case()
    s = duplicate_check(qaqc, assays).summary.set_index(["qc_type", "column"])
    assert s.loc[("field_duplicate", "TREO_pct"), "n_excluded"] == 1
    assert s.loc[("field_duplicate", "Nd2O3_pct"), "n_excluded"] == 0  # F5 is usable here
    assert s.loc[("field_duplicate", "Nd2O3_pct"), "n_used"] == 5


# --------------------------------------------------------------------- pair statistics


def test_pair_statistics_edge_cases():
    assert hard_pct([0.0], [0.0]).tolist() == [0.0]  # two zeros agree perfectly
    assert np.isnan(hard_pct([np.nan], [1.0])[0])
    assert hard_pct([0.0], [1.0]).tolist() == [100.0]
    assert pair_cv_pct([1.0], [3.0])[0] == pytest.approx(math.sqrt(2) * 50.0)
    assert np.isnan(cv_avg_pct([np.nan], [1.0]))
    assert all(np.isnan(v) for v in rma_fit([1.0], [2.0]))
    assert all(np.isnan(v) for v in rma_fit([1.0, 1.0], [2.0, 3.0]))
    assert rma_fit([1.0, 2.0, 3.0], [3.0, 2.0, 1.0]) == pytest.approx((-1.0, 4.0))


# ------------------------------------------------------------------- summary and empty


def _db(qaqc, standards, assays, grade_columns=("TREO_pct", "Nd2O3_pct")):
    e = pd.DataFrame()
    return DrillholeDB(
        collars=e,
        surveys=e,
        assays=assays,
        lithology=e,
        qaqc=qaqc,
        standards=standards,
        rejections=e,
        counts=e,
        grade_columns=tuple(grade_columns),
    )


def _all_case():
    dq, da = _dup_case()
    bq, ba = _blank_case()
    ba = ba.assign(sample_id=["A1", "A2", "A3", "A4"], row=[101, 103, 107, 120])
    bq = bq.assign(row=bq["row"] + 100)
    cq = _crm_table(rows=[r + 200 for r in CRM_ROWS])
    qaqc = pd.concat([dq, bq, cq], ignore_index=True)
    assays = pd.concat([da, ba], ignore_index=True)
    return qaqc, _standards(), assays


def test_qaqc_summary_wires_all_checks():
    qaqc, standards, assays = _all_case()
    params = QaqcParams(blank_limit_multiple=5.0, hard_limit_pct=10.0)
    res = qaqc_summary(_db(qaqc, standards, assays), params, {"TREO_pct": 0.001})
    assert isinstance(res, QaqcResult)
    f = res.failures
    assert list(f.columns) == [
        "sample_id",
        "qc_type",
        "column",
        "rule",
        "value",
        "limit",
        "row",
        "note",
    ]
    assert set(f["rule"]) <= set(FAILURE_RULES)
    assert {"crm_outside_3sd", "crm_2x2sd_same_side", "blank_above_limit", "duplicate_hard"} <= set(
        f["rule"]
    )
    # sorted by QA/QC type (crm, blank, field, lab), then row
    order = {"crm": 0, "blank": 1, "field_duplicate": 2, "lab_duplicate": 3}
    ranks = f["qc_type"].map(order).tolist()
    assert ranks == sorted(ranks)
    # counts: 8 CRM, 5 blanks (+1 CRM C1), 6 field, 3 lab over 11 primary samples
    c = res.qc_counts.set_index("qc_type")
    assert c.loc["crm", "n_samples"] == 9 and c.loc["blank", "n_samples"] == 5
    assert c.loc["field_duplicate", "n_samples"] == 6 and c.loc["lab_duplicate", "n_samples"] == 3
    assert c.loc["crm", "rate_pct"] == pytest.approx(100 * 9 / 11)
    # lab HARD limit comes from params; field from the keyword default (20 %)
    s = res.duplicate_summary.set_index(["qc_type", "column"])
    assert s.loc[("lab_duplicate", "TREO_pct"), "hard_limit_pct"] == 10.0
    assert s.loc[("field_duplicate", "TREO_pct"), "hard_limit_pct"] == 20.0
    assert res.blank_summary.set_index("column").loc["TREO_pct", "n_failures"] == 2
    # CRM C1 (standard REE-1, 8 % TREO) is far beyond 3 SD
    assert "C1" in set(res.crm_results["sample_id"])


def test_qaqc_summary_is_deterministic_and_does_not_mutate_inputs():
    qaqc, standards, assays = _all_case()
    before = [t.copy(deep=True) for t in (qaqc, standards, assays)]
    db = _db(qaqc, standards, assays)
    a = qaqc_summary(db, QaqcParams(), {"TREO_pct": 0.001})
    b = qaqc_summary(db, QaqcParams(), {"TREO_pct": 0.001})
    for t, t0 in zip((qaqc, standards, assays), before, strict=True):
        pd.testing.assert_frame_equal(t, t0)
    for name in a.__dataclass_fields__:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


@pytest.mark.parametrize("qaqc", [pd.DataFrame(), pd.DataFrame(columns=["sample_id", "qc_type"])])
def test_empty_qaqc_gives_empty_tables(qaqc):
    res = qaqc_summary(_db(qaqc, pd.DataFrame(), pd.DataFrame()), QaqcParams(), {})
    for name in (
        "crm_results",
        "crm_summary",
        "blank_results",
        "blank_summary",
        "duplicate_pairs",
        "duplicate_summary",
        "unmatched_duplicates",
        "failures",
    ):
        t = getattr(res, name)
        assert len(t) == 0 and len(t.columns) > 0, name
    assert res.qc_counts["n_samples"].sum() == 0
    assert res.qc_counts["qc_type"].tolist() == ["crm", "blank", "field_duplicate", "lab_duplicate"]


def test_loader_style_text_columns_with_empty_strings():
    # the loader stores identifiers as "str" and may leave "" where a field is blank
    qaqc, assays = _dup_case()
    crm = _crm_table([2.0, 2.6], [30, 31])
    q = pd.concat([qaqc, crm], ignore_index=True)
    q["standard_id"] = q["standard_id"].fillna("")
    q["parent_sample_id"] = q["parent_sample_id"].fillna(" ")
    for c in ("sample_id", "qc_type", "standard_id", "parent_sample_id"):
        q[c] = q[c].astype("str")
    q["row"] = q["row"].astype(np.int64)
    a = assays.assign(sample_id=assays["sample_id"].astype("str"))
    res = qaqc_summary(_db(q, _standards(), a), QaqcParams(), {})
    assert res.unmatched_duplicates.set_index("sample_id").loc["F6", "reason"] == "no_parent_id"
    assert res.crm_results["status"].tolist() == ["pass", "failure"]
    assert "crm_unknown_standard" not in set(res.failures["rule"])


def test_only_one_qc_type_present():
    q = _crm_table()
    res = qaqc_summary(_db(q, _standards(), pd.DataFrame()), QaqcParams(), {})
    assert len(res.crm_results) == 8
    assert len(res.blank_results) == 0 and len(res.duplicate_pairs) == 0
    assert np.isnan(res.qc_counts["rate_pct"]).all()  # no primary samples


# ---------------------------------------------------------------------------- properties

grades = st.floats(min_value=0.0, max_value=1e4, allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(grades, grades), min_size=1, max_size=50))
def test_hard_bounded_and_symmetric(pairs):
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    h = hard_pct(a, b)
    assert np.all((h >= 0) & (h <= 100))
    np.testing.assert_array_equal(h, hard_pct(b, a))
    assert cv_avg_pct(a, b) == pytest.approx(cv_avg_pct(b, a))
    assert 0.0 <= cv_avg_pct(a, b) <= 100 * math.sqrt(2) + 1e-9


pos = st.floats(min_value=0.01, max_value=100.0, allow_nan=False)


@given(st.lists(st.tuples(pos, pos), min_size=3, max_size=30))
def test_rma_is_symmetric_under_swapping_axes(pairs):
    x = np.array([p[0] for p in pairs])
    y = np.array([p[1] for p in pairs])
    s_xy, _ = rma_fit(x, y)
    s_yx, _ = rma_fit(y, x)
    if np.isfinite(s_xy) and s_xy != 0:
        assert s_yx == pytest.approx(1.0 / s_xy, rel=1e-9)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(min_value=1.5, max_value=2.5, allow_nan=False), min_size=2, max_size=25),
    st.randoms(use_true_random=False),
)
def test_crm_summary_and_z_invariant_to_time_order(values, rnd):
    rows = list(range(1, len(values) + 1))
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    q1 = _crm_table(values, rows)
    q2 = q1.assign(row=shuffled)
    r1 = crm_check(q1, _standards())
    r2 = crm_check(q2, _standards())
    z1 = r1.results.set_index("sample_id")["z_score"].sort_index()
    z2 = r2.results.set_index("sample_id")["z_score"].sort_index()
    pd.testing.assert_series_equal(z1, z2)
    cols = ["n", "mean", "bias_pct", "observed_sd", "n_outside_2sd", "n_outside_3sd"]
    pd.testing.assert_frame_equal(r1.summary[cols], r2.summary[cols], rtol=1e-12)


def test_run_rules_depend_on_time_order():
    # same values: high-high-low-low has two 2-2s failures; alternating has none
    vals = [2.25, 2.25, 1.75, 1.75]
    a = crm_check(_crm_table(vals, [1, 2, 3, 4]), _standards()).summary.iloc[0]
    b = crm_check(_crm_table(vals, [1, 3, 2, 4]), _standards()).summary.iloc[0]
    assert a["n_two_consecutive_2sd"] == 2 and b["n_two_consecutive_2sd"] == 0
    assert a["mean"] == b["mean"] and a["n_outside_2sd"] == b["n_outside_2sd"] == 4


def test_duplicates_near_detection_limit_are_not_judged():
    q = pd.DataFrame(
        {
            "sample_id": ["D1", "D2"],
            "qc_type": "field_duplicate",
            "parent_sample_id": ["A1", "A2"],
            "row": [3, 5],
            "Lu2O3_pct": [0.00005, 0.0100],
        }
    )
    a = pd.DataFrame({"sample_id": ["A1", "A2"], "row": [2, 4], "Lu2O3_pct": [0.00010, 0.0101]})
    dl = {"Lu2O3_pct": 0.00005}
    got = duplicate_check(q, a, detection_limits=dl, min_dl_multiple=10.0)
    assert got.pairs["status"].tolist() == ["near_detection", "pass"]
    assert got.summary.loc[0, "n_used"] == 1 and got.summary.loc[0, "n_excluded"] == 1
    assert len(got.failures) == 0
    # without the limits the same pair fails (HARD 33 %)
    assert duplicate_check(q, a).pairs["status"].tolist() == ["failure", "pass"]
