"""Domain assignment and fixed-length down-hole compositing.

Compositing rules (``[composite]`` in ``project.toml``,
:class:`~mine2magnet.config.CompositeParams`):

* **Runs.** Intervals are grouped into runs: one per hole, or, with ``by_domain``, one per
  uninterrupted sequence of intervals of the same domain down a hole (in
  :func:`composite_drillholes` a run also ends at an unsampled gap whose log shows another
  domain, e.g. an unsampled waste band between two ore intervals). Composites of
  ``length_m`` start at each run's first ``from_m`` and tile the run to its last ``to_m``;
  unsampled gaps inside a run are tiled too (they are unsampled, not zero grade).
* **Grades.** Each grade column is the length-weighted mean over the part of the
  composite that is sampled *and* non-missing in that column. ``sampled_length_m`` is the
  length covered by input intervals. When the non-missing length of a column is below
  ``min_sampled_fraction × length_m`` that column is set missing (NaN) and the composite
  is listed once (rule ``composite_undersampled``, action ``value_missing``; ``column``
  names the grade column when only one was set missing, the value lists them all).
  Composites with no sampled length at all (wholly inside a gap) are not emitted: they
  carry no data.
* **Residual** (the last piece of a run, shorter than ``length_m``): ``merge`` adds it to
  the previous composite of the run (a run shorter than ``length_m`` becomes one short
  composite); ``keep_if_half`` keeps it as a composite when it is at least half of
  ``length_m`` and drops it otherwise; ``drop`` always drops it. Every dropped piece
  holding samples is listed in :attr:`Composites.rejections` with rule
  ``residual_dropped`` and action ``reported``, on the source row of its first interval.
* **Domain** of a composite: its run's domain with ``by_domain``; otherwise the domain
  covering most of its sampled length (ties: the alphabetically first).

Inputs are assumed validated (no overlapping intervals, ``from_m < to_m``); they are never
modified.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numba import njit

from mine2magnet.config import CompositeParams, DesurveyParams
from mine2magnet.drillholes.desurvey import (
    _build_stations,
    _factorize,
    _map_codes,
    _positions,
    _run_chunks,
)
from mine2magnet.drillholes.types import Composites, DrillholeDB, RejectionLog
from mine2magnet.errors import DataError

__all__ = ["UNLOGGED", "assign_domains", "composite", "composite_drillholes"]

UNLOGGED = "UNLOGGED"
"""Domain of assay intervals (or parts of them) with no lithology/domain log."""

_EPS = 1e-9  # [m] residual pieces shorter than this are float round-off, not ground


# ----------------------------------------------------------------------------- kernels


@njit(cache=True, nogil=True)
def _split_kernel(
    a_code, a_from, a_to, l_code, l_from, l_to, l_dom, unlogged, cap
):  # pragma: no cover - jit
    """Cut sorted assay intervals at the contacts of sorted lithology intervals.

    Returns, per piece: source assay index, from, to, domain code (``unlogged`` where the
    log has no interval) and a break flag, set on the first piece after an unsampled gap
    whose log holds a domain other than that of the piece before the gap; and False when
    ``cap`` pieces were not enough (the caller runs it again with more room: growing the
    arrays inside the loop would make every iteration several times slower).
    """
    n = a_code.shape[0]
    m = l_code.shape[0]
    src = np.empty(cap, dtype=np.int64)
    pf = np.empty(cap)
    pt = np.empty(cap)
    pdom = np.empty(cap, dtype=np.int64)
    brk = np.zeros(cap, dtype=np.bool_)
    k = 0
    j = 0  # first lithology interval that may still overlap
    prev_h = -1
    prev_end = 0.0
    prev_dom = unlogged
    for i in range(n):
        h = a_code[i]
        a = a_from[i]
        b = a_to[i]
        while j < m and l_code[j] < h:
            j += 1
        if not b > a:  # invalid interval: passed through unchanged
            if k + 1 >= cap:
                return src[:0], pf[:0], pt[:0], pdom[:0], brk[:0], False
            src[k] = i
            pf[k] = a
            pt[k] = b
            pdom[k] = unlogged
            k += 1
            continue
        # a gap since the previous interval of the hole: does the log change domain in it?
        gap_break = False
        if h == prev_h and a > prev_end:
            cursor = prev_end
            q = j
            while q < m and l_code[q] == h and l_from[q] < a:
                lo = max(l_from[q], cursor)
                hi = min(l_to[q], a)
                if hi > lo:
                    if lo > cursor and prev_dom != unlogged:
                        gap_break = True
                    if l_dom[q] != prev_dom:
                        gap_break = True
                    cursor = hi
                q += 1
            if cursor < a and prev_dom != unlogged:
                gap_break = True
        while j < m and l_code[j] == h and l_to[j] <= a:
            j += 1
        first = k
        c = a
        q = j
        while q < m and l_code[q] == h and l_from[q] < b and c < b:
            if k + 2 >= cap:
                return src[:0], pf[:0], pt[:0], pdom[:0], brk[:0], False
            lf = max(l_from[q], c)
            lt = min(l_to[q], b)
            if lf > c:  # gap in the log
                src[k] = i
                pf[k] = c
                pt[k] = lf
                pdom[k] = unlogged
                brk[k] = False
                k += 1
                c = lf
            if lt > c:
                src[k] = i
                pf[k] = c
                pt[k] = lt
                pdom[k] = l_dom[q]
                brk[k] = False
                k += 1
                c = lt
            q += 1
        if c < b:
            if k + 1 >= cap:
                return src[:0], pf[:0], pt[:0], pdom[:0], brk[:0], False
            src[k] = i
            pf[k] = c
            pt[k] = b
            pdom[k] = unlogged
            brk[k] = False
            k += 1
        brk[first] = gap_break
        prev_h = h
        prev_end = b
        prev_dom = pdom[k - 1]
    return src[:k], pf[:k], pt[:k], pdom[:k], brk[:k], True


@njit(cache=True, nogil=True)
def _composite_kernel(
    run_first,
    run_stop,
    comp_run,
    comp_from,
    comp_to,
    frm,
    to,
    grades,
    grow,
    k,
    dom,
    n_dom,
    min_frac,
    start,
    stop,
    grade,
    low,
    sampled,
    first_iv,
    cdom,
):  # pragma: no cover - jit
    """Sampled length, grades and majority domain of composites ``start:stop``.

    ``grades``: the k grade columns (a tuple, source rows), ``grow`` the source row of
    each interval. Per grade column the metal (grade × length) and the non-missing
    length are summed interval by interval; ``grade`` [column, composite] is their ratio
    (NaN without non-missing length) and ``low`` flags a non-missing length below
    ``min_frac`` of the composite's length.

    One pass: composites and intervals are both sorted down each run, so the interval
    pointer only moves forward. A range may start inside a run: the pointer then walks
    from the run's first interval past every interval ending above the composite, which
    is where the pass from the run's start would have left it, so any split of the
    composites gives the same numbers.
    """
    acc = np.zeros(n_dom)
    metal = np.zeros(k)
    col_len = np.zeros(k)
    cur = -1
    i = 0
    for c in range(start, stop):
        metal[:] = 0.0
        col_len[:] = 0.0
        r = comp_run[c]
        if r != cur:
            cur = r
            i = run_first[r]
        rstop = run_stop[r]
        c0 = comp_from[c]
        c1 = comp_to[c]
        while i < rstop and to[i] <= c0:
            i += 1
        j = i
        while j < rstop and frm[j] < c1:
            ov = min(to[j], c1) - max(frm[j], c0)
            if ov > 0.0:
                sampled[c] += ov
                if first_iv[c] < 0:
                    first_iv[c] = j
                row = grow[j]
                for q in range(k):
                    g = grades[q][row]
                    if g == g:  # not NaN
                        metal[q] += g * ov
                        col_len[q] += ov
                acc[dom[j]] += ov
            j += 1
        # majority domain (ties → lowest code), then reset the accumulator
        best = -1
        best_len = 0.0
        for q in range(i, j):
            d = dom[q]
            if acc[d] > best_len or (acc[d] == best_len and acc[d] > 0.0 and d < best):
                best_len = acc[d]
                best = d
        for q in range(i, j):
            acc[dom[q]] = 0.0
        cdom[c] = best
        length = comp_to[c] - comp_from[c]
        for q in range(k):
            cl = col_len[q]
            grade[q, c] = metal[q] / cl if cl > 0.0 else np.nan
            low[q, c] = cl > 0.0 and cl < min_frac * length - _EPS


@njit(cache=True)
def _kernel_outputs(k, m):  # pragma: no cover - jit
    """Outputs of :func:`_composite_kernel` (grade and low per column and composite;
    sampled, first interval, domain per composite), allocated by numba: plain
    ``malloc`` memory without numpy's transparent-huge-page advice (see
    :func:`~mine2magnet.drillholes.desurvey._empty`)."""
    return (
        np.empty((k, m)),
        np.empty((k, m), dtype=np.bool_),
        np.zeros(m),
        np.full(m, -1, dtype=np.int64),
        np.full(m, -1, dtype=np.int64),
    )


@njit(cache=True, nogil=True)
def _compact(keep, comp_from, comp_to, length, sampled, grade, low, cdom, code):  # pragma: no cover
    """The kept composites' values in order, a grade flagged ``low`` set to NaN: what
    ``grade[low] = nan`` then ``x[keep]`` per array gives (numba-allocated, see
    :func:`_kernel_outputs`; one array at a time, for the memory streams)."""
    n = 0
    for c in range(keep.shape[0]):
        n += keep[c]
    pos = np.empty(n, dtype=np.int64)
    i = 0
    for c in range(keep.shape[0]):
        if keep[c]:
            pos[i] = c
            i += 1
    kfrom = np.empty(n)
    kto = np.empty(n)
    klength = np.empty(n)
    ksampled = np.empty(n)
    kdom = np.empty(n, dtype=np.int64)
    kcode = np.empty(n, dtype=np.int64)
    for i in range(n):
        kfrom[i] = comp_from[pos[i]]
    for i in range(n):
        kto[i] = comp_to[pos[i]]
    for i in range(n):
        klength[i] = length[pos[i]]
    for i in range(n):
        ksampled[i] = sampled[pos[i]]
    for i in range(n):
        kdom[i] = cdom[pos[i]]
    for i in range(n):
        kcode[i] = code[pos[i]]
    kgrade = np.empty((grade.shape[0], n))
    for q in range(grade.shape[0]):
        for i in range(n):
            c = pos[i]
            kgrade[q, i] = np.nan if low[q, c] else grade[q, c]
    return kfrom, kto, klength, ksampled, kgrade, kdom, kcode


# ----------------------------------------------------------------------------- helpers


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"{what} table: missing column(s) {', '.join(missing)}; it needs {', '.join(columns)}"
        )


@njit(cache=True, nogil=True)
def _in_order(code, frm, to):  # pragma: no cover - jit
    """True when every step of (code, from, to) goes up or stays (NaN: not in order)."""
    for i in range(code.shape[0] - 1):
        dc = code[i + 1] - code[i]
        df = frm[i + 1] - frm[i]
        if not (dc > 0 or (dc == 0 and (df > 0 or (df == 0 and to[i + 1] - to[i] >= 0)))):
            return False
    return True


def _sorted_order(code: np.ndarray, frm: np.ndarray, to: np.ndarray) -> np.ndarray | None:
    """Permutation sorting by (code, from, to); None when already sorted."""
    if code.size < 2 or _in_order(
        np.ascontiguousarray(code, dtype=np.int64),
        np.ascontiguousarray(frm, dtype=np.float64),
        np.ascontiguousarray(to, dtype=np.float64),
    ):
        return None
    return np.lexsort((to, frm, code))


def _floats(column: pd.Series, *, nan_kept: bool = True) -> np.ndarray:
    """``column.to_numpy(dtype=float64, na_value=nan)``, without the copy for a float64
    column, where NaN already is the missing value: for one without NaN, or, when
    ``nan_kept`` is false (its NaNs are never copied to an output), for any."""
    if isinstance(column.dtype, np.dtype) and column.dtype == np.float64:
        values = column.to_numpy()
        if not nan_kept or not np.isnan(values).any():
            return values  # (to_numpy would write every NaN again as np.nan)
    return column.to_numpy(dtype=np.float64, na_value=np.nan)


def _file_label(db: DrillholeDB, table: str, default: str) -> str:
    counts = db.counts
    if isinstance(counts, pd.DataFrame) and {"table", "file"} <= set(counts.columns):
        hit = counts.loc[counts["table"] == table, "file"]
        if len(hit) and pd.notna(hit.iloc[0]):
            return str(hit.iloc[0])
    return default


def _source_rows(intervals: pd.DataFrame) -> np.ndarray | None:
    """The ``row`` column as float (NaN = none), or None."""
    if "row" not in intervals.columns:
        return None
    return pd.to_numeric(intervals["row"], errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )


def _text(x: np.ndarray) -> pa.Array:
    """Numbers as short strings (3 decimals at most), vectorised."""
    return pc.cast(pa.array(np.round(np.asarray(x, dtype=np.float64), 3)), pa.string())


def _join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of string arrays and literal strings."""
    arrays = [pa.scalar(p, pa.string()) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*arrays, "")


