"""Benchmark: SX cascade steady state and cascade-train design.

Case: the first light-REE split (La-Ce | Pr-Nd-Sm+) of a 15-component Bayan Obo-type feed
(DOMAIN.md §2 distribution) in P507/HCl, 30 extraction + 30 scrub stages at Xu's optimum
flows for 99.5 %/99.5 %: 60 stages x 15 elements, solved to a relative mass-balance and
equilibrium residual <= 1e-10.

Ours: ``mine2magnet.processing.sx.simulate`` (numba kernels). JIT compilation is timed
separately in a fresh numba cache (first call), then the median of repeated solves.

Peer: a straightforward ``scipy.optimize.root`` (MINPACK hybrid, i.e. fsolve) on the same
equations in the same process — unknowns the logarithms of the 900 aqueous flows, residuals
the stage balances scaled by each element's inflow, equilibrium explicit
(``y = L beta x / sum beta x``). Started from the same initial flows as ours it does not
converge (reported); the timed peer run therefore starts from our solution perturbed by
1 % (log-normal, seeded), which favours the peer. Its accuracy is reported alongside.

Also times the design of a 4-split LREE train (``design_train``).

The last line is ``sx: ours X ms, PEER Y ms, ratio R`` with R = peer / ours.
"""

from __future__ import annotations

import os
import tempfile
import time

os.environ.setdefault("NUMBA_CACHE_DIR", tempfile.mkdtemp(prefix="m2m-numba-"))

import numpy as np
from scipy.optimize import root

from mine2magnet.processing.sx import (
    countercurrent,
    design_train,
    load_separation_factors,
    simulate,
    xu_estimate,
)
from mine2magnet.processing.sx.design import oxide_mass_per_mol

OXIDE_PCT = {  # Bayan Obo, % of TREO (DOMAIN.md §2, unverified) + trace heavies
    "La": 23.0,
    "Ce": 50.0,
    "Pr": 6.2,
    "Nd": 18.5,
    "Sm": 0.8,
    "Eu": 0.2,
    "Gd": 0.7,
    "Tb": 0.1,
    "Dy": 0.1,
    "Ho": 0.02,
    "Y": 0.05,
    "Er": 0.02,
    "Tm": 0.005,
    "Yb": 0.01,
    "Lu": 0.002,
}


def feed_and_beta() -> tuple[list[str], np.ndarray, np.ndarray]:
    sf = load_separation_factors("P507_HCl")
    el = list(sf.elements)
    mol = np.array([OXIDE_PCT[e] / oxide_mass_per_mol(e) for e in el])
    return el, sf.beta.copy(), mol / mol.sum()


def build_case():
    el, beta, feed = feed_and_beta()
    cut = el.index("Pr")
    xu = xu_estimate(feed[cut:].sum(), 0.995, 0.995, beta[cut] / beta[cut - 1])
    cas = countercurrent(
        el,
        beta,
        feed,
        n_extraction=30,
        n_scrub=30,
        organic_mol_h=xu.organic_per_feed,
        scrub_mol_h=xu.scrub_per_feed,
        extract_elements=el[cut:],
    )
    return cas


def peer_solve(cas, x0: np.ndarray) -> tuple[np.ndarray, float, bool]:
    """scipy.optimize.root (hybr) on the full stage equations; returns flows, residual, ok."""
    n, c = x0.shape
    beta = cas.beta
    load = cas.loading_mol_h
    feed = cas.feed_aqueous_mol_h
    link = cas.aqueous_link.astype(float)[:, None]

    def flows(u):
        x = np.exp(u.reshape(n, c))
        w = beta * x
        y = load[:, None] * w / w.sum(axis=1, keepdims=True)
        return x, y

    def balance(x, y):
        y_in = np.vstack([np.zeros((1, c)), y[:-1]])
        x_in = np.vstack([x[1:], np.zeros((1, c))]) * link
        inflow = y_in + x_in + feed
        return inflow - x - y, inflow

    def fun(u):
        x, y = flows(u)
        r, inflow = balance(x, y)
        return (r / (inflow + 1e-300)).ravel()

    with np.errstate(all="ignore"):
        sol = root(
            fun, np.log(x0).ravel(), method="hybr", options={"xtol": 1e-13, "maxfev": 200000}
        )
        x, y = flows(sol.x)
    r, inflow = balance(x, y)
    rel = float(np.max(np.abs(r) / np.maximum(inflow, x + y)))
    return x, rel, bool(sol.success)


