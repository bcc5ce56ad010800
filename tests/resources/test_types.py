"""Result types: the table names and columns the report relies on are documented."""

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest

from mine2magnet.blockmodel.grid import Topography
from mine2magnet.resources import resource_params, run_resources
from mine2magnet.resources import types as types_module
from mine2magnet.resources.types import CLASS_NAMES, ResourceModel, class_name

TABLES = ["blocks", "statement", "statement_unrounded", "statement_meta", "grade_tonnage",
          "classification_counts", "class_transitions", "criteria", "flagged_holes"]  # fmt: skip


@pytest.fixture(scope="module")
def model(build):
    comps = build.vertical_holes([(x, y) for x in (10.0, 30.0, 50.0) for y in (10.0, 30.0)])
    blocks = build.block_table((6, 4, 4), waste_levels=(3,))
    f, s = build.empty_qaqc()
    topo = Topography(np.array([[0, 0, 40.0], [100, 0, 40], [0, 100, 40], [100, 100, 40]]))
    return run_resources(blocks, build.grid_frame((6, 4, 4)), comps, f, s, topo,
                         resource_params({}))  # fmt: skip


def test_tables_names_are_the_contract(model):
    t = model.tables()
    assert list(t) == TABLES
    assert all(isinstance(v, pd.DataFrame) for v in t.values())


def test_every_column_is_documented(model):
    doc = types_module.__doc__
    generic = re.compile(r"^[A-Z][A-Za-z0-9]*_(pct|t)$")  # <species>_pct / _t
    for name, frame in model.tables().items():
        assert f"``{name}``" in doc, name
        for col in frame.columns:
            if generic.match(col) and col not in ("NdPr_pct", "NdPr_t", "TREO_pct", "TREO_t"):
                continue
            assert f"``{col}``" in doc, f"{name}.{col} not in resources.types docstring"


def test_blocks_columns_and_class_names(model):
    b = model.blocks
    for c in [
        "i",
        "j",
        "k",
        "domain",
        "resource_class",
        "class_unsmoothed",
        "class_criteria",
        "spacing_m",
        "n_holes_search",
        "rpeee",
        "nsr_usd_t",
        "depth_m",
        "in_resource",
    ]:
        assert c in b
    assert set(b["resource_class"]) <= set(CLASS_NAMES[1:])
    assert b["rpeee"].dtype == bool


def test_result_is_frozen(model):
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.statement = pd.DataFrame()  # type: ignore[misc]


def test_reporting_statement_rows(model):
    r = model.reporting_statement()
    assert r["reporting"].all() and list(r["class"]) == [
        "Measured",
        "Indicated",
        "Measured + Indicated",
        "Inferred",
        "Total",
    ]
    assert isinstance(model, ResourceModel) and class_name(4) == "Unclassified"
