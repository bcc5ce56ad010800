"""Real public drillhole databases from ``../shared/data`` (skipped when absent).

Each test maps only the columns in a project file and checks that every data row of every
file is accounted for (used or rejected) and that the known quirks are handled: a UTF-8
BOM and spaces in column names (Copper Creek), positive-down dips and a 90000 "extend to
infinity" survey sentinel (Babbitt), collar LENGTH as EOH with last samples running past
it (pygslib Demo1).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mine2magnet.config import load_project
from mine2magnet.drillholes.database import load_drillholes

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data not present"),
]


def data_rows(path: Path) -> int:
    """Non-blank lines minus the header, counted independently of the reader."""
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip()) - 1


def load(tmp_path: Path, toml: str):
    (tmp_path / "project.toml").write_text(toml.replace("@DATA@", DATA.as_posix()))
    return load_drillholes(load_project(tmp_path))


def by_rule(db) -> dict[tuple[str, str, str], int]:
    r = db.rejections.assign(file=db.rejections["file"].str.rsplit("/", n=1).str[-1])
    return r.groupby(["file", "rule", "action"]).size().to_dict()


def check_counts(db, files: dict[str, Path]) -> None:
    c = db.counts.set_index("table")
    assert (c["rows_in"] == c["rows_used"] + c["rows_rejected"]).all()
    for table, path in files.items():
        assert c.loc[table, "rows_in"] == data_rows(path), table


COPPER_CREEK = """\
[project]
name = "copper creek"
[data.collars]
file = "@DATA@/drilldown_copper_creek/collar.csv"
columns = {hole_id = "hole_ID", easting = "x", northing = "y", elevation = "z"}
[data.surveys]
file = "@DATA@/drilldown_copper_creek/survey.csv"
columns = {hole_id = "hole_ID", depth_m = "depth", azimuth_deg = "azimuth", dip_deg = "dip"}
[data.assays]
file = "@DATA@/drilldown_copper_creek/assay.csv"
columns = {hole_id = "hole_ID", from_m = "depth_from", to_m = "depth_to"}
[data.assays.grades]
Cu_pct = {reported_as = "Cu", unit = "pct"}
Mo_pct = {reported_as = "Mo", unit = "pct"}
Ag_ppm = {reported_as = "Ag", unit = "ppm"}
Au_ppm = {reported_as = "Au", unit = "ppm"}
[data.lithology]
file = "@DATA@/drilldown_copper_creek/lithology.csv"
columns = {hole_id = "hole_ID", from_m = "depth_from", to_m = "to_depth", lithology = "rock unit"}
[[domains]]
code = "PORPHYRY"
lithologies = ["Porphyritic quartz diorite", "Monzogranite porphyry",
               "Granodiorite porphyry undiff", "Granodiorite porphyry 1",
               "Granodiorite porphyry 2", "Granodiorite porphyry 3"]
[[domains]]
code = "BRECCIA"
lithologies = ["Breccia undiff", "Igneous cemented breccia",
               "Hydrothermally cemented breccia"]
