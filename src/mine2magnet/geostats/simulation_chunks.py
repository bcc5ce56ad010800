"""Memory-bounded block simulation: SGS by spatial chunks with a conditioning band.

:func:`~mine2magnet.geostats.simulation.simulate_blocks` holds every discretisation
point of a domain at once. :func:`simulate_blocks_chunked` simulates the same
realisation chunk by chunk, so that a worker never holds more than one chunk plus the
band of already simulated points that the chunk can still see, and yields each chunk's
block grades as soon as they exist (to be written incrementally, e.g. by
:func:`mine2magnet.uncertainty.run_realisations` as table parts).

Chunks (:func:`plan_chunks`) are rectangular tiles of whole blocks in the grid's
``(i, j, k)`` index space, numbered with ``i`` fastest, then ``j``, then ``k`` (the flat
block index order of docs/conventions.md), and simulated in that fixed order.

Memory model (stated, conservative; the planning bound is a property test in
``tests/geostats/test_simulation_chunks.py``, the peak a :mod:`tracemalloc` test in
``tests/uncertainty/test_runner.py``):

* every point that takes part in one SGS call — a target point of the chunk or a band
  point — costs :data:`BYTES_PER_NODE` = 400 bytes: the SGS working set
  measured at ≈ 250 bytes per node with two nested structures (search-space and
  covariance-space coordinates, cell grids, path, draws), plus the point coordinates,
  the normal scores of up to three factors, the back-transformed grades and the block
  averaging (≈ 150 bytes);
* the band of a tile is bounded by the blocks within ``r`` blocks of it along each axis
  (``r = floor(h / block size) + 1`` with ``h`` the half-extent of the search ellipsoid
  along the grid axis, :func:`band_reach`), whether or not they come earlier in the
  order (a factor of about two of headroom);
* a tile is accepted when ``(tile blocks + band blocks) × points per block ×
  BYTES_PER_NODE ≤ WORKING_SHARE × memory_limit_mb`` (3/4 of the limit); the remaining
  quarter holds the retained band store (below) and the composites (also about 400
  bytes each in the SGS call: 10,000 composites take 4 MB).

Outside the limit: the caller's block-model table (the input), the composites and
their transforms, and the plan itself — 8 bytes per block of the domain (its row
position) for the whole realisation and about 24 bytes per block while planning, far
less than the table's own row.

The retained store keeps, after each chunk, only those of its normal-score points that
lie within the reach of a later chunk (``(3 + n_factors) × 8`` bytes each), and drops a
chunk's points once no later chunk can see them. When the store exceeds its quarter of
the limit, its oldest entries are spilled to ``.npy`` files in a temporary directory and
read back in slices, so memory stays bounded by chunk + band whatever the grid size.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from mine2magnet.errors import ConfigError
from mine2magnet.geostats.search import SearchParameters
from mine2magnet.geostats.simulation import (
    SimulationParams,
    block_points,
    domain_seed,
    domain_transform,
    sgs_values,
)
from mine2magnet.geostats.variogram import ZERO_LAG_M

__all__ = [
    "BYTES_PER_NODE",
    "WORKING_SHARE",
    "band_reach",
    "chunk_memory_mb",
    "plan_chunks",
    "simulate_blocks_chunked",
]

BYTES_PER_NODE = 400
"""Memory of one simulated, band or conditioning point in a chunk's SGS call [bytes]."""

WORKING_SHARE = 0.75
"""Share of ``memory_limit_mb`` given to one chunk plus its band [-]."""

_SLICE_ROWS = 1 << 18  # rows read at a time from a spilled band file


# --------------------------------------------------------------------- geometry


