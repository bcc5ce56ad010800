"""Validation rules: each rule gives the right rejection row (file, row, column, rule, value)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mine2magnet.chemistry import conversion_factor
from mine2magnet.config import (
    AssayColumns,
    AssaySource,
    CollarColumns,
    CollarSource,
    GradeColumn,
    LithologyColumns,
    LithologySource,
    QaqcParams,
    StandardsSource,
    SurveySource,
    ValidationParams,
)
from mine2magnet.drillholes import validate as vmod
from mine2magnet.drillholes.io import ROW_COLUMN
from mine2magnet.drillholes.types import REJECTION_ACTIONS
from mine2magnet.drillholes.validate import (
    RULES,
    complete_collars,
    grade_plan,
    parse_grades,
    parse_numbers,
    validate_assays,
    validate_collars,
    validate_lithology,
    validate_standards,
    validate_surveys,
)
from mine2magnet.errors import ConfigError

COLLARS = "hole_id,easting,northing,elevation,eoh_m\nA,0,0,100,50\nB,10,0,100,\n"
EOH = CollarSource(file=Path("c.csv"), columns=CollarColumns(eoh_m="eoh_m"))
GRADES = {
    "La": GradeColumn(reported_as="La", unit="ppm", detection_limit=5),
    "Ce": GradeColumn(reported_as="Ce", unit="ppm"),
}
ASSAYS = AssaySource(file=Path("a.csv"), grades=GRADES)


def rejections(result, rule: str) -> list[tuple]:
    r = result.rejections
    r = r[r["rule"] == rule]
    return [
        (f, None if pd.isna(row) else int(row), None if pd.isna(c) else c, ru, v, a)
        for f, row, c, ru, v, a in r.itertuples(index=False)
    ]


@pytest.fixture
def collars(dh_table):
    return validate_collars(dh_table(COLLARS), EOH, file="c.csv").table


def assay_table(dh_table, body: str, header: str = "hole_id,from_m,to_m,La,Ce"):
    return dh_table(header + "\n" + body)


def check_counts(result) -> None:
    c = result.counts.iloc[0]
    assert c["rows_in"] == c["rows_used"] + c["rows_rejected"]
    rejected_rows = result.rejections.loc[
        result.rejections["action"] == "row_rejected", "row"
    ].nunique()
    assert rejected_rows == c["rows_rejected"]


# ------------------------------------------------------------------------------- collars


def test_collar_rules(dh_table):
    raw = dh_table(
        "hole_id,easting,northing,elevation,eoh_m\n"
        "A,0,0,100,50\n"  # 2 ok
        "A,1,1,100,50\n"  # 3 duplicate
        ",0,0,100,50\n"  # 4 missing id
        "C,abc,0,100,50\n"  # 5 non numeric easting
        "D,0,,100,50\n"  # 6 missing northing
        "E,0,0,100,-5\n"  # 7 eoh negative: kept, value missing
        "F,0,0,100,deep\n"  # 8 eoh non numeric: kept, value missing
        "G,0,0,-20,99999\n"  # 9 eoh implausible: kept
    )
    res = validate_collars(raw, EOH, file="c.csv")
    assert rejections(res, "duplicate_hole_id") == [
        ("c.csv", 3, "hole_id", "duplicate_hole_id", "A", "row_rejected")
    ]
    assert rejections(res, "missing_hole_id") == [
        ("c.csv", 4, "hole_id", "missing_hole_id", "", "row_rejected")
    ]
    assert rejections(res, "non_numeric") == [
        ("c.csv", 5, "easting", "non_numeric", "abc", "row_rejected"),
        ("c.csv", 8, "eoh_m", "non_numeric", "deep", "value_missing"),
    ]
    assert rejections(res, "missing_value") == [
        ("c.csv", 6, "northing", "missing_value", "", "row_rejected")
    ]
    assert rejections(res, "eoh_not_positive") == [
        ("c.csv", 7, "eoh_m", "eoh_not_positive", "-5", "value_missing")
    ]
    assert rejections(res, "depth_implausible") == [
        ("c.csv", 9, "eoh_m", "depth_implausible", "99999", "value_missing")
    ]
    t = res.table
    assert t["hole_id"].tolist() == ["A", "E", "F", "G"]
    assert t["row"].tolist() == [2, 7, 8, 9]
    assert t["eoh_source"].tolist() == ["file", "missing", "missing", "missing"]
    assert t.loc[t.hole_id == "G", "elevation"].item() == -20.0
    check_counts(res)
    assert res.counts.iloc[0][["rows_in", "rows_used", "rows_rejected"]].tolist() == [8, 4, 4]


def test_complete_collars_derives_eoh(dh_table):
    raw = dh_table("hole_id,easting,northing,elevation\nA,0,0,1\nB,0,0,1\nC,0,0,1\n")
    src = CollarSource(file=Path("c.csv"))
    col = validate_collars(raw, src, file="c.csv")
    assays = pd.DataFrame({"hole_id": ["A", "A"], "to_m": [2.0, 7.5]})
    surveys = pd.DataFrame({"hole_id": ["A", "B"], "depth_m": [9.0, 3.0]})
    done = complete_collars(col, source=src, file="c.csv", assays=assays, surveys=surveys)
    t = done.table
    assert t["eoh_m"].tolist()[:2] == [9.0, 3.0] and np.isnan(t["eoh_m"].iloc[2])
    assert set(t["eoh_source"]) == {"derived"}
    assert rejections(done, "eoh_derived") == [
        ("c.csv", 2, None, "eoh_derived", "9.0", "reported"),
        ("c.csv", 3, None, "eoh_derived", "3.0", "reported"),
    ]
    assert rejections(done, "eoh_unknown") == [("c.csv", 4, None, "eoh_unknown", "C", "reported")]
    assert [r[1] for r in rejections(done, "no_survey")] == [4]
    assert [r[1] for r in rejections(done, "no_assays")] == [3, 4]
    assert done.counts.equals(col.counts)


# ------------------------------------------------------------------------------- surveys


def test_survey_rules(dh_table, collars):
    raw = dh_table(
        "hole_id,depth_m,azimuth_deg,dip_deg\n"
        "A,0,360,-60\n"  # 2 azimuth 360 -> 0
        "A,10,361,-60\n"  # 3 azimuth out of range
        "A,20,-1,-60\n"  # 4 azimuth out of range
        "A,30,10,-91\n"  # 5 dip out of range
        "A,30,10,-60\n"  # 6 ok
        "A,30,11,-61\n"  # 7 duplicate depth
        "A,60,10,-60\n"  # 8 beyond EOH 50
        "Z,0,0,-90\n"  # 9 no collar
        "B,x,0,-90\n"  # 10 non numeric
        "B,-1,0,-90\n"  # 11 negative depth
        "B,90000,0,-90\n"  # 12 implausible (B has no EOH)
        "B,5,0,\n"  # 13 missing dip
    )
    res = validate_surveys(raw, SurveySource(file=Path("s.csv")), collars, file="s.csv")
    expect = {
        "azimuth_360": [("s.csv", 2, "azimuth_deg", "azimuth_360", "360", "value_normalised")],
        "azimuth_out_of_range": [
            ("s.csv", 3, "azimuth_deg", "azimuth_out_of_range", "361", "row_rejected"),
            ("s.csv", 4, "azimuth_deg", "azimuth_out_of_range", "-1", "row_rejected"),
        ],
        "dip_out_of_range": [("s.csv", 5, "dip_deg", "dip_out_of_range", "-91", "row_rejected")],
        "duplicate_depth": [("s.csv", 7, "depth_m", "duplicate_depth", "30", "row_rejected")],
        "depth_beyond_eoh": [("s.csv", 8, "depth_m", "depth_beyond_eoh", "60", "row_rejected")],
        "no_collar": [("s.csv", 9, "hole_id", "no_collar", "Z", "row_rejected")],
        "non_numeric": [("s.csv", 10, "depth_m", "non_numeric", "x", "row_rejected")],
        "negative_depth": [("s.csv", 11, "depth_m", "negative_depth", "-1", "row_rejected")],
        "depth_implausible": [
            ("s.csv", 12, "depth_m", "depth_implausible", "90000", "row_rejected")
        ],
        "missing_value": [("s.csv", 13, "dip_deg", "missing_value", "", "row_rejected")],
    }
    for rule, rows in expect.items():
        assert rejections(res, rule) == rows, rule
    t = res.table
    assert t["row"].tolist() == [2, 6]
    assert t["azimuth_deg"].tolist() == [0.0, 10.0]
    check_counts(res)


def test_survey_azimuth_360_rejected_when_not_north(dh_table, collars):
    raw = dh_table("hole_id,depth_m,azimuth_deg,dip_deg\nA,0,360,-60\n")
    params = ValidationParams(azimuth_360_is_north=False)
    res = validate_surveys(raw, SurveySource(file=Path("s.csv")), collars, params, file="s")
    assert [r[3] for r in rejections(res, "azimuth_out_of_range")] == ["azimuth_out_of_range"]
    assert res.table.empty


def test_survey_positive_down_dips(dh_table, collars):
    raw = dh_table("hole_id,depth_m,azimuth_deg,dip_deg\nA,0,0,60\nA,10,0,90\nA,20,0,-5\n")
    src = SurveySource(file=Path("s.csv"), dip_positive_down=True)
    res = validate_surveys(raw, src, collars, file="s.csv")
    assert res.table["dip_deg"].tolist() == [-60.0, -90.0, 5.0]


# ------------------------------------------------------------------------------- intervals


def test_interval_rules(dh_table, collars):
    raw = assay_table(
        dh_table,
        "A,0,2,1,1\n"  # 2 ok
        "A,2,4,1,1\n"  # 3 ok
        "A,3,5,1,1\n"  # 4 overlap with row 3: rejected (later)
        "A,6,8,1,1\n"  # 5 ok, gap 4-6 reported
        "A,9,9,1,1\n"  # 6 from >= to
        "A,-1,0.5,1,1\n"  # 7 negative from (and overlap is not checked for rejected rows)
        "A,48,52,1,1\n"  # 8 past EOH 50
        "Z,0,1,1,1\n"  # 9 no collar
        ",0,1,1,1\n"  # 10 missing hole id
        "B,a,1,1,1\n"  # 11 non numeric from
        "B,0,,1,1\n"  # 12 missing to
        "B,0,3,1,1\n",  # 13 ok
    )
    res = validate_assays(raw, ASSAYS, collars, file="a.csv")
    expect = {
        "overlap": [("a.csv", 4, "from_m", "overlap", "3", "row_rejected")],
        "gap_unsampled": [("a.csv", 5, "from_m", "gap_unsampled", "4-6", "reported")],
        "from_ge_to": [("a.csv", 6, "from_m", "from_ge_to", "9", "row_rejected")],
        "negative_from": [("a.csv", 7, "from_m", "negative_from", "-1", "row_rejected")],
        "past_eoh": [("a.csv", 8, "to_m", "past_eoh", "52", "row_rejected")],
        "no_collar": [("a.csv", 9, "hole_id", "no_collar", "Z", "row_rejected")],
        "missing_hole_id": [("a.csv", 10, "hole_id", "missing_hole_id", "", "row_rejected")],
        "non_numeric": [("a.csv", 11, "from_m", "non_numeric", "a", "row_rejected")],
        "missing_value": [("a.csv", 12, "to_m", "missing_value", "", "row_rejected")],
    }
    for rule, rows in expect.items():
        assert rejections(res, rule) == rows, rule
    t = res.table
    assert t["row"].tolist() == [2, 3, 5, 13]
    assert t["hole_id"].tolist() == ["A", "A", "A", "B"]
    check_counts(res)
    assert res.counts.iloc[0][["rows_in", "rows_used", "rows_rejected"]].tolist() == [12, 4, 8]


def test_overlap_keeps_earlier_and_later_nonoverlapping(dh_table, collars):
    # A [0,10], B [5,20] overlaps A (rejected), C [10,15] touches only A: kept
    raw = assay_table(dh_table, "A,10,15,1,1\nA,0,10,1,1\nA,5,20,1,1\nA,0,10,2,2\n")
    res = validate_assays(raw, ASSAYS, collars, file="a.csv")
    assert res.table["row"].tolist() == [3, 2]
    assert [r[1] for r in rejections(res, "overlap")] == [4, 5]  # equal start: later line


def test_intervals_sorted_by_hole_and_from(dh_table, collars):
    raw = assay_table(dh_table, "B,3,4,1,1\nA,5,6,1,1\nB,0,3,1,1\nA,0,5,1,1\n")
    t = validate_assays(raw, ASSAYS, collars, file="a.csv").table
    assert list(zip(t["hole_id"], t["from_m"], strict=True)) == [
        ("A", 0.0),
        ("A", 5.0),
        ("B", 0.0),
        ("B", 3.0),
    ]


# ------------------------------------------------------------------------------- grades


def test_grade_values(dh_table, collars):
    raw = assay_table(
        dh_table,
        "A,0,1,100,200\n"  # 2 ok
        "A,1,2,<10,-99\n"  # 3 below detection (half 10), -99 = not analysed
        "A,2,3,BDL,bdl\n"  # 4 BDL with DL 5 (La) / without DL (Ce)
        "A,3,4,abc,-3\n"  # 5 non numeric, negative
        "A,4,5,>10000,NA\n",  # 6 over limit, not analysed
    )
    res = validate_assays(raw, ASSAYS, collars, file="a.csv")
    r = res.rejections
    got = sorted(
        (int(row), col, rule, val, act)
        for _, row, col, rule, val, act in r[r["row"].notna()].itertuples(index=False)
    )
    assert got == [
        (3, "La", "below_detection", "<10", "value_replaced"),
        (4, "Ce", "bdl_no_limit", "bdl", "value_missing"),
        (4, "La", "bdl_string", "BDL", "value_replaced"),
        (5, "Ce", "negative_grade", "-3", "value_missing"),
        (5, "La", "non_numeric", "abc", "value_missing"),
        (6, "La", "over_limit", ">10000", "value_missing"),
    ]
    assert rejections(res, "not_analysed") == [
        ("a.csv", None, "Ce", "not_analysed", "2", "reported")
    ]
    f_la = conversion_factor("La", "ppm")
    la = res.table["La2O3_pct"].to_numpy()
    np.testing.assert_allclose(la[:3], [100 * f_la, 5 * f_la, 2.5 * f_la])
    assert np.isnan(la[3:]).all()
    ce = res.table["CeO2_pct"].to_numpy()
    assert ce[0] == pytest.approx(200 * conversion_factor("Ce", "ppm"))
    assert np.isnan(ce[1:]).all()  # missing stays missing, never zero
    treo = res.table["TREO_pct"].to_numpy()
    assert treo[0] == pytest.approx(la[0] + ce[0]) and np.isnan(treo[1:]).all()
    assert res.grade_columns == ("La2O3_pct", "CeO2_pct", "TREO_pct")
    check_counts(res)
    assert res.counts.iloc[0]["rows_rejected"] == 0  # value problems never reject a row


@pytest.mark.parametrize(
    ("mode", "value"), [("half_dl", 0.25), ("dl", 0.5), ("zero", 0.0), ("missing", np.nan)]
)
def test_below_detection_modes(mode, value):
    p = parse_grades(pd.Series(["<0.5", "< 0.5"]), params=ValidationParams(below_detection=mode))
    np.testing.assert_array_equal(p.values, [value, value])
    action = "value_missing" if mode == "missing" else "value_replaced"
    assert p.flags["action"].tolist() == [action, action]


def test_configured_strings():
    params = ValidationParams(missing_strings=["n.a."], bdl_strings=["TRACE"])
    p = parse_grades(pd.Series(["N.A.", "trace", "-99", ""]), detection_limit=2, params=params)
    assert p.values[0] != p.values[0] and p.values[1] == 1.0
    assert p.not_analysed.tolist() == [True, False, False, True]
    assert p.flags["rule"].tolist() == ["bdl_string", "negative_grade"]


def test_no_ree_no_treo(dh_table, collars):
    src = AssaySource(file=Path("a.csv"), grades={"Cu": GradeColumn(reported_as="Cu", unit="pct")})
    res = validate_assays(dh_table("hole_id,from_m,to_m,Cu\nA,0,1,0.5\n"), src, collars, file="a")
    assert res.grade_columns == ("Cu_pct",)
    assert list(res.table.columns) == [*vmod.ASSAY_COLUMNS, "Cu_pct"]


def test_impossible_total(dh_table, collars):
    src = AssaySource(
        file=Path("a.csv"),
        grades={
            "Fe": GradeColumn(reported_as="Fe2O3", unit="pct"),
            "Si": GradeColumn(reported_as="SiO2", unit="pct"),
        },
    )
    raw = dh_table("hole_id,from_m,to_m,Fe,Si\nA,0,1,60,30\nA,1,2,70,40\nA,2,3,70,\n")
    res = validate_assays(raw, src, collars, file="a.csv")
    assert rejections(res, "impossible_total") == [
        ("a.csv", 3, None, "impossible_total", "110.0", "row_rejected")
    ]
    assert res.table["row"].tolist() == [2, 4]


def test_two_columns_same_canonical_is_config_error():
    grades = {
        "Ce_ppm": GradeColumn(reported_as="Ce", unit="ppm"),
        "CeO2_pct": GradeColumn(reported_as="CeO2", unit="pct"),
    }
    with pytest.raises(ConfigError, match=r"'data\.assays\.grades\.Ce_ppm'.*CeO2_pct"):
        grade_plan(grades, where="p.toml")


def test_parse_numbers_strict():
    x, miss, bad = parse_numbers(
        pd.Series(["1", " 2.5 ", ".5", "1e-3", "1,5", "inf", "nan", "", "-", "0x1", "1e999"])
    )
    np.testing.assert_array_equal(x[:4], [1, 2.5, 0.5, 0.001])
    assert np.isnan(x[4:]).all()
    assert miss.tolist() == [False] * 7 + [True] + [False] * 3
    assert bad.tolist() == [False] * 4 + [True] * 3 + [False] + [True] * 3


_num = st.floats(0.001, 1e4, allow_nan=False).map(lambda v: float(f"{v:.4g}"))


@given(v=_num, space=st.sampled_from(["", " ", "  "]), mode=st.sampled_from(["half_dl", "dl"]))
def test_parse_less_than_property(v, space, mode):
    p = parse_grades(
        pd.Series([f"<{space}{v}", f" <{v} "]), params=ValidationParams(below_detection=mode)
    )
    expected = v / 2 if mode == "half_dl" else v
    np.testing.assert_allclose(p.values, [expected, expected])
    assert p.flags["rule"].tolist() == ["below_detection"] * 2
    assert p.flags["value"].tolist() == [f"<{space}{v}", f" <{v} "]


# ------------------------------------------------------------------------------- QA/QC


def test_qaqc_split(dh_table, collars):
    src = AssaySource(
        file=Path("a.csv"),
        columns=AssayColumns(
            sample_id="sid",
            sample_type="type",
            standard_id="std",
            parent_sample_id="parent",
        ),
        grades=GRADES,
    )
    raw = dh_table(
        "hole_id,from_m,to_m,sid,type,std,parent,La,Ce\n"
        "A,0,1,S1,,,,100,100\n"  # 2 primary (empty type)
        ",,,S2,CRM,OREAS-1,,500,900\n"  # 3 crm, no hole
        ",,,S3,blk,,,<5,<5\n"  # 4 blank (case-insensitive)
        "A,0,1,S4,FDUP,,S1,110,95\n"  # 5 field duplicate (not an overlap)
        ",,,S5,PULP,,S1,105,98\n"  # 6 lab duplicate
        "A,1,2,S6,weird,,,1,1\n"  # 7 unknown type
        "A,1,2,S7,Primary,,,1,1\n"  # 8 primary
    )
    res = validate_assays(raw, src, collars, ValidationParams(), QaqcParams(), file="a.csv")
    assert res.table["sample_id"].tolist() == ["S1", "S7"]
    q = res.qaqc
    assert q["qc_type"].tolist() == ["crm", "blank", "field_duplicate", "lab_duplicate"]
    assert q["row"].tolist() == [3, 4, 5, 6]
    assert q["standard_id"].iloc[0] == "OREAS-1"
    assert q["parent_sample_id"].tolist()[2:] == ["S1", "S1"]
    assert q["La2O3_pct"].iloc[1] == pytest.approx(2.5 * conversion_factor("La", "ppm"))
    assert np.isnan(q["from_m"].iloc[0])
    assert rejections(res, "unknown_sample_type") == [
        ("a.csv", 7, "type", "unknown_sample_type", "weird", "row_rejected")
    ]
    assert not len(rejections(res, "overlap"))
    c = res.counts.iloc[0]
    assert (c["rows_in"], c["rows_used"], c["rows_rejected"]) == (7, 6, 1)


# ------------------------------------------------------------------------------- lithology


def test_lithology_domains(dh_table, collars):
    raw = dh_table(
        "hole_id,from_m,to_m,lith\n"
        "A,0,5,carbonatite \n"
        "A,5,10,granite\n"
        "A,12,20,syenite\n"
        "A,15,18,syenite\n"
    )
    src = LithologySource(file=Path("l.csv"), columns=LithologyColumns(lithology="lith"))
    res = validate_lithology(
        raw, src, collars, {"carbonatite": "CARB", "syenite": "WASTE"}, file="l.csv"
    )
    assert res.table["domain"].tolist() == ["CARB", vmod.UNMAPPED, "WASTE"]
    assert res.table["lithology"].tolist() == ["carbonatite", "granite", "syenite"]
    assert rejections(res, "unmapped_lithology") == [
        ("l.csv", 3, "lith", "unmapped_lithology", "granite", "reported")
    ]
    assert rejections(res, "gap_unlogged") == [
        ("l.csv", 4, "from_m", "gap_unlogged", "10-12", "reported")
    ]
    assert [r[1] for r in rejections(res, "overlap")] == [5]
    check_counts(res)


def test_lithology_domain_column(dh_table, collars):
    raw = dh_table("hole_id,from_m,to_m,lithology,dom\nA,0,5,x,ORE\nA,5,6,y,\n")
    src = LithologySource(file=Path("l.csv"), columns=LithologyColumns(domain="dom"))
    res = validate_lithology(raw, src, collars, {"x": "IGNORED"}, file="l.csv")
    assert res.table["domain"].tolist() == ["ORE", vmod.UNMAPPED]
    assert [r[1] for r in rejections(res, "unmapped_lithology")] == [3]


# ------------------------------------------------------------------------------- standards


def test_standards(dh_table):
    raw = dh_table(
        "standard_id,column,expected,sd\n"
        "OREAS-1,La,1000,50\n"  # 2 ok
        "OREAS-1,Nd,100,5\n"  # 3 unknown column
        "OREAS-1,Ce,x,5\n"  # 4 non numeric expected
        "OREAS-1,Ce,10,0\n"  # 5 sd not positive
        "OREAS-1,La,999,1\n"  # 6 duplicate
        ",Ce,10,1\n"  # 7 missing id
        "OREAS-2,Ce,-1,1\n"  # 8 negative
        "OREAS-2,Ce,20,\n"  # 9 ok, sd missing
    )
    res = validate_standards(raw, StandardsSource(file=Path("s.csv")), GRADES, file="s.csv")
    rules = {r: [x[1] for x in rejections(res, r)] for r in res.rejections["rule"].unique()}
    assert rules == {
        "unknown_grade_column": [3],
        "non_numeric": [4],
        "sd_not_positive": [5],
        "duplicate_standard": [6],
        "missing_standard_id": [7],
        "negative_grade": [8],
    }
    t = res.table
    assert t["column"].tolist() == ["La2O3_pct", "CeO2_pct"]
    f = conversion_factor("La", "ppm")
    assert t["expected"].iloc[0] == pytest.approx(1000 * f)
    assert t["sd"].iloc[0] == pytest.approx(50 * f)
    assert np.isnan(t["sd"].iloc[1])
    check_counts(res)


# ------------------------------------------------------------------------------- rule table


def test_every_rule_documented():
    for rule, (action, meaning) in RULES.items():
        assert f"``{rule}``" in vmod.__doc__, rule
        assert action in REJECTION_ACTIONS and meaning


def test_unknown_rule_code_is_a_bug():
    issues = vmod._Issues("f", np.array([2, 3]))
    with pytest.raises(KeyError):
        issues.add(np.array([False, False]), "c", "not_a_rule", None)


# ------------------------------------------------------------------------------- properties

_hole = st.sampled_from(["A", "B", "Z", ""])
_depth = st.one_of(st.integers(0, 60).map(str), st.sampled_from(["", "x", "-1", "2.5", "1e1"]))


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_hole, _depth, _depth), min_size=1, max_size=40))
def test_interval_properties(collars, rows):
    raw = pd.DataFrame(rows, columns=["hole_id", "from_m", "to_m"], dtype="str")
    raw["La"] = "1"
    raw["Ce"] = ""
    raw[ROW_COLUMN] = np.arange(2, len(raw) + 2)
    res = validate_assays(raw, ASSAYS, collars, file="a.csv")
    t = res.table
    c = res.counts.iloc[0]
    assert c["rows_in"] == len(rows) == c["rows_used"] + c["rows_rejected"]
    rejected = set(res.rejections.loc[res.rejections["action"] == "row_rejected", "row"])
    used = set(t["row"])
    assert not used & rejected and used | rejected == set(raw[ROW_COLUMN])
    # no surviving overlaps, all inside EOH, sorted
    for _hole_id, g in t.groupby("hole_id"):
        assert (g["from_m"].to_numpy()[1:] >= g["to_m"].to_numpy()[:-1] - 1e-9).all()
        assert g["from_m"].is_monotonic_increasing
    assert (t["from_m"] < t["to_m"]).all() and (t["from_m"] >= 0).all()
    assert (t.loc[t["hole_id"] == "A", "to_m"] <= 50).all()
    assert t["hole_id"].isin(["A", "B"]).all()


_numberish = st.text(alphabet=st.sampled_from(list("0123456789.+-eE ,xnaif<")), max_size=7)
_STRICT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _reference(text: str) -> float:
    t = text.strip()
    if _STRICT.fullmatch(t) and np.isfinite(float(t)):
        return float(t)
    return np.nan


@given(values=st.lists(_numberish, min_size=1, max_size=30), force_slow=st.booleans())
def test_parse_numbers_matches_python_reference(values, force_slow):
    """Arrow fast path and regex fallback both accept exactly the strict number forms."""
    series = pd.Series([*values, "zz"] if force_slow else values, dtype="str")
    x, miss, bad = parse_numbers(series)
    ref = np.array([_reference(v) for v in values])
    np.testing.assert_array_equal(x[: len(values)], ref)
    empty = np.array([not v.strip() for v in values])
    assert (miss[: len(values)] == empty).all()
    assert (bad[: len(values)] == (np.isnan(ref) & ~empty)).all()


def test_negative_grade_as_below_detection_code():
    from mine2magnet.config import ValidationParams
    from mine2magnet.drillholes.validate import parse_grades

    p = parse_grades(
        pd.Series(["-0.005", "0.2"]),
        params=ValidationParams(negative_is_below_detection=True),
    )
    assert p.values.tolist() == [0.0025, 0.2]
    assert p.flags["rule"].tolist() == ["negative_below_detection"]
    assert p.flags["action"].tolist() == ["value_replaced"]
    default = parse_grades(pd.Series(["-0.005"]))
    assert np.isnan(default.values[0]) and default.flags["rule"].tolist() == ["negative_grade"]
