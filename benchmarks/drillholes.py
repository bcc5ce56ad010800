"""Benchmark: load + validate, desurvey and composite a million assay intervals.

Generates (seeded) ~10,000 curved holes holding 1,000,000 assay intervals with surveys and
lithology, writes them as CSV into a temporary project, then times

* load + validation (``mine2magnet.drillholes.database.load_drillholes``; skipped, and said
  so, when that module cannot be imported or fails),
* desurvey of every interval's mid-point and end points (``desurvey_intervals``),
* compositing to 2 m by domain with mid-point coordinates (``composite_drillholes``),

against the peer: what a user writes by hand with pandas/numpy, one hole at a time
(``pd.read_csv``, minimum-curvature stations per hole with linear interpolation between
them, lithology split and run compositing with per-hole numpy broadcasting). No drillhole
package for Python is installed here to compare with.

The rates on the total line and the last line include reading the CSV files and
validating them (load + validate), then desurvey and compositing: intervals in the file
divided by the wall time of the three stages; the peer's include its ``pd.read_csv``. A
per-stage table gives wall and CPU time (process time, all threads) of each side: on a
shared machine the wall time depends on the other work running, the CPU time much less.

Numba kernels are compiled into a fresh cache directory first (on a tiny project read
and validated like the big one), so the JIT compile time is measured cold and reported
on its own line (excluded from the rates).

Run: ``.venv/bin/python benchmarks/drillholes.py [n_intervals] [n_holes]``. The last line
reads ``drillholes: ours X intervals/s, hand-pandas Y intervals/s, ratio R``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

_CACHE = tempfile.TemporaryDirectory(prefix="m2m-numba-")
os.environ["NUMBA_CACHE_DIR"] = _CACHE.name  # cold JIT: measured, not read from disk

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from mine2magnet.config import CompositeParams, load_project  # noqa: E402
from mine2magnet.drillholes.composite import UNLOGGED, composite_drillholes  # noqa: E402
from mine2magnet.drillholes.desurvey import desurvey_intervals  # noqa: E402
from mine2magnet.drillholes.types import DrillholeDB, empty_rejections  # noqa: E402

SEED = 20260101
OXIDES = ("La2O3", "CeO2", "Pr6O11", "Nd2O3", "ThO2")
DOMAINS = {"LAT": "OX", "SAP": "OX", "CARB": "CARB", "FEN": "FEN", "DYKE": "WASTE"}
LENGTH_M = 2.0
PARAMS = CompositeParams(length_m=LENGTH_M, residual="keep_if_half", by_domain=True)

# ----------------------------------------------------------------------------- data


def generate(n_intervals: int, n_holes: int, seed: int = SEED) -> dict[str, pd.DataFrame]:
    """Seeded synthetic drillhole tables in canonical column names (depths on a 0.1 m grid)."""
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n_intervals, np.full(n_holes, 1.0 / n_holes))
    counts[counts == 0] = 1
    n = int(counts.sum())
    hole = np.repeat(np.arange(n_holes), counts)
    ids = np.array([f"DH{i:05d}" for i in range(n_holes)], dtype=object)

    length = rng.choice([0.5, 1.0, 1.5, 2.0], n, p=[0.2, 0.5, 0.2, 0.1])
    gap = np.where(rng.random(n) < 0.03, np.round(rng.uniform(0.5, 4.0, n), 1), 0.0)
    step = gap + length
    cum = np.cumsum(step)
    first = np.cumsum(counts) - counts
    base = np.where(first > 0, cum[first - 1], 0.0)
    to = np.round(cum - base[hole], 1)
    frm = np.round(to - length, 1)
    eoh = np.round(to[first + counts - 1] + rng.uniform(0.0, 5.0, n_holes), 1)

    side = int(np.ceil(np.sqrt(n_holes)))
    collars = pd.DataFrame(
        {
            "hole_id": ids,
            "easting": 500_000.0 + 50.0 * (np.arange(n_holes) % side) + rng.normal(0, 3, n_holes),
            "northing": 4_300_000.0 + 50.0 * (np.arange(n_holes) // side),
            "elevation": 900.0 + rng.normal(0, 20, n_holes),
            "eoh_m": eoh,
        }
    )

    # surveys every 30 m, azimuth and dip drifting (curved holes)
    n_st = (eoh // 30.0).astype(int) + 1
    s_hole = np.repeat(np.arange(n_holes), n_st)
    s_first = np.cumsum(n_st) - n_st
    k = np.arange(s_hole.size) - s_first[s_hole]
    az = rng.uniform(0, 360, n_holes)[s_hole] + np.cumsum(rng.normal(0, 3.0, s_hole.size))
    az -= np.cumsum(np.where(k == 0, 1, 0))  # keep numbers decorrelated between holes
    az = np.mod(az, 360.0)
    dip = rng.uniform(-85, -55, n_holes)[s_hole] + 1.5 * k + rng.normal(0, 0.5, s_hole.size)
    surveys = pd.DataFrame(
        {
            "hole_id": ids[s_hole],
            "depth_m": 30.0 * k,
            "azimuth_deg": np.round(az, 2),
            "dip_deg": np.round(np.clip(dip, -89.5, -30.0), 2),
        }
    )

    # lithology: contacts every ~15 m down to end of hole, no gaps
    n_l = np.maximum((eoh - 6.0) // 15.0, 0).astype(int) + 1  # last contact above EOH
    l_hole = np.repeat(np.arange(n_holes), n_l)
    l_first = np.cumsum(n_l) - n_l
    kl = np.arange(l_hole.size) - l_first[l_hole]
    l_from = np.round(np.where(kl == 0, 0.0, 15.0 * kl + rng.uniform(-5, 5, l_hole.size)), 1)
    l_to = np.append(l_from[1:], 0.0)
    last = l_first + n_l - 1
    l_to[last] = eoh
    liths = np.array(list(DOMAINS), dtype=object)
    lith = liths[rng.integers(0, len(liths), l_hole.size)]
    lithology = pd.DataFrame(
        {"hole_id": ids[l_hole], "from_m": l_from, "to_m": l_to, "lithology": lith}
    )

    grades = {}
    for j, ox in enumerate(OXIDES):
        g = np.round(np.minimum(rng.lognormal(np.log(0.3 + 0.5 * j), 0.8, n), 15.0), 4)
        g[rng.random(n) < 0.03] = np.nan
        grades[ox] = g
    assays = pd.DataFrame(
        {
            "hole_id": ids[hole],
            "from_m": frm,
            "to_m": to,
            "sample_id": np.char.add("S", np.arange(n).astype(str)).astype(object),
            **grades,
        }
    )
    return {"collars": collars, "surveys": surveys, "assays": assays, "lithology": lithology}


PROJECT_TOML = """
[project]
name = "benchmark (synthetic)"
synthetic = true

