"""Mineral Resource classification: criteria per block, QA/QC downgrade, smoothing.

Criteria
--------
Every *estimated* block row (its ``grade_column`` is finite) gets:

``spacing_m`` — drill spacing as the distance from the block centroid to the n-th nearest
    distinct hole (``nearest_holes``, default 3), where the distance to a hole is the 3-D
    distance to its nearest composite (of the block's domain when ``same_domain``). On a
    square grid of spacing *s* the 3rd nearest hole lies between 0.71 *s* (a block in the
    middle of four holes) and 1.0 *s* (a block next to a hole), so ``max_spacing_m`` ≈ *s*
    accepts the whole area drilled at spacing *s* and little beyond it. NaN when the
    domain has fewer than n holes.
``n_holes_search``, ``n_samples_search`` — distinct holes and composites inside the
    classification search ellipsoid centred on the block.
``slope``, ``ke``, ``pass`` — slope of regression, kriging efficiency and search pass of
    the estimate (from the block model). NaN fails any threshold set on it.

A block is *Measured* when it meets the Measured, Indicated and Inferred criteria,
*Indicated* when it meets the Indicated and Inferred ones, *Inferred* when it meets the
Inferred ones, else *Unclassified* (estimated, not a Mineral Resource). A stricter
threshold therefore never adds tonnes to a class or to the classes above it.

QA/QC downgrade
---------------
A hole is flagged when one of its QA/QC inserts broke a configured rule, or when it is
listed. A block whose n nearest holes are at least ``min_share`` flagged drops
``downgrade`` classes (Inferred drops to Unclassified).

Smoothing
---------
A majority filter on the (i, j, k) grid, per domain (classes do not leak across the hard
domain boundaries of the estimate): each block takes the most frequent class in the window
centred on it (itself included; ties keep the block's class when it is among the most
frequent, else the least confident of them). The result is then limited:

* at most ``max_upgrade`` classes above and ``max_downgrade`` below the unsmoothed class;
* Unclassified blocks are never promoted (no drilling supports them);
* blocks downgraded for QA/QC are never promoted (smoothing does not undo the downgrade).

The filter is repeated ``iterations`` times. The number of blocks is unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import ndimage
from scipy.spatial import cKDTree

from mine2magnet.errors import DataError
from mine2magnet.geostats.rotation import anisotropy_matrix
from mine2magnet.parallel import map_chunks
from mine2magnet.resources.params import CLASSES, ClassificationParams, QaqcParams
from mine2magnet.resources.types import (
    CLASS_NAMES,
    UNCLASSIFIED,
    Classification,
)

__all__ = [
    "class_codes",
    "classify_blocks",
    "criteria_table",
    "flag_holes",
    "nearest_distinct_holes",
    "qaqc_downgrade",
    "search_counts",
    "smooth_classes",
]

_CHUNK = 20_000


# --------------------------------------------------------------------------- geometry


def _first_occurrence(h: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Per row, True where a value appears for the first time (left to right)."""
    order = np.argsort(h, axis=1, kind="stable")
    hs = np.take_along_axis(h, order, axis=1)
    first_sorted = np.ones_like(hs, dtype=bool)
    first_sorted[:, 1:] = hs[:, 1:] != hs[:, :-1]
    first = np.empty_like(first_sorted)
    np.put_along_axis(first, order, first_sorted, axis=1)
    return first


