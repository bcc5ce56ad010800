import re

import numpy as np
import pytest

from mine2magnet.economics import build_model, economics_params, run_monte_carlo, value_project
from mine2magnet.economics.montecarlo import correlation_matrix, ou_price_paths, sample_factor
from mine2magnet.economics.params import FactorDistribution, MonteCarloParams
from mine2magnet.errors import ConfigError


@pytest.fixture
def model(plan, params):
    return build_model(plan, params)


def test_reproducible_by_seed_and_executor(model, params):
    a = run_monte_carlo(model, params.montecarlo)
    b = run_monte_carlo(model, params.montecarlo)
    c = run_monte_carlo(model, params.montecarlo, executor="threads")
    assert np.array_equal(a.npv, b.npv) and np.array_equal(a.npv, c.npv)
    d = run_monte_carlo(model, params.montecarlo, seed=8)
    assert not np.array_equal(a.npv, d.npv)
    assert a.draws == 2000 and a.seed == 7
    assert list(a.factors.columns[:5]) == ["capex", "opex", "grade", "recovery", "fx"]


def test_zero_uncertainty_reproduces_the_base_case(model, plan, params):
    mc = MonteCarloParams(seed=1, draws=50, volatility_pct={"default": 0.0})
    r = run_monte_carlo(model, mc)
    base = value_project(plan, params)
    assert np.allclose(r.npv, base.npv, rtol=1e-12)
    assert np.allclose(r.npv_pre_tax, base.pre_tax.npv, rtol=1e-12)


def test_percentiles_and_summary(model, params):
    r = run_monte_carlo(model, params.montecarlo)
    assert r.p10 < r.p50 < r.p90
    s = r.summary().set_index("statistic")
    assert s.loc["P50", "after_tax_usd"] == pytest.approx(r.p50)
    assert 0 <= r.probability_negative <= 1
    assert r.histogram(20)["count"].sum() == r.draws


def test_ou_paths_moments():
    rng = np.random.default_rng(3)
    t = np.arange(1, 31, dtype=float)
    corr = np.array([[1.0, 0.9], [0.9, 1.0]])
    p = ou_price_paths(rng, 40_000, t, np.array([0.3, 0.3]), corr, kappa=0.5)
    assert p.shape == (40_000, 2, 30)
    assert np.allclose(p.mean(axis=0), 1.0, atol=0.015)  # mean preserving
    logs = np.log(p[:, :, -1])
    stat_var = 0.3**2 / (2 * 0.5)  # stationary variance of the OU
    assert logs[:, 0].var() == pytest.approx(stat_var, rel=0.03)
    assert np.corrcoef(logs[:, 0], logs[:, 1])[0, 1] == pytest.approx(0.9, abs=0.01)
    med = ou_price_paths(
        np.random.default_rng(3),
        40_000,
        t,
        np.array([0.3]),
        np.eye(1),
        kappa=0.5,
        mean_preserving=False,
    )
    assert np.median(med[:, 0, -1]) == pytest.approx(1.0, abs=0.01)


def test_random_walk_when_no_reversion():
    rng = np.random.default_rng(5)
    p = ou_price_paths(
        rng,
        40_000,
        np.array([1.0, 4.0]),
        np.array([0.2]),
        np.eye(1),
        kappa=0.0,
        mean_preserving=False,
    )
    assert np.log(p[:, 0, 1]).var() == pytest.approx(0.04 * 4, rel=0.03)


def test_sample_factor_distributions():
    rng = np.random.default_rng(0)
    tri = sample_factor(
        rng, FactorDistribution(dist="triangular", low=0.9, mode=1.0, high=1.4), 50_000
    )
    assert tri.min() >= 0.9 and tri.max() <= 1.4
    assert tri.mean() == pytest.approx((0.9 + 1.0 + 1.4) / 3, abs=0.005)
    ln = sample_factor(rng, FactorDistribution(dist="lognormal", mean=1.1, sd=0.2), 200_000)
    assert ln.mean() == pytest.approx(1.1, abs=0.005) and ln.std() == pytest.approx(0.2, abs=0.005)
    assert (
        sample_factor(rng, FactorDistribution(dist="normal", mean=0.1, sd=1.0), 1000) >= 0
    ).all()
    assert (sample_factor(rng, FactorDistribution(dist="fixed", mode=1.2), 3) == 1.2).all()


def test_correlation_matrix_errors():
    d = ("Nd2O3", "Pr6O11", "Dy2O3")
    R = correlation_matrix(d, 50.0, {"Nd2O3|Pr6O11": 95.0})
    assert R[0, 1] == R[1, 0] == 0.95 and R[0, 2] == 0.5
    with pytest.raises(ConfigError, match=re.escape("pair_correlation_pct.Nd2O3|Gold")):
        correlation_matrix(d, 50.0, {"Nd2O3|Gold": 95.0})
    with pytest.raises(ConfigError, match="positive definite"):
        correlation_matrix(d, -90.0, {})


def test_seed_required(model):
    with pytest.raises(ConfigError, match="seed"):
        run_monte_carlo(model, MonteCarloParams(draws=10))


def test_cost_overruns_shift_the_distribution(plan, base, with_):
    cheap = economics_params(with_(base, montecarlo={"seed": 1, "draws": 500}))
    over = economics_params(
        with_(
            base,
            montecarlo={
                "seed": 1,
                "draws": 500,
                "capex": {"dist": "triangular", "low": 1.0, "mode": 1.2, "high": 1.5},
            },
        )
    )
    a = run_monte_carlo(build_model(plan, cheap), cheap.montecarlo)
    b = run_monte_carlo(build_model(plan, over), over.montecarlo)
    assert b.p50 < a.p50


@pytest.mark.slow
def test_dask_client_gives_the_same_draws(model, params):
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        got = run_monte_carlo(model, params.montecarlo, executor=client)
    assert np.array_equal(got.npv, run_monte_carlo(model, params.montecarlo).npv)
