"""Benchmark: ultimate and nested pits, mine2magnet against bare pymineflow, one process.

Jobs (issue 5):

(a) a SYNTHETIC 2,000,000-block model (160 × 125 × 100 blocks of 10 m, an ellipsoidal
    ore body under 20 benches of cover, seeded) with 45° slopes over 8 benches:
    * mine2magnet: ``slope_pattern`` + ``grid_precedence`` (the numba graph builder) +
      ``ultimate_pit`` (pymineflow's ``ExplicitPit`` on our CSR arrays);
    * pymineflow: ``Pit(nx, ny, nz, values, pattern="minsearch", slope_deg=45,
      n_benches=8)`` — its own implicit pattern on the full grid, the same rule;
    * the same integer block values; the pit values must be equal.
    Before that, the whole mine2magnet stage runs on the same model given as a block-model
    table (``block_values`` → ``block_precedence`` with its edge rule → ``ultimate_pit``):
    its time and the process's peak RSS are the "2 M blocks in < 30 s and < 3 GB" goal.
(b) 20 nested pits (revenue factors 0.3 … 2.0) on MineLib's mclaughlin_limit (112,687
    blocks; ``../shared/minelib``, skipped when absent), 45° over 8 benches of 25 × 25 ×
    20 m blocks (the rule that rebuilds its ``.prec`` exactly):
    * mine2magnet: ``slope_pattern`` + ``grid_precedence`` from the block coordinates +
      ``nested_pits`` (bisection on rings, one thread);
    * pymineflow: ``nested_pits(table, block_size=(25, 25, 20), slopes=45, n_benches=8,
      factors, threads=1)``; also shown with every core (``threads=0``).

Both sides are warmed up on a tiny model first (imports, numba cache). Times are wall
clock on this machine (2 shared cores). The last line reads
``pit: ours X s, pymineflow Y s, ratio R`` with ``R = X / Y``, the overhead of
mine2magnet's pipeline over bare pymineflow on the same jobs (goal ≤ 1.3).

Run: ``.venv/bin/python benchmarks/pit.py [nx ny nz]`` (a smaller grid for a quick look;
the ore body is scaled with it).
"""

from __future__ import annotations

import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from mine2magnet.blockmodel.grid import BlockModel
from mine2magnet.mining import (
    BlockEconomics,
    PitInputs,
    SlopeParams,
    block_precedence,
    block_values,
    grid_precedence,
    nested_pits,
    slope_pattern,
    ultimate_pit,
)

SEED = 20260105
COUNTS = tuple(int(v) for v in sys.argv[1:4]) if len(sys.argv) >= 4 else (160, 125, 100)
BLOCK = (10.0, 10.0, 10.0)
SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "minelib"
FACTORS = [round(0.3 + i * (1.7 / 19), 6) for i in range(20)]