def _nearest_distinct_chunk(
    P: NDArray[np.float64], tree: cKDTree, holes: NDArray[np.int64], n: int
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    m, c = P.shape[0], tree.n
    dist = np.full((m, n), np.nan)
    hole = np.full((m, n), -1, dtype=np.int64)
    if c == 0 or m == 0:
        return dist, hole
    todo = np.arange(m)
    k = min(c, max(16 * n, 32))
    while todo.size:
        d, idx = tree.query(P[todo], k=k)
        d = np.asarray(d, dtype=float).reshape(todo.size, k)
        h = holes[np.asarray(idx).reshape(todo.size, k)]
        first = _first_occurrence(h)
        rank = np.cumsum(first, axis=1)
        done = (rank[:, -1] >= n) | (k >= c)
        rows = todo[done]
        fd, hd, dd, rd = first[done], h[done], d[done], rank[done]
        for r in range(n):
            mask = fd & (rd == r + 1)
            has = mask.any(axis=1)
            col = mask.argmax(axis=1)
            sel = np.flatnonzero(has)
            dist[rows[sel], r] = dd[sel, col[sel]]
            hole[rows[sel], r] = hd[sel, col[sel]]
        todo = todo[~done]
        k = min(c, 4 * k)
    return dist, hole


def nearest_distinct_holes(
    points: NDArray[np.float64],
    composite_xyz: NDArray[np.float64],
    hole_codes: NDArray[np.int64],
    n: int,
    *,
    executor: str | Any = "serial",
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Distances to, and codes of, the n nearest distinct holes of every point.

    The distance to a hole is the distance to its nearest composite. A KD-tree over the
    composites is queried for the k nearest composites, k growing until n distinct holes
    are found (or every composite was seen).

    Parameters
    ----------
    points : numpy.ndarray
        ``(m, 3)`` block centroids [m].
    composite_xyz : numpy.ndarray
        ``(c, 3)`` composite mid-points [m].
    hole_codes : numpy.ndarray
        ``(c,)`` integer hole code of each composite [-].
    n : int
        Holes wanted per point [-].
    executor : str or Client
        See :func:`mine2magnet.parallel.map_chunks`.

    Returns
    -------
    distance : numpy.ndarray
        ``(m, n)`` ascending distances [m]; NaN where fewer than n holes exist.
    holes : numpy.ndarray
        ``(m, n)`` hole codes; -1 where missing.

    Examples
    --------
    >>> xyz = np.array([[0.0, 0, 0], [0, 0, -2], [10, 0, 0], [0, 20, 0]])
    >>> d, h = nearest_distinct_holes(np.zeros((1, 3)), xyz, np.array([0, 0, 1, 2]), 2)
    >>> d.tolist(), h.tolist()
    ([[0.0, 10.0]], [[0, 1]])
    """
    P = np.asarray(points, dtype=float).reshape(-1, 3)
    X = np.asarray(composite_xyz, dtype=float).reshape(-1, 3)
    holes = np.asarray(hole_codes, dtype=np.int64)
    tree = cKDTree(X)
    chunks = [P[s : s + _CHUNK] for s in range(0, P.shape[0], _CHUNK)] or [P]
    out = map_chunks(_nearest_distinct_chunk, chunks, executor=executor, args=(tree, holes, n))
    return np.vstack([o[0] for o in out]), np.vstack([o[1] for o in out])


def _search_chunk(
    Q: NDArray[np.float64], tree: cKDTree, holes: NDArray[np.int64], n_holes: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    lists = tree.query_ball_point(Q, r=1.0)
    lengths = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
    if lengths.sum() == 0:
        return lengths, np.zeros_like(lengths)
    idx = np.concatenate([np.asarray(x, dtype=np.int64) for x in lists if len(x)])
    rows = np.repeat(np.arange(len(lists), dtype=np.int64), lengths)
    pairs = np.unique(rows * max(n_holes, 1) + holes[idx])
    n_h = np.bincount(pairs // max(n_holes, 1), minlength=len(lists)).astype(np.int64)
    return lengths, n_h


def search_counts(
    points: NDArray[np.float64],
    composite_xyz: NDArray[np.float64],
    hole_codes: NDArray[np.int64],
    radii: Sequence[float],
    angles: Sequence[float] = (0.0, 0.0, 0.0),
    *,
    executor: str | Any = "serial",
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Composites and distinct holes inside a search ellipsoid centred on every point.

    Parameters
    ----------
    points : numpy.ndarray
        ``(m, 3)`` block centroids [m].
    composite_xyz : numpy.ndarray
        ``(c, 3)`` composite mid-points [m].
    hole_codes : numpy.ndarray
        ``(c,)`` integer hole codes, 0 … H-1 [-].
    radii : sequence of float
        Major, semi-major and minor radii [m].
    angles : sequence of float
        GSLIB azimuth, dip, rake [deg].
    executor : str or Client
        See :func:`mine2magnet.parallel.map_chunks`.

    Returns
    -------
    n_samples, n_holes : numpy.ndarray
        ``(m,)`` counts (on or inside the ellipsoid) [-].

    Examples
    --------
    >>> xyz = np.array([[0.0, 0, 0], [0, 0, -2], [10, 0, 0], [0, 30, 0]])
    >>> s, h = search_counts(np.zeros((1, 3)), xyz, np.array([0, 0, 1, 2]), [20, 20, 20])
    >>> int(s[0]), int(h[0])
    (3, 2)
    """
    A = anisotropy_matrix(list(radii), *angles)
    P = np.asarray(points, dtype=float).reshape(-1, 3) @ A.T
    X = np.asarray(composite_xyz, dtype=float).reshape(-1, 3) @ A.T
    holes = np.asarray(hole_codes, dtype=np.int64)
    tree = cKDTree(X)
    n_h = int(holes.max()) + 1 if holes.size else 1
    chunks = [P[s : s + _CHUNK] for s in range(0, P.shape[0], _CHUNK)] or [P]
    out = map_chunks(_search_chunk, chunks, executor=executor, args=(tree, holes, n_h))
    return np.concatenate([o[0] for o in out]), np.concatenate([o[1] for o in out])


# --------------------------------------------------------------------------- criteria


def class_codes(crit: pd.DataFrame, params: ClassificationParams) -> NDArray[np.int8]:
    """Class code of every row from its criteria (1 Measured … 4 Unclassified).

    Parameters
    ----------
    crit : pandas.DataFrame
        ``spacing_m`` [m], ``n_holes_search``, ``n_samples_search``, ``slope``, ``ke``,
        ``pass`` [-].
    params : ClassificationParams

    Returns
    -------
    numpy.ndarray
        int8 codes; a class requires its own criteria and those of every lower class.

    Examples
    --------
    >>> c = pd.DataFrame({"spacing_m": [20.0, 50.0, 500.0], "n_holes_search": [9, 9, 9],
    ...                   "n_samples_search": [99, 99, 99], "slope": [0.95, 0.95, 0.95],
    ...                   "ke": [0.6, 0.6, 0.6], "pass": [1, 1, 1]})
    >>> class_codes(c, ClassificationParams()).tolist()
    [1, 2, 4]
    """
    ok = np.ones(len(crit), dtype=bool)
    code = np.full(len(crit), UNCLASSIFIED, dtype=np.int8)
    for c in range(len(CLASSES) - 1, -1, -1):  # inferred, indicated, measured
        ok = ok & _meets(crit, params.criteria(CLASSES[c]))
        code[ok] = c + 1
    return code


def _meets(crit: pd.DataFrame, cc: Any) -> NDArray[np.bool_]:
    def col(name: str) -> NDArray[np.float64]:
        return crit[name].to_numpy(dtype=float)

    with np.errstate(invalid="ignore"):
        ok = np.ones(len(crit), dtype=bool)
        if cc.max_spacing_m is not None:
            ok &= col("spacing_m") <= cc.max_spacing_m
        ok &= col("n_holes_search") >= cc.min_holes
        ok &= col("n_samples_search") >= cc.min_samples
        if cc.min_slope is not None:
            ok &= col("slope") >= cc.min_slope
        if cc.min_ke is not None:
            ok &= col("ke") >= cc.min_ke
        if cc.max_pass is not None:
            p = col("pass")
            ok &= (p >= 1) & (p <= cc.max_pass)
    return ok


def criteria_table(params: ClassificationParams) -> pd.DataFrame:
    """The classification thresholds as a table (for the report and JORC Table 1).

    Returns
    -------
    pandas.DataFrame
        ``class``, ``criterion``, ``operator``, ``threshold``, ``unit``, ``description``.
    """
    n = params.nearest_holes
    s = params.search
    radii = [s.radius_m * a for a in s.anisotropy]
    ell = (f"search ellipsoid radii {radii[0]:g} × {radii[1]:g} × {radii[2]:g} m, "
           f"GSLIB angles {s.angles[0]:g}/{s.angles[1]:g}/{s.angles[2]:g}")  # fmt: skip
    dom = "composites of the block's domain" if params.same_domain else "all composites"
    spec = (
        ("max_spacing_m", "spacing_m", "<=", "m",
         f"distance from the block centroid to the nearest composite of the {n}-th nearest "
         f"distinct hole ({dom})"),
        ("min_holes", "n_holes_search", ">=", "holes", f"distinct holes in the {ell}"),
        ("min_samples", "n_samples_search", ">=", "composites", f"{dom} in the {ell}"),
        ("min_slope", "slope", ">=", "-", "slope of regression of the kriged estimate"),
        ("min_ke", "ke", ">=", "-", "kriging efficiency of the estimate"),
        ("max_pass", "pass", "<=", "pass", "search pass that estimated the block"),
    )  # fmt: skip
    rows = []
    for cls in CLASSES:
        cc = params.criteria(cls)
        for key, crit, op, unit, desc in spec:
            v = getattr(cc, key)
            if v is None or (key in ("min_holes", "min_samples") and v == 0):
                continue
            rows.append((cls.capitalize(), crit, op, float(v), unit, desc))
    q, sm = params.qaqc, params.smoothing
    rows.append(("All", "qaqc_flagged_share", ">=", q.min_share, "-",
                 f"downgrade by {q.downgrade} class(es) when this share of the {n} nearest "
                 f"holes is flagged (QA/QC rules {', '.join(q.rules) or 'none'}; listed holes "
                 f"{', '.join(q.holes) or 'none'})"))  # fmt: skip
    if sm.method == "majority":
        w = "×".join(str(x) for x in sm.window)
        rows.append(("All", "smoothing", "", float(sm.iterations), "iterations",
                     f"majority filter {w} blocks per domain; at most {sm.max_upgrade} class "
                     f"up and {sm.max_downgrade} down; Unclassified and QA/QC-downgraded "
                     "blocks never promoted"))  # fmt: skip
    else:
        rows.append(("All", "smoothing", "", 0.0, "iterations", "none"))
    return pd.DataFrame(
        rows, columns=["class", "criterion", "operator", "threshold", "unit", "description"]
    )


# ------------------------------------------------------------------------------ QA/QC


def flag_holes(
    qaqc_failures: pd.DataFrame, qaqc_samples: pd.DataFrame, params: QaqcParams
) -> pd.DataFrame:
    """Holes flagged by QA/QC failures of their inserts, and listed holes.

    Parameters
    ----------
    qaqc_failures : pandas.DataFrame
        ``sample_id``, ``rule`` (``drillholes__qaqc_failures``).
    qaqc_samples : pandas.DataFrame
        ``sample_id``, ``hole_id`` (``drillholes__qaqc_samples``).
    params : QaqcParams

    Returns
    -------
    pandas.DataFrame
        ``hole_id``, ``reason``, ``samples`` (failed inserts) — one row per hole;
        failures whose insert is not tied to a hole appear with an empty ``hole_id``.
    """
    cols = ["hole_id", "reason", "samples"]
    f = qaqc_failures
    rows: list[tuple[str, str, int]] = []
    if f is not None and len(f) and params.rules:
        f = f[f["rule"].isin(params.rules)][["sample_id", "rule"]]
        link = (qaqc_samples[["sample_id", "hole_id"]].drop_duplicates("sample_id")
                if qaqc_samples is not None and "hole_id" in qaqc_samples
                else pd.DataFrame({"sample_id": [], "hole_id": []}))  # fmt: skip
        m = f.merge(link, on="sample_id", how="left")
        m["hole_id"] = m["hole_id"].fillna("").astype(str)
        for hid, g in m.groupby("hole_id", sort=True):
            reason = ", ".join(sorted(g["rule"].unique()))
            if not hid:
                reason += " (insert not tied to a hole)"
            rows.append((str(hid), reason, int(g["sample_id"].nunique())))
    have = {r[0] for r in rows}
    for h in sorted(set(params.holes) - have):
        rows.append((h, "listed", 0))
    rows = [(h, r + ", listed" if h in params.holes and r != "listed" else r, n)
            for h, r, n in rows]  # fmt: skip
    return pd.DataFrame(rows, columns=cols).sort_values("hole_id", ignore_index=True)


def qaqc_downgrade(
    code: NDArray[np.integer], share: NDArray[np.float64], params: QaqcParams
) -> tuple[NDArray[np.int8], NDArray[np.bool_]]:
    """Drop ``params.downgrade`` classes where the flagged share reaches ``min_share``.

    Parameters
    ----------
    code : numpy.ndarray
        Class codes (1 … 4).
    share : numpy.ndarray
        Flagged share of each block's nearest holes [-].
    params : QaqcParams

    Returns
    -------
    code : numpy.ndarray
        Downgraded codes (never beyond 4, Unclassified).
    downgraded : numpy.ndarray
        Blocks whose class dropped.

    Examples
    --------
    >>> c, d = qaqc_downgrade(np.array([1, 3, 2]), np.array([1.0, 1.0, 0.0]), QaqcParams())
    >>> c.tolist(), d.tolist()
    ([2, 4, 2], [True, True, False])
    """
    code = np.asarray(code, dtype=np.int8)
    hit = (np.asarray(share) >= params.min_share) & (code < UNCLASSIFIED)
    if params.downgrade == 0:
        hit[:] = False
    out = code.copy()
    out[hit] = np.minimum(code[hit] + params.downgrade, UNCLASSIFIED)
    return out, hit


# -------------------------------------------------------------------------- smoothing


def smooth_classes(
    code: NDArray[np.integer],
    ijk: NDArray[np.integer],
    group: NDArray[Any],
    counts: Sequence[int],
    window: Sequence[int] = (3, 3, 3),
    iterations: int = 1,
    *,
    max_upgrade: int = 1,
    max_downgrade: int = 1,
    locked: NDArray[np.bool_] | None = None,
) -> NDArray[np.int8]:
    """Majority filter of class codes on the block grid, per group (domain).

    Parameters
    ----------
    code : numpy.ndarray
        ``(m,)`` class codes 1 … 4 before smoothing.
    ijk : numpy.ndarray
        ``(m, 3)`` block indices; unique within a group.
    group : numpy.ndarray
        ``(m,)`` group label (domain); blocks only see blocks of their group.
    counts : sequence of int
        Grid size along i, j, k [-].
    window : sequence of int
        Odd window size along i, j, k [blocks].
    iterations : int
        Filter passes [-].
    max_upgrade, max_downgrade : int
        Largest move above / below ``code`` [classes].
    locked : numpy.ndarray, optional
        Blocks never promoted above ``code`` (e.g. QA/QC-downgraded).

    Returns
    -------
    numpy.ndarray
        Smoothed codes, same length and order.

    Examples
    --------
    >>> ijk = np.array([[i, 0, 0] for i in range(5)])
    >>> smooth_classes(np.array([2, 2, 1, 2, 2]), ijk, np.zeros(5), (5, 1, 1)).tolist()
    [2, 2, 2, 2, 2]
    """
    base = np.asarray(code, dtype=np.int8)
    ijk = np.asarray(ijk, dtype=np.int64).reshape(-1, 3)
    group = np.asarray(group)
    lo = np.maximum(base - max_upgrade, 1)
    lo = np.where(base == UNCLASSIFIED, UNCLASSIFIED, lo)
    if locked is not None:
        lo = np.where(np.asarray(locked, dtype=bool), base, lo)
    hi = np.minimum(base + max_downgrade, UNCLASSIFIED)
    out = base.copy()
    kernel = np.ones(tuple(int(w) for w in window), dtype=np.int32)
    shape = tuple(int(c) for c in counts)
    for g in pd.unique(group):
        rows = np.flatnonzero(group == g)
        if rows.size == 0:
            continue
        i, j, k = ijk[rows].T
        if (i.min() < 0 or j.min() < 0 or k.min() < 0 or i.max() >= shape[0]
                or j.max() >= shape[1] or k.max() >= shape[2]):  # fmt: skip
            raise DataError(f"block indices outside the grid {shape} in domain {g!r}")
        flat = np.ravel_multi_index((i, j, k), shape)
        if np.unique(flat).size != flat.size:
            raise DataError(f"duplicate (i, j, k) block rows in domain {g!r}")
        cur = out[rows].copy()
        for _ in range(iterations):
            grid = np.zeros(shape, dtype=np.int8)
            grid[i, j, k] = cur
            votes = np.stack(
                [ndimage.correlate((grid == c).astype(np.int32), kernel, mode="constant")
                 [i, j, k] for c in range(1, UNCLASSIFIED + 1)],
                axis=1,
            )  # fmt: skip
            best = votes.max(axis=1)
            tied = votes == best[:, None]
            keep = tied[np.arange(rows.size), cur - 1]
            # least confident of the tied classes (largest code)
            worst = UNCLASSIFIED - np.argmax(tied[:, ::-1], axis=1)
            new = np.where(keep, cur, worst).astype(np.int8)
            cur = np.clip(new, lo[rows], hi[rows]).astype(np.int8)
        out[rows] = cur
    return out


# ---------------------------------------------------------------------------- driver


def _coords(frame: pd.DataFrame) -> NDArray[np.float64]:
    return frame[["easting", "northing", "elevation"]].to_numpy(dtype=float)


def classify_blocks(
    blocks: pd.DataFrame,
    composites: pd.DataFrame,
    qaqc_failures: pd.DataFrame | None,
    qaqc_samples: pd.DataFrame | None,
    counts: Sequence[int],
    params: ClassificationParams,
    *,
    grade_column: str = "TREO_pct",
    executor: str | Any = "serial",
) -> Classification:
    """Classify the estimated blocks into Measured, Indicated, Inferred or Unclassified.

    Parameters
    ----------
    blocks : pandas.DataFrame
        Block table (``estimation__blocks``): ``i``, ``j``, ``k``, ``easting``,
        ``northing``, ``elevation`` [m], ``domain``, ``tonnes`` [t], ``grade_column``
        [%], ``slope``, ``ke``, ``pass`` [-]. Rows where ``grade_column`` is NaN are not
        estimated and left out.
    composites : pandas.DataFrame
        ``hole_id``, ``easting``, ``northing``, ``elevation`` [m], ``domain``.
    qaqc_failures, qaqc_samples : pandas.DataFrame or None
        ``drillholes__qaqc_failures`` and ``drillholes__qaqc_samples``.
    counts : sequence of int
        Grid size along i, j, k [-].
    params : ClassificationParams
    grade_column : str
        Column whose finite values mark estimated blocks.
    executor : str or Client
        See :func:`mine2magnet.parallel.map_chunks`.

    Returns
    -------
    Classification
    """
    est = blocks[np.isfinite(blocks[grade_column].to_numpy(dtype=float))]
    keep = ["i", "j", "k", "domain", "tonnes"]
    out = est[keep].reset_index(drop=True).copy()
    m = len(out)
    P = _coords(est)
    comp = composites.dropna(subset=["easting", "northing", "elevation"])
    hole_index = {h: n for n, h in enumerate(sorted(comp["hole_id"].astype(str).unique()))}
    hole_names = np.array(sorted(hole_index, key=hole_index.__getitem__) or [""], dtype=object)
    comp_holes = comp["hole_id"].astype(str).map(hole_index).to_numpy(dtype=np.int64)
    comp_xyz = _coords(comp)
    n = params.nearest_holes
    s = params.search
    radii = [s.radius_m * a for a in s.anisotropy]

    spacing = np.full(m, np.nan)
    near = np.full((m, n), -1, dtype=np.int64)
    n_samp = np.zeros(m, dtype=np.int64)
    n_hole = np.zeros(m, dtype=np.int64)
    dom_b = out["domain"].astype(str).to_numpy()
    dom_c = comp["domain"].astype(str).to_numpy()
    groups = pd.unique(dom_b) if params.same_domain else [None]
    for g in groups:
        rb = np.flatnonzero(dom_b == g) if g is not None else np.arange(m)
        rc = np.flatnonzero(dom_c == g) if g is not None else np.arange(len(comp))
        if rb.size == 0 or rc.size == 0:
            continue
        d, h = nearest_distinct_holes(P[rb], comp_xyz[rc], comp_holes[rc], n,
                                      executor=executor)  # fmt: skip
        spacing[rb] = d[:, n - 1]
        near[rb] = h
        ns, nh = search_counts(P[rb], comp_xyz[rc], comp_holes[rc], radii, s.angles,
                               executor=executor)  # fmt: skip
        n_samp[rb], n_hole[rb] = ns, nh

    out["spacing_m"] = spacing
    out["n_holes_search"] = n_hole
    out["n_samples_search"] = n_samp
    for c in ("slope", "ke"):
        out[c] = est[c].to_numpy(dtype=float) if c in est else np.nan
    out["pass"] = est["pass"].to_numpy(dtype=np.int64) if "pass" in est else 0

    flagged = flag_holes(qaqc_failures, qaqc_samples, params.qaqc)
    flag_codes = np.zeros(len(hole_names) + 1, dtype=bool)  # last entry: the -1 "no hole"
    for h in flagged["hole_id"]:
        if h in hole_index:
            flag_codes[hole_index[h]] = True
    found = (near >= 0).sum(axis=1)
    n_flag = flag_codes[near].sum(axis=1)
    share = np.divide(n_flag, found, out=np.zeros(m), where=found > 0)
    out["qaqc_flagged_share"] = share

    c0 = class_codes(out, params)
    c1, downgraded = qaqc_downgrade(c0, share, params.qaqc)
    sm = params.smoothing
    if sm.method == "majority" and m:
        c2 = smooth_classes(
            c1, out[["i", "j", "k"]].to_numpy(), dom_b, counts, sm.window, sm.iterations,
            max_upgrade=sm.max_upgrade, max_downgrade=sm.max_downgrade, locked=downgraded,
        )  # fmt: skip
    else:
        c2 = c1.copy()
    out["code_criteria"] = c0
    out["code_unsmoothed"] = c1
    out["code"] = c2
    return Classification(
        blocks=out,
        counts=_counts(out),
        transitions=_transitions(out),
        criteria=criteria_table(params),
        flagged_holes=flagged,
    )


def _counts(t: pd.DataFrame) -> pd.DataFrame:
    rows = []
    tonnes = t["tonnes"].to_numpy(dtype=float)
    for code in range(1, UNCLASSIFIED + 1):
        row: dict[str, Any] = {"class": CLASS_NAMES[code]}
        for col, suffix in (("code_criteria", "_criteria"), ("code_unsmoothed", "_unsmoothed"),
                            ("code", "")):  # fmt: skip
            sel = t[col].to_numpy() == code
            row[f"blocks{suffix}"] = int(sel.sum())
            row[f"tonnes{suffix}"] = float(tonnes[sel].sum())
        rows.append(row)
    total = {"class": "Total"}
    for key in rows[0]:
        if key != "class":
            total[key] = sum(r[key] for r in rows)
    rows.append(total)
    return pd.DataFrame(rows)


def _transitions(t: pd.DataFrame) -> pd.DataFrame:
    g = (
        t.groupby(["code_unsmoothed", "code"], sort=True)["tonnes"]
        .agg(["size", "sum"])
        .reset_index()
    )
    return pd.DataFrame(
        {
            "from_class": [CLASS_NAMES[c] for c in g["code_unsmoothed"]],
            "to_class": [CLASS_NAMES[c] for c in g["code"]],
            "blocks": g["size"].astype(np.int64),
            "tonnes": g["sum"].astype(float),
        }
    )
