"""Cascade designer: targets, Xu's formulas, stage search, reflux, reagents, train."""

import math

import numpy as np
import pandas as pd
import pytest

from mine2magnet.errors import ConfigError
from mine2magnet.processing.sx import (
    DesignError,
    DesignResult,
    PlantBasis,
    design_cascade,
    design_train,
    load_separation_factors,
    resolve_targets,
    xu_estimate,
)


def test_xu_aqueous_feed_branches():
    # f'_B large: E_M = 1/sqrt(beta)
    xu = xu_estimate(0.1, 0.99, 0.999, 2.0)
    assert xu.extraction_ratio == pytest.approx(1 / math.sqrt(2.0))
    # f'_B small: E'_M = sqrt(beta)
    xu = xu_estimate(0.75, 0.999, 0.99, 1.5)
    assert xu.scrub_ratio == pytest.approx(math.sqrt(1.5))
    # flows consistent with S = W + f'_A, E_M = S/(W+1), E'_M = S/W
    assert xu.organic_per_feed == pytest.approx(xu.scrub_per_feed + xu.fp_a)
    assert xu.extraction_ratio == pytest.approx(xu.organic_per_feed / (xu.scrub_per_feed + 1))
    assert xu.fp_a == pytest.approx((0.75 + 0.99 - 1) / (0.999 + 0.99 - 1))


def test_xu_organic_feed_and_errors():
    xu = xu_estimate(0.5, 0.99, 0.99, 2.0, feed_phase="organic")
    assert xu.scrub_per_feed == pytest.approx(xu.organic_per_feed + xu.fp_b)
    assert math.isfinite(xu.n_extraction + xu.n_scrub)
    with pytest.raises(ConfigError):
        xu_estimate(0.5, 0.99, 0.99, 1.0)
    with pytest.raises(DesignError, match="not compatible"):
        xu_estimate(0.999, 0.99, 0.99, 2.0)


_PA, _PB, _YA, _YB = resolve_targets(0.75, extract_purity=0.999, raffinate_purity=0.99)


@pytest.mark.parametrize(
    "given",
    [
        {"extract_recovery": _YA, "raffinate_recovery": _YB},
        {"extract_purity": _PA, "extract_recovery": _YA},
        {"raffinate_purity": _PB, "raffinate_recovery": _YB},
        {"extract_purity": _PA, "raffinate_recovery": _YB},
        {"raffinate_purity": _PB, "extract_recovery": _YA},
    ],
)
def test_resolve_targets_any_two(given):
    assert resolve_targets(0.75, **given) == pytest.approx((_PA, _PB, _YA, _YB), rel=1e-9)


def test_resolve_targets_balance():
    pa, pb, ya, _ = resolve_targets(0.75, extract_purity=0.999, raffinate_purity=0.99)
    fp = ya * 0.75 / pa
    assert pytest.approx(pa * fp + (1 - pb) * (1 - fp)) == 0.75
    assert (pa, pb) == (0.999, 0.99) or (pa, pb) == pytest.approx((0.999, 0.99))


def test_resolve_targets_errors():
    with pytest.raises(ConfigError, match="exactly two"):
        resolve_targets(0.5, extract_purity=0.99)
    with pytest.raises(ConfigError, match="cannot be met"):
        resolve_targets(0.9, extract_purity=0.6, extract_recovery=0.99)


@pytest.fixture(scope="module")
def ndpr():
    return design_cascade(
        ["Pr", "Nd"],
        [1.0, 1.5],
        [250.0, 750.0],
        ["Nd"],
        extract_purity=0.999,
        raffinate_purity=0.99,
        tradeoff_factors=(1.25, 2.0),
    )


def test_design_result(ndpr):
    d = ndpr
    assert isinstance(d, DesignResult)
    assert (d.n_extraction, d.n_scrub, d.feed_stage) == (17, 29, 17)
    assert d.key_pair == ("Pr", "Nd") and d.beta_key == pytest.approx(1.5)
    # flows scale with the feed rate (1000 mol/h)
    assert d.organic_mol_h == pytest.approx(1000 * d.xu.organic_per_feed)
    assert d.scrub_mol_h == pytest.approx(1000 * d.xu.scrub_per_feed)
    assert d.min_reflux_mol_h < d.scrub_mol_h and d.reflux_ratio > 1
    assert d.oa_extraction > 0 and d.oa_scrub > d.oa_extraction
    assert set(d.flows["stream"]) >= {"saponified organic", "scrub acid"}
    assert isinstance(d.staircase, pd.DataFrame) and d.staircase["n_total"].min() == 46


def test_tradeoff_more_reflux_fewer_stages_more_reagent(ndpr):
    t = ndpr.tradeoff
    assert t["is_design"].sum() == 1
    assert np.all(np.diff(t["reflux_factor"]) > 0)
    assert np.all(np.diff(t["n_total"]) <= 0)
    assert np.all(np.diff(t["base_t_per_t_extract_REO"]) > 0)