"""


def test_copper_creek(tmp_path):
    d = DATA / "drilldown_copper_creek"
    db = load(tmp_path, COPPER_CREEK)
    check_counts(
        db,
        {
            "collars": d / "collar.csv",
            "surveys": d / "survey.csv",
            "assays": d / "assay.csv",
            "lithology": d / "lithology.csv",
        },
    )
    c = db.counts.set_index("table")
    # the file has 545 collars and 67,321 assay rows (its README says 544 / 67,320)
    assert c.loc["collars"].tolist()[1:] == [545, 545, 0]
    assert c.loc["assays", "rows_in"] == 67_321
    assert db.assays["hole_id"].nunique() == 488
    assert db.grade_columns == ("Cu_pct", "Mo_pct", "Ag_pct", "Au_pct")
    rules = by_rule(db)
    assert rules[("survey.csv", "azimuth_360", "value_normalised")] == 140
    assert rules[("assay.csv", "overlap", "row_rejected")] == 155
    assert rules[("assay.csv", "gap_unsampled", "reported")] == 585
    assert rules[("lithology.csv", "overlap", "row_rejected")] == 11
    assert rules[("collar.csv", "eoh_derived", "reported")] == 545
    assert c.loc["assays", "rows_rejected"] == 155
    assert (db.surveys["azimuth_deg"] < 360).all()
    assert set(db.lithology["domain"]) == {"PORPHYRY", "BRECCIA", "UNMAPPED"}
    # no surviving overlaps
    a = db.assays
    same = a["hole_id"].to_numpy()[1:] == a["hole_id"].to_numpy()[:-1]
    assert (a["from_m"].to_numpy()[1:][same] >= a["to_m"].to_numpy()[:-1][same] - 1e-9).all()


BABBITT = """\
[project]
name = "babbitt"
[data.collars]
file = "@DATA@/drilldown_babbitt/collar_BABBITT.csv"
columns = {hole_id = "BHID", easting = "XCOLLAR", northing = "YCOLLAR", elevation = "ZCOLLAR"}
[data.surveys]
file = "@DATA@/drilldown_babbitt/survey_BABBITT.csv"
columns = {hole_id = "BHID", depth_m = "AT", azimuth_deg = "AZ", dip_deg = "DIP"}
dip_positive_down = true
[data.assays]
file = "@DATA@/drilldown_babbitt/assay_BABBITT.csv"
columns = {hole_id = "BHID", from_m = "FROM", to_m = "TO"}
[data.assays.grades]
CU = {reported_as = "Cu", unit = "pct"}
NI = {reported_as = "Ni", unit = "pct"}
S = {reported_as = "S", unit = "pct"}
FE = {reported_as = "Fe", unit = "pct"}
"""


def test_babbitt(tmp_path):
    d = DATA / "drilldown_babbitt"
    db = load(tmp_path, BABBITT)
    check_counts(
        db,
        {
            "collars": d / "collar_BABBITT.csv",
            "surveys": d / "survey_BABBITT.csv",
            "assays": d / "assay_BABBITT.csv",
        },
    )
    c = db.counts.set_index("table")
    assert c.loc["collars"].tolist()[1:] == [399, 399, 0]
    assert c.loc["assays"].tolist()[1:] == [35_616, 35_616, 0]
    assert db.assays["hole_id"].nunique() == 399
    assert (db.surveys["dip_deg"] < 0).all()  # positive-down dips made negative
    rules = by_rule(db)
    # 70 surveys at AT = 90000: an "extend the last direction" sentinel, not a depth
    assert rules[("survey_BABBITT.csv", "depth_implausible", "row_rejected")] == 70
    assert c.loc["surveys", "rows_rejected"] == 70
    assert db.collars["eoh_m"].max() < 5000
    assert db.grade_columns == ("Cu_pct", "Ni_pct", "S_pct", "Fe2O3_pct")


PYGSLIB = """\
[project]
name = "pygslib demo1"
[data.collars]
file = "@DATA@/pygslib_demo1/collar.csv"
[data.collars.columns]
hole_id = "BHID"
easting = "XCOLLAR"
northing = "YCOLLAR"
elevation = "ZCOLLAR"
eoh_m = "LENGTH"
[data.surveys]
file = "@DATA@/pygslib_demo1/survey.csv"
columns = {hole_id = "BHID", depth_m = "AT", azimuth_deg = "AZ", dip_deg = "DIP"}
dip_positive_down = true
[data.assays]
file = "@DATA@/pygslib_demo1/assay.csv"
columns = {hole_id = "BHID", from_m = "FROM", to_m = "TO"}
[data.assays.grades]
Au = {reported_as = "Au", unit = "ppm"}
"""


def test_pygslib_demo1(tmp_path):
    d = DATA / "pygslib_demo1"
    db = load(tmp_path, PYGSLIB)
    check_counts(
        db,
        {"collars": d / "collar.csv", "surveys": d / "survey.csv", "assays": d / "assay.csv"},
    )
    c = db.counts.set_index("table")
    assert c.loc["collars"].tolist()[1:] == [29, 29, 0]
    assert c.loc["surveys"].tolist()[1:] == [372, 372, 0]
    assert set(db.collars["eoh_source"]) == {"file"}
    rules = by_rule(db)
    # the last 1 m sample of 15 holes runs 0.02-0.45 m past the collar LENGTH
    assert rules == {("assay.csv", "past_eoh", "row_rejected"): 15}
    assert c.loc["assays"].tolist()[1:] == [1882, 1867, 15]
    assert db.assays["hole_id"].nunique() == 29
    assert (db.surveys["dip_deg"] < 0).all()
    assert db.grade_columns == ("Au_pct",)
