"""Benchmark: block-level CPIT on MineLib instances against the best known schedules.

For newman1, zuck_small, kd and marvin (``../shared/minelib``; an instance without its
``.cpit`` model file is skipped and said so) this runs :func:`solve_cpit` — ultimate-pit
restriction, Bienstock–Zuckerberg LP, TopoSort + pruning, sliding-window MIP local
search — re-checks the schedule with :func:`check_cpit`, and prints per instance: our
discounted value, the best known value and the LP bound published with MineLib
(Espinoza et al. 2013; best known from Chicoisne et al. 2012), our LP bound, the gap of
our value to the LP bound, and the wall time.

The peer is the best known solution: the last line reads
``cpit: ours X, PEER Y, ratio R`` with ``X`` the sum of our values, ``Y`` the sum of the
best known values over the same instances and ``R = X / Y`` (goal ≥ 1, and every gap to
the LP bound ≤ 3 %).

Run: ``.venv/bin/python benchmarks/schedule.py [search_seconds]`` (local-search budget
per instance, default 120 s).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from mine2magnet.mining.minelib import read_instance
from mine2magnet.mining.schedule_cpit import check_cpit, solve_cpit

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "minelib"
PUBLISHED = {  # best known CPIT, LP bound (../shared/minelib/README.md)
    "newman1": (23_483_671, 24_486_184),
    "zuck_small": (788_652_600, 854_182_396),
    "kd": (396_858_193, 409_498_555),
    "marvin": (820_726_048, 863_916_131),
}
SEARCH = float(sys.argv[1]) if len(sys.argv) > 1 else 120.0


def main() -> None:
    if not SHARED.is_dir():
        print(f"{SHARED} not found; nothing to run")
        print("cpit: ours nan, PEER nan, ratio nan")
        return
    header = (
        f"{'instance':<11} {'ours':>15} {'best known':>15} {'LP (MineLib)':>15} "
        f"{'LP (ours)':>15} {'vs best':>8} {'gap LP':>7} {'time s':>7}"
    )
    print(header)
    ours_sum = peer_sum = 0.0
    for name, (best, lp_pub) in PUBLISHED.items():
        inst = read_instance(SHARED, name)
        if inst.cpit is None or inst.precedence is None:
            print(f"{name:<11} skipped: no {name}.cpit in {SHARED}")
            continue
        t0 = time.perf_counter()
        s = solve_cpit(inst.cpit, inst.precedence, search_time=SEARCH)
        seconds = time.perf_counter() - t0
        chk = check_cpit(inst.cpit, inst.precedence, s.period)
        if not chk.feasible:
            raise SystemExit(f"{name}: infeasible schedule")
        print(
            f"{name:<11} {chk.objective:>15,.0f} {best:>15,.0f} {lp_pub:>15,.0f} "
            f"{s.lp.bound:>15,.0f} {chk.objective / best - 1:>+8.2%} "
            f"{1 - chk.objective / s.lp.bound:>7.2%} {seconds:>7.1f}"
        )
        stages = ", ".join(
            f"{r.stage} {r.objective:,.0f} @ {r.seconds:.1f} s"
            for r in s.stages.itertuples()
            if r.stage != "lp"
        )
        print(
            f"{'':<11} LP {s.lp.iterations} BZ iterations, {s.lp.n_parts} parts, "
            f"{s.lp.seconds:.1f} s; {stages}"
        )
        ours_sum += chk.objective
        peer_sum += best
    if peer_sum == 0:
        print("cpit: ours nan, PEER nan, ratio nan")
        return
    print(f"cpit: ours {ours_sum:,.0f}, PEER {peer_sum:,.0f}, ratio {ours_sum / peer_sum:.4f}")


if __name__ == "__main__":
    main()
