"""Benchmark: sequential Gaussian simulation of 1,000,000 nodes from 5,000 samples.

The job of issue 8: 5,000 composites (250 seeded drillholes × 20 samples of 10 m, normal
scores), a 100 × 100 × 100 node grid of 5 × 5 × 2 m (1,000,000 nodes), at most 24
conditioning data and 24 previously simulated nodes in an anisotropic search ellipsoid (the
variogram ranges), a nugget + spherical normal-score model with 3-D anisotropy (azimuth 30,
dip -10, rake 5; ranges 150/100/40 m), multiple-grid random path.

* mine2magnet: :func:`mine2magnet.geostats.simulation.sgs_values`, one realisation on one
  core, rated per CPU-second (``time.process_time``; the machine is shared, so wall time
  is printed too; best of three, with the spread; the numba kernels are compiled into a
  fresh cache first and the JIT time is printed on its own line). The grid is regular, so
  the lattice kernel runs (grid-offset template for simulated nodes, super-block data
  lists). Python-side set-up (lattice detection, path, data lists) is included in the
  rates. Then two realisations on two threads at once (the kernel releases the GIL) for
  the throughput of the machine, and the peak memory of one realisation (numpy
  allocations traced by ``tracemalloc``, and the process's peak resident set).
* Peer: a plain numpy/scipy SGS written here (same path idea, cKDTree for the data, a
  GSLIB-like template of grid offsets for previously simulated nodes, covariances from
  ``VariogramModel.covariance``, ``numpy.linalg.solve``), timed (CPU) on the first 20,000
  nodes of its random path over the full grid and expressed as nodes/s.
* Checks: realisation mean/variance (≈ 0/1), nodes at data.

Run: ``.venv/bin/python benchmarks/simulation.py [n_peer_nodes]``. The last line reads
``simulation: ours X nodes/s, PEER Y nodes/s, ratio R``.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import threading
import time
import tracemalloc

_CACHE = tempfile.TemporaryDirectory(prefix="m2m-numba-")
os.environ["NUMBA_CACHE_DIR"] = _CACHE.name  # cold JIT: measured, not read from disk

import numpy as np  # noqa: E402
from scipy.spatial import cKDTree  # noqa: E402

from mine2magnet.geostats import SearchParameters, Structure, VariogramModel  # noqa: E402
from mine2magnet.geostats.simulation import sgs_values  # noqa: E402

SEED = 20261123
ANGLES = (30.0, -10.0, 5.0)
RANGES = (150.0, 100.0, 40.0)
MODEL = VariogramModel(0.1, (Structure("spherical", 0.9, RANGES, ANGLES),))
SEARCH = SearchParameters(RANGES, ANGLES)
SPACING = np.array([5.0, 5.0, 2.0])
DIMS = (100, 100, 100)
MAX_DATA = MAX_PREV = 24


def grid() -> np.ndarray:
    axes = [np.arange(n) * s + s / 2 for n, s in zip(DIMS, SPACING, strict=True)]
    gz, gy, gx = np.meshgrid(axes[2], axes[1], axes[0], indexing="ij")
    return np.column_stack([gx.ravel(), gy.ravel(), gz.ravel()])


def samples() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    ext = np.array(DIMS) * SPACING
    holes = []
    for _ in range(250):
        c = rng.uniform([0, 0], ext[:2])
        az, dip = rng.uniform(0, 2 * np.pi), np.radians(rng.uniform(60, 90))
        d = np.array([np.sin(az) * np.cos(dip), np.cos(az) * np.cos(dip), -np.sin(dip)])
        top = np.array([c[0], c[1], ext[2] - 1.0])
        holes.append(top + (np.arange(20) * 10.0 + 5.0)[:, None] * d * 0.9)
    X = np.vstack(holes)
    X = np.clip(X, 0.0, ext)
    # correlated normal scores along each hole (AR(1)), standardised
    z = np.empty(len(X))
    for h in range(250):
        e = rng.standard_normal(20)
        for k in range(1, 20):
            e[k] = 0.8 * e[k - 1] + 0.6 * e[k]
        z[h * 20 : (h + 1) * 20] = e
    return X, (z - z.mean()) / z.std()


def numpy_sgs(G, X, z, n_nodes, seed):
    """Plain numpy/scipy SGS of the first ``n_nodes`` of a random path (the peer)."""
    A = SEARCH.matrix()
    tree = cKDTree(X @ A.T)
    rng = np.random.default_rng(seed)
    path = rng.permutation(len(G))[:n_nodes]
    idx = np.floor(G / SPACING).astype(int)
    sim = np.full(DIMS[::-1], np.nan)  # [k, j, i]
    r = [np.arange(-int(np.ceil(R / s)), int(np.ceil(R / s)) + 1) for R, s in
         zip((RANGES[0],) * 3, SPACING, strict=True)]  # fmt: skip
    off = np.stack(np.meshgrid(*r, indexing="ij"), -1).reshape(-1, 3)
    dist = np.linalg.norm((off * SPACING) @ A.T, axis=1)
    keep = (dist <= 1.0) & (dist > 0)
    off = off[keep][np.argsort(dist[keep], kind="stable")][:4000]  # GSLIB-like template
    c0 = MODEL.sill
    t0 = time.process_time()
    for t in path:
        p = G[t]
        dd, di = tree.query(p @ A.T, k=MAX_DATA, distance_upper_bound=1.0)
        di = di[np.isfinite(dd)]
        cand = idx[t] + off
        ok = np.all((cand >= 0) & (cand < DIMS), axis=1)
        cand = cand[ok]
        vals = sim[cand[:, 2], cand[:, 1], cand[:, 0]]
        have = np.flatnonzero(np.isfinite(vals))[:MAX_PREV]
        P = np.vstack([X[di], (cand[have] + 0.5) * SPACING])
        v = np.concatenate([z[di], vals[have]])
        if len(v):
            C = MODEL.covariance(P[:, None, :] - P[None, :, :])
            b = MODEL.covariance(P - p)
            lam = np.linalg.solve(C, b)
            mean, var = lam @ v, max(c0 - lam @ b, 0.0)
        else:
            mean, var = 0.0, c0
        sim[idx[t, 2], idx[t, 1], idx[t, 0]] = mean + np.sqrt(var) * rng.standard_normal()
    return n_nodes / (time.process_time() - t0)


def main() -> None:
    n_peer = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    G, (X, z) = grid(), samples()
    print(f"{len(G):,} nodes, {len(X):,} samples, ≤ {MAX_DATA} data + ≤ {MAX_PREV} nodes")
    t = time.perf_counter()
    sgs_values(G[:2000], X, z, MODEL, search=SEARCH, seed=0)
    print(f"numba JIT compile (cold cache) + tiny run: {time.perf_counter() - t:.1f} s")

    cpu, wall = [], []
    for rep in range(3):
        t, c = time.perf_counter(), time.process_time()
        y, st = sgs_values(G, X, z, MODEL, search=SEARCH, seed=SEED + rep,
                           max_data=MAX_DATA, max_previous=MAX_PREV)  # fmt: skip
        dt, dc = time.perf_counter() - t, time.process_time() - c
        cpu.append(dc)
        wall.append(dt)
        print(f"realisation {rep}: {dt:.2f} s wall, {dc:.2f} s CPU, mean {y.mean():+.3f}, "
              f"variance {y.var():.3f}, mean neighbours {st.mean_neighbours:.1f}, "
              f"at data {st.n_at_data}, singular {st.n_singular}")  # fmt: skip
    best, best_wall = min(cpu), min(wall)
    ours = len(G) / best
    print(f"per realisation of {len(G):,} nodes (one core): best {best:.2f} CPU-s "
          f"= {ours:,.0f} nodes/s per core; spread {min(cpu):.2f}-{max(cpu):.2f} CPU-s "
          f"({len(G) / max(cpu):,.0f}-{ours:,.0f} nodes/s); wall best {best_wall:.2f} s "
          f"({len(G) / best_wall:,.0f} nodes/s)")  # fmt: skip

    out: dict[int, float] = {}

    def run(k: int) -> None:
        sgs_values(G, X, z, MODEL, search=SEARCH, seed=100 + k)

    t = time.perf_counter()
    th = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for h in th:
        h.start()
    for h in th:
        h.join()
    dt2 = time.perf_counter() - t
    out[2] = 2 * len(G) / dt2
    print(f"two realisations on two threads: {dt2:.1f} s, {out[2]:,.0f} nodes/s "
          f"({out[2] / 2:,.0f} nodes/s per core; machine load shared with other jobs)")  # fmt: skip

    tracemalloc.start()
    sgs_values(G, X, z, MODEL, search=SEARCH, seed=1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # kB on Linux
    print(f"peak memory of one realisation of {len(G):,} nodes: {peak / 1e6:.0f} MB traced "
          f"numpy arrays ({peak / len(G):.0f} bytes/node, linear in the nodes); process peak "
          f"RSS {rss:.0f} MB (inputs, two threads, JIT included)")  # fmt: skip

    peer = numpy_sgs(G, X, z, n_peer, SEED)
    print(f"plain numpy/scipy SGS: {peer:,.0f} nodes/s per CPU-second, first {n_peer:,} path nodes")
    print(f"simulation: ours {ours:.0f} nodes/s, PEER {peer:.0f} nodes/s, ratio {ours / peer:.0f}")


if __name__ == "__main__":
    main()
