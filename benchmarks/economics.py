"""Benchmark: Monte Carlo NPV draws per second for 30-year mine cash flows.

Case (SYNTHETIC, Beylikova-like): 3 construction years, 30 production years, 3 closure years
(36 annual periods); four oxide price drivers (Nd2O3, Pr6O11, La2O3, CeO2) and a fixed-price
fluorite by-product, all mean-reverting in logs (OU, κ = 0.5/y, σ = 30 %, ρ = 0.6, NdPr 0.95);
triangular capex and opex overruns, normal grade and recovery factors; the Türkiye fiscal
regime: state right on the pit-head (netback) value, 25 % corporate tax with 5-year loss
expiry and the 10 % minimum tax, tax depreciation; working capital, closure, salvage.

Ours: ``mine2magnet.economics.run_monte_carlo`` — price paths and the tax loop in numba, the
rest vectorised numpy over draws — 100,000 draws, serial (one core) and on two threads via
``mine2magnet.parallel.map_chunks``. JIT compilation is timed separately (fresh cache).

Peer: a straightforward per-draw loop in the same process: for each draw, the same cash-flow
lines computed with numpy on that draw's 36 periods, the tax loss-vintage loop in Python, and
``numpy_financial.npv`` for the NPV (divided by 1 + r: numpy-financial does not discount
the first flow, our model uses end-of-year flows). To compare like with like the peer is fed
our price paths and factors (its random-number generation is not timed, which favours it);
its NPVs must equal ours to 1e-9 relative, which checks that both compute the same model.

The goal is ≥ 1 million 30-year scenarios per minute on 2 cores (16,667 per second).
The last line is ``economics: ours X scenarios/s, numpy-financial Y scenarios/s, ratio R``.
"""

from __future__ import annotations

import os
import tempfile
import time

os.environ.setdefault("NUMBA_CACHE_DIR", tempfile.mkdtemp(prefix="m2m-numba-"))

import numpy as np
import numpy_financial as npf

from mine2magnet.economics import ProductionPlan, build_model, economics_params, run_monte_carlo
from mine2magnet.economics.fiscal import COST_CLASSES
from mine2magnet.economics.montecarlo import correlation_matrix, ou_price_paths, sample_factor

N_OURS = 100_000
N_PEER = 2_000


def build_case():
    shape = np.r_[np.zeros(3), np.linspace(0.6, 1.0, 3), np.ones(27)]
    plan = ProductionPlan.from_arrays(
        570e3 * shape,
        {
            "NdPr oxide": 1900.0 * shape,
            "La-Ce carbonate": 6500.0 * shape,
            "fluorite concentrate": 70e3 * shape,
        },
        {
            "NdPr oxide": {"Nd2O3": 0.746, "Pr6O11": 0.249},
            "La-Ce carbonate": {"La2O3": 0.23, "CeO2": 0.50},
        },
        waste_t=2e6 * shape,
        source="benchmark (SYNTHETIC)",
    )
    params = economics_params(
        {
            "discount_rate_pct": 8,
            "inflation_pct": 2.0,
            "products": {
                "La-Ce carbonate": {"payability_pct": 75},
                "fluorite concentrate": {
                    "pricing": "fixed",
                    "price_usd_kg": 0.3,
                    "grade_linked": False,
                    "by_product": True,
                },
            },
            "opex": {
                "mining": {"usd_per_t_mined": 2.5, "local_share_pct": 90},
                "processing": {"usd_per_t_ore": 45.0, "local_share_pct": 60},
                "refining": {"usd_per_t_product": 9000.0, "products": ["NdPr oxide"]},
                "g_and_a": {"fixed_usd_per_year": 15e6},
                "transport": {"usd_per_t_product": 60.0},
            },
            "capex": [
                {
                    "name": "plant",
                    "category": "initial",
                    "amounts_usd": [150e6, 300e6, 250e6],
                    "contingency_pct": 20,
                },
                {
                    "name": "sustaining",
                    "category": "sustaining",
                    "usd_per_year": 12e6,
                    "tax_class": "mobile",
                },
            ],
            "closure": {"cost_usd": 60e6, "years": 3, "salvage_pct_of_initial": 2},
            "montecarlo": {
                "seed": 20260101,
                "chunk_size": 25_000,
                "pair_correlation_pct": {"Nd2O3|Pr6O11": 95},
                "capex": {"dist": "triangular", "low": 0.95, "mode": 1.05, "high": 1.4},
                "opex": {"dist": "triangular", "low": 0.9, "mode": 1.0, "high": 1.25},
                "grade": {"dist": "normal", "mean": 1.0, "sd": 0.05},
                "recovery": {"dist": "normal", "mean": 1.0, "sd": 0.03},
            },
        }
    )
    return plan, params


def peer_inputs(model, mc, n):
    """Price paths and factors for the peer (same generator, one chunk)."""
    rng = np.random.default_rng(np.random.SeedSequence(mc.seed).spawn(1)[0])
    vols = np.array(
        [mc.volatility_pct.get(d, mc.volatility_pct["default"]) / 100 for d in model.drivers]
    )
    corr = correlation_matrix(model.drivers, mc.correlation_pct, mc.pair_correlation_pct)
    prices = ou_price_paths(
        rng, n, model.timing.cash_times(), vols, corr, kappa=mc.reversion_per_year
    )
    f = {
        k: sample_factor(rng, getattr(mc, k), n)
        for k in ("capex", "opex", "grade", "recovery", "fx")
    }
    return prices, f


