"""Read and write MineLib instance files (Espinoza et al. 2013, Ann. Oper. Res. 206:93).

A MineLib instance is a set of ASCII files, any of which may be gzip-compressed (detected
from the content, not the name):

``<name>.blocks``
    one line per block: ``id x y z`` followed by instance-specific attributes (tonnes,
    grades, rock type, …). Some distributions carry a header line of column names.
``<name>.prec``
    one line per block: ``id n p_1 … p_n``; the ``p_i`` must be mined before ``id``.
``<name>.upit`` / ``<name>.cpit`` / ``<name>.pcpsp``
    optimisation-model files, made of ``KEYWORD: value`` header lines and keyword-led
    sections, parsed by keyword (their order is free):

    - ``NAME``, ``TYPE`` (``UPIT``, ``CPIT`` or ``PCPSP``), ``NBLOCKS``, ``NPERIODS``,
      ``NDESTINATIONS``, ``NRESOURCE_SIDE_CONSTRAINTS``, ``NGENERAL_SIDE_CONSTRAINTS``,
      ``DISCOUNT_RATE``;
    - ``OBJECTIVE_FUNCTION:`` then one line per block ``b p_b`` (UPIT, CPIT) or
      ``b p_b0 … p_b(D-1)`` (PCPSP, one profit per destination);
    - ``RESOURCE_CONSTRAINT_COEFFICIENTS:`` then sparse lines ``b r q`` (CPIT) or
      ``b d r q`` (PCPSP);
    - ``RESOURCE_CONSTRAINT_LIMITS:`` then ``r t L u`` (≤ u), ``r t G l`` (≥ l) or
      ``r t I l u`` (l ≤ · ≤ u), one per resource and period;
    - ``GENERAL_CONSTRAINT_COEFFICIENTS:`` then sparse lines ``b d t i a`` and
      ``GENERAL_CONSTRAINT_LIMITS:`` then ``i L u`` / ``i G l`` / ``i I l u`` (PCPSP);
    - ``EOF``.

    Lines starting with ``%`` or ``#`` are comments. Periods ``t`` are 0-based in the
    files; the profit of a block mined in period ``t`` is ``p_b / (1 + rate) ** t``, so the
    first period is undiscounted.

Block ids are 0-based and equal the row positions used by :class:`PrecedenceGraph`.
Every malformed line raises :class:`mine2magnet.errors.DataError` naming the file, the
line number and the reason.
"""

from __future__ import annotations

import gzip
import math
import os
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mine2magnet.errors import DataError
from mine2magnet.mining.types import PrecedenceGraph

__all__ = [
    "CpitModel",
    "MineLibBlocks",
    "MineLibInstance",
    "PcpspModel",
    "UpitModel",
    "read_blocks",
    "read_cpit",
    "read_instance",
    "read_model",
    "read_pcpsp",
    "read_prec",
    "read_solution",
    "read_upit",
    "write_blocks",
    "write_cpit",
    "write_pcpsp",
    "write_prec",
    "write_solution",
    "write_upit",
]

PathLike = str | os.PathLike[str]
_COMMENT = ("%", "#")
_HEADER_KEYS = {
    "NAME",
    "TYPE",
    "NBLOCKS",
    "NPERIODS",
    "NDESTINATIONS",
    "NRESOURCE_SIDE_CONSTRAINTS",
    "NGENERAL_SIDE_CONSTRAINTS",
    "DISCOUNT_RATE",
}
_SECTION_KEYS = {
    "OBJECTIVE_FUNCTION",
    "RESOURCE_CONSTRAINT_COEFFICIENTS",
    "RESOURCE_CONSTRAINT_LIMITS",
    "GENERAL_CONSTRAINT_COEFFICIENTS",
    "GENERAL_CONSTRAINT_LIMITS",
}


# ---------------------------------------------------------------------------------------
# result types
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MineLibBlocks:
    """A MineLib block-model file.

    Attributes
    ----------
    name : str
        Instance name (file stem).
    table : pandas.DataFrame
        One row per block, sorted by ``id``: ``id`` [-], ``x``, ``y``, ``z`` [block
        indices, as in the file], then the instance's own columns (named from the file's
        header line when it has one, else ``attr_4``, ``attr_5``, … by 0-based position).
    """

    name: str
    table: pd.DataFrame

    @property
    def n_blocks(self) -> int:
        """Number of blocks [-]."""
        return len(self.table)


@dataclass(frozen=True)
class UpitModel:
    """Ultimate pit model: maximise ``values @ x`` over precedence-closed ``x``.

    Attributes
    ----------
    name : str
        ``NAME`` of the model file.
    n_blocks : int
        ``NBLOCKS`` [-].
    values : numpy.ndarray
        float64 ``(n_blocks,)`` undiscounted block profit [currency].
    """

    name: str
    n_blocks: int
    values: np.ndarray


