"""Unit and property tests of mine2magnet.drillholes.composite."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mine2magnet.config import CompositeParams
from mine2magnet.drillholes.composite import (
    UNLOGGED,
    assign_domains,
    composite,
    composite_drillholes,
)
from mine2magnet.drillholes.desurvey import desurvey_depths
from mine2magnet.drillholes.types import REJECTION_COLUMNS, DrillholeDB, empty_rejections
from mine2magnet.errors import DataError


def _iv(rows, columns=("hole_id", "from_m", "to_m", "Ce_pct")) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))


# ------------------------------------------------------------------- assign_domains


def test_assign_domains_splits_at_contacts_and_marks_gaps() -> None:
    iv = _iv([("A", 0.0, 2.0, 1.0), ("A", 2.0, 6.0, 2.0), ("B", 0.0, 1.0, 3.0)])
    iv["row"] = [2, 3, 4]
    lith = pd.DataFrame(
        {
            "hole_id": ["A", "A"],
            "from_m": [0.0, 3.0],
            "to_m": [1.5, 5.0],
            "domain": ["OX", "FR"],
        }
    )
    out = assign_domains(iv, lith)
    got = out[["hole_id", "from_m", "to_m", "domain", "Ce_pct", "row"]].values.tolist()
    assert got == [
        ["A", 0.0, 1.5, "OX", 1.0, 2],
        ["A", 1.5, 2.0, UNLOGGED, 1.0, 2],
        ["A", 2.0, 3.0, UNLOGGED, 2.0, 3],
        ["A", 3.0, 5.0, "FR", 2.0, 3],
        ["A", 5.0, 6.0, UNLOGGED, 2.0, 3],
        ["B", 0.0, 1.0, UNLOGGED, 3.0, 4],
    ]


def test_assign_domains_lithology_fallback_and_missing_domain() -> None:
    iv = _iv([("A", 0.0, 4.0, 1.0)])
    lith = pd.DataFrame(
        {"hole_id": ["A", "A"], "from_m": [0.0, 2.0], "to_m": [2.0, 4.0], "lithology": ["X", None]}
    )
    out = assign_domains(iv, lith)
    assert out["domain"].tolist() == ["X", UNLOGGED]
    empty = lith.iloc[:0]
    assert assign_domains(iv, empty)["domain"].tolist() == [UNLOGGED]


def test_assign_domains_keeps_length_and_order_independent() -> None:
    rng = np.random.default_rng(5)
    edges = np.cumsum(rng.uniform(0.2, 3.0, 60))
    iv = _iv(
        [("A", a, b, g) for a, b, g in zip(edges[:-1], edges[1:], rng.random(59), strict=True)]
    )
    contacts = np.sort(rng.uniform(0, edges[-1], 12))
    lith = pd.DataFrame(
        {
            "hole_id": "A",
            "from_m": contacts[:-1],
            "to_m": contacts[1:],
            "domain": rng.choice(["P", "Q", "R"], 11),
        }
    )
    out = assign_domains(iv, lith)
    assert (out["to_m"] - out["from_m"]).sum() == pytest.approx((iv.to_m - iv.from_m).sum())
    assert np.all(out["from_m"].to_numpy()[1:] == out["to_m"].to_numpy()[:-1])
    shuffled = assign_domains(iv.sample(frac=1.0, random_state=1), lith.sample(frac=1.0))
    pd.testing.assert_frame_equal(out, shuffled)


# ------------------------------------------------------------------- composite


def test_composite_residual_rules() -> None:
    iv = _iv(
        [("A", 0.0, 1.0, 1.0), ("A", 1.0, 3.0, 4.0), ("A", 3.0, 4.0, 2.0), ("A", 4.0, 5.5, 6.0)]
    )
    iv["row"] = [2, 3, 4, 5]
    base = {"length_m": 2.0, "by_domain": False, "min_sampled_fraction": 0.0}

    keep = composite(iv, ["Ce_pct"], CompositeParams(**base, residual="keep_if_half"))
    assert keep.table[["from_m", "to_m"]].values.tolist() == [[0, 2], [2, 4], [4, 5.5]]
    np.testing.assert_allclose(keep.table["Ce_pct"], [2.5, 3.0, 6.0])
    assert keep.rejections.empty

    merge = composite(iv, ["Ce_pct"], CompositeParams(**base, residual="merge"))
    assert merge.table[["from_m", "to_m"]].values.tolist() == [[0, 2], [2, 5.5]]
    np.testing.assert_allclose(merge.table["Ce_pct"], [2.5, (4 + 2 + 9) / 3.5])

    drop = composite(iv, ["Ce_pct"], CompositeParams(**base, residual="drop"))
    assert drop.table[["from_m", "to_m"]].values.tolist() == [[0, 2], [2, 4]]
    rej = drop.rejections
    assert list(rej.columns) == list(REJECTION_COLUMNS)
    assert rej[["file", "row", "rule", "action"]].values.tolist() == [
        ["assays", 5, "residual_dropped", "reported"]
    ]
    assert rej["value"].iloc[0] == "A 4-5.5 m (1.5 m sampled, domain UNLOGGED)"

    short = iv.assign(to_m=iv.to_m.where(iv.index < 3, 4.8))  # residual 0.8 < 1.0
    dropped = composite(short, ["Ce_pct"], CompositeParams(**base, residual="keep_if_half"))
    assert dropped.table["to_m"].tolist() == [2.0, 4.0]
    assert dropped.rejections["rule"].tolist() == ["residual_dropped"]


def test_composite_gaps_are_unsampled_not_zero() -> None:
    iv = _iv([("A", 0.0, 1.0, 10.0), ("A", 3.0, 4.0, 20.0), ("A", 10.0, 12.0, 30.0)])
    p = CompositeParams(length_m=2.0, by_domain=False, residual="merge", min_sampled_fraction=0)
    t = composite(iv, ["Ce_pct"], p).table
    # composites 4-6, 6-8, 8-10 hold no sample: not emitted
    assert t[["from_m", "to_m", "sampled_length_m", "Ce_pct"]].values.tolist() == [
        [0.0, 2.0, 1.0, 10.0],
        [2.0, 4.0, 1.0, 20.0],
        [10.0, 12.0, 2.0, 30.0],
    ]
    p2 = CompositeParams(length_m=2.0, by_domain=False, residual="merge", min_sampled_fraction=0.6)
    c2 = composite(iv, ["Ce_pct"], p2)
    assert c2.table["Ce_pct"].isna().tolist() == [True, True, False]
    assert c2.table["sampled_length_m"].tolist() == [1.0, 1.0, 2.0]
    assert c2.rejections[["column", "rule", "action"]].drop_duplicates().values.tolist() == [
        ["Ce_pct", "composite_undersampled", "value_missing"]
    ]
    assert len(c2.rejections) == 2


def test_composite_missing_values_use_their_own_length() -> None:
    iv = pd.DataFrame(
        {
            "hole_id": ["A"] * 3,
            "from_m": [0.0, 1.0, 2.0],
            "to_m": [1.0, 2.0, 4.0],
            "Ce_pct": [1.0, np.nan, 3.0],
            "La_pct": [2.0, 2.0, np.nan],
        }
    )
    p = CompositeParams(length_m=4.0, by_domain=False, min_sampled_fraction=0.5)
    t = composite(iv, ["Ce_pct", "La_pct"], p).table
    assert t["Ce_pct"].iloc[0] == pytest.approx((1.0 + 6.0) / 3.0)
    assert t["La_pct"].iloc[0] == pytest.approx(2.0)
    assert t["sampled_length_m"].iloc[0] == 4.0
    p = CompositeParams(length_m=4.0, by_domain=False, min_sampled_fraction=0.6)
    c = composite(iv, ["Ce_pct", "La_pct"], p)
    assert np.isnan(c.table["La_pct"].iloc[0]) and not np.isnan(c.table["Ce_pct"].iloc[0])
    assert c.rejections["column"].tolist() == ["La_pct"]


def test_composite_by_domain_restarts_at_contacts() -> None:
    iv = _iv(
        [("A", 0.0, 3.0, 1.0, "OX"), ("A", 3.0, 5.0, 2.0, "FR"), ("A", 5.0, 6.0, 4.0, "FR")],
        columns=("hole_id", "from_m", "to_m", "Ce_pct", "domain"),
    )
    p = CompositeParams(length_m=2.0, residual="keep_if_half", min_sampled_fraction=0.0)
    t = composite(iv, ["Ce_pct"], p).table
    assert t[["from_m", "to_m", "domain"]].values.tolist() == [
        [0.0, 2.0, "OX"],
        [2.0, 3.0, "OX"],
        [3.0, 5.0, "FR"],
        [5.0, 6.0, "FR"],
    ]
    flat = composite(iv, ["Ce_pct"], p.model_copy(update={"by_domain": False})).table
    assert flat[["from_m", "to_m", "domain"]].values.tolist() == [
        [0.0, 2.0, "OX"],
        [2.0, 4.0, "FR"],  # 1 m OX + 1 m FR: tie → alphabetically first
        [4.0, 6.0, "FR"],
    ]
    np.testing.assert_allclose(flat["Ce_pct"], [1.0, 1.5, 3.0])


def test_composite_order_independent_and_holes_sorted() -> None:
    iv = _iv([("B", 0.0, 2.0, 1.0), ("A", 2.0, 4.0, 3.0), ("A", 0.0, 2.0, 5.0)])
    p = CompositeParams(length_m=4.0, by_domain=False)
    t = composite(iv, ["Ce_pct"], p).table
    assert t[["hole_id", "from_m", "Ce_pct"]].values.tolist() == [["A", 0.0, 4.0], ["B", 0.0, 1.0]]
    pd.testing.assert_frame_equal(
        t, composite(iv.sample(frac=1.0, random_state=2), ["Ce_pct"], p).table
    )


def test_composite_table_columns_and_result_fields() -> None:
    iv = _iv([("A", 0.0, 2.0, 1.0)])
    c = composite(iv, ["Ce_pct"], CompositeParams(length_m=2.0, by_domain=False))
    assert list(c.table.columns) == [
        "hole_id",
        "from_m",
        "to_m",
        "length_m",
        "sampled_length_m",
        "easting",
        "northing",
        "elevation",
        "domain",
        "Ce_pct",
    ]
    assert c.grade_columns == ("Ce_pct",)
    assert c.length_m == 2.0 and c.residual_rule == "keep_if_half"
    assert c.table["domain"].tolist() == [UNLOGGED]


def test_composite_empty_and_errors() -> None:
    empty = _iv([]).astype({"from_m": float, "to_m": float, "Ce_pct": float})
    c = composite(empty, ["Ce_pct"], CompositeParams(by_domain=False))
    assert c.table.empty and c.rejections.empty
    with pytest.raises(DataError, match="by_domain"):
        composite(_iv([("A", 0.0, 1.0, 1.0)]), ["Ce_pct"], CompositeParams(by_domain=True))
    with pytest.raises(DataError, match="Nd2O3_pct"):
        composite(_iv([("A", 0.0, 1.0, 1.0)]), ["Nd2O3_pct"], CompositeParams(by_domain=False))


def test_composite_inputs_not_mutated() -> None:
    iv = _iv([("B", 0.0, 2.0, 1.0), ("A", 2.0, 4.0, np.nan), ("A", 0.0, 2.0, 5.0)])
    lith = pd.DataFrame({"hole_id": ["A"], "from_m": [0.0], "to_m": [3.0], "domain": ["OX"]})
    before = [pd.util.hash_pandas_object(f, index=True).sum() for f in (iv, lith)]
    composite(assign_domains(iv, lith), ["Ce_pct"], CompositeParams())
    assert [pd.util.hash_pandas_object(f, index=True).sum() for f in (iv, lith)] == before


# ------------------------------------------------------------------- properties


@st.composite
def _holes(draw, *, gaps: bool):
    rows = []
    for h in range(draw(st.integers(1, 4))):
        depth = draw(st.floats(0.0, 5.0))
        for _ in range(draw(st.integers(1, 25))):
            if gaps:
                depth += draw(st.sampled_from([0.0, 0.0, 0.0, 0.7, 3.1]))
            length = draw(st.floats(0.05, 4.0))
            grade = draw(st.floats(0.0, 50.0))
            grade2 = draw(st.floats(0.0, 5.0))
            domain = draw(st.sampled_from(["OX", "FR", "TR"]))
            rows.append((f"H{h}", depth, depth + length, grade, grade2, domain))
            depth += length
    return pd.DataFrame(rows, columns=["hole_id", "from_m", "to_m", "g1", "g2", "domain"])


@settings(max_examples=150, deadline=None)
@given(_holes(gaps=False), st.floats(0.3, 6.0), st.booleans())
def test_property_metal_conserved_contiguous(iv, length, by_domain) -> None:
    p = CompositeParams(
        length_m=length, residual="merge", by_domain=by_domain, min_sampled_fraction=0.0
    )
    c = composite(iv, ["g1", "g2"], p)
    t = c.table
    for g in ("g1", "g2"):
        metal_in = (iv[g] * (iv.to_m - iv.from_m)).sum()
        metal_out = (t[g] * t["length_m"]).sum()
        assert metal_out == pytest.approx(metal_in, rel=1e-9, abs=1e-9)
    assert t["length_m"].sum() == pytest.approx((iv.to_m - iv.from_m).sum(), rel=1e-12)
    assert c.rejections.empty


@settings(max_examples=150, deadline=None)
@given(_holes(gaps=True), st.floats(0.3, 6.0), st.booleans())
def test_property_metal_conserved_with_gaps(iv, length, by_domain) -> None:
    p = CompositeParams(
        length_m=length, residual="merge", by_domain=by_domain, min_sampled_fraction=0.0
    )
    t = composite(iv, ["g1"], p).table
    metal_in = (iv["g1"] * (iv.to_m - iv.from_m)).sum()
    assert (t["g1"] * t["sampled_length_m"]).sum() == pytest.approx(metal_in, rel=1e-9, abs=1e-9)
    assert np.all(t["sampled_length_m"] <= t["length_m"] + 1e-9)
    # composites never straddle a hole, and (by domain) never a contact
    assert np.all(t["length_m"] > 0)


@settings(max_examples=100, deadline=None)
@given(_holes(gaps=True), st.floats(0.3, 6.0), st.sampled_from(["keep_if_half", "drop"]))
def test_property_dropped_plus_kept_is_everything(iv, length, rule) -> None:
    p = CompositeParams(length_m=length, residual=rule, by_domain=True, min_sampled_fraction=0.0)
    c = composite(iv, ["g1"], p)
    kept = c.table["sampled_length_m"].sum()
    dropped = c.rejections["value"].str.extract(r"\(([0-9.]+) m sampled")[0].astype(float).sum()
    assert kept + dropped == pytest.approx(
        (iv.to_m - iv.from_m).sum(), abs=1e-3 * (1 + len(c.rejections))
    )
    assert set(c.rejections["rule"]) <= {"residual_dropped"}
    if rule == "drop":
        assert np.all(np.isclose(c.table["length_m"], length))


# ------------------------------------------------------------------- composite_drillholes


def _db() -> DrillholeDB:
    collars = pd.DataFrame(
        {
            "hole_id": ["A", "B"],
            "easting": [0.0, 100.0],
            "northing": [0.0, 0.0],
            "elevation": [50.0, 60.0],
            "eoh_m": [10.0, 6.0],
            "eoh_source": ["file", "file"],
        }
    )
    surveys = pd.DataFrame(
        {"hole_id": ["A", "A"], "depth_m": [0.0, 10.0], "azimuth_deg": [90.0, 120.0],
         "dip_deg": [-60.0, -50.0]}
    )  # fmt: skip
    assays = pd.DataFrame(
        {
            "hole_id": ["A"] * 5 + ["B"] * 3,
            "from_m": [0.0, 2.0, 4.0, 6.0, 8.0, 0.0, 2.0, 4.0],
            "to_m": [2.0, 4.0, 6.0, 8.0, 10.0, 2.0, 4.0, 6.0],
            "sample_id": [f"S{i}" for i in range(8)],
            "row": list(range(2, 10)),
            "CeO2_pct": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
        }
    )
    lith = pd.DataFrame(
        {
            "hole_id": ["A", "A"],
            "from_m": [0.0, 5.0],
            "to_m": [5.0, 10.0],
            "lithology": ["carbonatite", "fenite"],
            "domain": ["CARB", "FEN"],
        }
    )
    counts = pd.DataFrame(
        {"table": ["assays", "surveys"], "file": ["assays.csv", "surveys.csv"],
         "rows_in": [8, 2], "rows_used": [8, 2], "rows_rejected": [0, 0]}
    )  # fmt: skip
    return DrillholeDB(
        collars=collars,
        surveys=surveys,
        assays=assays,
        lithology=lith,
        qaqc=pd.DataFrame(),
        standards=pd.DataFrame(),
        rejections=empty_rejections(),
        counts=counts,
        grade_columns=("CeO2_pct",),
    )


def test_composite_drillholes_end_to_end() -> None:
    db = _db()
    c = composite_drillholes(db, CompositeParams(length_m=2.0, residual="drop"), "tangential")
    t = c.table
    assert t[["hole_id", "from_m", "to_m", "domain"]].values.tolist() == [
        ["A", 0.0, 2.0, "CARB"],
        ["A", 2.0, 4.0, "CARB"],
        ["A", 5.0, 7.0, "FEN"],
        ["A", 7.0, 9.0, "FEN"],
        ["B", 0.0, 2.0, UNLOGGED],
        ["B", 2.0, 4.0, UNLOGGED],
        ["B", 4.0, 6.0, UNLOGGED],
    ]
    mid = 0.5 * (t["from_m"] + t["to_m"])
    xyz = desurvey_depths(db.collars, db.surveys, t["hole_id"], mid, "tangential")
    np.testing.assert_allclose(t[["easting", "northing", "elevation"]].to_numpy(), xyz)
    np.testing.assert_allclose(t.loc[t.hole_id == "B", "elevation"], [59.0, 57.0, 55.0])
    rej = c.rejections
    assert rej[["file", "row", "rule"]].values.tolist() == [
        ["assays.csv", 4, "residual_dropped"],  # A 4-5 m (CARB), source row of 4-6 m
        ["assays.csv", 6, "residual_dropped"],  # A 9-10 m (FEN)
        ["surveys.csv", pd.NA, "no_survey_vertical"],
    ]
    assert rej["value"].iloc[2] == "B"


def test_composite_drillholes_does_not_mutate_db() -> None:
    db = _db()
    before = {
        k: pd.util.hash_pandas_object(getattr(db, k), index=True).sum()
        for k in ("collars", "surveys", "assays", "lithology")
    }
    composite_drillholes(db, CompositeParams())
    after = {
        k: pd.util.hash_pandas_object(getattr(db, k), index=True).sum()
        for k in ("collars", "surveys", "assays", "lithology")
    }
    assert after == before


def test_composite_drillholes_restarts_after_an_unsampled_band_of_another_domain() -> None:
    db = _db()
    assays = pd.DataFrame(
        {
            "hole_id": ["A"] * 3,
            "from_m": [0.0, 3.5, 8.0],
            "to_m": [3.0, 6.5, 10.0],
            "row": [2, 3, 4],
            "CeO2_pct": [1.0, 2.0, 3.0],
        }
    )
    # ORE 0-3, WASTE 3-3.5 (unsampled), ORE 3.5-7, unlogged 7-8 (unsampled), ORE 8-10
    lith = pd.DataFrame(
        {
            "hole_id": ["A"] * 4,
            "from_m": [0.0, 3.0, 3.5, 8.0],
            "to_m": [3.0, 3.5, 7.0, 10.0],
            "domain": ["ORE", "WASTE", "ORE", "ORE"],
        }
    )
    db = DrillholeDB(**{**db.__dict__, "assays": assays, "lithology": lith})
    p = CompositeParams(length_m=2.0, residual="keep_if_half", min_sampled_fraction=0.0)
    t = composite_drillholes(db, p).table
    assert t[["from_m", "to_m"]].values.tolist() == [
        [0.0, 2.0],
        [2.0, 3.0],
        [3.5, 5.5],  # restarts after the waste band
        [5.5, 6.5],
        [8.0, 10.0],  # restarts after the unlogged gap
    ]
    # with the same domains but no log in the gap, composite() alone tiles straight on
    iv = assign_domains(assays, lith[lith.domain == "ORE"])
    flat = composite(iv, ["CeO2_pct"], p).table
    assert flat["from_m"].tolist()[:3] == [0.0, 2.0, 4.0]


def test_missing_domain_and_unlogged_label_are_one_domain() -> None:
    iv = _iv(
        [("A", 0.0, 1.0, 1.0, UNLOGGED), ("A", 1.0, 2.0, 3.0, None)],
        columns=("hole_id", "from_m", "to_m", "Ce_pct", "domain"),
    )
    t = composite(iv, ["Ce_pct"], CompositeParams(length_m=2.0)).table
    assert t[["from_m", "to_m", "domain", "Ce_pct"]].values.tolist() == [[0.0, 2.0, UNLOGGED, 2.0]]


def test_undersampled_composite_listed_once_with_its_columns() -> None:
    iv = pd.DataFrame(
        {
            "hole_id": ["A"] * 3,
            "from_m": [0.0, 4.0, 5.5],
            "to_m": [0.5, 5.5, 6.0],
            "row": [2, 3, 4],
            "Ce_pct": [1.0, 2.0, np.nan],
            "La_pct": [1.0, np.nan, 3.0],
        }
    )
    p = CompositeParams(length_m=2.0, by_domain=False, residual="merge", min_sampled_fraction=0.5)
    c = composite(iv, ["Ce_pct", "La_pct"], p)
    # 0-2: 0.5 m sampled (both low); 4-6: Ce 1.5 m ok, La 0.5 m low
    assert c.table[["from_m", "to_m"]].values.tolist() == [[0.0, 2.0], [4.0, 6.0]]
    assert np.isnan(c.table["Ce_pct"].iloc[0]) and np.isnan(c.table["La_pct"].iloc[0])
    assert c.table["Ce_pct"].iloc[1] == 2.0 and np.isnan(c.table["La_pct"].iloc[1])
    rej = c.rejections
    assert rej[["row", "column"]].astype(object).values.tolist() == [[2, pd.NA], [3, "La_pct"]]
    assert rej["value"].tolist() == [
        "A 0-2 m, 0.5 of 2 m sampled: Ce_pct, La_pct below the minimum sampled fraction",
        "A 4-6 m, 2 of 2 m sampled: La_pct below the minimum sampled fraction",
    ]