def _log_text(values: pa.Array) -> pd.api.extensions.ExtensionArray:
    """Rejection values as the pandas ``string`` array :class:`RejectionLog` makes of
    them (same strings), so it does not convert them through Python objects."""
    return pd.array(values.cast(pa.large_string()), dtype="string")


def _with_unlogged(labels: pd.Index) -> tuple[pd.Index, int]:
    """Domain labels including UNLOGGED (appended unless present) and its code."""
    hit = np.flatnonzero(np.asarray(labels == UNLOGGED))
    if hit.size:
        return labels, int(hit[0])
    return labels.append(pd.Index([UNLOGGED], dtype=labels.dtype)), len(labels)


@dataclass(frozen=True)
class _Pieces:
    """Intervals cut at domain contacts, sorted by hole then depth (arrays only)."""

    src: np.ndarray  # position of the source row in the intervals frame
    code: np.ndarray  # hole code into ``holes``
    holes: pd.Index  # hole ids, sorted
    frm: np.ndarray  # [m]
    to: np.ndarray  # [m]
    dom: np.ndarray  # domain code into ``dom_labels``
    dom_labels: pd.Index  # domain names, UNLOGGED included
    breaks: np.ndarray  # True: another domain is logged in the unsampled gap before


def _split(intervals: pd.DataFrame, lithology: pd.DataFrame) -> _Pieces:
    _require(intervals, ("hole_id", "from_m", "to_m"), "interval")
    dom_col = "domain" if "domain" in lithology.columns else "lithology"
    _require(lithology, ("hole_id", "from_m", "to_m", dom_col), "lithology")

    a_code, holes = _factorize(intervals["hole_id"], sort=True)
    a_from = _floats(intervals["from_m"])
    a_to = _floats(intervals["to_m"])
    a_order = _sorted_order(a_code, a_from, a_to)  # None: sorted already (no copies)

    l_code, l_uniq = _factorize(lithology["hole_id"])
    l_code = np.where(l_code >= 0, np.asarray(holes.get_indexer(l_uniq))[l_code], -1)
    l_from = lithology["from_m"].to_numpy(dtype=np.float64, na_value=np.nan)
    l_to = lithology["to_m"].to_numpy(dtype=np.float64, na_value=np.nan)
    l_dom, dom_labels = _factorize(lithology[dom_col], sort=True)
    dom_labels, unlogged = _with_unlogged(dom_labels)
    l_dom = np.where(l_dom < 0, unlogged, l_dom)
    keep = (l_code >= 0) & np.isfinite(l_from) & np.isfinite(l_to) & (l_to > l_from)
    l_code, l_from, l_to, l_dom = l_code[keep], l_from[keep], l_to[keep], l_dom[keep]
    l_order = _sorted_order(l_code, l_from, l_to)  # a validated log is sorted already
    if l_order is None:
        l_order = np.arange(l_code.size, dtype=np.int64)

    args = (
        np.ascontiguousarray(a_code if a_order is None else a_code[a_order]),
        np.ascontiguousarray(a_from if a_order is None else a_from[a_order]),
        np.ascontiguousarray(a_to if a_order is None else a_to[a_order]),
        np.ascontiguousarray(l_code[l_order], dtype=np.int64),
        np.ascontiguousarray(l_from[l_order]),
        np.ascontiguousarray(l_to[l_order]),
        np.ascontiguousarray(l_dom[l_order], dtype=np.int64),
        unlogged,
    )
    cap = a_code.size + 2 * l_code.size  # enough unless intervals overlap
    while True:
        src, pf, pt, pdom, brk, complete = _split_kernel(*args, cap)
        if complete:
            break
        cap = 2 * cap + 16
    if a_order is not None:
        src = a_order[src]
    return _Pieces(src, a_code[src], holes, pf, pt, pdom, dom_labels, brk)