@dataclass(frozen=True)
class CpitModel:
    """Constrained pit limit model (CPIT).

    Maximise ``sum_t sum_b objective[b] / (1 + discount_rate) ** t * x[b, t]`` with each
    block mined at most once, a block mined no earlier than its predecessors, and per
    period ``t`` and resource ``r``: ``limit_lower[r, t] <= sum_b q[b, r] x[b, t] <=
    limit_upper[r, t]``.

    Attributes
    ----------
    name : str
        ``NAME`` of the model file.
    n_blocks, n_periods : int
        ``NBLOCKS``, ``NPERIODS`` [-].
    discount_rate : float
        ``DISCOUNT_RATE`` per period [-].
    objective : numpy.ndarray
        float64 ``(n_blocks,)`` undiscounted profit of each block [currency].
    resource_coefficients : scipy.sparse.csr_matrix
        ``(n_blocks, n_resources)`` use of resource ``r`` by block ``b`` [resource unit].
    limit_types : numpy.ndarray
        ``(n_resources, n_periods)`` of ``"L"``, ``"G"`` or ``"I"`` as in the file.
    limit_lower, limit_upper : numpy.ndarray
        float64 ``(n_resources, n_periods)``; ``-inf``/``+inf`` where the type leaves a
        side open [resource unit].
    """

    name: str
    n_blocks: int
    n_periods: int
    discount_rate: float
    objective: np.ndarray
    resource_coefficients: sp.csr_matrix
    limit_types: np.ndarray
    limit_lower: np.ndarray
    limit_upper: np.ndarray

    @property
    def n_resources(self) -> int:
        """Number of resource side constraints per period [-]."""
        return int(self.limit_types.shape[0])

    def discount_factors(self) -> np.ndarray:
        """``1 / (1 + rate) ** t`` for ``t = 0 … n_periods - 1`` (period 1 undiscounted) [-]."""
        return (1.0 + self.discount_rate) ** -np.arange(self.n_periods, dtype=np.float64)


@dataclass(frozen=True)
class PcpspModel:
    """Precedence-constrained production scheduling model (PCPSP).

    Attributes
    ----------
    name : str
        ``NAME`` of the model file.
    n_blocks, n_periods, n_destinations : int
        ``NBLOCKS``, ``NPERIODS``, ``NDESTINATIONS`` [-].
    discount_rate : float
        ``DISCOUNT_RATE`` per period [-].
    objective : numpy.ndarray
        float64 ``(n_blocks, n_destinations)`` undiscounted profit of sending block ``b``
        to destination ``d`` [currency].
    resource_coefficients : scipy.sparse.csr_matrix
        ``(n_blocks * n_destinations, n_resources)``; row ``b * n_destinations + d`` is the
        use of each resource by block ``b`` sent to ``d`` [resource unit].
    limit_types, limit_lower, limit_upper : numpy.ndarray
        ``(n_resources, n_periods)`` as in :class:`CpitModel` [resource unit].
    general_coefficients : pandas.DataFrame
        Sparse general side-constraint matrix: columns ``block``, ``destination``,
        ``period``, ``row`` (int64) and ``coefficient`` (float64).
    general_types : numpy.ndarray
        ``(n_general,)`` of ``"L"``, ``"G"`` or ``"I"``.
    general_lower, general_upper : numpy.ndarray
        float64 ``(n_general,)`` bounds of each general side constraint.
    """

    name: str
    n_blocks: int
    n_periods: int
    n_destinations: int
    discount_rate: float
    objective: np.ndarray
    resource_coefficients: sp.csr_matrix
    limit_types: np.ndarray
    limit_lower: np.ndarray
    limit_upper: np.ndarray
    general_coefficients: pd.DataFrame
    general_types: np.ndarray
    general_lower: np.ndarray
    general_upper: np.ndarray

    @property
    def n_resources(self) -> int:
        """Number of resource side constraints per period [-]."""
        return int(self.limit_types.shape[0])

    def discount_factors(self) -> np.ndarray:
        """``1 / (1 + rate) ** t`` for ``t = 0 … n_periods - 1`` [-]."""
        return (1.0 + self.discount_rate) ** -np.arange(self.n_periods, dtype=np.float64)


@dataclass(frozen=True)
class MineLibInstance:
    """Whatever files of one MineLib instance were found (``None`` where absent)."""

    name: str
    precedence: PrecedenceGraph | None
    blocks: MineLibBlocks | None = None
    upit: UpitModel | None = None
    cpit: CpitModel | None = None
    pcpsp: PcpspModel | None = None
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def n_blocks(self) -> int:
        """Number of blocks from the first file present [-]."""
        for part in (self.precedence, self.upit, self.cpit, self.pcpsp, self.blocks):
            if part is not None:
                return int(part.n_blocks)
        raise DataError(f"instance {self.name!r}: no file was found")


# ---------------------------------------------------------------------------------------
# low-level text access
# ---------------------------------------------------------------------------------------