def rss_gb() -> float:
    """Peak resident set size of this process so far [GB]."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def synthetic_grades() -> tuple[np.ndarray, np.ndarray]:
    """Nd2O3 grade [%] and tonnes per cell (flat order i fastest), SYNTHETIC and seeded."""
    nx, ny, nz = COUNTS
    rng = np.random.default_rng(SEED)
    k, j, i = np.meshgrid(np.arange(nz), np.arange(ny), np.arange(nx), indexing="ij")
    d = (((i - 0.5 * nx) / (0.375 * nx)) ** 2 + ((j - 0.5 * ny) / (0.36 * ny)) ** 2
         + ((k - 0.5 * nz) / (0.35 * nz)) ** 2)  # fmt: skip
    grade = np.where(d < 1.0, 0.9 * (1.0 - d) + rng.normal(0.0, 0.15, d.shape), 0.0)
    grade = np.clip(grade, 0.0, None).ravel()
    tonnes = np.full(grade.size, 2700.0)
    return grade, tonnes


ECON = BlockEconomics(
    {"Nd2O3": 60.0}, {"Nd2O3": 0.8}, mining_cost_usd_t=2.5, processing_cost_usd_t=25.0
)


def values_of(grade: np.ndarray, tonnes: np.ndarray) -> np.ndarray:
    """Block values in whole US$ (the same integers for both sides)."""
    rev = tonnes * grade / 100.0 * 1000.0 * 60.0 * 0.8
    v = np.maximum(rev - tonnes * 25.0 - tonnes * 2.5, -tonnes * 2.5)
    return np.rint(v)


def warm_up() -> None:
    import pymineflow

    v = np.array([5.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0])
    p = slope_pattern(BLOCK, 45.0, n_benches=8)
    g = grid_precedence(np.arange(8), (2, 2, 2), p)
    ultimate_pit(v, g)
    nested_pits(PitInputs.from_values(v), g, [0.5, 1.0])
    pymineflow._mineflow.Pit(2, 2, 2, v.astype(np.int64), pattern="minsearch", slope_deg=45,
                             n_benches=8, block_size=BLOCK).solve()  # fmt: skip
    tiny = {"IX": [0, 1], "IY": [0, 0], "IZ": [0, 0], "VALUE": [1.0, -1.0]}
    pymineflow.nested_pits(tiny, block_size=BLOCK, slopes=45, n_benches=8, factors=[1.0],
                           threads=1)  # fmt: skip


def full_stage(grade: np.ndarray, tonnes: np.ndarray) -> float:
    """block_values → block_precedence → ultimate_pit on a 2 M-row block-model table."""
    nx, ny, nz = COUNTS
    n = nx * ny * nz
    c = np.arange(n)
    table = pd.DataFrame({
        "i": c % nx, "j": (c // nx) % ny, "k": c // (nx * ny),
        "domain": pd.Categorical(np.where(grade > 0, "ORE", "HOST")),
        "volume_fraction": np.ones(n), "density_t_m3": np.full(n, 2.7), "tonnes": tonnes,
        "Nd2O3_pct": np.where(grade > 0, grade, np.nan),
    })  # fmt: skip
    bm = BlockModel((0.0, 0.0, 0.0), BLOCK, COUNTS, 0.0, table, ("Nd2O3_pct",))
    t0 = time.perf_counter()
    bv = block_values(bm, ECON, pad_cells=0)
    t1 = time.perf_counter()
    sp = block_precedence(bv, SlopeParams(default_angle_deg=45.0, max_benches=8))
    t2 = time.perf_counter()
    pit = ultimate_pit(bv.values(1.0, rows=sp.rows), sp.graph)
    t3 = time.perf_counter()
    print(
        f"(a0) whole stage on a {n:,}-row block-model table: values {t1 - t0:.1f} s, "
        f"precedence {t2 - t1:.1f} s ({sp.graph.n_arcs:,} arcs, {sp.blocked_cells:,} cells "
        f"blocked by the grid sides), pit {t3 - t2:.1f} s → {t3 - t0:.1f} s; "
        f"pit {pit.n_blocks:,} blocks, US$ {pit.value:,.0f}; peak RSS {rss_gb():.2f} GB"
    )
    return t3 - t0


def job_a(grade: np.ndarray, tonnes: np.ndarray) -> tuple[float, float]:
    import pymineflow

    nx, ny, nz = COUNTS
    v = values_of(grade, tonnes)
    t0 = time.perf_counter()
    pattern = slope_pattern(BLOCK, 45.0, n_benches=8)
    g = grid_precedence(np.arange(v.size), COUNTS, pattern)
    t1 = time.perf_counter()
    ours = ultimate_pit(v, g)
    t2 = time.perf_counter()
    n_arcs = g.n_arcs
    del g
    t_ours = t2 - t0
    print(
        f"(a) mine2magnet: pattern {pattern.n_offsets} offsets + graph ({n_arcs:,} arcs) in "
        f"{t1 - t0:.2f} s, solve {t2 - t1:.2f} s → {t_ours:.2f} s; pit {ours.n_blocks:,} "
        f"blocks, US$ {ours.value:,.0f}; peak RSS so far {rss_gb():.2f} GB"
    )
    iv = v.astype(np.int64)
    t0 = time.perf_counter()
    peer = pymineflow._mineflow.Pit(nx, ny, nz, iv, pattern="minsearch", slope_deg=45.0,
                                    n_benches=8, block_size=BLOCK)  # fmt: skip
    _, value, n_in, _ = peer.solve()
    t_peer = time.perf_counter() - t0
    print(
        f"(a) pymineflow Pit(minsearch): {t_peer:.2f} s; pit {int(n_in):,} blocks, "
        f"US$ {int(value):,}; pattern {len(peer.offsets())} offsets"
    )
    if int(value) != ours.value_scaled or int(n_in) != ours.n_blocks:
        raise SystemExit("job (a): the two pits differ")
    return t_ours, t_peer


def job_b() -> tuple[float, float] | None:
    import pymineflow

    from mine2magnet.mining.minelib import read_blocks, read_upit

    files = [SHARED / "mclaughlin_limit.blocks.gz", SHARED / "mclaughlin_limit.upit.gz"]
    if not all(f.is_file() for f in files):
        print("(b) skipped: ../shared/minelib/mclaughlin_limit.* not found")
        return None
    b = read_blocks(files[0]).table
    values = read_upit(files[1]).values
    x, y, z = (b[c].to_numpy(np.int64) for c in ("x", "y", "z"))
    counts = (int(x.max()) + 1, int(y.max()) + 1, int(z.max()) + 1)
    flat = x + counts[0] * (y + counts[1] * z)
    order = np.argsort(flat)
    bs = (25.0, 25.0, 20.0)
    t0 = time.perf_counter()
    g = grid_precedence(flat[order], counts, slope_pattern(bs, 45.0, n_benches=8))
    shells = nested_pits(PitInputs.from_values(values[order]), g, FACTORS)
    t_ours = time.perf_counter() - t0
    one = int(np.argmin(np.abs(shells.revenue_factors - 1.0)))
    print(
        f"(b) mine2magnet: graph {g.n_arcs:,} arcs + 20 nested pits {t_ours:.2f} s "
        f"(solves {shells.seconds:.2f} s); final pit {int((shells.pit_id > 0).sum()):,} "
        f"blocks, objective at factor {shells.revenue_factors[one]:.4f} "
        f"US$ {shells.objective[one]:,.0f}"
    )
    table = {"IX": x, "IY": y, "IZ": z, "VALUE": values}
    times = {}
    for th in (1, 0):
        with warnings.catch_warnings():  # "sparse grid": pymineflow fills the whole box
            warnings.simplefilter("ignore", RuntimeWarning)
            t0 = time.perf_counter()
            pits = pymineflow.nested_pits(table, block_size=bs, slopes=45, n_benches=8,
                                          factors=FACTORS, threads=th)  # fmt: skip
            times[th] = time.perf_counter() - t0
    peer_obj = np.asarray(pits.values, dtype=float)
    print(
        f"(b) pymineflow nested_pits: {times[1]:.2f} s on one thread, {times[0]:.2f} s on "
        f"every core; final pit {int((pits.pit_number() > 0).sum()):,} blocks; largest "
        f"difference of the 20 objectives {np.max(np.abs(peer_obj - shells.objective)):,.0f}"
        " US$ (its grid is the 792,540-cell box around the blocks)"
    )
    return t_ours, times[1]


def main() -> None:
    warm_up()
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}")
    grade, tonnes = synthetic_grades()
    t_full = full_stage(grade, tonnes)
    ok = "met" if t_full < 30 and rss_gb() < 3 else "NOT met"
    print(f"(a0) goal < 30 s and < 3 GB for {np.prod(COUNTS):,} blocks: {ok}")
    a_ours, a_peer = job_a(grade, tonnes)
    res = job_b()
    ours, peer = a_ours, a_peer
    if res is not None:
        ours += res[0]
        peer += res[1]
        if res[0] >= 10.0:
            print("(b) goal < 10 s for 20 nested pits on mclaughlin_limit: NOT met")
        else:
            print("(b) goal < 10 s for 20 nested pits on mclaughlin_limit: met")
    print(
        f"ratio = mine2magnet time / pymineflow time over jobs (a) and (b): the overhead of "
        f"our slope builder and graph assembly (goal ≤ 1.3); peak RSS {rss_gb():.2f} GB"
    )
    print(f"pit: ours {ours:.2f} s, pymineflow {peer:.2f} s, ratio {ours / peer:.2f}")


if __name__ == "__main__":
    main()