def _composite_arrays(
    code: np.ndarray,
    holes: pd.Index,
    frm: np.ndarray,
    to: np.ndarray,
    grades: _Grades,
    dom: np.ndarray,
    dom_labels: pd.Index,
    rows: np.ndarray | None,
    grade_columns: tuple[str, ...],
    params: CompositeParams,
    file_label: str,
    log: RejectionLog,
    breaks: np.ndarray | None = None,
    nan_xyz: bool = True,
) -> tuple[dict[str, object], np.ndarray]:
    """Composite interval arrays; returns the table's columns and each composite's hole.

    ``grades``: the grade columns and the row of each interval in them; ``rows``: the
    source line of each interval.
    """
    L = float(params.length_m)
    # rows that cannot take part (no hole, no depths) are skipped; validation reports them
    ok = (code >= 0) & np.isfinite(frm) & np.isfinite(to) & (to > frm)
    idx = None  # None: every interval, in the given order (no copies)
    if ok.all():
        order = _sorted_order(code, frm, to)
        if order is not None:
            idx = order
    else:
        idx = np.flatnonzero(ok)
        order = _sorted_order(code[idx], frm[idx], to[idx])
        if order is not None:
            idx = idx[order]
    grow = grades.rows
    if idx is not None:
        code, frm, to, dom, grow = code[idx], frm[idx], to[idx], dom[idx], grow[idx]
        breaks = None if breaks is None else breaks[idx]
    n = code.size

    # runs
    new_run = np.ones(n, dtype=bool)
    if n > 1:
        new_run[1:] = code[1:] != code[:-1]
        if params.by_domain:
            new_run[1:] |= dom[1:] != dom[:-1]
            if breaks is not None:
                new_run[1:] |= breaks[1:]
    run_first = np.flatnonzero(new_run).astype(np.int64)
    run_stop = np.append(run_first[1:], n).astype(np.int64)
    run_start = frm[run_first]
    run_end = np.maximum.reduceat(to, run_first) if n else np.empty(0)
    run_len = run_end - run_start

    # composite boundaries per run; the residual piece is the last one when present
    n_full = np.floor((run_len + _EPS) / L).astype(np.int64)
    resid = run_len - n_full * L
    has_resid = resid > _EPS
    if params.residual == "merge":
        # the residual joins the last full composite; a run shorter than L is one composite
        n_comp = np.maximum(n_full, 1)
        drop_resid = np.zeros(run_len.size, dtype=bool)
    else:
        n_comp = n_full + has_resid
        if params.residual == "keep_if_half":
            drop_resid = has_resid & (resid < 0.5 * L - _EPS)
        else:
            drop_resid = has_resid
    comp_run = np.repeat(np.arange(run_len.size, dtype=np.int64), n_comp)
    comp_first = np.cumsum(n_comp) - n_comp
    k_in_run = np.arange(comp_run.size, dtype=np.int64) - comp_first[comp_run]
    comp_from = run_start[comp_run] + k_in_run * L
    comp_to = np.minimum(comp_from + L, run_end[comp_run])
    last = comp_first + n_comp - 1
    comp_to[last] = run_end  # exact run end (also the merged residual)
    dropped = np.zeros(comp_run.size, dtype=bool)
    dropped[last[drop_resid]] = True

    m = comp_run.size
    k = len(grade_columns)
    grade, low, sampled, first_iv, cdom = _kernel_outputs(k, m)
    kernel_in = (run_first, run_stop, comp_run, comp_from, comp_to, frm, to)
    kernel_in += (grades.columns, np.ascontiguousarray(grow, dtype=np.int64), k)
    kernel_in += (np.ascontiguousarray(dom, dtype=np.int64), len(dom_labels))
    kernel_in += (float(params.min_sampled_fraction),)
    _run_chunks(_composite_kernel, m, kernel_in, (grade, low, sampled, first_iv, cdom))
    length = comp_to - comp_from
    comp_code = code[run_first[comp_run]]

    hole_text = pa.array(np.asarray(holes, dtype=object), pa.string())

    def described(pos: np.ndarray) -> pa.Array:
        return _join(
            hole_text.take(pa.array(comp_code[pos])),
            " ",
            _text(comp_from[pos]),
            "-",
            _text(comp_to[pos]),
            " m",
        )

    def source_rows(pos: np.ndarray) -> np.ndarray:
        picked = np.full(pos.size, np.nan)
        if rows is not None:
            first = first_iv[pos]
            has = first >= 0
            picked[has] = rows[first[has] if idx is None else idx[first[has]]]
        return picked

    gone = np.flatnonzero(dropped & (sampled > 0.0))
    if gone.size:
        doms = pa.array(np.asarray(dom_labels, dtype=object), pa.string())
        doms = doms.take(pa.array(cdom[gone]))
        values = _join(
            described(gone), " (", _text(sampled[gone]), " m sampled, domain ", doms, ")"
        )
        picked = pd.Series(source_rows(gone)).astype("Int64")
        log.add(file_label, picked, None, "residual_dropped", _log_text(values), "reported")
    keep = ~dropped & (sampled > 0.0)
    # one row per composite with grades set missing; ``column`` names the grade column
    # when only one was, the value lists them all (one add per column + one for the rest)
    if grade_columns:
        low &= keep[None, :]
        n_low = low.sum(axis=0)
        any_low = np.flatnonzero(n_low > 0)
        if any_low.size:
            low_rows = low[:, any_low].T
            pattern = low_rows.astype(np.int64) @ (1 << np.arange(len(grade_columns)))
            pats, inverse = np.unique(pattern, return_inverse=True)
            names = [
                ", ".join(c for q, c in enumerate(grade_columns) if (int(pat) >> q) & 1)
                for pat in pats
            ]
            listed = pa.array(names, pa.string()).take(pa.array(inverse.ravel()))
            single = n_low[any_low] == 1
            which = np.argmax(low_rows, axis=1)
            groups = [(which == q) & single for q in range(len(grade_columns))]
            groups.append(~single)
            # the text of every such composite at once; each add takes its rows in order
            values_all = _join(
                described(any_low),
                ", ",
                _text(sampled[any_low]),
                " of ",
                _text(length[any_low]),
                " m sampled: ",
                listed,
                " below the minimum sampled fraction",
            )
            picked_all = source_rows(any_low)
            for q, grp in enumerate(groups):
                if not grp.any():
                    continue
                column = grade_columns[q] if q < len(grade_columns) else None
                log.add(
                    file_label,
                    pd.Series(picked_all[grp]).astype("Int64"),
                    column,
                    "composite_undersampled",
                    _log_text(values_all.filter(pa.array(grp))),
                    "value_missing",
                )
    # the kept composites, undersampled grades set missing (one compiled pass)
    kfrom, kto, klength, ksampled, kgrade, kdom, kcode = _compact(
        keep, comp_from, comp_to, length, sampled, grade, low, cdom, comp_code
    )
    n_keep = kfrom.size
    columns: dict[str, object] = {
        "hole_id": holes.take(kcode),
        "from_m": kfrom,
        "to_m": kto,
        "length_m": klength,
        "sampled_length_m": ksampled,
        # coordinates: NaN here; composite_drillholes puts the desurveyed ones in
        "easting": np.full(n_keep, np.nan) if nan_xyz else None,
        "northing": np.full(n_keep, np.nan) if nan_xyz else None,
        "elevation": np.full(n_keep, np.nan) if nan_xyz else None,
        "domain": dom_labels.take(kdom),
    }
    for q, col in enumerate(grade_columns):
        columns[col] = kgrade[q]
    return columns, kcode


