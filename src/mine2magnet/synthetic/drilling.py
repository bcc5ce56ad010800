"""Drilling the SYNTHETIC deposit: hole plan, downhole surveys, logging and sampling.

* **Plan**: sections every 50 m across strike with holes every 50 m along each section
  (phase 1), and a 25 m infill pattern over the high-grade core (phase 2). Vertical holes
  near the subcrop, otherwise mostly holes inclined −60° to −75° towards 330° (against the
  dip, so they cut the body at a high angle).
* **Surveys**: a station at the collar (the planned azimuth and dip) and then every
  ~30 m; between stations the azimuth and dip do a random walk of about a degree with the
  usual systematic drift of diamond holes (lift: dips flatten; a slight clockwise turn).
  Vertical holes wander off vertical by a few degrees. Angles are recorded to 0.1°.
* **Path**: minimum curvature between stations, so a minimum-curvature desurvey of the
  written survey file recovers the path on which the holes were logged and sampled.
* **Depth**: each hole stops 12–35 m past the last metre of the body it cuts; holes that
  miss the body stop 25 m into the footwall (or at 450 m).
* **Logging**: lithology at 0.5 m resolution along the path (:func:`deposit.classify`),
  runs shorter than 1 m merged into the previous unit, contacts jittered by up to 0.2 m
  (a geologist's pick) and recorded to 0.1 m.
* **Sampling**: broken at every lithology contact; 1 m in high-grade vein and breccia,
  1 m or 2 m (by hole) in low-grade vein, 2 m in host rock within 20 m of the vein (holes
  that miss the body: the last 45 m, across the projected structure); host rock further
  away and the cover are sampled only in some holes (gaps elsewhere).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mine2magnet.synthetic.deposit import (
    BRECCIA,
    COVER,
    VEIN_CODES,
    VEIN_HG,
    DepositModel,
    body_position,
    classify,
    topography,
)

__all__ = ["Drilling", "direction", "drill", "min_curvature", "plan_holes"]

_MAX_DEPTH = 700.0  # longest hole considered when planning [m]
_CELL = 0.5  # logging resolution [m]


@dataclass(frozen=True)
class Drilling:
    """The drilling campaign (true, unrounded geometry and logged intervals).

    Attributes
    ----------
    collars : pandas.DataFrame
        ``hole_id``, ``easting``, ``northing``, ``elevation`` [m], ``eoh_m`` [m],
        ``azimuth_deg``, ``dip_deg`` (planned) [deg], ``phase`` (1 grid, 2 infill).
    surveys : pandas.DataFrame
        ``hole_id``, ``depth_m`` [m], ``azimuth_deg``, ``dip_deg`` [deg] as recorded.
    lithology : pandas.DataFrame
        ``hole_id``, ``from_m``, ``to_m`` [m], ``lith`` (code, see ``deposit.LITHOLOGIES``).
    samples : pandas.DataFrame
        ``hole_id``, ``from_m``, ``to_m`` [m], ``lith``, mid-point ``easting``,
        ``northing``, ``elevation`` [m].
    """

    collars: pd.DataFrame
    surveys: pd.DataFrame
    lithology: pd.DataFrame
    samples: pd.DataFrame


def direction(azimuth_deg: np.ndarray, dip_deg: np.ndarray) -> np.ndarray:
    """Unit vectors (east, north, up) [-] of hole directions, shape (n, 3).

    Parameters
    ----------
    azimuth_deg : numpy.ndarray
        Azimuth [deg clockwise from north].
    dip_deg : numpy.ndarray
        Dip [deg, negative down].
    """
    az = np.radians(np.asarray(azimuth_deg, float))
    dp = np.radians(np.asarray(dip_deg, float))
    return np.column_stack([np.cos(dp) * np.sin(az), np.cos(dp) * np.cos(az), np.sin(dp)])


def _ratio_factor(beta: np.ndarray) -> np.ndarray:
    safe = np.where(beta > 1e-9, beta, 1.0)
    return np.where(beta > 1e-9, 2.0 / safe * np.tan(safe / 2.0), 1.0)


def min_curvature(
    depth_m: np.ndarray, azimuth_deg: np.ndarray, dip_deg: np.ndarray, md: np.ndarray
) -> np.ndarray:
    """Offsets from the collar of points along a hole by the minimum-curvature method.

    Between two stations the hole is a circular arc; a point inside the arc lies on it
    (direction by spherical interpolation of the end tangents). Beyond the last station
    the hole continues straight.

    Parameters
    ----------
    depth_m : numpy.ndarray
        Survey station depths along the hole, increasing, first 0 [m].
    azimuth_deg, dip_deg : numpy.ndarray
        Station azimuths [deg] and dips [deg, negative down].
    md : numpy.ndarray
        Depths along the hole to locate [m].

    Returns
    -------
    numpy.ndarray
        (east, north, up) offsets from the collar [m], shape (len(md), 3).

    Examples
    --------
    >>> min_curvature(np.array([0.0]), np.array([0.0]), np.array([-90.0]), np.array([10.0]))
    array([[  0.,   0., -10.]])
    """
    st = np.asarray(depth_m, float)
    md = np.asarray(md, float)
    t = direction(azimuth_deg, dip_deg)
    if len(st) == 1:
        return md[:, None] * t[0]
    d_md = np.diff(st)
    a, b = t[:-1], t[1:]
    cosb = np.clip(a[:, 0] * b[:, 0] + a[:, 1] * b[:, 1] + a[:, 2] * b[:, 2], -1.0, 1.0)
    beta = np.arccos(cosb)
    seg = (d_md * _ratio_factor(beta) / 2.0)[:, None] * (t[:-1] + t[1:])
    pos = np.vstack([np.zeros(3), np.cumsum(seg, axis=0)])
    i = np.clip(np.searchsorted(st, md, side="right") - 1, 0, len(st) - 2)
    dm = md - st[i]
    f = np.clip(dm / d_md[i], 0.0, 1.0)
    b = beta[i]
    t0, t1 = t[i], t[i + 1]
    sin_b = np.sin(b)
    curved = b > 1e-9
    w0 = np.where(curved, np.sin((1.0 - f) * b) / np.where(curved, sin_b, 1.0), 1.0 - f)
    w1 = np.where(curved, np.sin(f * b) / np.where(curved, sin_b, 1.0), f)
    tf = w0[:, None] * t0 + w1[:, None] * t1
    tf /= np.sqrt(tf[:, 0] ** 2 + tf[:, 1] ** 2 + tf[:, 2] ** 2)[:, None]
    out = pos[i] + (dm * _ratio_factor(f * b) / 2.0)[:, None] * (t0 + tf)
    beyond = md > st[-1]
    if beyond.any():
        out[beyond] = pos[-1] + (md[beyond] - st[-1])[:, None] * t[-1]
    return out


def plan_holes(model: DepositModel, rng: np.random.Generator) -> pd.DataFrame:
    """Collar positions and planned orientations.

    Parameters
    ----------
    model : DepositModel
    rng : numpy.random.Generator

    Returns
    -------
    pandas.DataFrame
        ``hole_id``, ``easting``, ``northing``, ``elevation`` [m], ``azimuth_deg``,
        ``dip_deg`` [deg], ``phase``; in drilling order.
    """
    along = model.frame[0, :2]
    across = model.frame[1, :2] / np.linalg.norm(model.frame[1, :2])
    spots: list[tuple[float, float, int]] = []
    for a in np.arange(-550.0, 550.1, 50.0):
        for c in np.arange(-25.0, 375.1, 50.0):
            spots.append((a, c, 1))
    for a in np.arange(0.0, 200.1, 25.0):
        for c in np.arange(100.0, 225.1, 25.0):
            on_grid = a % 50.0 == 0.0 and (c + 25.0) % 50.0 == 0.0
            if not on_grid:
                spots.append((a, c, 2))
    rows = []
    for a, c, phase in spots:
        xy = model.origin[:2] + a * along + c * across + rng.normal(0.0, 1.5, 2)
        ground = float(topography(model, xy[:1], xy[1:])[0])
        _, rel = body_position(model, np.array([[xy[0], xy[1], ground - 1.0]]))
        p_vertical = 0.15 if phase == 2 else (0.75 if c <= 25.0 else 0.35)
        vertical = rng.random() < p_vertical
        az = 0.0 if vertical else float(rng.choice([325.0, 330.0, 335.0]))
        dip = -90.0 if vertical else float(rng.choice([-60.0, -65.0, -70.0, -75.0]))
        z = ground + rng.normal(0.0, 0.15)
        if rel[0] < -5.0:  # collar in the footwall: nothing to drill from here
            continue
        rows.append((xy[0], xy[1], z, az, dip, phase))
    plan = pd.DataFrame(
        rows, columns=["easting", "northing", "elevation", "azimuth_deg", "dip_deg", "phase"]
    )
    plan.insert(0, "hole_id", [f"SBK{i + 1:03d}" for i in range(len(plan))])
    return plan


def _walk(
    rng: np.random.Generator, az0: float, dip0: float, max_depth: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Survey stations of a hole: depths [m], azimuths (unwrapped) and dips [deg]."""
    depths = [0.0]
    while depths[-1] < max_depth:
        depths.append(round(depths[-1] + 30.0 + rng.uniform(-3.0, 3.0), 1))
    n = len(depths)
    if dip0 <= -89.99:
        incl = np.abs(np.cumsum(rng.normal(0.35, 0.5, n)))
        incl[0] = 0.0
        az = rng.uniform(0.0, 360.0) + np.cumsum(rng.normal(0.0, 4.0, n))
        az[0] = az0
        dip = -(90.0 - incl)
    else:
        az = az0 + np.concatenate([[0.0], np.cumsum(rng.normal(0.35, 1.0, n - 1))])
        dip = dip0 + np.concatenate([[0.0], np.cumsum(rng.normal(0.25, 0.6, n - 1))])
        dip = np.minimum(dip, -30.0)
    return np.array(depths), np.round(az, 1), np.round(dip, 1)


