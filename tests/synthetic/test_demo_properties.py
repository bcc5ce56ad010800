"""The shipped demo has the intended geology, drilling, sampling and QA/QC properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mine2magnet.chemistry import CANONICAL_SPECIES, REE, oxide_factor
from mine2magnet.synthetic import SyntheticDemo


def _oxides(assays: pd.DataFrame, numeric) -> pd.DataFrame:
    return pd.DataFrame(
        {
            el: numeric(assays[f"{el}_ppm"]).fillna(0.0)
            * oxide_factor(CANONICAL_SPECIES[el])
            * 1e-4
            for el in REE
        }
    )


@pytest.fixture(scope="module")
def primaries(shipped: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Analysed primary samples with the logged lithology interval holding their mid-point."""
    a = shipped["assays"]
    p = a[(a.SAMPLE_TYPE == "PRIMARY") & (a.La_ppm != "NS")].copy()
    p["from_m"], p["to_m"] = p.FROM.astype(float), p.TO.astype(float)
    p["mid"] = (p.from_m + p.to_m) / 2
    lith = shipped["lithology"].assign(
        lith_from=lambda d: d.FROM.astype(float), lith_to=lambda d: d.TO.astype(float)
    )[["HOLEID", "LITH", "lith_from", "lith_to"]]
    out = pd.merge_asof(
        p.sort_values("mid"),
        lith.sort_values("lith_from"),
        left_on="mid",
        right_on="lith_from",
        by="HOLEID",
    )
    return out.sort_values(["HOLEID", "from_m"], kind="stable").reset_index(drop=True)


def test_sizes(shipped: dict[str, pd.DataFrame]) -> None:
    assert 200 <= len(shipped["collars"]) <= 300
    assert 15_000 <= len(shipped["assays"]) <= 30_000
    assert shipped["collars"].HOLEID.is_unique
    assert shipped["assays"].SAMPLEID.is_unique


def test_vein_grades(numeric, primaries: pd.DataFrame) -> None:
    p = primaries
    length = p.to_m - p.from_m
    ox = _oxides(p, numeric)
    treo = ox.sum(axis=1)
    vein = p.LITH.isin(["VEIN_HG", "VEIN_LG", "BRECCIA"]).to_numpy()
    mean = float(np.average(treo[vein], weights=length[vein]))
    assert 1.5 <= mean <= 2.2
    # light-REE pattern on average: Ce > La > Nd > Pr
    share = ox[vein].mean()
    assert share["Ce"] > share["La"] > share["Nd"] > share["Pr"] > share["Sm"]
    tho2 = numeric(p.Th_ppm) * oxide_factor("ThO2") * 1e-4
    assert 0.1 <= float(np.average(tho2[vein], weights=length[vein])) <= 0.3
    assert np.corrcoef(np.log(treo[vein]), np.log(tho2[vein]))[0, 1] > 0.7
    caf2, baso4 = numeric(p.CaF2_pct)[vein], numeric(p.BaSO4_pct)[vein]
    assert 10 <= caf2.mean() <= 40 and 10 <= baso4.mean() <= 40
    assert (caf2 > 40).mean() > 0.02 and (baso4 > 30).mean() > 0.02  # rich in places
    # the log is consistent with the grades
    by_lith = pd.Series(np.asarray(treo)).groupby(p.LITH.to_numpy()).median()
    assert by_lith["VEIN_HG"] > 2.0 > by_lith["VEIN_LG"] > by_lith["TUFF"]
    assert by_lith["VEIN_LG"] > 5 * by_lith["ANDESITE"]


def test_samples_respect_lithology_and_leave_gaps(primaries: pd.DataFrame) -> None:
    p = primaries
    assert (p.from_m >= p.lith_from - 1e-6).all() and (p.to_m <= p.lith_to + 1e-6).all()
    length = p.to_m - p.from_m
    assert length.min() >= 0.3 and length.max() < 3.0
    hg = length[p.LITH == "VEIN_HG"]
    assert abs(hg.median() - 1.0) < 1e-9
    # unsampled stretches inside holes (gaps) exist
    gaps = 0
    for _, grp in p.groupby("HOLEID", sort=False):
        gaps += int((grp.from_m.to_numpy()[1:] - grp.to_m.to_numpy()[:-1] > 0.05).sum())
    assert gaps > 10