@dataclass(frozen=True)
class _Grades:
    """Grade columns as read-only float arrays over the source rows, and the source row
    of each interval to composite (no (interval, column) copy is made)."""

    columns: tuple[np.ndarray, ...]
    rows: np.ndarray


def _grade_columns(
    frame: pd.DataFrame, columns: tuple[str, ...], rows: np.ndarray | None = None
) -> _Grades:
    arrays = []
    for c in columns:
        a = np.ascontiguousarray(_floats(frame[c], nan_kept=False)).view()
        a.flags.writeable = False  # one array type for the kernel's tuple
        arrays.append(a)
    if not arrays:  # the kernel needs a tuple of arrays to compile; k = 0 reads none
        arrays.append(np.zeros(0))
        arrays[0].flags.writeable = False
    if rows is None:
        rows = np.arange(len(frame), dtype=np.int64)
    return _Grades(tuple(arrays), rows)


# ----------------------------------------------------------------------------- public


def assign_domains(intervals: pd.DataFrame, lithology: pd.DataFrame) -> pd.DataFrame:
    """Split intervals at lithology contacts and label each piece with its domain.

    Parameters
    ----------
    intervals : pandas.DataFrame
        ``hole_id``, ``from_m``, ``to_m`` [m] and any other columns (grades, ``row``, …).
    lithology : pandas.DataFrame
        ``hole_id``, ``from_m``, ``to_m`` [m] and ``domain`` (or, when there is no
        ``domain`` column, ``lithology``, used as the domain). May be empty.

    Returns
    -------
    pandas.DataFrame
        The intervals cut at every lithology contact inside them, sorted by ``hole_id``
        then ``from_m``, with a new ``domain`` column and a fresh index. Each piece keeps
        every other column of its source row (grades are intensive, so they are unchanged
        by the cut; ``row`` still points to the source line). Pieces not covered by the
        log, and intervals of holes without any log, get domain ``"UNLOGGED"``; so do
        logged pieces whose domain is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> iv = pd.DataFrame({"hole_id": ["A"], "from_m": [0.0], "to_m": [4.0], "Ce_pct": [1.0]})
    >>> lith = pd.DataFrame({"hole_id": ["A"], "from_m": [0.0], "to_m": [3.0],
    ...                      "domain": ["OX"]})
    >>> assign_domains(iv, lith)[["from_m", "to_m", "domain"]].values.tolist()
    [[0.0, 3.0, 'OX'], [3.0, 4.0, 'UNLOGGED']]
    """
    p = _split(intervals, lithology)
    out = intervals.take(p.src).reset_index(drop=True)
    return out.assign(from_m=p.frm, to_m=p.to, domain=p.dom_labels.take(p.dom))