def _runs(codes: np.ndarray) -> list[list[float]]:
    """Run-length encode cell codes into [code, from, to] in metres."""
    edges = np.flatnonzero(np.diff(codes)) + 1
    starts = np.concatenate([[0], edges])
    ends = np.concatenate([edges, [len(codes)]])
    return [[int(codes[s]), s * _CELL, e * _CELL] for s, e in zip(starts, ends, strict=True)]


def _merge_short(runs: list[list[float]], min_len: float = 1.0) -> list[list[float]]:
    runs = [r[:] for r in runs]
    while True:
        short = [k for k, r in enumerate(runs) if r[2] - r[1] < min_len - 1e-9]
        if not short or len(runs) == 1:
            break
        k = short[0]
        if k == 0:
            runs[1][1] = runs[0][1]
        else:
            runs[k - 1][2] = runs[k][2]
        del runs[k]
        merged: list[list[float]] = []
        for r in runs:
            if merged and merged[-1][0] == r[0]:
                merged[-1][2] = r[2]
            else:
                merged.append(r)
        runs = merged
    return runs


def _split(a: float, b: float, length: float) -> list[tuple[float, float]]:
    """Sample boundaries from ``a`` to ``b`` every ``length``; a short rest joins the last."""
    span = b - a
    if span < 0.3:
        return []
    k = int(np.floor(span / length + 1e-9))
    if k == 0:
        return [(a, b)]
    edges = [a + length * i for i in range(k + 1)]
    rest = b - edges[-1]
    if rest > 1e-6:
        if rest < 0.5 * length:
            edges[-1] = b
        else:
            edges.append(b)
    edges = [round(e, 2) for e in edges]
    return list(itertools.pairwise(edges))


