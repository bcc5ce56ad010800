"""Tests for the DuckDB project store: round trip, caching keys, transactional writes."""

from datetime import datetime

import pandas as pd
import pytest

from mine2magnet.store import RunRecord, Store, cache_key, file_sha256


def _rec(key="k1"):
    return RunRecord("stage", key, {"data.a": "h"}, "p", "{}", datetime(2026, 1, 1))


def test_round_trip_and_runs(tmp_path):
    df = pd.DataFrame({"hole_id": ["A", "B"], "x": [1.5, float("nan")]})
    with Store(tmp_path / "s.duckdb") as s:
        run_id = s.write_stage(_rec(), {"t": df})
        assert run_id == 1
        back = s.read("stage", "t")
        pd.testing.assert_frame_equal(back, df, check_dtype=False)
        assert s.find_run("stage", "k1")["tables"] == ["stage__t"]
        assert s.find_run("stage", "other") is None
        assert len(s.runs()) == 1 and s.runs().loc[0, "software_version"]


def test_crash_mid_write_keeps_previous_results(tmp_path):
    path = tmp_path / "s.duckdb"
    old = pd.DataFrame({"v": [1, 2, 3]})
    with Store(path) as s:
        s.write_stage(_rec("old"), {"a": old, "b": old})
        new = pd.DataFrame({"v": [9]})
        with pytest.raises(RuntimeError, match="simulated crash"):
            s.write_stage(_rec("new"), {"a": new, "b": new}, _fail_after=1)
    with Store(path) as s:  # reopen: the previous results are intact
        assert s.read("stage", "a")["v"].tolist() == [1, 2, 3]
        assert s.find_run("stage", "new") is None
        assert len(s.runs()) == 1


def test_cache_key_depends_on_everything():
    base = cache_key("s", {"f": "1"}, "p")
    assert base == cache_key("s", {"f": "1"}, "p")
    assert base != cache_key("s", {"f": "2"}, "p")
    assert base != cache_key("s", {"f": "1"}, "q")
    assert base != cache_key("t", {"f": "1"}, "p")


def test_file_sha256(tmp_path):
    p = tmp_path / "f"
    p.write_bytes(b"abc")
    assert file_sha256(p) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_older_run_is_not_reused_once_its_tables_are_overwritten(tmp_path):
    """A → B → back to A must recompute: the stored tables belong to B, not to A."""
    with Store(tmp_path / "p.duckdb") as s:
        s.write_stage(_rec("A"), {"t": pd.DataFrame({"x": [1]})})
        assert s.find_run("stage", "A") is not None
        s.write_stage(_rec("B"), {"t": pd.DataFrame({"x": [2]})})
        assert s.find_run("stage", "A") is None
        found = s.find_run("stage", "B")
        assert found is not None
        assert s.con.execute('SELECT x FROM "stage__t"').fetchone()[0] == 2