def _read_text(path: PathLike) -> str:
    """Whole file as text; gzip detected from the magic bytes."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{p}: file not found; check the directory and instance name") from None
    except OSError as exc:
        raise DataError(f"{p}: cannot be read ({exc.strerror})") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataError(f"{p}: corrupt gzip data ({exc}); download the file again") from None
    if b"\x00" in raw[:4096]:
        raise DataError(f"{p}: binary content, not a MineLib text file")
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise DataError(f"{p}:{line}: not ASCII/UTF-8 text") from None


def _write_text(path: PathLike, text: str) -> Path:
    """Write text, gzip-compressed when the name ends in ``.gz`` (reproducible bytes)."""
    p = Path(path)
    data = text.encode("ascii")
    if p.suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    p.write_bytes(data)
    return p


def _data_lines(text: str) -> Iterator[tuple[int, str]]:
    """``(line_number, stripped_line)`` for non-blank, non-comment lines (1-based)."""
    for i, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if s and not s.startswith(_COMMENT):
            yield i, s


def _fmt(v: float) -> str:
    """Shortest text that reads back to the same float64."""
    f = float(v)
    if f.is_integer() and abs(f) < 1e15:
        return str(int(f))
    return repr(f)


def _int_stream(text: str) -> np.ndarray | None:
    """All whitespace-separated integers of ``text`` as int64, or ``None`` if any is not."""
    if not text.strip():
        return np.empty(0, dtype=np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return np.fromstring(text, sep=" ", dtype=np.int64)
        except (ValueError, DeprecationWarning):
            return None


def _int(tok: str, where: str, what: str) -> int:
    try:
        return int(tok)
    except ValueError:
        raise DataError(f"{where}: {what} {tok!r} is not an integer") from None


def _float(tok: str, where: str, what: str) -> float:
    try:
        v = float(tok)
    except ValueError:
        raise DataError(f"{where}: {what} {tok!r} is not a number") from None
    if math.isnan(v):
        raise DataError(f"{where}: {what} is NaN")
    return v


# ---------------------------------------------------------------------------------------
# .blocks
# ---------------------------------------------------------------------------------------


def _numeric_column(values: list[str]) -> pd.Series | list[str]:
    try:
        ints = [int(v) for v in values]
        return pd.Series(np.asarray(ints, dtype=np.int64))
    except ValueError:
        pass
    try:
        return pd.Series(np.asarray([float(v) for v in values], dtype=np.float64))
    except ValueError:
        return values


def read_blocks(path: PathLike, columns: Sequence[str] | None = None) -> MineLibBlocks:
    """Read a MineLib ``.blocks`` file.

    Parameters
    ----------
    path : str or path-like
        The file (plain or gzip).
    columns : sequence of str, optional
        Names for the columns after ``id x y z``; overrides a header line.

    Returns
    -------
    MineLibBlocks
        The block table sorted by ``id``; integer columns as int64, numeric ones as
        float64, anything else (rock codes) as strings.

    Raises
    ------
    DataError
        A line with a different number of fields than the first, a non-integer id or
        coordinate, or a repeated id.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "tiny.blocks"
    >>> _ = f.write_text("0 0 0 1 2.5\\n1 0 0 0 -1\\n")
    >>> read_blocks(f).table["attr_4"].tolist()
    [2.5, -1.0]
    """
    p = Path(path)
    text = _read_text(p)
    rows: list[list[str]] = []
    line_no: list[int] = []
    header: list[str] | None = None
    width = -1
    for i, s in _data_lines(text):
        parts = s.split()
        if width < 0:
            try:
                int(parts[0])
            except ValueError:
                if header is None and not rows:
                    header = parts
                    if len(header) < 4:
                        raise DataError(
                            f"{p}:{i}: header has {len(header)} names; need at least id, x, y, z"
                        ) from None
                    continue
            width = len(parts)
            if width < 4:
                raise DataError(f"{p}:{i}: {width} fields; a block line is 'id x y z …'")
            if header is not None and len(header) != width:
                raise DataError(
                    f"{p}:{i}: {width} fields but the header names {len(header)} columns"
                )
        elif len(parts) != width:
            raise DataError(
                f"{p}:{i}: {len(parts)} fields where line {line_no[0]} has {width}; every "
                "block line needs the same columns"
            )
        rows.append(parts)
        line_no.append(i)
    if not rows:
        raise DataError(f"{p}: no block lines")
    if columns is not None:
        extra = list(columns)
        if len(extra) != width - 4:
            raise DataError(
                f"{p}: {len(extra)} column names given for {width - 4} attribute columns"
            )
    elif header is not None:
        extra = header[4:]
    else:
        extra = [f"attr_{k}" for k in range(4, width)]
    names = ["id", "x", "y", "z", *extra]
    if len(set(names)) != len(names):
        raise DataError(f"{p}: repeated column names {names}")
    cols = list(zip(*rows, strict=True))
    data: dict[str, object] = {}
    for k, name in enumerate(names):
        col = _numeric_column(list(cols[k]))
        if k < 4 and not isinstance(col, pd.Series):
            for r, tok in enumerate(cols[k]):
                try:
                    float(tok) if k else int(tok)
                except ValueError:
                    raise DataError(
                        f"{p}:{line_no[r]}: {name} {tok!r} is not "
                        + ("an integer" if k == 0 else "a number")
                    ) from None
        if k == 0 and isinstance(col, pd.Series) and col.dtype != np.int64:
            r = int(np.flatnonzero(np.asarray(col) != np.round(np.asarray(col)))[0])
            raise DataError(f"{p}:{line_no[r]}: id {cols[0][r]!r} is not an integer")
        data[name] = col
    table = pd.DataFrame(data)
    ids = table["id"].to_numpy()
    order = np.argsort(ids, kind="stable")
    sids = ids[order]
    dup = np.flatnonzero(sids[1:] == sids[:-1])
    if dup.size:
        r = int(order[dup[0] + 1])
        raise DataError(f"{p}:{line_no[r]}: block id {sids[dup[0]]} appears twice")
    if sids[0] < 0:
        r = int(order[0])
        raise DataError(f"{p}:{line_no[r]}: negative block id {sids[0]}")
    if not np.array_equal(order, np.arange(order.size)):
        table = table.iloc[order].reset_index(drop=True)
    return MineLibBlocks(name=_stem(p), table=table)


def write_blocks(
    path: PathLike, blocks: MineLibBlocks | pd.DataFrame, header: bool = False
) -> Path:
    """Write a MineLib ``.blocks`` file (gzip when ``path`` ends in ``.gz``).

    Parameters
    ----------
    path : str or path-like
        Output file.
    blocks : MineLibBlocks or pandas.DataFrame
        Columns ``id, x, y, z`` first, then any attributes (no whitespace inside strings).
    header : bool
        Write a line of column names first (as kd's distribution does).
    """
    table = blocks.table if isinstance(blocks, MineLibBlocks) else blocks
    if list(table.columns[:4]) != ["id", "x", "y", "z"]:
        raise DataError("write_blocks: the first columns must be id, x, y, z")
    out: list[str] = []
    if header:
        out.append(" ".join(str(c) for c in table.columns))
    formatted = []
    for c in table.columns:
        col = table[c]
        if pd.api.types.is_integer_dtype(col):
            formatted.append([str(int(v)) for v in col])
        elif pd.api.types.is_float_dtype(col):
            formatted.append([repr(float(v)) for v in col])
        else:
            vals = [str(v) for v in col]
            if any((not v) or any(ch.isspace() for ch in v) for v in vals):
                raise DataError(f"write_blocks: column {c!r} has empty or blank-containing text")
            formatted.append(vals)
    out.extend(" ".join(r) for r in zip(*formatted, strict=True))
    return _write_text(path, "\n".join(out) + "\n")


# ---------------------------------------------------------------------------------------
# .prec
# ---------------------------------------------------------------------------------------


def read_prec(path: PathLike, n_blocks: int | None = None) -> PrecedenceGraph:
    """Read a MineLib ``.prec`` file into a :class:`PrecedenceGraph`.

    Parameters
    ----------
    path : str or path-like
        The file (plain or gzip); lines ``id n p_1 … p_n``.
    n_blocks : int, optional
        Number of blocks [-]; default one more than the largest id seen. Blocks without a
        line have no predecessors.

    Raises
    ------
    DataError
        Count not matching the number of listed predecessors, ids out of range, a block
        listed twice, a self-arc or a repeated predecessor.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "tiny.prec"
    >>> _ = f.write_text("0 0\\n1 1 0\\n")
    >>> read_prec(f).predecessors(1).tolist()
    [0]
    """
    p = Path(path)
    text = _read_text(p)
    lines = list(_data_lines(text))
    if not lines:
        raise DataError(f"{p}: no precedence lines")
    ids = np.empty(len(lines), dtype=np.int64)
    counts = np.empty(len(lines), dtype=np.int64)
    chunks: list[str] = []
    for k, (i, s) in enumerate(lines):
        head, _, rest = s.partition(" ")
        rest = rest.lstrip()
        cnt_tok, _, preds = rest.partition(" ")
        where = f"{p}:{i}"
        ids[k] = _int(head, where, "block id")
        if not cnt_tok:
            raise DataError(f"{where}: missing predecessor count; a line is 'id n p_1 … p_n'")
        counts[k] = _int(cnt_tok, where, "predecessor count")
        chunks.append(preds)
    flat = _int_stream(" ".join(chunks))
    if flat is None or flat.size != int(counts.sum()):
        # slow path: locate the first bad line
        for k, (i, _s) in enumerate(lines):
            toks = chunks[k].split()
            for t in toks:
                _int(t, f"{p}:{i}", "predecessor id")
            if len(toks) != counts[k]:
                raise DataError(
                    f"{p}:{i}: count says {counts[k]} predecessors but {len(toks)} are listed"
                )
        raise DataError(f"{p}: inconsistent predecessor counts")  # pragma: no cover
    if (counts < 0).any():
        k = int(np.flatnonzero(counts < 0)[0])
        raise DataError(f"{p}:{lines[k][0]}: negative predecessor count")
    hi = max(int(ids.max()), int(flat.max()) if flat.size else -1) + 1
    n = hi if n_blocks is None else int(n_blocks)
    line_of_token = np.repeat(np.arange(len(lines)), counts)

    def bad(mask_tokens: np.ndarray, reason: str) -> None:
        if mask_tokens.any():
            k = int(line_of_token[np.flatnonzero(mask_tokens)[0]])
            raise DataError(f"{p}:{lines[k][0]}: {reason}")

    if (ids < 0).any() or (ids >= n).any():
        k = int(np.flatnonzero((ids < 0) | (ids >= n))[0])
        raise DataError(f"{p}:{lines[k][0]}: block id {ids[k]} outside 0..{n - 1}")
    bad((flat < 0) | (flat >= n), f"predecessor outside 0..{n - 1}")
    succ_of_token = ids[line_of_token]
    bad(flat == succ_of_token, "a block cannot precede itself")
    order = np.argsort(ids, kind="stable")
    sids = ids[order]
    dup = np.flatnonzero(sids[1:] == sids[:-1])
    if dup.size:
        k = int(order[dup[0] + 1])
        raise DataError(f"{p}:{lines[k][0]}: block {ids[k]} has a second line")
    # duplicates inside one line
    key = succ_of_token * n + flat
    skey = np.sort(key)
    if skey.size and (skey[1:] == skey[:-1]).any():
        dkey = skey[1:][skey[1:] == skey[:-1]][0]
        bad(key == dkey, f"predecessor {dkey % n} listed twice")
    full_counts = np.zeros(n, dtype=np.int64)
    full_counts[ids] = counts
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(full_counts, out=indptr[1:])
    if np.array_equal(ids, np.arange(ids.size)) and ids.size == n:
        indices = flat
    else:
        indices = np.empty(flat.size, dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        for k in range(len(lines)):
            c = counts[k]
            indices[indptr[ids[k]] : indptr[ids[k]] + c] = flat[starts[k] : starts[k] + c]
    return PrecedenceGraph(n_blocks=n, indptr=indptr, indices=indices)


def write_prec(path: PathLike, graph: PrecedenceGraph) -> Path:
    """Write a :class:`PrecedenceGraph` as a MineLib ``.prec`` file (one line per block)."""
    out = []
    for b in range(graph.n_blocks):
        preds = graph.indices[graph.indptr[b] : graph.indptr[b + 1]]
        out.append(" ".join([str(b), str(preds.size), *map(str, preds.tolist())]))
    return _write_text(path, "\n".join(out) + "\n")


# ---------------------------------------------------------------------------------------
# model files
# ---------------------------------------------------------------------------------------


@dataclass
class _Parsed:
    path: Path
    header: dict[str, tuple[int, str]]
    sections: dict[str, tuple[int, list[tuple[int, list[str]]]]]


def _parse_model(path: PathLike) -> _Parsed:
    p = Path(path)
    text = _read_text(p)
    header: dict[str, tuple[int, str]] = {}
    sections: dict[str, tuple[int, list[tuple[int, list[str]]]]] = {}
    current: list[tuple[int, list[str]]] | None = None
    saw_eof = False
    for i, s in _data_lines(text):
        if saw_eof:
            raise DataError(f"{p}:{i}: text after EOF")
        first = s.split(None, 1)[0]
        if first.upper() == "EOF":
            saw_eof = True
            current = None
            continue
        if ":" in first or (first[:1].isalpha() and first not in ("L", "G", "I")):
            key, sep, value = s.partition(":")
            key = key.strip().upper()
            if not sep:
                raise DataError(f"{p}:{i}: unexpected text {s[:40]!r}; keywords end with ':'")
            value = value.strip()
            if key in _HEADER_KEYS:
                if key in header:
                    raise DataError(f"{p}:{i}: keyword {key} appears twice")
                if not value:
                    raise DataError(f"{p}:{i}: keyword {key} has no value")
                header[key] = (i, value)
                current = None
            elif key in _SECTION_KEYS:
                if key in sections:
                    raise DataError(f"{p}:{i}: section {key} appears twice")
                if value:
                    raise DataError(f"{p}:{i}: data after {key}: belongs on the next lines")
                current = []
                sections[key] = (i, current)
            else:
                raise DataError(
                    f"{p}:{i}: unknown keyword {key!r}; expected one of "
                    + ", ".join(sorted(_HEADER_KEYS | _SECTION_KEYS | {"EOF"}))
                )
            continue
        if current is None:
            raise DataError(f"{p}:{i}: data line outside any section")
        current.append((i, s.split()))
    return _Parsed(p, header, sections)


def _hint(parsed: _Parsed, key: str, kind: type, required: bool = True, default=None):
    if key not in parsed.header:
        if required:
            raise DataError(f"{parsed.path}: keyword {key}: is missing")
        return default
    i, value = parsed.header[key]
    where = f"{parsed.path}:{i}"
    if kind is int:
        v = _int(value, where, key)
        if v < 0:
            raise DataError(f"{where}: {key} must be ≥ 0, got {v}")
        return v
    if kind is float:
        return _float(value, where, key)
    return value


def _check_type(parsed: _Parsed, expected: str) -> str:
    name = _hint(parsed, "NAME", str, required=False, default=_stem(parsed.path))
    typ = _hint(parsed, "TYPE", str, required=False, default=expected)
    if typ.upper() != expected:
        i = parsed.header["TYPE"][0]
        raise DataError(f"{parsed.path}:{i}: TYPE is {typ}, expected {expected}")
    return name


def _section(parsed: _Parsed, key: str, required: bool = True):
    if key not in parsed.sections:
        if required:
            raise DataError(f"{parsed.path}: section {key}: is missing")
        return []
    return parsed.sections[key][1]


def _objective(parsed: _Parsed, n: int, width: int) -> np.ndarray:
    rows = _section(parsed, "OBJECTIVE_FUNCTION")
    out = np.full((n, width), np.nan)
    for i, parts in rows:
        where = f"{parsed.path}:{i}"
        if len(parts) != 1 + width:
            raise DataError(
                f"{where}: objective line has {len(parts)} fields, expected {1 + width} "
                f"(block id and {width} profit{'s' if width > 1 else ''})"
            )
        b = _int(parts[0], where, "block id")
        if not 0 <= b < n:
            raise DataError(f"{where}: block id {b} outside 0..{n - 1} (NBLOCKS: {n})")
        if not np.isnan(out[b, 0]):
            raise DataError(f"{where}: objective of block {b} given twice")
        out[b] = [_float(t, where, "profit") for t in parts[1:]]
    missing = np.flatnonzero(np.isnan(out[:, 0]))
    if missing.size:
        i0 = parsed.sections["OBJECTIVE_FUNCTION"][0]
        raise DataError(
            f"{parsed.path}:{i0}: OBJECTIVE_FUNCTION lacks {missing.size} of {n} blocks "
            f"(first: {missing[0]})"
        )
    return out


def _limits(
    parsed: _Parsed, key: str, shape: tuple[int, ...], index_fields: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    types = np.full(shape, "", dtype="<U1")
    lower = np.full(shape, -np.inf)
    upper = np.full(shape, np.inf)
    for i, parts in _section(parsed, key, required=bool(np.prod(shape))):
        where = f"{parsed.path}:{i}"
        if len(parts) < index_fields + 2:
            raise DataError(f"{where}: limit line too short; expected index, type, bound(s)")
        idx = tuple(_int(t, where, "index") for t in parts[:index_fields])
        for ax, (v, m) in enumerate(zip(idx, shape, strict=True)):
            if not 0 <= v < m:
                raise DataError(f"{where}: index {v} outside 0..{m - 1} (field {ax + 1})")
        typ = parts[index_fields].upper()
        vals = parts[index_fields + 1 :]
        need = {"L": 1, "G": 1, "I": 2}.get(typ)
        if need is None:
            raise DataError(f"{where}: limit type {parts[index_fields]!r} is not L, G or I")
        if len(vals) != need:
            raise DataError(f"{where}: type {typ} takes {need} bound(s), got {len(vals)}")
        if types[idx]:
            raise DataError(f"{where}: limit {idx} given twice")
        nums = [_float(v, where, "bound") for v in vals]
        types[idx] = typ
        if typ == "L":
            upper[idx] = nums[0]
        elif typ == "G":
            lower[idx] = nums[0]
        else:
            if nums[0] > nums[1]:
                raise DataError(f"{where}: interval lower bound {nums[0]} > upper {nums[1]}")
            lower[idx], upper[idx] = nums
    if (types == "").any():
        first = tuple(int(v) for v in np.argwhere(types == "")[0])
        raise DataError(f"{parsed.path}: {key} has no line for index {first}")
    return types, lower, upper


def _coefficients(parsed: _Parsed, n_rows: int, n_cols: int, n_dest: int) -> sp.csr_matrix:
    """Resource coefficients; ``n_dest == 0`` means the CPIT layout ``b r q``."""
    rows = _section(parsed, "RESOURCE_CONSTRAINT_COEFFICIENTS", required=n_cols > 0)
    width = 3 if n_dest == 0 else 4
    r_idx = np.empty(len(rows), dtype=np.int64)
    c_idx = np.empty(len(rows), dtype=np.int64)
    vals = np.empty(len(rows))
    n_blocks = n_rows if n_dest == 0 else n_rows // n_dest
    seen: set[tuple[int, int]] = set()
    for k, (i, parts) in enumerate(rows):
        where = f"{parsed.path}:{i}"
        if len(parts) != width:
            form = "b r q" if n_dest == 0 else "b d r q"
            raise DataError(f"{where}: {len(parts)} fields; a coefficient line is '{form}'")
        b = _int(parts[0], where, "block id")
        if not 0 <= b < n_blocks:
            raise DataError(f"{where}: block id {b} outside 0..{n_blocks - 1}")
        if n_dest:
            d = _int(parts[1], where, "destination")
            if not 0 <= d < n_dest:
                raise DataError(f"{where}: destination {d} outside 0..{n_dest - 1}")
            row = b * n_dest + d
        else:
            row = b
        r = _int(parts[width - 2], where, "resource")
        if not 0 <= r < n_cols:
            raise DataError(f"{where}: resource {r} outside 0..{n_cols - 1}")
        if (row, r) in seen:
            raise DataError(f"{where}: coefficient given twice")
        seen.add((row, r))
        r_idx[k], c_idx[k] = row, r
        vals[k] = _float(parts[width - 1], where, "coefficient")
    m = sp.csr_matrix((vals, (r_idx, c_idx)), shape=(n_rows, n_cols))
    m.sort_indices()
    return m


def read_upit(path: PathLike) -> UpitModel:
    """Read a MineLib ``.upit`` model file.

    Raises
    ------
    DataError
        Missing ``NBLOCKS`` or ``OBJECTIVE_FUNCTION``, a block without a value, malformed
        lines (file and line given).
    """
    parsed = _parse_model(path)
    name = _check_type(parsed, "UPIT")
    n = _hint(parsed, "NBLOCKS", int)
    values = _objective(parsed, n, 1)[:, 0]
    return UpitModel(name=name, n_blocks=n, values=values)


def read_cpit(path: PathLike) -> CpitModel:
    """Read a MineLib ``.cpit`` model file.

    Raises
    ------
    DataError
        Missing keywords or sections, limits not given for every (resource, period), index
        out of range, malformed lines (file and line given).
    """
    parsed = _parse_model(path)
    name = _check_type(parsed, "CPIT")
    n = _hint(parsed, "NBLOCKS", int)
    T = _hint(parsed, "NPERIODS", int)
    R = _hint(parsed, "NRESOURCE_SIDE_CONSTRAINTS", int)
    rate = _hint(parsed, "DISCOUNT_RATE", float)
    if T < 1:
        raise DataError(f"{parsed.path}: NPERIODS must be ≥ 1")
    obj = _objective(parsed, n, 1)[:, 0]
    types, lo, hi = _limits(parsed, "RESOURCE_CONSTRAINT_LIMITS", (R, T), 2)
    coef = _coefficients(parsed, n, R, 0)
    return CpitModel(name, n, T, rate, obj, coef, types, lo, hi)


def read_pcpsp(path: PathLike) -> PcpspModel:
    """Read a MineLib ``.pcpsp`` model file (general side constraints included).

    Raises
    ------
    DataError
        Missing keywords or sections, index out of range, malformed lines.
    """
    parsed = _parse_model(path)
    name = _check_type(parsed, "PCPSP")
    n = _hint(parsed, "NBLOCKS", int)
    T = _hint(parsed, "NPERIODS", int)
    D = _hint(parsed, "NDESTINATIONS", int)
    R = _hint(parsed, "NRESOURCE_SIDE_CONSTRAINTS", int)
    G = _hint(parsed, "NGENERAL_SIDE_CONSTRAINTS", int, required=False, default=0)
    rate = _hint(parsed, "DISCOUNT_RATE", float)
    if T < 1 or D < 1:
        raise DataError(f"{parsed.path}: NPERIODS and NDESTINATIONS must be ≥ 1")
    obj = _objective(parsed, n, D)
    types, lo, hi = _limits(parsed, "RESOURCE_CONSTRAINT_LIMITS", (R, T), 2)
    coef = _coefficients(parsed, n * D, R, D)
    g_rows = _section(parsed, "GENERAL_CONSTRAINT_COEFFICIENTS", required=G > 0)
    recs = np.empty((len(g_rows), 4), dtype=np.int64)
    gval = np.empty(len(g_rows))
    for k, (i, parts) in enumerate(g_rows):
        where = f"{parsed.path}:{i}"
        if len(parts) != 5:
            raise DataError(f"{where}: {len(parts)} fields; a line is 'b d t i a'")
        b, d, t, row = (_int(x, where, "index") for x in parts[:4])
        for v, m, what in (
            (b, n, "block"),
            (d, D, "destination"),
            (t, T, "period"),
            (row, G, "row"),
        ):
            if not 0 <= v < m:
                raise DataError(f"{where}: {what} {v} outside 0..{m - 1}")
        recs[k] = (b, d, t, row)
        gval[k] = _float(parts[4], where, "coefficient")
    gcoef = pd.DataFrame(
        {
            "block": recs[:, 0],
            "destination": recs[:, 1],
            "period": recs[:, 2],
            "row": recs[:, 3],
            "coefficient": gval,
        }
    )
    gt, gl, gu = _limits(parsed, "GENERAL_CONSTRAINT_LIMITS", (G,), 1)
    return PcpspModel(name, n, T, D, rate, obj, coef, types, lo, hi, gcoef, gt, gl, gu)


def read_model(path: PathLike) -> UpitModel | CpitModel | PcpspModel:
    """Read any MineLib model file, dispatching on its ``TYPE`` keyword."""
    parsed = _parse_model(path)
    if "TYPE" not in parsed.header:
        raise DataError(f"{parsed.path}: keyword TYPE: is missing (UPIT, CPIT or PCPSP)")
    typ = parsed.header["TYPE"][1].upper()
    readers = {"UPIT": read_upit, "CPIT": read_cpit, "PCPSP": read_pcpsp}
    if typ not in readers:
        i = parsed.header["TYPE"][0]
        raise DataError(f"{parsed.path}:{i}: TYPE {typ!r} is not UPIT, CPIT or PCPSP")
    return readers[typ](path)


def _limit_lines(types: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> list[str]:
    out = []
    for idx in np.ndindex(types.shape):
        typ = str(types[idx])
        if typ == "L":
            vals = [_fmt(hi[idx])]
        elif typ == "G":
            vals = [_fmt(lo[idx])]
        elif typ == "I":
            vals = [_fmt(lo[idx]), _fmt(hi[idx])]
        else:
            raise DataError(f"limit type {typ!r} at {idx} is not L, G or I")
        out.append(" ".join([*map(str, idx), typ, *vals]))
    return out


def _header(name: str, typ: str, **keys: object) -> list[str]:
    if not name.strip() or "\n" in name or "\r" in name:
        raise DataError(f"model name {name!r} must be a single line")
    out = [f"NAME: {name}", f"TYPE: {typ}"]
    out.extend(f"{k}: {v}" for k, v in keys.items())
    return out


def write_upit(path: PathLike, model: UpitModel) -> Path:
    """Write a :class:`UpitModel` as a MineLib ``.upit`` file."""
    out = _header(model.name, "UPIT", NBLOCKS=model.n_blocks)
    out.append("OBJECTIVE_FUNCTION:")
    out.extend(f"{b} {_fmt(v)}" for b, v in enumerate(np.asarray(model.values)))
    out.append("EOF")
    return _write_text(path, "\n".join(out) + "\n")


def _coef_lines(m: sp.csr_matrix, n_dest: int) -> list[str]:
    coo = sp.coo_matrix(m)
    order = np.lexsort((coo.col, coo.row))
    out = []
    for r, c, v in zip(coo.row[order], coo.col[order], coo.data[order], strict=True):
        if n_dest:
            out.append(f"{r // n_dest} {r % n_dest} {c} {_fmt(v)}")
        else:
            out.append(f"{r} {c} {_fmt(v)}")
    return out


def write_cpit(path: PathLike, model: CpitModel) -> Path:
    """Write a :class:`CpitModel` as a MineLib ``.cpit`` file."""
    out = _header(
        model.name,
        "CPIT",
        NBLOCKS=model.n_blocks,
        NPERIODS=model.n_periods,
        NRESOURCE_SIDE_CONSTRAINTS=model.n_resources,
        DISCOUNT_RATE=repr(float(model.discount_rate)),
    )
    out.append("RESOURCE_CONSTRAINT_LIMITS:")
    out.extend(_limit_lines(model.limit_types, model.limit_lower, model.limit_upper))
    out.append("OBJECTIVE_FUNCTION:")
    out.extend(f"{b} {_fmt(v)}" for b, v in enumerate(np.asarray(model.objective)))
    out.append("RESOURCE_CONSTRAINT_COEFFICIENTS:")
    out.extend(_coef_lines(model.resource_coefficients, 0))
    out.append("EOF")
    return _write_text(path, "\n".join(out) + "\n")


def write_pcpsp(path: PathLike, model: PcpspModel) -> Path:
    """Write a :class:`PcpspModel` as a MineLib ``.pcpsp`` file."""
    G = int(model.general_types.shape[0])
    out = _header(
        model.name,
        "PCPSP",
        NBLOCKS=model.n_blocks,
        NPERIODS=model.n_periods,
        NDESTINATIONS=model.n_destinations,
        NRESOURCE_SIDE_CONSTRAINTS=model.n_resources,
        NGENERAL_SIDE_CONSTRAINTS=G,
        DISCOUNT_RATE=repr(float(model.discount_rate)),
    )
    out.append("RESOURCE_CONSTRAINT_LIMITS:")
    out.extend(_limit_lines(model.limit_types, model.limit_lower, model.limit_upper))
    out.append("OBJECTIVE_FUNCTION:")
    obj = np.asarray(model.objective)
    out.extend(f"{b} " + " ".join(_fmt(v) for v in obj[b]) for b in range(obj.shape[0]))
    out.append("RESOURCE_CONSTRAINT_COEFFICIENTS:")
    out.extend(_coef_lines(model.resource_coefficients, model.n_destinations))
    if G:
        g = model.general_coefficients
        out.append("GENERAL_CONSTRAINT_COEFFICIENTS:")
        out.extend(
            f"{b} {d} {t} {r} {_fmt(a)}"
            for b, d, t, r, a in zip(
                g["block"],
                g["destination"],
                g["period"],
                g["row"],
                g["coefficient"],
                strict=True,
            )
        )
        out.append("GENERAL_CONSTRAINT_LIMITS:")
        out.extend(_limit_lines(model.general_types, model.general_lower, model.general_upper))
    out.append("EOF")
    return _write_text(path, "\n".join(out) + "\n")


# ---------------------------------------------------------------------------------------
# solutions and instances
# ---------------------------------------------------------------------------------------


def read_solution(path: PathLike) -> np.ndarray:
    """Read a solution file listing block ids (MineLib ``*_upit.sol``): int64 ids, sorted.

    Lines may carry a second field (a period or destination); only the first is kept.
    """
    p = Path(path)
    ids = [_int(s.split()[0], f"{p}:{i}", "block id") for i, s in _data_lines(_read_text(p))]
    arr = np.asarray(ids, dtype=np.int64)
    arr.sort()
    if arr.size and (arr[1:] == arr[:-1]).any():
        raise DataError(f"{p}: block {arr[1:][arr[1:] == arr[:-1]][0]} is listed twice")
    return arr


def write_solution(path: PathLike, block_ids: np.ndarray) -> Path:
    """Write block ids one per line (the ``*_upit.sol`` layout)."""
    ids = np.sort(np.asarray(block_ids, dtype=np.int64))
    return _write_text(path, "".join(f"{b}\n" for b in ids.tolist()))


def _stem(p: Path) -> str:
    name = p.name
    if name.endswith(".gz"):
        name = name[:-3]
    return name.rsplit(".", 1)[0] if "." in name else name


def _find(directory: Path, name: str, ext: str) -> Path | None:
    for cand in (directory / f"{name}.{ext}", directory / f"{name}.{ext}.gz"):
        if cand.is_file():
            return cand
    return None


def read_instance(directory: PathLike, name: str) -> MineLibInstance:
    """Read every file of instance ``name`` found in ``directory`` (plain or ``.gz``).

    Parameters
    ----------
    directory : str or path-like
        Folder holding ``<name>.blocks``, ``<name>.prec``, ``<name>.upit`` … .
    name : str
        Instance name, e.g. ``"newman1"``.

    Returns
    -------
    MineLibInstance
        Absent files are ``None``; ``files`` maps each extension read to its path.

    Raises
    ------
    DataError
        No file of that instance, or files disagreeing on the number of blocks.

    Examples
    --------
    >>> from pathlib import Path
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "tiny.prec").write_text("0 0\\n1 1 0\\n")
    >>> _ = (d / "tiny.upit").write_text(
    ...     "NAME: tiny\\nTYPE: UPIT\\nNBLOCKS: 2\\nOBJECTIVE_FUNCTION:\\n0 -1\\n1 3\\nEOF\\n")
    >>> inst = read_instance(d, "tiny")
    >>> inst.precedence.n_arcs, inst.upit.values.tolist()
    (1, [-1.0, 3.0])
    """
    d = Path(directory)
    files = {
        ext: f for ext in ("blocks", "prec", "upit", "cpit", "pcpsp") if (f := _find(d, name, ext))
    }
    if not files:
        raise DataError(f"{d}: no file of instance {name!r} (looked for {name}.prec[.gz] …)")
    upit = read_upit(files["upit"]) if "upit" in files else None
    cpit = read_cpit(files["cpit"]) if "cpit" in files else None
    pcpsp = read_pcpsp(files["pcpsp"]) if "pcpsp" in files else None
    blocks = read_blocks(files["blocks"]) if "blocks" in files else None
    sizes = {
        ext: m.n_blocks
        for ext, m in (("upit", upit), ("cpit", cpit), ("pcpsp", pcpsp), ("blocks", blocks))
        if m is not None
    }
    n = next(iter(sizes.values()), None)
    if len(set(sizes.values())) > 1:
        raise DataError(f"{d}: files of {name!r} disagree on the number of blocks: {sizes}")
    if blocks is not None and not np.array_equal(
        blocks.table["id"].to_numpy(), np.arange(blocks.n_blocks)
    ):
        raise DataError(f"{files['blocks']}: block ids are not 0..{blocks.n_blocks - 1}")
    prec = read_prec(files["prec"], n_blocks=n) if "prec" in files else None
    return MineLibInstance(name, prec, blocks, upit, cpit, pcpsp, files)