def _sample_hole(
    rng: np.random.Generator, lith: list[list[float]]
) -> list[tuple[float, float, int]]:
    lg_len = 1.0 if rng.random() < 0.55 else 2.0
    full_host = rng.random() < 0.15
    cover_sampled = rng.random() < 0.2
    zones: list[tuple[float, float]] = []
    for z0, z1 in sorted((f - 20.0, t + 20.0) for c, f, t in lith if c in VEIN_CODES):
        if zones and z0 <= zones[-1][1]:
            zones[-1] = (zones[-1][0], max(zones[-1][1], z1))
        else:
            zones.append((z0, z1))
    if not zones:  # the hole missed the body: sample across the projected structure
        zones = [(lith[-1][2] - 45.0, lith[-1][2])]
    out: list[tuple[float, float, int]] = []
    for code, f, t in lith:
        if code in VEIN_CODES:
            length = lg_len if code not in (VEIN_HG, BRECCIA) else 1.0
            pieces = [(f, t, length)]
        elif code == COVER:
            pieces = [(f, t, 2.0)] if cover_sampled else []
        elif full_host:
            pieces = [(f, t, 2.0)]
        else:
            pieces = []
            for z0, z1 in zones:
                a, b = max(f, z0), min(t, z1)
                if b > a:
                    pieces.append((a, b, 2.0))
        for a, b, length in pieces:
            out.extend((s0, s1, code) for s0, s1 in _split(a, b, length))
    return out