[data.collars]
file = "collars.csv"
columns = {{ eoh_m = "eoh_m" }}

[data.surveys]
file = "surveys.csv"

[data.assays]
file = "assays.csv"
columns = {{ sample_id = "sample_id" }}

[data.assays.grades]
{grades}

[data.lithology]
file = "lithology.csv"

{domains}
[composite]
length_m = {length}
residual = "keep_if_half"
by_domain = true
"""


def write_project(tables: dict[str, pd.DataFrame], folder: Path) -> Path:
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False, float_format="%.4f")
    grades = "\n".join(f'{ox} = {{ reported_as = "{ox}", unit = "pct" }}' for ox in OXIDES)
    by_code: dict[str, list[str]] = {}
    for lith, code in DOMAINS.items():
        by_code.setdefault(code, []).append(lith)
    domains = "".join(
        f'[[domains]]\ncode = "{c}"\nlithologies = {list(v)!r}\n\n'.replace("'", '"')
        for c, v in by_code.items()
    )
    (folder / "project.toml").write_text(
        PROJECT_TOML.format(grades=grades, domains=domains, length=LENGTH_M), encoding="utf-8"
    )
    return folder / "project.toml"


def in_memory_db(tables: dict[str, pd.DataFrame]) -> DrillholeDB:
    """A DrillholeDB straight from the generated tables (when load_drillholes is absent)."""
    assays = tables["assays"].rename(columns={ox: f"{ox}_pct" for ox in OXIDES})
    lith = tables["lithology"].assign(domain=tables["lithology"]["lithology"].map(DOMAINS))
    return DrillholeDB(
        collars=tables["collars"],
        surveys=tables["surveys"],
        assays=assays,
        lithology=lith,
        qaqc=pd.DataFrame(),
        standards=pd.DataFrame(),
        rejections=empty_rejections(),
        counts=pd.DataFrame(columns=["table", "file", "rows_in", "rows_used", "rows_rejected"]),
        grade_columns=tuple(f"{ox}_pct" for ox in OXIDES),
    )


# ----------------------------------------------------------------------------- peer


def _tvec(az: np.ndarray, dip: np.ndarray) -> np.ndarray:
    a, d = np.radians(az), np.radians(dip)
    return np.column_stack((np.cos(d) * np.sin(a), np.cos(d) * np.cos(a), np.sin(d)))


def peer_desurvey(collars, surveys, assays) -> pd.DataFrame:
    """Per hole: minimum-curvature stations, then np.interp between them (linear)."""
    coll = collars.set_index("hole_id")
    sv = {h: g for h, g in surveys.groupby("hole_id", sort=False)}
    parts = []
    for h, g in assays.groupby("hole_id", sort=False):
        s = sv[h].sort_values("depth_m")
        md = s["depth_m"].to_numpy()
        t = _tvec(s["azimuth_deg"].to_numpy(), s["dip_deg"].to_numpy())
        bottom = max(g["to_m"].max(), md[-1]) + 1.0
        md = np.append(md, bottom)
        t = np.vstack((t, t[-1]))
        if md[0] > 0:
            md = np.insert(md, 0, 0.0)
            t = np.vstack((t[0], t))
        dl = np.arccos(np.clip(np.sum(t[:-1] * t[1:], axis=1), -1.0, 1.0))
        rf = np.where(dl > 1e-9, 2.0 / np.where(dl > 1e-9, dl, 1.0) * np.tan(dl / 2.0), 1.0)
        d = (np.diff(md) / 2.0 * rf)[:, None] * (t[:-1] + t[1:])
        c = coll.loc[h]
        origin = c[["easting", "northing", "elevation"]].to_numpy(dtype=float)
        xyz = np.vstack(([0.0, 0.0, 0.0], np.cumsum(d, axis=0))) + origin
        out = {}
        for name, depth in (
            ("", 0.5 * (g["from_m"] + g["to_m"])),
            ("_from", g["from_m"]),
            ("_to", g["to_m"]),
        ):
            for k, col in enumerate(("easting", "northing", "elevation")):
                out[col + name] = np.interp(depth, md, xyz[:, k])
        parts.append(g.assign(**out))
    return pd.concat(parts)


def peer_composite(assays, lithology, grade_columns, length, min_frac) -> pd.DataFrame:
    """Per hole: split at contacts, then per domain run composite by broadcasting."""
    lith = {h: g for h, g in lithology.groupby("hole_id", sort=False)}
    rows = []
    for h, g in assays.groupby("hole_id", sort=False):
        a = g["from_m"].to_numpy()
        b = g["to_m"].to_numpy()
        gr = g[list(grade_columns)].to_numpy()
        lg = lith.get(h)
        if lg is None:
            lf = lt = np.empty(0)
            ld = np.empty(0, dtype=object)
        else:
            lf, lt, ld = (lg[c].to_numpy() for c in ("from_m", "to_m", "domain"))
        edges = np.unique(np.concatenate((a, b, lf, lt)))
        lo, hi = edges[:-1], edges[1:]
        mid = 0.5 * (lo + hi)
        ia = np.searchsorted(a, mid, side="right") - 1
        inside = (ia >= 0) & (mid < b[np.maximum(ia, 0)])
        il = np.searchsorted(lf, mid, side="right") - 1
        logged = (il >= 0) & (mid < lt[np.maximum(il, 0)]) if lf.size else np.zeros(0, bool)
        dom = np.where(logged, ld[np.maximum(il, 0)] if lf.size else UNLOGGED, UNLOGGED)
        # a run ends where the logged domain changes, sampled or not
        run_id = np.cumsum(np.append(True, dom[1:] != dom[:-1]))
        lo, hi, ia, dom, run_id = lo[inside], hi[inside], ia[inside], dom[inside], run_id[inside]
        pg = gr[ia]
        new = np.ones(dom.size, dtype=bool)
        new[1:] = run_id[1:] != run_id[:-1]
        starts = np.flatnonzero(new)
        stops = np.append(starts[1:], dom.size)
        for r0, r1 in zip(starts, stops, strict=True):
            s, e = lo[r0], hi[r1 - 1]
            n_full = int(np.floor((e - s + 1e-9) / length))
            cf = s + length * np.arange(n_full)
            ct = cf + length
            if n_full:
                ct[-1] = min(ct[-1], e) if abs(ct[-1] - e) < 1e-9 else ct[-1]
            rest = e - (s + n_full * length)
            if rest > 1e-9 and rest >= 0.5 * length - 1e-9:
                cf = np.append(cf, s + n_full * length)
                ct = np.append(ct, e)
            if not cf.size:
                continue
            ov = np.clip(
                np.minimum(hi[r0:r1][None, :], ct[:, None])
                - np.maximum(lo[r0:r1][None, :], cf[:, None]),
                0.0,
                None,
            )
            x = pg[r0:r1]
            ok = ~np.isnan(x)
            metal = ov @ np.where(ok, x, 0.0)
            clen = ov @ ok
            sampled = ov.sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                grade = metal / clen
            grade[(clen == 0) | (clen < min_frac * (ct - cf)[:, None] - 1e-9)] = np.nan
            for q in np.flatnonzero(sampled > 0):
                rows.append((h, cf[q], ct[q], sampled[q], dom[r0], *grade[q]))
    cols = ["hole_id", "from_m", "to_m", "sampled_length_m", "domain", *grade_columns]
    return pd.DataFrame(rows, columns=cols)


# ----------------------------------------------------------------------------- main


CPU_S: dict[str, float] = {}  # process CPU seconds per timed call (robust to a busy host)


def _timed(fn, *args, **kwargs):
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    CPU_S[fn.__name__] = time.process_time() - c0
    return out, time.perf_counter() - t0


def _stage_table(rows, n: int) -> str:
    """Per stage: wall and CPU seconds and the wall rate, ours and the peer's."""

    def cell(x: float | None, rate: bool = False) -> str:
        if x is None:
            return f"{'-':>11}"
        return f"{n / x:>11,.0f}" if rate else f"{x:>9.2f} s"

    head = (
        f"{'stage':<22}{'ours wall':>11}{'ours cpu':>11}{'ours /s':>11}"
        f"{'peer wall':>11}{'peer cpu':>11}{'peer /s':>11}"
    )
    lines = [head, "-" * len(head)]
    for name, w, c, pw, pc in rows:
        lines.append(
            f"{name:<22}{cell(w)}{cell(c)}{cell(w, True)}{cell(pw)}{cell(pc)}{cell(pw, True)}"
        )
    return "\n".join(lines)