def peer_npv(model, price_rel, kc, ko, g, fx):
    """One draw, written the straightforward way; NPV with numpy-financial."""
    T = model.n_periods
    revenue = (g * model.revenue_linked * price_rel).sum(0) + (model.revenue_fixed * price_rel).sum(
        0
    )
    revenue = revenue + g * model.product_toll[model.product_linked].sum(0)
    revenue = revenue + model.product_toll[~model.product_linked].sum(0)
    opex_c = {}
    for c, cls in enumerate(COST_CLASSES):
        adj = 1.0 + model.opex_local_share[c] * (fx - 1.0)
        opex_c[cls] = ko * adj * (model.opex_fixed[c] + g * model.opex_volume[c])
    opex = sum(opex_c.values())
    royalty = np.zeros(T)
    for rule in model.regime.royalties:  # the Türkiye state right: netback
        base = np.maximum(revenue - sum(opex_c[c] for c in rule.deductions), 0.0)
        royalty += rule.effective_rate * base
    capex = kc * (model.capex.sum(0) + (fx - 1.0) * model.capex_local.sum(0))
    dep = kc * (model.depreciation + (fx - 1.0) * model.depreciation_local)
    salvage = model.salvage_fixed + kc * model.salvage_scaled
    rec, inv, pay = model.wc_days
    wc = (rec * revenue + (inv - pay) * opex) / 365.0 * model.production + model.wc_fixed
    dwc = np.diff(wc, prepend=0.0)
    pre = revenue - opex - royalty - capex - dwc - model.closure + salvage
    income = revenue - opex - royalty - dep - model.closure + salvage
    reg = model.regime
    rate, mrate = reg.corporate_tax_pct / 100, reg.minimum_tax_pct / 100
    vintages: list[list[float]] = []
    tax = np.zeros(T)
    for y in range(T):
        x = income[y]
        pos = max(x, 0.0)
        used = 0.0
        for v in vintages:  # oldest first
            take = min(v[1], pos - used)
            v[1] -= take
            used += take
        minimum = mrate * pos if y >= reg.minimum_tax_exempt_years else 0.0
        tax[y] = max(rate * (pos - used), minimum)
        vintages = [v for v in vintages if v[1] > 0 and y - v[0] < reg.loss_carry_forward_years]
        if x < 0:
            vintages.append([y, -x])
        vintages = [v for v in vintages if y + 1 - v[0] <= reg.loss_carry_forward_years]
    cf = (pre - tax) / model.deflator
    r = model.discount_rate
    return npf.npv(r, cf) / (1.0 + r)


def main() -> None:
    plan, params = build_case()
    model = build_model(plan, params)
    mc = params.montecarlo
    T = model.n_periods
    print(
        f"case: {T} annual periods (30 producing), {len(model.drivers)} price drivers, "
        "Türkiye regime"
    )

    t0 = time.perf_counter()
    run_monte_carlo(model, mc, draws=200, chunk_size=200)
    print(f"first call incl. numba compilation: {time.perf_counter() - t0:.2f} s")

    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        res = run_monte_carlo(model, mc, draws=N_OURS)
        runs.append(time.perf_counter() - t0)
    ours_serial = N_OURS / min(runs)
    t0 = time.perf_counter()
    res2 = run_monte_carlo(model, mc, draws=N_OURS, executor="threads")
    ours_threads = N_OURS / (time.perf_counter() - t0)
    assert np.array_equal(res.npv, res2.npv), "threads changed the draws"
    print(
        f"ours: {N_OURS:,} draws, best of 3 serial {min(runs):.2f} s = {ours_serial:,.0f}/s; "
        f"2 threads {ours_threads:,.0f}/s; P10/P50/P90 NPV8 US$ M "
        f"{res.p10 / 1e6:,.0f} / {res.p50 / 1e6:,.0f} / {res.p90 / 1e6:,.0f}"
    )
    ours = max(ours_serial, ours_threads)
    print(
        f"goal >= 1,000,000 30-year scenarios per minute: ours {ours * 60:,.0f} per minute "
        f"({'met' if ours * 60 >= 1e6 else 'NOT met'})"
    )

    prices, f = peer_inputs(model, mc, N_PEER)
    g = f["grade"] * f["recovery"]
    t0 = time.perf_counter()
    peer = np.array(
        [
            peer_npv(model, prices[i], f["capex"][i], f["opex"][i], g[i], f["fx"][i])
            for i in range(N_PEER)
        ]
    )
    peer_rate = N_PEER / (time.perf_counter() - t0)
    same = run_monte_carlo(model, mc, draws=N_PEER, chunk_size=N_PEER).npv
    err = float(np.max(np.abs(peer - same) / np.abs(same).max()))
    print(
        f"peer: {N_PEER:,} draws at {peer_rate:,.0f}/s; "
        f"max |NPV difference| / max |NPV| = {err:.1e}"
    )
    assert err < 1e-9, "peer and ours disagree"
    print(
        f"economics: ours {ours:,.0f} scenarios/s, numpy-financial {peer_rate:,.0f} scenarios/s, "
        f"ratio {ours / peer_rate:,.1f}"
    )


if __name__ == "__main__":
    main()