def test_reagents_scale_with_reflux(ndpr):
    rt = ndpr.reagents
    base = rt.loc[rt["use"] == "saponification", "t_per_t_extract_REO"].item()
    strip = rt.loc[rt["use"] == "strip acid", "t_per_t_extract_REO"].item()
    # per tonne of (nearly pure) Nd2O3: 0.713 t NaOH x S/f'_A, 0.650 t HCl to strip
    reflux = ndpr.xu.organic_per_feed / ndpr.xu.fp_a
    assert base == pytest.approx(0.713 * reflux, rel=3e-3)
    assert strip == pytest.approx(0.650, rel=3e-3)
    nh3 = design_cascade(
        ["Pr", "Nd"],
        [1.0, 1.5],
        [0.25, 0.75],
        ["Nd"],
        extract_purity=0.999,
        raffinate_purity=0.99,
        tradeoff_factors=None,
        plant=PlantBasis(base="NH3"),
    )
    assert nh3.reagents.loc[0, "reagent"] == "NH3"


def test_scrub_factor_changes_stages():
    lo = design_cascade(
        ["Pr", "Nd"],
        [1.0, 1.5],
        [0.25, 0.75],
        ["Nd"],
        extract_purity=0.999,
        raffinate_purity=0.99,
        tradeoff_factors=None,
        scrub_factor=0.8,
    )
    assert lo.n_total > 46


def test_design_errors():
    with pytest.raises(ConfigError, match="more extractable"):
        design_cascade(
            ["Pr", "Nd"], [1.0, 1.5], [0.5, 0.5], ["Pr"], extract_purity=0.99, raffinate_purity=0.99
        )
    with pytest.raises(ConfigError, match="not in the feed"):
        design_cascade(
            ["Pr", "Nd"], [1.0, 1.5], [0.5, 0.5], ["Sm"], extract_purity=0.99, raffinate_purity=0.99
        )
    with pytest.raises(DesignError, match="not reached"):
        design_cascade(
            ["Pr", "Nd"],
            [1.0, 1.5],
            [0.5, 0.5],
            ["Nd"],
            extract_purity=0.99999,
            raffinate_purity=0.99999,
            max_stages=10,
            tradeoff_factors=None,
        )


def test_multicomponent_design_and_train():
    sf = load_separation_factors("P507_HCl")
    el = ["La", "Ce", "Pr", "Nd", "Sm"]
    feed = np.array([0.25, 0.5, 0.05, 0.17, 0.03])
    d = design_cascade(
        el,
        sf.relative(el),
        feed,
        ["Pr", "Nd", "Sm"],
        extract_purity=0.995,
        raffinate_purity=0.995,
        tradeoff_factors=None,
    )
    assert d.key_pair == ("Ce", "Pr")
    assert d.cascade.extract_purity >= 0.995 and d.cascade.raffinate_purity >= 0.995
    train = design_train(
        el,
        sf.relative(el),
        feed,
        [
            {"extract": ["Pr", "Nd", "Sm"], "extract_purity": 0.995, "raffinate_purity": 0.995},
            {
                "extract": ["Ce", "Pr", "Nd", "Sm"],
                "source": (0, "raffinate"),
                "extract_purity": 0.995,
                "raffinate_purity": 0.99,
            },
        ],
        tradeoff_factors=None,
    )
    assert len(train) == 2
    np.testing.assert_allclose(train[1].feed_mol_h, train[0].cascade.raffinate_mol_h)
    with pytest.raises(ConfigError, match="source"):
        design_train(
            el,
            sf.relative(el),
            feed,
            [
                {
                    "extract": ["Nd", "Sm"],
                    "source": (3, "x"),
                    "extract_purity": 0.9,
                    "raffinate_purity": 0.9,
                }
            ],
        )


@pytest.mark.parametrize(
    ("f_a", "pa", "pb", "beta"),
    [(0.3, 0.99, 0.995, 1.6), (0.75, 0.999, 0.99, 1.5), (0.05, 0.995, 0.9999, 3.0)],
)
def test_organic_feed_optimum_is_the_phase_exchanged_aqueous_one(f_a, pa, pb, beta):
    """Exchanging the phases swaps A and B and the sections: E_M ↔ 1/E'_M."""
    org = xu_estimate(f_a, pa, pb, beta, feed_phase="organic")
    aq = xu_estimate(1.0 - f_a, pb, pa, beta)
    assert org.extraction_ratio == pytest.approx(1.0 / aq.scrub_ratio, rel=1e-12)
    assert org.scrub_ratio == pytest.approx(1.0 / aq.extraction_ratio, rel=1e-12)
    at_optimum = (org.extraction_ratio * math.sqrt(beta), org.scrub_ratio / math.sqrt(beta))
    assert any(x == pytest.approx(1.0, rel=1e-12) for x in at_optimum)
    # the designer meets the targets with an organic feed at these flows
    targets = {"extract_purity": pa, "raffinate_purity": pb, "tradeoff_factors": None}
    d = design_cascade(["B", "A"], [1.0, beta], [1.0 - f_a, f_a], ["A"], feed_phase="organic",
                       **targets)  # fmt: skip
    assert d.cascade.extract_purity >= pa and d.cascade.raffinate_purity >= pb
    assert d.feed_stage == d.n_extraction + 1