def composite(
    intervals: pd.DataFrame,
    grade_columns: Sequence[str],
    params: CompositeParams,
    *,
    file_label: str = "assays",
) -> Composites:
    """Composite down-hole intervals to a fixed length.

    Parameters
    ----------
    intervals : pandas.DataFrame
        ``hole_id``, ``from_m``, ``to_m`` [m], the grade columns (missing = NaN),
        ``domain`` (required when ``params.by_domain``; see :func:`assign_domains`) and
        optionally ``row`` (source line, used in the rejection table).
    grade_columns : sequence of str
        Columns to composite, e.g. ``["TREO_pct", "Nd2O3_pct"]`` [their own units].
    params : CompositeParams
        ``length_m`` [m], ``residual``, ``by_domain``, ``min_sampled_fraction`` [-].
    file_label : str
        Name of the source file for rejection rows.

    Returns
    -------
    Composites
        ``table`` with ``hole_id``, ``from_m``, ``to_m``, ``length_m``,
        ``sampled_length_m`` [m], ``easting``, ``northing``, ``elevation`` (NaN here;
        filled by :func:`composite_drillholes`), ``domain`` and the grade columns; sorted by
        ``hole_id`` then ``from_m``. ``rejections`` lists dropped residual pieces and
        grades set missing for low sampled length.

    Notes
    -----
    Metal is conserved: per grade column, the sum of grade × non-missing length over the
    composites equals the sum over the input when nothing is dropped and
    ``min_sampled_fraction`` is 0. See the module docstring for every rule.

    Examples
    --------
    >>> import pandas as pd
    >>> from mine2magnet.config import CompositeParams
    >>> iv = pd.DataFrame({"hole_id": ["A", "A"], "from_m": [0.0, 1.0], "to_m": [1.0, 3.0],
    ...                    "Ce_pct": [1.0, 4.0]})
    >>> p = CompositeParams(length_m=3.0, by_domain=False)
    >>> composite(iv, ["Ce_pct"], p).table["Ce_pct"].tolist()
    [3.0]
    """
    grade_columns = tuple(grade_columns)
    if params.by_domain and "domain" not in intervals.columns:
        raise DataError(
            "composite: 'domain' column missing while composite.by_domain = true; run "
            "assign_domains(intervals, lithology) first or set by_domain = false"
        )
    _require(intervals, ["hole_id", "from_m", "to_m", *grade_columns], "interval")
    code, holes = _factorize(intervals["hole_id"], sort=True)
    if "domain" in intervals.columns:
        dom, labels = _factorize(intervals["domain"], sort=True)
        dom_labels, unlogged = _with_unlogged(labels)
        dom = np.where(dom < 0, unlogged, dom)
    else:
        dom = np.zeros(len(intervals), dtype=np.int64)
        dom_labels = pd.Index([UNLOGGED])
    log = RejectionLog()
    columns, _ = _composite_arrays(
        code,
        holes,
        intervals["from_m"].to_numpy(dtype=np.float64, na_value=np.nan),
        intervals["to_m"].to_numpy(dtype=np.float64, na_value=np.nan),
        _grade_columns(intervals, grade_columns),
        dom,
        dom_labels,
        _source_rows(intervals),
        grade_columns,
        params,
        file_label,
        log,
    )
    return Composites(
        table=pd.DataFrame(columns, copy=False),  # arrays made for this table
        grade_columns=grade_columns,
        length_m=float(params.length_m),
        residual_rule=params.residual,
        rejections=log.frame(),
    )