def drill(model: DepositModel, rng: np.random.Generator) -> Drilling:
    """Plan, survey, log and sample the whole campaign.

    Parameters
    ----------
    model : DepositModel
    rng : numpy.random.Generator

    Returns
    -------
    Drilling
    """
    plan = plan_holes(model, rng)
    collars, surveys, cells = [], [], []
    for h in plan.itertuples(index=False):
        collar = np.array([h.easting, h.northing, h.elevation])
        st_d, st_az, st_dip = _walk(rng, h.azimuth_deg, h.dip_deg, _MAX_DEPTH)
        md = np.arange(0.5, _MAX_DEPTH, 1.0)  # planning the depth: 1 m is enough
        xyz = collar + min_curvature(st_d, st_az, st_dip, md)
        inside, rel = body_position(model, xyz)
        if inside.any():
            eoh = md[np.flatnonzero(inside)[-1]] + 0.5 + rng.uniform(12.0, 35.0)
        else:
            deep = np.flatnonzero(rel < -25.0)
            eoh = md[deep[0]] if len(deep) else 450.0
        eoh = round(float(min(eoh, _MAX_DEPTH)), 1)
        keep = st_d < eoh - 3.0
        end_az = np.interp(eoh, st_d, st_az)
        end_dip = np.interp(eoh, st_d, st_dip)
        st_d = np.append(st_d[keep], eoh)
        st_az = np.append(st_az[keep], round(float(end_az), 1))
        st_dip = np.append(st_dip[keep], round(float(end_dip), 1))
        surveys.append(
            pd.DataFrame(
                {
                    "hole_id": h.hole_id,
                    "depth_m": st_d,
                    "azimuth_deg": np.round(st_az % 360.0, 1) % 360.0,
                    "dip_deg": st_dip,
                }
            )
        )
        collars.append(
            (h.hole_id, h.easting, h.northing, h.elevation, eoh, h.azimuth_deg, h.dip_deg, h.phase)
        )
        n_cells = int(np.ceil(eoh / _CELL - 1e-9))
        mid = np.minimum(np.arange(n_cells) * _CELL + _CELL / 2, eoh)
        cells.append(collar + min_curvature(st_d, st_az, st_dip, mid))
    collar_df = pd.DataFrame(
        collars,
        columns=[
            "hole_id",
            "easting",
            "northing",
            "elevation",
            "eoh_m",
            "azimuth_deg",
            "dip_deg",
            "phase",
        ],
    )
    survey_df = pd.concat(surveys, ignore_index=True)

    # log all holes in one call (the grade field is evaluated in bulk)
    codes_all = classify(model, np.vstack(cells))
    codes_all = np.where(codes_all < 0, COVER, codes_all)
    bounds = np.cumsum([0] + [len(c) for c in cells])

    lith_rows, sample_rows = [], []
    for k, (hole_id, eoh) in enumerate(zip(collar_df.hole_id, collar_df.eoh_m, strict=True)):
        runs = _merge_short(_runs(codes_all[bounds[k] : bounds[k + 1]]))
        for j in range(1, len(runs)):
            contact = runs[j][1] + rng.choice([-0.2, -0.1, 0.0, 0.1, 0.2])
            runs[j][1] = runs[j - 1][2] = round(contact, 1)
        runs[0][1] = 0.0
        runs[-1][2] = float(eoh)
        lith_rows.extend((hole_id, f, t, c) for c, f, t in runs)
        sample_rows.extend((hole_id, f, t, c) for f, t, c in _sample_hole(rng, runs))
    lith_df = pd.DataFrame(lith_rows, columns=["hole_id", "from_m", "to_m", "lith"])
    samples = pd.DataFrame(sample_rows, columns=["hole_id", "from_m", "to_m", "lith"])

    # sample mid-points along the surveyed paths
    mids = np.empty((len(samples), 3))
    by_hole = dict(tuple(survey_df.groupby("hole_id", sort=False)))
    pos = 0
    collar_xyz = collar_df.set_index("hole_id")[["easting", "northing", "elevation"]]
    for hole_id, grp in samples.groupby("hole_id", sort=False):
        sv = by_hole[hole_id]
        md = (grp.from_m.to_numpy() + grp.to_m.to_numpy()) / 2.0
        off = min_curvature(
            sv.depth_m.to_numpy(), sv.azimuth_deg.to_numpy(), sv.dip_deg.to_numpy(), md
        )
        mids[pos : pos + len(grp)] = collar_xyz.loc[hole_id].to_numpy() + off
        pos += len(grp)
    samples[["easting", "northing", "elevation"]] = mids
    return Drilling(collars=collar_df, surveys=survey_df, lithology=lith_df, samples=samples)