def test_lithology_log_covers_each_hole(shipped: dict[str, pd.DataFrame]) -> None:
    lith = shipped["lithology"]
    eoh = shipped["collars"].set_index("HOLEID").DEPTH.astype(float)
    assert set(lith.LITH) == {"COVER", "TUFF", "ANDESITE", "BRECCIA", "VEIN_LG", "VEIN_HG"}
    for hole, grp in lith.groupby("HOLEID", sort=False):
        f, t = grp.FROM.astype(float).to_numpy(), grp.TO.astype(float).to_numpy()
        assert f[0] == 0.0 and t[-1] == eoh[hole]
        assert np.allclose(f[1:], t[:-1]) and (t > f).all()
        assert grp.LITH.iloc[0] == "COVER"


def test_holes_and_survey_drift(shipped: dict[str, pd.DataFrame]) -> None:
    col = shipped["collars"].assign(dip=lambda d: d.DIP.astype(float))
    vertical = col.dip == -90.0
    assert 0.2 < vertical.mean() < 0.6
    assert col.dip[~vertical].between(-75.0, -60.0).all()
    assert (col.PHASE == "2").sum() >= 20  # 25 m infill over the high-grade core
    sv = shipped["surveys"].assign(
        depth=lambda d: d.DEPTH.astype(float),
        az=lambda d: d.AZIMUTH.astype(float),
        dip=lambda d: d.DIP.astype(float),
    )
    assert sv.az.between(0.0, 360.0, inclusive="left").all() and (sv.dip < 0).all()
    last = sv.groupby("HOLEID").depth.max()
    assert np.allclose(last[col.HOLEID].to_numpy(), col.DEPTH.astype(float).to_numpy())
    spacing = sv.groupby("HOLEID").depth.diff().dropna()
    assert 25.0 <= spacing.median() <= 35.0
    inclined = set(col.HOLEID[~vertical])
    steps = sv[sv.HOLEID.isin(inclined)].groupby("HOLEID")[["az", "dip"]].diff().dropna()
    steps = steps[steps.az.abs() < 180]
    assert 0.3 < steps.dip.std() < 3.0 and 0.3 < steps.az.std() < 3.0  # drift, not noise
    assert steps.dip.mean() > 0  # inclined holes lift
    deepest = sv[~sv.HOLEID.isin(inclined)].groupby("HOLEID").dip.max()
    assert (deepest > -89.5).mean() > 0.5  # vertical holes wander off vertical


def test_lab_reporting(numeric, shipped: dict[str, pd.DataFrame]) -> None:
    a = shipped["assays"]
    p = a[a.SAMPLE_TYPE == "PRIMARY"]
    assert p.Lu_ppm.str.startswith("<").mean() > 0.05  # HREE below detection
    assert (p.Tm_ppm == "<0.5").any()
    assert (p.U_ppm == "").sum() >= 3 and (p.Fe2O3_pct == "").sum() >= 3
    assert (p.La_ppm == "NS").sum() >= 1
    ce = numeric(p.Ce_ppm).dropna()
    big = ce[ce >= 1000]
    assert (big % 10 == 0).all()  # three significant figures
    assert p.CaF2_pct.str.fullmatch(r"\d+\.\d\d|<0\.01|NS").all()


def test_qaqc_insert_rates(shipped: dict[str, pd.DataFrame]) -> None:
    a = shipped["assays"]
    n = a.SAMPLE_TYPE.value_counts()
    assert set(n.index) == {"PRIMARY", "CRM", "BLANK", "FDUP"}
    assert 20 <= n["PRIMARY"] / n["CRM"] <= 30
    assert 40 <= n["PRIMARY"] / n["BLANK"] <= 60
    assert 24 <= n["PRIMARY"] / n["FDUP"] <= 36
    crm = a[a.SAMPLE_TYPE == "CRM"]
    assert set(crm.STANDARD_ID) == set(shipped["standards"].STANDARD_ID)
    assert len(set(crm.STANDARD_ID)) == 3
    assert (crm.FROM == "").all() and (a[a.SAMPLE_TYPE == "PRIMARY"].FROM != "").all()
    dup = a[a.SAMPLE_TYPE == "FDUP"]
    parents = a.set_index("SAMPLEID").loc[dup.PARENT_SAMPLEID]
    assert (parents.SAMPLE_TYPE == "PRIMARY").all()
    assert (parents.FROM.to_numpy() == dup.FROM.to_numpy()).all()
    assert (parents.HOLEID.to_numpy() == dup.HOLEID.to_numpy()).all()


