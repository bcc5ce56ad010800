"""Provenance: TOML of the project, runs, parameters changed since the previous run."""

from __future__ import annotations

import json
import tomllib

import pandas as pd
import pytest

from mine2magnet.report.document import Table, Text
from mine2magnet.report.provenance import (
    flatten,
    input_file_table,
    parameter_changes,
    provenance_section,
    run_table,
    stale_parameters,
    to_toml,
)


def _runs(*rows: tuple[int, str, dict, dict]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "run_id": rid,
                "stage": stage,
                "cache_key": f"key{rid}",
                "finished_utc": pd.Timestamp("2026-01-01") + pd.Timedelta(minutes=rid),
                "software_version": "0.1.0",
                "input_hashes": json.dumps(inputs),
                "params_hash": f"h{rid}",
                "params_json": json.dumps(params, sort_keys=True),
            }
            for rid, stage, params, inputs in rows
        ]
    )


CLS = {"resources": {"classification": {"indicated": {"max_spacing_m": 60.0, "min_holes": 3}}}}
CLS2 = {"resources": {"classification": {"indicated": {"max_spacing_m": 50.0, "min_holes": 3}}}}


def _strip_none(x):
    if isinstance(x, dict):
        return {k: _strip_none(v) for k, v in x.items() if v is not None}
    if isinstance(x, list):
        return [_strip_none(v) for v in x if v is not None]
    return x


def test_to_toml_round_trips():
    d = {
        "project": {"name": 'Demo "quoted" ä\nline', "synthetic": True, "seed": 1, "x": 1.5e-7},
        "data": {"assays": {"file": "a.csv", "grades": {"La ppm": {"unit": "ppm", "dl": None}}}},
        "domains": [{"code": "HG", "lithologies": ["A", "B"]}, {"code": "LG", "lithologies": []}],
        "geostats": {"passes": [{"factor": 1.0}, {"factor": 2.0, "min": 6}], "empty": {}},
        "matrix": [[1, 2], [3, 4]],
        "unset": None,
    }
    text = to_toml(d)
    assert "# unset is not set" in text
    assert tomllib.loads(text) == _strip_none(d)


def test_to_toml_of_the_demo_project():
    from pathlib import Path

    from mine2magnet.config import load_project

    path = Path(__file__).resolve().parents[2] / "examples" / "demo" / "project.toml"
    if not path.is_file():
        pytest.skip("demo project absent")
    dump = load_project(path, check_files=False).model_dump(mode="json")
    assert tomllib.loads(to_toml(dump)) == _strip_none(dump)


def test_flatten():
    assert flatten({"a": {"b": {"c": 1}}, "d": [1]}) == {"a.b.c": 1, "d": [1]}


def test_parameter_changes_latest_against_previous():
    runs = _runs(
        (1, "resources", CLS, {}),
        (2, "estimation", {"geostats": {"method": "ordinary"}}, {}),
        (3, "resources", CLS2, {}),
    )
    ch = parameter_changes(runs)
    assert ch.to_dict("records") == [
        {
            "stage": "resources",
            "previous_run": 1,
            "latest_run": 3,
            "parameter": "resources.classification.indicated.max_spacing_m",
            "previous": "60.0",
            "latest": "50.0",
        }
    ]
    status = dict(zip(run_table(runs)["stage"], run_table(runs)["parameters"], strict=True))
    assert status == {"resources": "1 changed since run 1", "estimation": "first run"}


def test_parameter_changes_only_latest_pair_and_added_keys():
    added = {"resources": {**CLS2["resources"], "rpeee": {"constraint": "depth"}}}
    runs = _runs((1, "resources", CLS, {}), (2, "resources", CLS2, {}), (5, "resources", added, {}))
    ch = parameter_changes(runs)
    assert ch["parameter"].tolist() == ["resources.rpeee.constraint"]
    assert ch["previous"].tolist() == ["(absent)"] and ch["latest"].tolist() == ["depth"]
    assert ch["previous_run"].tolist() == [2]


def test_no_change_and_no_runs():
    runs = _runs((1, "resources", CLS, {}), (2, "resources", CLS, {}))
    assert parameter_changes(runs).empty
    assert run_table(runs)["parameters"].tolist() == ["unchanged since run 1"]
    empty = pd.DataFrame(columns=runs.columns)
    assert parameter_changes(empty).empty and run_table(empty).empty


def test_stale_parameters_against_the_project_file():
    runs = _runs(
        (1, "resources", CLS, {}), (2, "estimation", {"seed": 3, "geostats": {"a": 1}}, {})
    )
    dump = {**CLS2, "geostats": {"a": 1}, "project": {"seed": 9}}
    st = stale_parameters(runs, dump)
    assert st[["stage", "parameter", "stored", "project_file"]].values.tolist() == [
        ["resources", "resources.classification.indicated.max_spacing_m", "60.0", "50.0"]
    ]


def test_input_file_table_statuses():
    runs = _runs((1, "drillholes", {}, {"data.a": "aaa", "data.b": "bbb", "data.c": "ccc"}))
    dump = {"data": {"a": {"file": "a.csv"}, "b": {"file": "b.csv"}, "c": {"file": "c.csv"}}}
    now = {"data.a": "aaa", "data.b": "XXX", "data.c": "missing", "data.d": "ddd"}
    t = input_file_table(now, runs, dump).set_index("input")
    assert t.loc["data.a", "status"] == "unchanged" and t.loc["data.a", "file"] == "a.csv"
    assert t.loc["data.b", "status"].startswith("CHANGED")
    assert t.loc["data.c", "status"] == "file missing"
    assert t.loc["data.d", "status"] == "not read by any stored run"
    assert t.loc["data.a", "recorded_by"] == "drillholes run 1"


def _walk(section):
    yield section
    for c in section.children:
        yield from _walk(c)


def test_provenance_section_says_what_changed():
    runs = _runs(
        (1, "resources", CLS, {"data.a": "aaa"}), (2, "resources", CLS2, {"data.a": "aaa"})
    )
    dump = {**CLS2, "data": {"a": {"file": "a.csv"}}}
    sec = provenance_section(dump, runs, {"data.a": "aaa"}, software_version="0.2.0")
    ids = [s.id for s in _walk(sec)]
    assert ids[0] == "provenance" and "provenance-changes" in ids and "provenance-parameters" in ids
    changes = next(s for s in _walk(sec) if s.id == "provenance-changes")
    tables = [b for b in changes.blocks if isinstance(b, Table)]
    assert tables and "resources.classification.indicated.max_spacing_m" in set(
        tables[0].frame["parameter"]
    )
    software = next(s for s in _walk(sec) if s.id == "provenance-software")
    text = " ".join(p for b in software.blocks if isinstance(b, Text) for p in b.paragraphs)
    assert "0.2.0" in text and "0.1.0" in text and "differs" in text
    toml = next(s for s in _walk(sec) if s.id == "provenance-parameters").blocks[0]
    assert toml.kind == "code" and tomllib.loads(toml.paragraphs[0]) == dump