def warm_up() -> float:
    """Compile every numba kernel once on a tiny project (reading and validation included:
    they have kernels too); returns seconds."""
    tiny = generate(200, 4, seed=1)
    t0 = time.perf_counter()
    try:
        from mine2magnet.drillholes.database import load_drillholes

        with tempfile.TemporaryDirectory(prefix="m2m-warm-") as tmp:
            write_project(tiny, Path(tmp))
            db = load_drillholes(load_project(tmp))
    except Exception:  # measured (and reported) in main; compile the rest here
        db = in_memory_db(tiny)
    desurvey_intervals(db.collars, db.surveys, db.assays)
    composite_drillholes(db, PARAMS)
    return time.perf_counter() - t0


def main(n_intervals: int = 1_000_000, n_holes: int = 10_000) -> None:
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} at start")
    jit_s = warm_up()
    print(f"JIT compile (cold cache, once per install): {jit_s:.2f} s")

    tables, gen_s = _timed(generate, n_intervals, n_holes)
    n = len(tables["assays"])
    print(
        f"generated {n:,} intervals in {n_holes:,} holes, {len(tables['surveys']):,} survey "
        f"stations, {len(tables['lithology']):,} lithology intervals ({gen_s:.1f} s)"
    )
    with tempfile.TemporaryDirectory(prefix="m2m-bench-") as tmp:
        folder = Path(tmp)
        _, write_s = _timed(write_project, tables, folder)
        print(f"wrote CSV project in {write_s:.1f} s")

        load_s = None
        try:
            from mine2magnet.drillholes.database import load_drillholes

            project = load_project(folder)
            db, load_s = _timed(load_drillholes, project)
            rows_used = db.counts.set_index("table").loc["assays", "rows_used"]
            print(
                f"(0) load + validate (load_drillholes): {load_s:.2f} s "
                f"(cpu {CPU_S['load_drillholes']:.2f} s), "
                f"{n / load_s:,.0f} intervals/s; assays used {rows_used:,}, "
                f"rejection rows {len(db.rejections):,}"
            )
        except Exception as exc:  # the colleague's module may be absent or unfinished
            print(f"(0) load + validate NOT timed: {type(exc).__name__}: {exc}")
            db = in_memory_db(tables)

        desurveyed, des_s = _timed(desurvey_intervals, db.collars, db.surveys, db.assays)
        print(
            f"(a) desurvey {len(desurveyed):,} intervals (mid + ends, minimum curvature): "
            f"{des_s:.2f} s (cpu {CPU_S['desurvey_intervals']:.2f} s), "
            f"{n / des_s:,.0f} intervals/s"
        )
        comps, comp_s = _timed(composite_drillholes, db, PARAMS)
        print(
            f"(b) composite to {LENGTH_M:g} m by domain + desurvey mid-points: {comp_s:.2f} s "
            f"(cpu {CPU_S['composite_drillholes']:.2f} s), "
            f"{n / comp_s:,.0f} intervals/s -> {len(comps.table):,} composites, "
            f"{len(comps.rejections):,} rejection rows"
        )
        ours_s = des_s + comp_s + (load_s or 0.0)
        parts = (
            "read CSV + validate + desurvey + composite"
            if load_s is not None
            else "desurvey + composite only: reading and validation NOT timed"
        )
        print(f"ours total ({parts}): {ours_s:.2f} s, {n / ours_s:,.0f} intervals/s")

        # peer: the same work by hand, reading the same CSVs when our side read them
        peer_read_s = peer_read_cpu = 0.0
        if load_s is not None:
            t0, c0 = time.perf_counter(), time.process_time()
            raw = {k: pd.read_csv(folder / f"{k}.csv") for k in tables}
            peer_read_s = time.perf_counter() - t0
            peer_read_cpu = time.process_time() - c0
            raw["lithology"]["domain"] = raw["lithology"]["lithology"].map(DOMAINS)
        else:
            raw = dict(tables)
            raw["lithology"] = raw["lithology"].assign(
                domain=raw["lithology"]["lithology"].map(DOMAINS)
            )
        peer_des, peer_des_s = _timed(peer_desurvey, raw["collars"], raw["surveys"], raw["assays"])
        peer_comp, peer_comp_s = _timed(
            peer_composite, raw["assays"], raw["lithology"], OXIDES, LENGTH_M, 0.5
        )
        peer_s = peer_read_s + peer_des_s + peer_comp_s
        print(
            f"peer (pandas/numpy by hand, per hole): read {peer_read_s:.2f} s, desurvey "
            f"{peer_des_s:.2f} s, composite {peer_comp_s:.2f} s -> {len(peer_comp):,} "
            f"composites; total {peer_s:.2f} s"
        )

        # same work? compare composites and coordinates
        ours_t = comps.table.rename(columns={f"{ox}_pct": ox for ox in OXIDES})
        key = ["hole_id", "from_m"]
        m = ours_t.merge(peer_comp, on=key, suffixes=("", "_peer"))
        gdiff = np.nanmax(np.abs(m["CeO2"].to_numpy() - m["CeO2_peer"].to_numpy()))
        both = desurveyed.merge(peer_des, on=["hole_id", "from_m", "to_m"], suffixes=("", "_peer"))
        xyz = ["easting", "northing", "elevation"]
        xyz_diff = np.abs(both[xyz].to_numpy() - both[[f"{c}_peer" for c in xyz]].to_numpy()).max()
        print(
            f"check: {len(m):,} of {len(ours_t):,} composites matched by hole/from, max CeO2 "
            f"difference {gdiff:.2e}; max mid-point difference {1000 * xyz_diff:.1f} mm (the "
            "peer interpolates linearly between stations, ours along the arc)"
        )

    print(f"load average {os.getloadavg()[0]:.1f} at end (other work on the machine slows both)")
    ours_cpu = CPU_S["desurvey_intervals"] + CPU_S["composite_drillholes"]
    ours_cpu += CPU_S.get("load_drillholes", 0.0) if load_s is not None else 0.0
    peer_cpu = CPU_S["peer_desurvey"] + CPU_S["peer_composite"] + peer_read_cpu
    rows = [
        (
            "read CSV + validate" if load_s is not None else "read + validate (not timed)",
            load_s,
            CPU_S.get("load_drillholes") if load_s is not None else None,
            peer_read_s if load_s is not None else None,
            peer_read_cpu if load_s is not None else None,
        ),
        ("desurvey", des_s, CPU_S["desurvey_intervals"], peer_des_s, CPU_S["peer_desurvey"]),
        ("composite", comp_s, CPU_S["composite_drillholes"], peer_comp_s, CPU_S["peer_composite"]),
        ("total", ours_s, ours_cpu, peer_s, peer_cpu),
    ]
    print(_stage_table(rows, n))
    print(
        f"cpu-time basis: ours {n / ours_cpu:.0f} intervals/s, hand-pandas "
        f"{n / peer_cpu:.0f} intervals/s"
    )
    ours_rate = n / ours_s
    peer_rate = n / peer_s
    print(
        f"drillholes: ours {ours_rate:.0f} intervals/s, hand-pandas {peer_rate:.0f} "
        f"intervals/s, ratio {ours_rate / peer_rate:.2f}"
    )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