def test_only_the_deliberate_qaqc_failures(
    numeric, shipped: dict[str, pd.DataFrame], demo: SyntheticDemo
) -> None:
    a = shipped["assays"].reset_index(drop=True)
    fails = demo.lab.failures.set_index("check")
    # CRMs: outside 3 SD only in the listed sample
    outside = set()
    for row in shipped["standards"].itertuples(index=False):
        m = (a.SAMPLE_TYPE == "CRM") & (a.STANDARD_ID == row.STANDARD_ID)
        z = (numeric(a.loc[m, row.ANALYTE]) - float(row.EXPECTED)) / float(row.SD)
        outside |= set(a.SAMPLEID[m][z.abs() > 3])
    assert outside == {fails.loc["crm_outside_3sd", "sample_ids"]}
    # bias run: the listed SYNCRM-M results are consecutive and all above +2 SD
    first, last = fails.loc["crm_bias_run", "sample_ids"].split(" to ")
    m = a[(a.SAMPLE_TYPE == "CRM") & (a.STANDARD_ID == "SYNCRM-M")].reset_index(drop=True)
    i0, i1 = m.index[m.SAMPLEID.eq(first)][0], m.index[m.SAMPLEID.eq(last)][0]
    exp = shipped["standards"].set_index(["STANDARD_ID", "ANALYTE"])
    e, sd = (float(x) for x in exp.loc[("SYNCRM-M", "Ce_ppm"), ["EXPECTED", "SD"]])
    z = (numeric(m.Ce_ppm) - e) / sd
    assert i1 - i0 + 1 >= 9 and (z[i0 : i1 + 1] > 2).all()
    assert z[i0 - 1] < 0 and z[i1 + 1] < 0
    # blanks: one above 5 x DL
    dl = {"La_ppm": 1.0, "Ce_ppm": 1.0, "Th_ppm": 0.5, "CaF2_pct": 0.01}
    b = a[a.SAMPLE_TYPE == "BLANK"]
    hot = set()
    for c, d in dl.items():
        hot |= set(b.SAMPLEID[numeric(b[c]) > 5 * d])
    assert hot == {fails.loc["blank_contaminated", "sample_ids"]}
    # duplicates: one pair with HARD > 10 % in Ce
    d = a[a.SAMPLE_TYPE == "FDUP"]
    par = a.set_index("SAMPLEID").loc[d.PARENT_SAMPLEID]
    x, y = numeric(par.Ce_ppm).to_numpy(), numeric(d.Ce_ppm).to_numpy()
    ok = (x > 20) & (y > 20)
    hard = 100 * np.abs(x - y) / (x + y)
    assert set(d.SAMPLEID[ok & (hard > 10)]) == {fails.loc["duplicate_poor", "sample_ids"]}


def test_truth_matches_intent(demo: SyntheticDemo) -> None:
    t = demo.truth.set_index("lithology")
    assert 1.5 <= t.loc["VEIN", "TREO_pct"] <= 2.1
    assert t.loc["VEIN_HG", "TREO_pct"] > 2.5 > t.loc["VEIN_LG", "TREO_pct"]
    assert 0.1 <= t.loc["VEIN", "ThO2_pct"] <= 0.3
    assert 5e7 < t.loc["VEIN", "tonnes"] < 2e8


def test_grades_are_spatially_correlated_down_hole(demo: SyntheticDemo) -> None:
    s = demo.drilling.samples
    treo = np.log(demo.samples_true["TREO_pct"].to_numpy())
    vein = s.lith.isin([4, 5]).to_numpy()
    same = (s.hole_id.to_numpy()[1:] == s.hole_id.to_numpy()[:-1]) & vein[1:] & vein[:-1]
    r = np.corrcoef(treo[1:][same], treo[:-1][same])[0, 1]
    assert r > 0.5
