"""Compositing against hand-computed composites and a plain-Python reference."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mine2magnet.config import CompositeParams
from mine2magnet.drillholes.composite import assign_domains, composite

# ------------------------------------------------------------------- hand-built cases


def test_hand_case_two_metre_composites_of_uneven_samples() -> None:
    """Samples 0–0.5 (10), 0.5–1.7 (4), 1.7–3.1 (1), unsampled 3.1–3.6, 3.6–5.0 (7).

    2 m composites from 0 m, residual 1.0 m kept (≥ half):
    0–2:   (0.5·10 + 1.2·4 + 0.3·1) / 2.0        = 10.1/2.0  = 5.05
    2–4:   (1.1·1 + 0.4·7) / 1.5 sampled          =  3.9/1.5  = 2.6
    4–5:   1.0·7 / 1.0                            = 7.0
    """
    iv = pd.DataFrame(
        {
            "hole_id": ["DH1"] * 4,
            "from_m": [0.0, 0.5, 1.7, 3.6],
            "to_m": [0.5, 1.7, 3.1, 5.0],
            "TREO_pct": [10.0, 4.0, 1.0, 7.0],
        }
    )
    p = CompositeParams(length_m=2.0, residual="keep_if_half", by_domain=False)
    t = composite(iv, ["TREO_pct"], p).table
    np.testing.assert_allclose(t["from_m"], [0.0, 2.0, 4.0])
    np.testing.assert_allclose(t["to_m"], [2.0, 4.0, 5.0])
    np.testing.assert_allclose(t["sampled_length_m"], [2.0, 1.5, 1.0])
    np.testing.assert_allclose(t["TREO_pct"], [5.05, 2.6, 7.0])


def test_hand_case_domain_contact_inside_a_sample() -> None:
    """A 0–4 m sample (grade 3) cut by an OX/FR contact at 2.5 m; 1 m composites by domain.

    OX run 0–2.5: 0–1, 1–2 (grade 3), residual 2–2.5 = 0.5 m kept (= half).
    FR run 2.5–4: 2.5–3.5 (grade 3), residual 3.5–4 kept. Composites restart at 2.5 m.
    """
    iv = pd.DataFrame({"hole_id": ["X"], "from_m": [0.0], "to_m": [4.0], "CeO2_pct": [3.0]})
    lith = pd.DataFrame(
        {"hole_id": ["X", "X"], "from_m": [0.0, 2.5], "to_m": [2.5, 4.0], "domain": ["OX", "FR"]}
    )
    t = composite(
        assign_domains(iv, lith), ["CeO2_pct"], CompositeParams(length_m=1.0, by_domain=True)
    ).table
    assert t[["from_m", "to_m", "domain"]].values.tolist() == [
        [0.0, 1.0, "OX"],
        [1.0, 2.0, "OX"],
        [2.0, 2.5, "OX"],
        [2.5, 3.5, "FR"],
        [3.5, 4.0, "FR"],
    ]
    assert (t["CeO2_pct"] == 3.0).all()


def test_hand_case_merge_residual() -> None:
    """0–7 m in one 7 m sample of grade 2 plus 7–7.6 m grade 5; 3 m composites, merge:
    0–3 (2), 3–7.6 (3.6·2·... ) = (4·2 + 0.6·5) / 4.6 = 11/4.6."""
    iv = pd.DataFrame(
        {"hole_id": ["Q", "Q"], "from_m": [0.0, 7.0], "to_m": [7.0, 7.6], "Nd2O3_pct": [2.0, 5.0]}
    )
    p = CompositeParams(length_m=3.0, residual="merge", by_domain=False)
    t = composite(iv, ["Nd2O3_pct"], p).table
    np.testing.assert_allclose(t["from_m"], [0.0, 3.0])
    np.testing.assert_allclose(t["to_m"], [3.0, 7.6])
    np.testing.assert_allclose(t["Nd2O3_pct"], [2.0, 11.0 / 4.6])


# ------------------------------------------------------------------- plain-Python reference


def _reference(iv: pd.DataFrame, cols: list[str], p: CompositeParams) -> tuple[list, int]:
    """Straightforward per-hole, per-run, per-composite loops; no vectorisation."""
    out, n_dropped = [], 0
    L = p.length_m
    rows = sorted(iv.to_dict("records"), key=lambda r: (r["hole_id"], r["from_m"]))
    runs: list[list[dict]] = []
    for r in rows:
        prev = runs[-1][-1] if runs else None
        if (
            prev is None
            or prev["hole_id"] != r["hole_id"]
            or (p.by_domain and prev["domain"] != r["domain"])
        ):
            runs.append([r])
        else:
            runs[-1].append(r)
    for run in runs:
        start, end = run[0]["from_m"], max(r["to_m"] for r in run)
        pieces = []
        k = 0
        while start + (k + 1) * L <= end + 1e-9:
            pieces.append([start + k * L, start + (k + 1) * L, False])
            k += 1
        if pieces:
            pieces[-1][1] = end if abs(pieces[-1][1] - end) <= 1e-9 else pieces[-1][1]
        rest_from = start + k * L
        rest = end - rest_from
        if rest > 1e-9:
            if p.residual == "merge" and pieces:
                pieces[-1][1] = end
            elif p.residual == "merge" or (p.residual == "keep_if_half" and rest >= L / 2 - 1e-9):
                pieces.append([rest_from, end, False])
            else:
                pieces.append([rest_from, end, True])
        for a, b, dropped in pieces:
            sampled = 0.0
            metal = dict.fromkeys(cols, 0.0)
            col_len = dict.fromkeys(cols, 0.0)
            dom_len: dict[str, float] = {}
            for r in run:
                ov = min(r["to_m"], b) - max(r["from_m"], a)
                if ov <= 0:
                    continue
                sampled += ov
                dom_len[r["domain"]] = dom_len.get(r["domain"], 0.0) + ov
                for c in cols:
                    if not math.isnan(r[c]):
                        metal[c] += r[c] * ov
                        col_len[c] += ov
            if sampled == 0:
                continue
            if dropped:
                n_dropped += 1
                continue
            best = sorted(dom_len.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
            grades = []
            for c in cols:
                if col_len[c] == 0 or col_len[c] < p.min_sampled_fraction * (b - a) - 1e-9:
                    grades.append(math.nan)
                else:
                    grades.append(metal[c] / col_len[c])
            out.append([run[0]["hole_id"], a, b, sampled, best, *grades])
    return out, n_dropped


def _random_intervals(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for h in range(12):
        depth = rng.uniform(0, 3)
        for _ in range(rng.integers(1, 60)):
            depth += rng.choice([0.0, 0.0, 0.0, 0.0, 0.4, 2.5])
            length = rng.choice([0.5, 1.0, 1.0, 1.5, 2.0]) * rng.uniform(0.8, 1.2)
            g = rng.lognormal(0, 1, 2)
            g[rng.random(2) < 0.1] = np.nan
            rows.append((f"H{h:02d}", depth, depth + length, *g, rng.choice(["A", "B", "C"])))
            depth += length
    iv = pd.DataFrame(rows, columns=["hole_id", "from_m", "to_m", "La2O3_pct", "CeO2_pct", "dom"])
    # domains come in runs, as in a real log
    iv["domain"] = iv.groupby("hole_id")["dom"].transform(
        lambda s: s.iloc[(np.arange(len(s)) // 4) * 4].to_numpy()
    )
    return iv.drop(columns="dom").sample(frac=1.0, random_state=seed)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("residual", ["merge", "keep_if_half", "drop"])
@pytest.mark.parametrize("by_domain", [True, False])
@pytest.mark.parametrize("length", [1.0, 2.0, 3.7])
def test_matches_plain_python_reference(seed, residual, by_domain, length) -> None:
    iv = _random_intervals(seed)
    cols = ["La2O3_pct", "CeO2_pct"]
    p = CompositeParams(
        length_m=length, residual=residual, by_domain=by_domain, min_sampled_fraction=0.6
    )
    c = composite(iv, cols, p)
    expected, n_dropped = _reference(iv, cols, p)
    got = c.table[["hole_id", "from_m", "to_m", "sampled_length_m", "domain", *cols]]
    exp = pd.DataFrame(expected, columns=got.columns)
    assert len(got) == len(exp)
    assert got["hole_id"].tolist() == exp["hole_id"].tolist()
    assert got["domain"].tolist() == exp["domain"].tolist()
    np.testing.assert_allclose(
        got.iloc[:, [1, 2, 3, 5, 6]].to_numpy(float),
        exp.iloc[:, [1, 2, 3, 5, 6]].to_numpy(float),
        rtol=1e-12,
        atol=1e-9,
    )
    assert int((c.rejections["rule"] == "residual_dropped").sum()) == n_dropped
