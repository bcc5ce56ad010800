"""Classification: drill-spacing and search criteria, class rules, QA/QC, smoothing."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mine2magnet.errors import DataError
from mine2magnet.geostats.rotation import anisotropic_distance
from mine2magnet.resources.classify import (
    class_codes,
    classify_blocks,
    criteria_table,
    flag_holes,
    nearest_distinct_holes,
    qaqc_downgrade,
    search_counts,
    smooth_classes,
)
from mine2magnet.resources.params import ClassificationParams, QaqcParams, resource_params

NO_SMOOTH = {"smoothing": {"method": "none"}}


def _brute_nearest(P, X, holes, n):
    """Oracle: distance to every hole as the min over its composites, sorted."""
    out = np.full((len(P), n), np.nan)
    for r, p in enumerate(P):
        d = np.linalg.norm(X - p, axis=1)
        per = sorted(d[holes == h].min() for h in np.unique(holes))
        m = min(n, len(per))
        out[r, :m] = per[:m]
    return out


points3 = st.lists(st.tuples(*[st.floats(-100, 100)] * 3), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(comps=points3, hole_of=st.lists(st.integers(0, 6), min_size=30, max_size=30),
       blocks=points3, n=st.integers(1, 4))  # fmt: skip
def test_nearest_distinct_holes_matches_brute_force(comps, hole_of, blocks, n):
    X = np.array(comps, dtype=float)
    holes = np.array(hole_of[: len(X)], dtype=np.int64)
    P = np.array(blocks, dtype=float)
    d, h = nearest_distinct_holes(P, X, holes, n)
    np.testing.assert_allclose(d, _brute_nearest(P, X, holes, n), rtol=1e-12, atol=1e-9)
    found = h >= 0
    assert np.array_equal(found, np.isfinite(d))
    for row in h:  # distinct hole codes
        row = row[row >= 0]
        assert len(set(row.tolist())) == len(row)


def test_nearest_distinct_holes_many_composites_per_hole():
    # 200 composites down hole 0 right next to the point: k must grow to reach hole 1
    X = np.vstack([np.column_stack([np.zeros(200), np.zeros(200), -np.arange(200.0) * 0.01]),
                   [[50.0, 0.0, 0.0]]])  # fmt: skip
    holes = np.r_[np.zeros(200, dtype=np.int64), 1]
    d, h = nearest_distinct_holes(np.zeros((1, 3)), X, holes, 2)
    assert h.tolist() == [[0, 1]] and d[0, 1] == pytest.approx(50.0)


@settings(max_examples=40, deadline=None)
@given(comps=points3, hole_of=st.lists(st.integers(0, 5), min_size=30, max_size=30),
       blocks=points3, radii=st.tuples(st.floats(5, 80), st.floats(0.2, 1), st.floats(0.1, 1)),
       angles=st.tuples(st.floats(0, 360), st.floats(-90, 90), st.floats(-90, 90)))  # fmt: skip
def test_search_counts_match_brute_force(comps, hole_of, blocks, radii, angles):
    X = np.array(comps, dtype=float)
    holes = np.array(hole_of[: len(X)], dtype=np.int64)
    P = np.array(blocks, dtype=float)
    r = [radii[0], radii[0] * radii[1], radii[0] * radii[2]]
    ns, nh = search_counts(P, X, holes, r, angles)
    for row, p in enumerate(P):
        dist = anisotropic_distance(X - p, r, *angles)
        inside = dist <= 1.0
        near_edge = np.abs(dist - 1.0) < 1e-9  # floating-point ties on the ellipsoid
        if near_edge.any():
            continue
        assert ns[row] == inside.sum()
        assert nh[row] == np.unique(holes[inside]).size


def test_class_codes_hand_table():
    p = resource_params({}).classification
    crit = pd.DataFrame(
        {"spacing_m": [20.0, 20.0, 50.0, 100.0, 20.0, 20.0, np.nan],
         "n_holes_search": [6, 6, 6, 6, 6, 0, 6],
         "n_samples_search": [50, 50, 50, 50, 50, 50, 50],
         "slope": [0.9, 0.7, 0.9, 0.9, np.nan, 0.9, 0.9],
         "ke": [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
         "pass": [1, 1, 1, 3, 1, 1, 1]}
    )  # fmt: skip
    # 0 all Measured criteria; 1 slope 0.7 → Indicated; 2 spacing 50 → Indicated;
    # 3 pass 3 and spacing 100 → Inferred; 4 slope NaN fails Measured and Indicated;
    # 5 no hole in the search fails even Inferred; 6 fewer than n holes in the domain.
    assert class_codes(crit, p).tolist() == [1, 2, 2, 3, 3, 4, 4]


def test_class_requires_the_lower_classes_too():
    # a looser Measured would be rejected by the schema; built directly it still nests
    p = ClassificationParams.model_construct(
        **{**ClassificationParams().__dict__,
           "inferred": ClassificationParams().inferred.model_copy(update={"max_pass": 1})}
    )  # fmt: skip
    crit = pd.DataFrame({"spacing_m": [10.0], "n_holes_search": [9], "n_samples_search": [99],
                         "slope": [1.0], "ke": [0.9], "pass": [2]})  # fmt: skip
    assert class_codes(crit, p).tolist() == [4]


def test_spacing_and_classes_on_a_hand_built_grid(build):
    # holes on a 10 m grid over x ≤ 30 (dense), one at x = 70 (sparse), ore z 0–30 m
    dense = [(x, y) for x in (10.0, 20.0, 30.0) for y in (10.0, 20.0, 30.0)]
    comps = build.vertical_holes([*dense, (70.0, 20.0)])
    blocks = build.block_table((10, 4, 3))
    params = resource_params({"classification": {
        **NO_SMOOTH,
        "measured": {"max_spacing_m": 10.0, "min_holes": 4, "min_samples": 1},
        "indicated": {"max_spacing_m": 40.0, "min_holes": 2, "min_samples": 1},
        "inferred": {"max_spacing_m": 60.0, "min_holes": 1, "min_samples": 1},
        "search": {"radius_m": 30.0}}}).classification  # fmt: skip
    f, s = build.empty_qaqc()
    cl = classify_blocks(blocks, comps, f, s, (10, 4, 3), params)
    b = cl.blocks.set_index(["i", "j", "k"])
    # block (1,1,0): centre (15, 15, 5); four holes at 7.07 m, composite at z = 5
    assert b.loc[(1, 1, 0), "spacing_m"] == pytest.approx(np.sqrt(50.0))
    assert b.loc[(1, 1, 0), "n_holes_search"] == 9  # all 9 dense holes within 30 m
    assert b.loc[(1, 1, 0), "code"] == 1
    # block (5,1,1): centre (55, 15, 15); holes at (70,20) 15.8 m, (30,10|20) 25.5 m,
    # (30,30) 29.2 m: 4 holes within 30 m
    assert b.loc[(5, 1, 1), "spacing_m"] == pytest.approx(np.hypot(25.0, 5.0))
    assert b.loc[(5, 1, 1), "n_holes_search"] == 4
    assert b.loc[(5, 1, 1), "code"] == 2
    # block (9,3,2): centre (95, 35, 25); holes (70,20) 29.2 m, (30,30) 65.2 m, 3rd
    # (30,20) 66.7 m > 60 m → Unclassified
    assert b.loc[(9, 3, 2), "spacing_m"] == pytest.approx(np.hypot(65.0, 15.0))
    assert b.loc[(9, 3, 2), "code"] == 4
    # the same table computed by a plain loop over blocks and holes
    X = comps[["easting", "northing", "elevation"]].to_numpy()
    P = blocks[["easting", "northing", "elevation"]].to_numpy()
    oracle = _brute_nearest(P, X, comps["hole_id"].to_numpy(), 3)[:, 2]
    np.testing.assert_allclose(cl.blocks["spacing_m"], oracle)


def test_same_domain_counts_only_the_block_domain(build):
    comps = pd.concat(
        [
            build.vertical_holes([(15.0, 15.0)]),
            build.vertical_holes([(25.0, 15.0)], domain="OTHER", prefix="X"),
        ]
    )
    blocks = build.block_table((3, 3, 3))
    f, s = build.empty_qaqc()
    on = resource_params({"classification": NO_SMOOTH}).classification
    off = resource_params({"classification": {**NO_SMOOTH, "same_domain": False}})
    a = classify_blocks(blocks, comps, f, s, (3, 3, 3), on).blocks
    b = classify_blocks(blocks, comps, f, s, (3, 3, 3), off.classification).blocks
    assert a["n_holes_search"].max() == 1 and b["n_holes_search"].max() == 2


def test_unestimated_blocks_are_left_out(build):
    blocks = build.block_table((4, 4, 4), waste_levels=(3,))
    f, s = build.empty_qaqc()
    cl = classify_blocks(blocks, build.vertical_holes([(20.0, 20.0)]), f, s, (4, 4, 4),
                         resource_params({}).classification)  # fmt: skip
    assert len(cl.blocks) == 48 and set(cl.blocks["k"]) == {0, 1, 2}


# ------------------------------------------------------------------------- QA/QC


def _qaqc():
    failures = pd.DataFrame({"sample_id": ["Q1", "Q1", "Q2", "Q3", "Q9"],
                             "rule": ["crm_outside_3sd", "crm_outside_3sd", "duplicate_hard",
                                      "blank_above_limit", "crm_bias_trend"]})  # fmt: skip
    samples = pd.DataFrame({"sample_id": ["Q1", "Q2", "Q3"], "hole_id": ["H000", "H001", "H002"]})
    return failures, samples


def test_flag_holes_by_rule_and_list():
    f, s = _qaqc()
    t = flag_holes(
        f,
        s,
        QaqcParams(
            rules=["crm_outside_3sd", "blank_above_limit", "crm_bias_trend"], holes=["H005", "H000"]
        ),
    )
    rows = {r.hole_id: (r.reason, r.samples) for r in t.itertuples()}
    assert rows["H000"] == ("crm_outside_3sd, listed", 1)
    assert rows["H002"] == ("blank_above_limit", 1)
    assert rows["H005"] == ("listed", 0)
    assert "H001" not in rows  # duplicate_hard not among the rules
    assert rows[""][0].endswith("(insert not tied to a hole)")  # Q9 is not in the samples


def test_qaqc_downgrade_threshold():
    code = np.array([1, 2, 3, 4, 1])
    share = np.array([0.5, 0.67, 1.0, 1.0, 0.49])
    c, hit = qaqc_downgrade(code, share, QaqcParams(min_share=0.5, downgrade=1))
    assert c.tolist() == [2, 3, 4, 4, 1] and hit.tolist() == [True, True, True, False, False]
    c2, _ = qaqc_downgrade(code, share, QaqcParams(downgrade=2))
    assert c2.tolist() == [3, 4, 4, 4, 1]
    c0, hit0 = qaqc_downgrade(code, share, QaqcParams(downgrade=0))
    assert c0.tolist() == code.tolist() and not hit0.any()


def test_blocks_near_a_failed_hole_drop_one_class(build):
    comps = build.vertical_holes([(x, y) for x in (10.0, 20.0, 30.0) for y in (10.0, 20.0)])
    blocks = build.block_table((4, 3, 3))
    params = resource_params(
        {"classification": {**NO_SMOOTH, "nearest_holes": 1, "qaqc": {"min_share": 1.0}}}
    ).classification
    failures = pd.DataFrame({"sample_id": ["C1"], "rule": ["crm_outside_3sd"]})
    samples = pd.DataFrame({"sample_id": ["C1"], "hole_id": ["H000"]})  # hole at (10, 10)
    f0, s0 = build.empty_qaqc()
    clean = classify_blocks(blocks, comps, f0, s0, (4, 3, 3), params).blocks
    bad = classify_blocks(blocks, comps, failures, samples, (4, 3, 3), params).blocks
    # nearest hole of block (0,0,k) is H000 (10, 10): share 1 → one class down
    near = (bad["i"] == 0) & (bad["j"] == 0)
    assert (bad.loc[near, "qaqc_flagged_share"] == 1.0).all()
    assert (bad.loc[near, "code"] == np.minimum(clean.loc[near, "code"] + 1, 4)).all()
    assert (bad.loc[~near, "code"] >= clean.loc[~near, "code"]).all()
    assert (bad["code_criteria"] == clean["code_criteria"]).all()


# ---------------------------------------------------------------------- smoothing


def _cube(n=5):
    i, j, k = np.meshgrid(np.arange(n), np.arange(n), np.arange(n), indexing="ij")
    return np.column_stack([i.ravel(), j.ravel(), k.ravel()])


def test_spotted_dog_is_removed():
    ijk = _cube()
    code = np.full(len(ijk), 2, dtype=np.int8)
    centre = np.flatnonzero((ijk == 2).all(axis=1))[0]
    code[centre] = 1  # an isolated Measured block in Indicated
    out = smooth_classes(code, ijk, np.zeros(len(ijk)), (5, 5, 5))
    assert (out == 2).all()
    code[centre] = 3  # an isolated Inferred block is promoted one class
    assert (smooth_classes(code, ijk, np.zeros(len(ijk)), (5, 5, 5)) == 2).all()
    # ... unless promotion is switched off or the block is locked
    assert smooth_classes(code, ijk, np.zeros(len(ijk)), (5, 5, 5), max_upgrade=0)[centre] == 3
    locked = np.zeros(len(ijk), dtype=bool)
    locked[centre] = True
    assert smooth_classes(code, ijk, np.zeros(len(ijk)), (5, 5, 5), locked=locked)[centre] == 3


def test_unclassified_never_promoted_and_moves_are_limited():
    ijk = _cube()
    code = np.full(len(ijk), 1, dtype=np.int8)
    centre = np.flatnonzero((ijk == 2).all(axis=1))[0]
    code[centre] = 4
    assert smooth_classes(code, ijk, np.zeros(len(ijk)), (5, 5, 5))[centre] == 4
    code[:] = 4
    code[centre] = 1  # Measured inside Unclassified: at most one class down
    assert smooth_classes(code, ijk, np.zeros(len(ijk)), (5, 5, 5))[centre] == 2


def test_domains_do_not_vote_for_each_other():
    ijk = np.vstack([_cube(3), _cube(3)])
    group = np.r_[np.zeros(27), np.ones(27)]
    code = np.r_[np.full(27, 2), np.full(27, 1)].astype(np.int8)
    code[13] = 1  # centre of domain 0 Measured; domain 1 is all Measured
    out = smooth_classes(code, ijk, group, (3, 3, 3))
    assert out[13] == 2 and (out[27:] == 1).all()


def test_duplicate_blocks_in_a_domain_are_an_error():
    ijk = np.array([[0, 0, 0], [0, 0, 0]])
    with pytest.raises(DataError, match="duplicate"):
        smooth_classes(np.array([1, 2]), ijk, np.zeros(2), (2, 2, 2))


@settings(max_examples=40, deadline=None)
@given(
    codes=st.lists(st.integers(1, 4), min_size=64, max_size=64),
    iterations=st.integers(1, 3),
    up=st.integers(0, 2),
    down=st.integers(0, 3),
)
def test_smoothing_properties(codes, iterations, up, down):
    ijk = _cube(4)
    code = np.array(codes, dtype=np.int8)
    out = smooth_classes(code, ijk, np.zeros(64), (4, 4, 4), (3, 3, 3), iterations,
                         max_upgrade=up, max_downgrade=down)  # fmt: skip
    assert out.shape == code.shape  # same number of blocks
    assert ((out >= 1) & (out <= 4)).all()
    assert (out >= code - up).all() and (out <= code + down).all()
    assert (out[code == 4] == 4).all()


# ------------------------------------------------------------------ whole driver


def _case(build, seed=0):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, size=(12, 2))
    comps = build.vertical_holes([tuple(p) for p in xy])
    blocks = build.block_table((10, 10, 3), seed=seed)
    blocks["slope"] = rng.uniform(0.3, 1.1, len(blocks))
    blocks["ke"] = rng.uniform(-0.2, 0.9, len(blocks))
    blocks["pass"] = rng.integers(1, 4, len(blocks))
    return blocks, comps


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    tighter=st.floats(0.3, 1.0),
    slope=st.floats(0.0, 0.5),
    smooth=st.sampled_from(["none", "majority"]),
)
def test_tonnes_conserved_and_stricter_never_adds_measured(build, seed, tighter, slope, smooth):
    blocks, comps = _case(build, seed)
    f, s = build.empty_qaqc()
    base = {"smoothing": {"method": smooth}}
    p1 = resource_params({"classification": base}).classification
    m = p1.measured
    p2 = resource_params({"classification": {**base, "measured": {
        "max_spacing_m": m.max_spacing_m * tighter, "min_slope": m.min_slope + slope,
        "min_holes": m.min_holes + 1}}}).classification  # fmt: skip
    a = classify_blocks(blocks, comps, f, s, (10, 10, 3), p1)
    b = classify_blocks(blocks, comps, f, s, (10, 10, 3), p2)
    for cl in (a, b):
        cnt = cl.counts.set_index("class")
        for suffix in ("_criteria", "_unsmoothed", ""):
            parts = cnt.loc[["Measured", "Indicated", "Inferred", "Unclassified"],
                            f"tonnes{suffix}"].sum()  # fmt: skip
            assert parts == pytest.approx(blocks["tonnes"].sum())
            assert cnt.loc["Total", f"blocks{suffix}"] == len(blocks)
        assert cl.transitions["blocks"].sum() == len(blocks)
    ta = a.blocks["tonnes"][a.blocks["code_unsmoothed"] == 1].sum()
    tb = b.blocks["tonnes"][b.blocks["code_unsmoothed"] == 1].sum()
    assert tb <= ta
    if smooth == "none":
        assert (a.blocks["code"] == a.blocks["code_unsmoothed"]).all()


def test_inputs_not_modified(build):
    blocks, comps = _case(build)
    f, s = _qaqc()
    before = [build.frame_hash(x) for x in (blocks, comps, f, s)]
    classify_blocks(blocks, comps, f, s, (10, 10, 3), resource_params({}).classification)
    assert [build.frame_hash(x) for x in (blocks, comps, f, s)] == before


def test_criteria_table_lists_every_active_threshold():
    p = resource_params({}).classification
    t = criteria_table(p)
    assert list(t.columns) == ["class", "criterion", "operator", "threshold", "unit",
                               "description"]  # fmt: skip
    m = t[t["class"] == "Measured"].set_index("criterion")
    assert m.loc["spacing_m", "threshold"] == p.measured.max_spacing_m
    assert m.loc["slope", "operator"] == ">="
    assert "3-th nearest" in m.loc["spacing_m", "description"]
    assert "ke" not in set(t[t["class"] == "Inferred"]["criterion"])  # switched off
    assert {"qaqc_flagged_share", "smoothing"} <= set(t[t["class"] == "All"]["criterion"])