def main() -> None:
    cas = build_case()
    t0 = time.perf_counter()
    res = simulate(cas)
    jit_s = time.perf_counter() - t0
    times = []
    for _ in range(25):
        t0 = time.perf_counter()
        res = simulate(cas)
        times.append(time.perf_counter() - t0)
    ours_ms = 1e3 * float(np.median(times))
    assert res.balance_residual_rel <= 1e-10 and res.equilibrium_residual_rel <= 1e-10
    print(f"case: {cas.n_stages} stages x {len(cas.elements)} elements, split La-Ce | Pr-Nd+")
    print(f"ours: first call (numba JIT compile, empty cache) {jit_s:.2f} s")
    print(
        f"ours: median of 25 solves {ours_ms:.2f} ms, Newton iterations {res.iterations}, "
        f"start-up cycles {res.cycles}"
    )
    print(
        f"ours: balance residual {res.balance_residual_rel:.2e}, equilibrium residual "
        f"{res.equilibrium_residual_rel:.2e}, extract purity {res.extract_purity:.6f}, "
        f"raffinate purity {res.raffinate_purity:.6f}"
    )

    # cold: the peer starts from the flows of our initial guess (same heuristics)
    start = simulate(cas, max_iter=0, max_cycles=0, tol=np.inf)
    x0 = np.maximum(np.array(start.aqueous_mol_h), 1e-300)
    t0 = time.perf_counter()
    x_peer, rel_peer, ok_peer = peer_solve(cas, x0)
    cold_ms = 1e3 * (time.perf_counter() - t0)
    print(
        f"peer (cold, our initial flows): {cold_ms:.1f} ms, success={ok_peer}, balance "
        f"residual {rel_peer:.2e}"
    )
    # warm: our solution perturbed by 1 % — the timed peer
    rng = np.random.default_rng(0)
    x1 = res.aqueous_mol_h * np.exp(0.01 * rng.standard_normal(res.aqueous_mol_h.shape))
    t0 = time.perf_counter()
    x_peer, rel_peer, ok_peer = peer_solve(cas, x1)
    peer_ms = 1e3 * (time.perf_counter() - t0)
    dev = float(np.max(np.abs(x_peer - res.aqueous_mol_h) / np.maximum(res.aqueous_mol_h, 1e-30)))
    print(
        f"peer (warm, 1 % from the solution): {peer_ms:.1f} ms, success={ok_peer}, balance "
        f"residual {rel_peer:.2e}, max relative deviation from ours {dev:.2e}"
    )

    el, beta, feed = feed_and_beta()
    splits = [
        {"extract": el[el.index("Sm") :], "extract_purity": 0.99, "raffinate_purity": 0.9995},
        {
            "extract": el[el.index("Pr") :],
            "source": (0, "raffinate"),
            "extract_purity": 0.995,
            "raffinate_purity": 0.995,
        },
        {
            "extract": el[el.index("Ce") :],
            "source": (1, "raffinate"),
            "extract_purity": 0.995,
            "raffinate_purity": 0.995,
        },
        {
            "extract": el[el.index("Nd") :],
            "source": (1, "extract"),
            "extract_purity": 0.995,
            "raffinate_purity": 0.995,
        },
    ]
    for label, kw in (("without", {"tradeoff_factors": None}), ("with", {})):
        t0 = time.perf_counter()
        train = design_train(el, beta, feed * 1000.0, splits, **kw)
        dt = time.perf_counter() - t0
        stages = ", ".join(
            f"{d.key_pair[0]}|{d.key_pair[1]} {d.n_extraction}+{d.n_scrub}" for d in train
        )
        print(
            f"train: 4 splits designed in {dt:.2f} s ({label} min reflux and trade-off): {stages}"
        )
    print(f"sx: ours {ours_ms:.2f} ms, PEER {peer_ms:.1f} ms, ratio {peer_ms / ours_ms:.1f}")


if __name__ == "__main__":
    main()
