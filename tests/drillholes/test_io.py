"""Reading tables: strings, line numbers and one-line errors for unreadable files."""

from __future__ import annotations

import csv
import io

import numpy as np
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mine2magnet.drillholes.io import (
    mapped_columns,
    read_source,
    read_table,
    require_columns,
)
from mine2magnet.errors import ConfigError, DataError


def test_values_stay_strings_and_rows_are_line_numbers(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("hole_id,from_m,grade\nA,0,NA\nA,1,\nB,007,-99\n")
    t = read_table(p)
    assert list(t.columns) == ["hole_id", "from_m", "grade", "row"]
    assert t["grade"].tolist() == ["NA", "", "-99"]
    assert t["from_m"].tolist() == ["0", "1", "007"]
    assert t["row"].tolist() == [2, 3, 4]
    assert t["row"].dtype == np.int64
    assert not t.drop(columns="row").isna().any().any()


def test_bom_and_header_whitespace_stripped(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(b"\xef\xbb\xbfhole_ID, rock unit ,depth\r\nA-1,granite ,3\r\n")
    t = read_table(p)
    assert list(t.columns) == ["hole_ID", "rock unit", "depth", "row"]
    assert t["rock unit"].tolist() == ["granite "]  # values untouched


def test_blank_lines_and_quoted_newlines_keep_line_numbers(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text('h,comment\nA,ok\n\nB,"two\nlines"\nC,x\n\n\n')
    t = read_table(p)
    assert t["h"].tolist() == ["A", "B", "C"]
    assert t["row"].tolist() == [2, 4, 6]
    assert t["comment"].tolist() == ["ok", "two\nlines", "x"]


def test_no_trailing_newline_and_semicolon(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("h;v\nA;1,5\nB;2")
    t = read_table(p, delimiter=";")
    assert t["v"].tolist() == ["1,5", "2"]
    assert t["row"].tolist() == [2, 3]


def test_classic_mac_line_ends(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(b"h,v\rA,1\rB,2\r")
    t = read_table(p)
    assert t["h"].tolist() == ["A", "B"] and t["row"].tolist() == [2, 3]


def test_trailing_empty_header_column_gets_a_name(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("h,v,\nA,1,\n")
    assert list(read_table(p).columns) == ["h", "v", "unnamed_3", "row"]


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_table(tmp_path / "nope.csv")


def test_empty_file(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(b"")
    with pytest.raises(DataError, match=r"a\.csv: empty file \(0 bytes\)"):
        read_table(p)


def test_header_only_file(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("hole_id,from_m,to_m\n\n")
    with pytest.raises(DataError, match="header only, no data rows"):
        read_table(p)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (bytes(range(256)) * 4, "binary file"),
        (b"PK\x03\x04" + b"\x00" * 40, "xlsx"),
        (b"hole,x\nA,\x00\x01\x02\n", "binary file"),
    ],
)
def test_binary_file(tmp_path, content, match):
    p = tmp_path / "a.csv"
    p.write_bytes(content)
    with pytest.raises(DataError, match=match):
        read_table(p)


def test_latin1_file_names_line_and_likely_encoding(tmp_path):
    p = tmp_path / "a.csv"
    text = "hole,lithology\n" + "A,granite\n" * 20 + "B,gneiss à grenat, zoné\n".replace(", ", " ")
    p.write_bytes(text.encode("latin-1"))
    with pytest.raises(DataError) as err:
        read_table(p, key="data.lithology")
    msg = str(err.value)
    assert "not valid UTF-8" in msg and "line 22" in msg
    assert "[data.lithology]" in msg and "encoding = '" in msg
    assert "\n" not in msg
    t = read_table(p, encoding="latin-1")
    assert t["lithology"].iloc[-1] == "gneiss à grenat zoné"


def test_utf16_file(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes("hole,x\nA,1\n".encode("utf-16"))
    with pytest.raises(DataError, match="UTF-16"):
        read_table(p)
    assert read_table(p, encoding="utf-16")["x"].tolist() == ["1"]


def test_unknown_encoding(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("h\nA\n")
    with pytest.raises(DataError, match="unknown encoding"):
        read_table(p, encoding="klingon-8")


def test_duplicate_headers(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("hole,Cu,Cu ,x\nA,1,2,3\n")
    with pytest.raises(DataError, match=r"duplicate column names.*'Cu' \(columns 2, 3\)"):
        read_table(p)


def test_reserved_row_column(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("hole,row\nA,1\n")
    with pytest.raises(DataError, match="reserves"):
        read_table(p)


def test_ragged_row_names_line(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("h,a,b\nA,1,2\nB,1,2,3\n")
    with pytest.raises(DataError, match="line 3 has 4 fields but the header has 3"):
        read_table(p)


def test_excel(tmp_path):
    p = tmp_path / "a.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "first"
    ws2 = wb.create_sheet("assays")
    ws2.append(["hole_id", "from_m", "Cu"])
    ws2.append(["A", 0, 1.5])
    ws2.append([None, None, None])
    ws2.append(["A", 2.0, "<0.01"])
    wb.save(p)
    t = read_table(p, sheet="assays")
    assert t["from_m"].tolist() == ["0", "2"]
    assert t["Cu"].tolist() == ["1.5", "<0.01"]
    assert t["row"].tolist() == [2, 4]
    with pytest.raises(DataError, match=r"no sheet named 'nope'.*first, assays"):
        read_table(p, sheet="nope")
    with pytest.raises(DataError, match="empty"):
        read_table(p)  # first sheet is empty


def test_bad_xlsx(tmp_path):
    p = tmp_path / "a.xlsx"
    p.write_text("not a zip")
    with pytest.raises(DataError, match=r"not a readable \.xlsx"):
        read_table(p)


def test_require_columns_message(dh_table):
    t = dh_table("hole_ID,From,to\nA,0,1\n")
    with pytest.raises(DataError) as err:
        require_columns(t, {"data.assays.columns.from_m": "from"}, file="a.csv")
    msg = str(err.value)
    assert "column 'from'" in msg and "data.assays.columns.from_m" in msg
    assert "hole_ID, From, to" in msg and "did you mean 'From'" in msg


def test_read_source_checks_mapping(dh_project):
    proj = dh_project(
        {"assays.csv": "hole,from_m,to_m,sample_id,La_ppm,Ce_ppm,Nd_ppm\nA,0,1,,,,\n"}
    )
    with pytest.raises(DataError, match=r"data\.assays\.columns\.hole_id"):
        read_source(proj, "assays")
    proj = dh_project({"assays.csv": "hole_id,from_m,to_m,sample_id,La_ppm,Ce_ppm\nA,0,1,,,\n"})
    with pytest.raises(DataError, match=r"data\.assays\.grades\.Nd_ppm"):
        read_source(proj, "assays")


def test_mapped_columns_standards_typo(dh_project):
    extra = '\n[data.standards]\nfile = "std.csv"\ncolumns = {expectd = "exp"}\n'
    proj = dh_project({"std.csv": "standard_id,column,expected,sd\nX,La_ppm,1,0.1\n"}, extra=extra)
    with pytest.raises(ConfigError, match="expectd"):
        mapped_columns(proj, "standards")


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(',"; '),
    max_size=8,
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ncol=st.integers(2, 4),
    data=st.data(),
)
def test_csv_round_trip_property(tmp_path, ncol, data):
    """Anything csv.writer writes (no line breaks in values) reads back identically."""
    rows = data.draw(st.lists(st.lists(_text, min_size=ncol, max_size=ncol), min_size=1))
    names = [f"c{i}" for i in range(ncol)]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(names)
    w.writerows(rows)
    p = tmp_path / "p.csv"
    p.write_text(buf.getvalue(), encoding="utf-8")
    t = read_table(p)
    assert t[names].values.tolist() == rows
    assert t["row"].tolist() == list(range(2, len(rows) + 2))