def composite_drillholes(
    db: DrillholeDB,
    params: CompositeParams,
    method: str | DesurveyParams = "minimum_curvature",
) -> Composites:
    """Assign domains, composite and desurvey a validated drillhole database.

    Parameters
    ----------
    db : DrillholeDB
        Validated database (collars, surveys, assays, lithology, grade columns).
    params : CompositeParams
        Compositing rules: ``length_m`` [m], ``residual``, ``by_domain``,
        ``min_sampled_fraction`` [-].
    method : str or DesurveyParams
        Desurvey method: ``"minimum_curvature"``, ``"tangential"`` or
        ``"balanced_tangential"``.

    Returns
    -------
    Composites
        As :func:`composite` after :func:`assign_domains`, with mid-point ``easting``,
        ``northing``, ``elevation`` [m] (the point on the hole path at the mid-depth).
        ``rejections`` holds dropped residual pieces, grades set missing, and one
        ``reported`` row (rule ``no_survey_vertical``) per composited hole that has no
        survey and was taken as vertical.

    Examples
    --------
    >>> from mine2magnet.config import CompositeParams
    >>> comps = composite_drillholes(db, CompositeParams(length_m=2.0))  # doctest: +SKIP
    """
    if isinstance(method, DesurveyParams):
        method = method.method
    grade_columns = tuple(db.grade_columns)
    assay_file = _file_label(db, "assays", "assays")
    survey_file = _file_label(db, "surveys", "surveys")
    st = _build_stations(db.collars, db.surveys, method)  # fails early on a bad method
    _require(db.assays, ["hole_id", "from_m", "to_m", *grade_columns], "assay")
    p = _split(db.assays, db.lithology)
    rows = _source_rows(db.assays)
    log = RejectionLog()
    columns, comp_code = _composite_arrays(
        p.code,
        p.holes,
        p.frm,
        p.to,
        _grade_columns(db.assays, grade_columns, p.src),
        p.dom,
        p.dom_labels,
        None if rows is None else rows[p.src],
        grade_columns,
        params,
        assay_file,
        log,
        p.breaks,
        nan_xyz=False,
    )
    codes = _map_codes(st.holes, comp_code, p.holes, "composites")
    xyz = _positions(st, codes, 0.5 * (columns["from_m"] + columns["to_m"]))  # type: ignore[operator]
    columns.update(easting=xyz[:, 0], northing=xyz[:, 1], elevation=xyz[:, 2])

    used = np.zeros(len(st.holes), dtype=bool)
    used[codes] = True
    vertical = np.flatnonzero(used & (st.n_surveys == 0))
    if vertical.size:
        log.add(
            survey_file,
            [None] * vertical.size,
            "hole_id",
            "no_survey_vertical",
            [str(h) for h in np.asarray(st.holes, dtype=object)[vertical]],
            "reported",
        )
    return Composites(
        table=pd.DataFrame(columns, copy=False),  # arrays made for this table
        grade_columns=grade_columns,
        length_m=float(params.length_m),
        residual_rule=params.residual,
        rejections=log.frame(),
    )