def _rotation(rotation_deg: float) -> NDArray[np.float64]:
    """Rows are the grid's i, j, k axes in world coordinates (as ``simulation.block_points``)."""
    r = math.radians(float(rotation_deg))
    c, s = math.cos(r), math.sin(r)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def band_reach(
    search: SearchParameters,
    block_size: Sequence[float],
    rotation_deg: float = 0.0,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Reach of the search ellipsoid along the grid axes, in metres and in blocks.

    Parameters
    ----------
    search : SearchParameters
        Search ellipsoid (ranges [m], GSLIB angles [deg]).
    block_size : sequence of float
        Block size along i, j, k [m].
    rotation_deg : float
        Grid rotation about the vertical [deg].

    Returns
    -------
    reach_m : numpy.ndarray
        Half-extent ``h`` of the ellipsoid's bounding box along i, j, k [m] (both
        rotation senses considered, so it is a bound whichever sense the grid uses).
    reach_blocks : numpy.ndarray
        ``floor(h / block size) + 1``: two points whose blocks are further apart than
        this along an axis are further apart than ``h`` [blocks].

    Examples
    --------
    >>> h, r = band_reach(SearchParameters(25.0), (10.0, 10.0, 5.0))
    >>> h.tolist(), r.tolist()
    ([25.0, 25.0, 25.0], [3, 3, 6])
    """
    M = np.linalg.inv(search.matrix())  # the unit ball maps onto the ellipsoid
    h = np.max(
        [np.linalg.norm(_rotation(s * rotation_deg) @ M, axis=1) for s in (1.0, -1.0)], axis=0
    )
    bs = np.asarray(block_size, dtype=float)
    return h, (np.floor(h / bs + 1e-9) + 1).astype(np.int64)


# --------------------------------------------------------------------- planning


def _candidates(n: int) -> NDArray[np.int64]:
    """Tile lengths to try along an axis of ``n`` blocks: ~geometric, with ``n`` itself."""
    c = {1, n}
    x = 1.0
    while x < n:
        c.add(math.ceil(x))
        x *= 1.25
    return np.array(sorted(v for v in c if 1 <= v <= n), dtype=np.int64)


def chunk_memory_mb(
    tile_blocks: int, band_blocks: int, discretisation: Sequence[int]
) -> float:  # fmt: skip
    """Memory of one chunk under the stated model [MB].

    Parameters
    ----------
    tile_blocks, band_blocks : int
        Blocks simulated in the chunk and blocks of its conditioning band [-].
    discretisation : sequence of int
        Points per block along i, j, k [-].

    Returns
    -------
    float
        ``(tile + band) × points per block × BYTES_PER_NODE / 10⁶`` [MB].
    """
    return (tile_blocks + band_blocks) * int(np.prod(discretisation)) * BYTES_PER_NODE / 1e6


def plan_chunks(
    block_model_rows: pd.DataFrame,
    block_size: Sequence[float],
    discretisation: Sequence[int],
    memory_limit_mb: float,
    search: SearchParameters,
    *,
    rotation_deg: float = 0.0,
) -> list[NDArray[np.int64]]:
    """Split block rows into tiles of whole blocks that fit the memory limit with their band.

    The tile shape ``(ti, tj, tk)`` [blocks] is the one with the fewest chunks (then the
    least band) among roughly geometric lengths per axis such that
    ``chunk_memory_mb(ti·tj·tk, band) ≤ WORKING_SHARE × memory_limit_mb``, where
    ``band = Π min(t + 2r, n) − ti·tj·tk`` is the bound on the band blocks (``r`` from
    :func:`band_reach`, ``n`` the extent of the rows in blocks). When all the rows fit
    without a band, there is one chunk.

    Parameters
    ----------
    block_model_rows : pandas.DataFrame
        Block rows (one domain) with integer ``i``, ``j``, ``k``.
    block_size : sequence of float
        Block size along i, j, k [m].
    discretisation : sequence of int
        Simulated points per block along i, j, k [-].
    memory_limit_mb : float
        Memory one chunk may use, e.g. ``project.parallel.memory_limit_mb`` [MB].
    search : SearchParameters
        Search ellipsoid of the simulation (ranges [m], angles [deg]).
    rotation_deg : float
        Grid rotation about the vertical [deg].

    Returns
    -------
    list of numpy.ndarray
        Positional row indices (``0 … len(rows) − 1``) per chunk, in simulation order
        (tiles with ``i`` fastest, then ``j``, then ``k``); within a chunk the rows keep
        their table order. Every row is in exactly one chunk; empty tiles are skipped.

    Raises
    ------
    ConfigError
        When ``memory_limit_mb`` is not positive, or too small for even one block and
        its band (the message gives the smallest limit that works).

    Examples
    --------
    >>> rows = pd.DataFrame({"i": [0, 1, 2, 3], "j": 0, "k": 0})
    >>> [c.tolist() for c in plan_chunks(rows, (10, 10, 10), (1, 1, 1), 1.0,
    ...                                  SearchParameters(5.0))]
    [[0, 1, 2, 3]]
    """
    if not memory_limit_mb > 0:
        raise ConfigError(f"memory_limit_mb must be > 0, got {memory_limit_mb}")
    axes = [block_model_rows[c].to_numpy() for c in ("i", "j", "k")]  # views, no copy
    m = axes[0].shape[0]
    if m == 0:
        return []
    nd = int(np.prod(discretisation))
    budget = WORKING_SHARE * float(memory_limit_mb)
    if chunk_memory_mb(m, 0, discretisation) <= budget:
        return [np.arange(m, dtype=np.int64)]
    lo = np.array([int(a.min()) for a in axes], dtype=np.int64)
    n = np.array([int(a.max()) for a in axes], dtype=np.int64) - lo + 1
    _, r = band_reach(search, block_size, rotation_deg)
    ti, tj, tk = np.meshgrid(*[_candidates(int(x)) for x in n], indexing="ij")
    ti, tj, tk = ti.ravel(), tj.ravel(), tk.ravel()
    box = (np.minimum(ti + 2 * r[0], n[0]) * np.minimum(tj + 2 * r[1], n[1])
           * np.minimum(tk + 2 * r[2], n[2]))  # fmt: skip
    fits = box * nd * BYTES_PER_NODE / 1e6 <= budget
    if not fits.any():
        need = int(np.prod(np.minimum(1 + 2 * r, n)))
        raise ConfigError(
            f"memory_limit_mb={memory_limit_mb:g} is too small for one block and its "
            f"conditioning band ({need} blocks × {nd} points × {BYTES_PER_NODE} bytes); "
            f"raise it to at least {chunk_memory_mb(need, 0, discretisation) / WORKING_SHARE:.1f}"
            " or reduce the search ranges"
        )
    nchunks = (-(-n[0] // ti)) * (-(-n[1] // tj)) * (-(-n[2] // tk))
    work = nchunks * box  # blocks touched by all chunks (tile + band bound)
    cand = np.flatnonzero(fits)
    best = cand[np.lexsort((work[cand], nchunks[cand]))[0]]
    t = np.array([ti[best], tj[best], tk[best]], dtype=np.int64)
    nt = -(-n // t)
    flat = (axes[2] - lo[2]) // t[2]  # tile number, i fastest (about 16 bytes per block)
    flat *= nt[1]
    flat += (axes[1] - lo[1]) // t[1]
    flat *= nt[0]
    flat += (axes[0] - lo[0]) // t[0]
    order = np.argsort(flat, kind="stable")
    cuts = np.flatnonzero(np.diff(flat[order])) + 1
    del flat
    return np.split(order, cuts)


# ---------------------------------------------------------------- band store


class _BandStore:
    """Normal-score points of simulated chunks that later chunks can still see.

    Entries are ``(chunk, box_lo, box_hi, array)`` with ``array`` rows ``(easting,
    northing, elevation, y_1 … y_f)``; in memory up to ``budget_bytes``, beyond that the
    oldest are spilled to ``.npy`` files and read back in slices.
    """

    def __init__(self, R: NDArray[np.float64], budget_bytes: float) -> None:
        self.R = R
        self.budget = budget_bytes
        self.entries: dict[int, tuple[NDArray, NDArray, NDArray | Path]] = {}
        self.held = 0
        self._dir: Path | None = None

    def put(self, c: int, arr: NDArray[np.float64], lo: NDArray, hi: NDArray) -> None:
        if arr.shape[0] == 0:
            return
        self.entries[c] = (lo, hi, arr)
        self.held += arr.nbytes
        for k in sorted(self.entries):  # spill the oldest first
            if self.held <= self.budget:
                break
            elo, ehi, e = self.entries[k]
            if isinstance(e, Path):
                continue
            if self._dir is None:
                self._dir = Path(tempfile.mkdtemp(prefix="m2m-band-"))
            p = self._dir / f"chunk{k:06d}.npy"
            np.save(p, e)
            self.entries[k] = (elo, ehi, p)
            self.held -= e.nbytes

    def gather(self, lo: NDArray, hi: NDArray, nf: int) -> NDArray[np.float64]:
        """Stored points whose grid-frame coordinates lie in the box ``[lo, hi]``."""
        out = []
        for k in sorted(self.entries):
            elo, ehi, e = self.entries[k]
            if np.any(ehi < lo) or np.any(elo > hi):
                continue
            if isinstance(e, Path):
                mm = np.load(e, mmap_mode="r")
                for s in range(0, mm.shape[0], _SLICE_ROWS):
                    out.append(self._inside(np.asarray(mm[s : s + _SLICE_ROWS]), lo, hi))
                del mm
            else:
                out.append(self._inside(e, lo, hi))
        return np.concatenate(out) if out else np.zeros((0, 3 + nf))

    def _inside(self, a: NDArray, lo: NDArray, hi: NDArray) -> NDArray[np.float64]:
        g = a[:, :3] @ self.R.T
        return a[np.all((g >= lo) & (g <= hi), axis=1)]

    def release(self, c: int) -> None:
        lo_hi_e = self.entries.pop(c, None)
        if lo_hi_e is None:
            return
        e = lo_hi_e[2]
        if isinstance(e, Path):
            e.unlink(missing_ok=True)
        else:
            self.held -= e.nbytes

    def close(self) -> None:
        self.entries.clear()
        self.held = 0
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


# ------------------------------------------------------------------ simulation


def simulate_blocks_chunked(
    block_model,
    composites: pd.DataFrame,
    domain: str,
    columns: str | Sequence[str],
    params: SimulationParams,
    *,
    realisation: int,
    seed: int,
    memory_limit_mb: float,
    sink: Callable[[int, pd.DataFrame], None] | None = None,
    points_sink: Callable[[int, pd.DataFrame, NDArray[np.float64], pd.DataFrame], None]
    | None = None,
) -> Iterator[pd.DataFrame]:
    """One realisation of a domain's block grades, simulated and yielded chunk by chunk.

    The domain's block rows are split by :func:`plan_chunks` into tiles that fit
    ``memory_limit_mb`` with their band, and the tiles are simulated in that fixed
    order. In each chunk the discretisation points (as in
    :func:`~mine2magnet.geostats.simulation.simulate_blocks`) are simulated by
    :func:`~mine2magnet.geostats.simulation.sgs_values` along their own random path
    (multiple grids within the chunk), conditioned on the domain's composites **plus**
    the normal scores already simulated in earlier chunks within the search
    ellipsoid's reach of the chunk (its band), passed as extra conditioning data. Points
    are back-transformed and averaged per block in original units; the transforms
    (:class:`~mine2magnet.geostats.normal_score.NormalScoreTransform` or
    :class:`~mine2magnet.geostats.simulation.CompositionalTransform`) are fitted once on
    the domain's composites, exactly as in ``simulate_blocks``.

    How this differs from one random path over the whole domain: the visiting order is
    structured across chunks (all of chunk 0, then all of chunk 1, …) and random within
    a chunk. Any visiting order gives a valid sequential decomposition of the
    multi-Gaussian law, so the realisation has the same model; what changes is the
    neighbourhood approximation: earlier chunks condition later ones but never the
    reverse, and a later chunk's band nodes share the ``max_data`` list with the
    composites (the chunk's own nodes use ``max_previous``), as data and previous nodes
    share one list in GSLIB ``sgsim`` when data are assigned to nodes. Near a chunk
    boundary a composite may therefore be displaced by closer band nodes (data are
    still honoured exactly at their nodes). The tests check that histograms, variograms
    and the variogram across chunk boundaries match the unchunked simulation.

    Seeds: ``SeedSequence([seed, realisation, crc32(domain)])`` as in
    ``simulate_blocks``; chunk ``c`` of a plan with several chunks uses its child with
    spawn key ``(c,)`` (and its factors the children of that), so a chunk's draws depend
    on ``(seed, realisation, domain, plan)`` only, never on the executor. With one chunk
    (the domain fits the limit) the parent itself is used and the result equals
    ``simulate_blocks`` bit for bit.

    Parameters
    ----------
    block_model : BlockModel
        Block model (``table`` with ``i``, ``j``, ``k``, ``easting``, ``northing``,
        ``elevation``, ``domain``; ``block_size`` [m]; ``rotation_deg`` [deg]).
    composites : pandas.DataFrame
        Composites with ``easting``, ``northing``, ``elevation`` [m], ``domain`` and the
        grade columns [%].
    domain : str
        Domain code.
    columns : str or sequence of str
        Grade column(s); several = total then parts (compositional) [%].
    params : SimulationParams
        Variogram, search, neighbours and discretisation.
    realisation : int
        Realisation number (recorded, mixed into the seed) [-].
    seed : int
        Base seed of the run [-].
    memory_limit_mb : float
        Memory one chunk may use, e.g. ``project.parallel.memory_limit_mb`` [MB].
    sink : callable, optional
        ``sink(chunk_index, frame)``, called with each chunk's frame before it is
        yielded (e.g. to write it); the generator must still be iterated to run [-].
    points_sink : callable, optional
        ``points_sink(chunk_index, block_rows, points_xyz, point_grades)``, called with
        each chunk's simulated points before they are averaged: the chunk's block rows
        (``discretisation`` points each, block by block), their coordinates [m] and
        grades [%] — e.g. to sample point-support values for validation [-].

    Returns
    -------
    iterator of pandas.DataFrame
        Per chunk, in simulation order: ``i``, ``j``, ``k``, ``domain``,
        ``realisation`` and the simulated grades [%] (plus ``params.rest_column`` for
        several columns), the chunk's rows in table order. Together the chunks hold
        every block row of the domain once. ``frame.attrs["simulation"]`` holds the
        chunk's counts: ``chunk``, ``chunks``, ``points`` (simulated) and
        ``band_points`` (conditioning points from earlier chunks) [-]. Arguments are
        checked when the function is called; the simulation runs as the iterator is
        consumed.

    Raises
    ------
    DataError
        When the domain has no composites with the columns.
    ConfigError
        When the limit is too small (see :func:`plan_chunks`) or the factor models do
        not match the columns.

    Examples
    --------
    >>> frames = simulate_blocks_chunked(bm, comp, "ORE", "TREO_pct", params,
    ...                                  realisation=0, seed=1,
    ...                                  memory_limit_mb=200)  # doctest: +SKIP
    >>> blocks = pd.concat(frames, ignore_index=True)  # doctest: +SKIP
    """
    cols = [columns] if isinstance(columns, str) else list(columns)
    tab = block_model.table
    rows = tab[tab["domain"].astype(str) == str(domain)]
    tr = domain_transform(composites, domain, cols, params)
    chunks = plan_chunks(rows, block_model.block_size, params.discretisation, memory_limit_mb,
                         params.search, rotation_deg=float(block_model.rotation_deg))  # fmt: skip
    ss = domain_seed(seed, realisation, domain)
    return _run(block_model, rows, tr.X, tr.Yd, list(tr.models), tr.back, chunks, ss, params,
                int(realisation), float(memory_limit_mb), sink, points_sink)  # fmt: skip


def _chunk_boxes(
    block_model, rows: pd.DataFrame, chunks: list[NDArray[np.int64]], R: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Grid-frame boxes holding every point of each chunk (centroids ± half a block) [m]."""
    half = 0.5 * np.asarray(block_model.block_size, dtype=float)
    E, N, Z = (rows[c].to_numpy(dtype=float) for c in ("easting", "northing", "elevation"))
    lo = np.empty((len(chunks), 3))
    hi = np.empty((len(chunks), 3))
    for c, idx in enumerate(chunks):  # chunk by chunk: no per-block array of the domain
        G = np.column_stack([E[idx], N[idx], Z[idx]]) @ R.T
        lo[c], hi[c] = G.min(axis=0) - half, G.max(axis=0) + half
    return lo, hi


def _run(
    block_model, rows, X, Yd, models, back, chunks, ss, params, realisation, limit_mb, sink,
    points_sink=None,
) -> Iterator[pd.DataFrame]:  # fmt: skip
    nf = Yd.shape[1]
    nd = int(np.prod(params.discretisation))
    R = _rotation(float(block_model.rotation_deg))
    h, _ = band_reach(params.search, block_model.block_size, float(block_model.rotation_deg))
    lo, hi = _chunk_boxes(block_model, rows, chunks, R)
    elo, ehi = lo - h, hi + h  # what a chunk can see
    # last chunk that can see chunk c (c itself when none): after it, c's points go
    last = np.arange(len(chunks))
    seers: list[NDArray[np.int64]] = []  # later chunks that can see chunk c
    for c in range(len(chunks)):
        later = np.arange(c + 1, len(chunks))
        seers.append(later[np.all((ehi[later] >= lo[c]) & (elo[later] <= hi[c]), axis=1)])
        if seers[c].size:
            last[c] = seers[c][-1]
    data_tree = cKDTree(X) if X.shape[0] else None
    store = _BandStore(R, (1.0 - WORKING_SHARE) * limit_mb * 1e6)
    kw = dict(
        search=params.search, max_data=params.max_data, max_previous=params.max_previous,
        multiple_grids=params.multiple_grids,
    )  # fmt: skip
    try:
        for c, idx in enumerate(chunks):
            sub = rows.iloc[idx]
            pts = block_points(block_model, sub, params.discretisation)
            band = store.gather(elo[c], ehi[c], nf)
            nb = int(band.shape[0])
            D = np.concatenate([X, band[:, :3]]) if band.shape[0] else X
            if len(chunks) == 1:
                seed_c = ss
            else:
                seed_c = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, c))
            fseeds = [seed_c] if nf == 1 else seed_c.spawn(nf)
            Y = np.empty((pts.shape[0], nf))
            for f in range(nf):
                z = np.concatenate([Yd[:, f], band[:, 3 + f]]) if band.shape[0] else Yd[:, f]
                Y[:, f] = sgs_values(pts, D, z, models[f], seed=fseeds[f], **kw)[0]
            del band, D
            sim = back(Y)
            if points_sink is not None:
                points_sink(c, sub, pts, sim)
            blk = sim.to_numpy().reshape(len(sub), nd, sim.shape[1]).mean(axis=1)
            out = pd.DataFrame(
                {
                    "i": sub["i"].to_numpy(),
                    "j": sub["j"].to_numpy(),
                    "k": sub["k"].to_numpy(),
                    "domain": sub["domain"].to_numpy(),
                    "realisation": realisation,
                }
            )
            for q, name in enumerate(sim.columns):
                out[name] = blk[:, q]
            out.attrs["simulation"] = {"chunk": c, "chunks": len(chunks),
                                       "points": int(pts.shape[0]), "band_points": nb}  # fmt: skip
            del sim, blk
            if last[c] > c:  # keep what later chunks can see, without nodes at data
                keep = np.zeros(pts.shape[0], dtype=bool)
                G = pts @ R.T
                for u in seers[c]:
                    keep |= np.all((elo[u] <= G) & (ehi[u] >= G), axis=1)
                if data_tree is not None:
                    d, _ = data_tree.query(pts, k=1, distance_upper_bound=ZERO_LAG_M * 10)
                    keep &= ~(d <= ZERO_LAG_M)
                store.put(c, np.column_stack([pts[keep], Y[keep]]), lo[c], hi[c])
                del G, keep
            for p in [p for p in store.entries if last[p] <= c]:
                store.release(p)
            del pts, Y
            if sink is not None:
                sink(c, out)
            yield out
            del out, sub  # not held while the next chunk is simulated
    finally:
        store.close()
