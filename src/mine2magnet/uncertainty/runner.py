"""Run many realisations through the executor seam, incrementally and resumably.

Layout of ``out_dir`` (it must be on a file system every worker can write to)::

    out_dir/run.json                    the run: function, params hash, seed
    out_dir/manifest/r000017.json       one record per completed realisation
    out_dir/<table>/r000017.parquet     the tables of realisation 17, or, when the
    out_dir/<table>/r000017/part-00003.parquet   function yields parts, its parts

A task computes ``fn(realisation, seed, **kwargs)`` on a worker, writes each returned
table to Parquet (temporary file, then an atomic rename) and *then* its manifest record
(also atomically). A function may instead return an iterator (e.g. be a generator) of
``{table: DataFrame}`` parts: each part is written as soon as it is yielded (parts
numbered per table from 0), so a realisation larger than memory — simulated by chunks —
is never held whole; the record, written last, counts the parts of each table. A
realisation is completed exactly when its record exists, so a run killed at any moment
leaves only whole files, and a restart skips every recorded realisation and recomputes
the others (first deleting the parts an interrupted one left). The record carries the
realisation's key — the hash of (function, params hash, realisation, seed) — and the
bitwise hash of each table (of a parted table: the hash of its parts' hashes).
The params hash covers the function's name, the project seed and ``kwargs``; when it
changes, the old records and tables are deleted before anything is computed.

Nothing is ever held for all realisations at once: workers write their own tables, the
driver only receives the small records, and readers stream one realisation at a time.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from mine2magnet.errors import ConfigError, DataError
from mine2magnet.parallel import iter_chunks
from mine2magnet.uncertainty.hashing import fingerprint, frame_hash
from mine2magnet.uncertainty.seeds import realisation_seed

__all__ = ["RealisationFn", "RealisationRun", "run_realisations"]

RealisationFn = Callable[..., Mapping[str, pd.DataFrame] | Iterable[Mapping[str, pd.DataFrame]]]
"""``fn(realisation, seed, **kwargs) -> {table: DataFrame}`` or an iterator of such parts;
picklable."""

_FORMAT = 1


def _name(realisation: int) -> str:
    return f"r{realisation:06d}"


def _atomic_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _atomic_parquet(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _fn_name(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def _part_name(part: int) -> str:
    return f"part-{part:05d}.parquet"


def _files(root: Path, table: str, realisation: int, meta: Mapping[str, Any]) -> list[Path]:
    """The Parquet files of one table of one realisation: one file, or its parts in order."""
    if "parts" in meta:
        d = root / table / _name(realisation)
        return [d / _part_name(p) for p in range(int(meta["parts"]))]
    return [root / table / f"{_name(realisation)}.parquet"]


def _is_table_map(obj: Any) -> bool:
    return isinstance(obj, Mapping) and all(
        isinstance(k, str) and isinstance(v, pd.DataFrame) for k, v in obj.items()
    )


def _add_part(acc: dict[str, Any], df: pd.DataFrame, path: Path) -> None:
    _atomic_parquet(df, path)
    acc["rows"] += len(df)
    acc["bytes"] += int(df.memory_usage(index=False, deep=True).sum())
    acc["hashes"].append(frame_hash(df))


def _write_parts(root: Path, r: int, parts: Iterable[Any], fn: RealisationFn) -> dict[str, Any]:
    """Write each yielded ``{table: DataFrame}`` part as soon as it exists."""
    for stale in root.glob(f"*/{_name(r)}"):  # parts left by an interrupted attempt
        if stale.is_dir():
            shutil.rmtree(stale)
    acc: dict[str, dict[str, Any]] = {}
    for item in parts:
        if not _is_table_map(item):
            raise ConfigError(
                f"{_fn_name(fn)} must yield dicts of table name -> pandas.DataFrame "
                f"(realisation {r})"
            )
        for name in sorted(item):
            a = acc.setdefault(name, {"rows": 0, "bytes": 0, "hashes": []})
            _add_part(a, item[name], root / name / _name(r) / _part_name(len(a["hashes"])))
        item = None  # release the part before the generator computes the next one
    return {
        name: {
            "rows": a["rows"],
            "hash": fingerprint(a["hashes"]),
            "bytes": a["bytes"],
            "parts": len(a["hashes"]),
        }
        for name, a in sorted(acc.items())
    }


def _run_one(
    task: tuple[int, int, str], fn: RealisationFn, kwargs: Mapping[str, Any], out_dir: str
) -> dict[str, Any]:
    """Compute one realisation on a worker, write its tables (or parts), then its record."""
    r, seed, key = task
    tables = fn(r, seed, **kwargs)
    root = Path(out_dir)
    if _is_table_map(tables):
        meta = {}
        for name in sorted(tables):
            df = tables[name]
            _atomic_parquet(df, root / name / f"{_name(r)}.parquet")
            meta[name] = {
                "rows": len(df),
                "hash": frame_hash(df),
                "bytes": int(df.memory_usage(index=False, deep=True).sum()),
            }
    elif isinstance(tables, Iterable) and not isinstance(tables, (Mapping, str, pd.DataFrame)):
        meta = _write_parts(root, r, tables, fn)
    else:
        raise ConfigError(
            f"{_fn_name(fn)} must return a dict of table name -> pandas.DataFrame, or an "
            f"iterator of such dicts (parts) (realisation {r})"
        )
    record = {"realisation": r, "seed": seed, "key": key, "tables": meta}
    _atomic_bytes(root / "manifest" / f"{_name(r)}.json", json.dumps(record).encode())
    return record


@dataclass(frozen=True)
class RealisationRun:
    """The completed realisations of a run, on disk.

    Attributes
    ----------
    out_dir : pathlib.Path
        Where the tables and the manifest are.
    seed : int
        Project seed [-].
    params_hash : str
        Hash of function name, seed and kwargs [-].
    records : tuple of dict
        Manifest records of the requested realisations, by realisation number.
    computed, skipped : tuple of int
        Realisations computed by this call, and found completed on disk.
    invalidated : int
        Stale realisation records deleted because the parameters changed [-].
    memory_limit_mb : float
        Memory the readers may use for whole tables [MB].
    """

    out_dir: Path
    seed: int
    params_hash: str
    records: tuple[dict[str, Any], ...] = field(repr=False)
    computed: tuple[int, ...]
    skipped: tuple[int, ...]
    invalidated: int
    memory_limit_mb: float

    @property
    def realisations(self) -> tuple[int, ...]:
        """Realisation numbers, ascending [-]."""
        return tuple(int(r["realisation"]) for r in self.records)

    @property
    def table_names(self) -> tuple[str, ...]:
        """Names of the per-realisation tables [-]."""
        return tuple(sorted({n for r in self.records for n in r["tables"]}))

    @cached_property
    def _by_realisation(self) -> dict[int, dict[str, Any]]:
        return {int(r["realisation"]): r for r in self.records}

    def _meta(self, table: str, realisation: int) -> dict[str, Any]:
        rec = self._by_realisation.get(int(realisation))
        return {} if rec is None else rec["tables"].get(table, {})

    def is_parted(self, table: str, realisation: int) -> bool:
        """Whether a table of a realisation was written as parts [-]."""
        return "parts" in self._meta(table, realisation)

    def path(self, table: str, realisation: int) -> Path:
        """Parquet file of one table of one realisation (its part folder when parted)."""
        if self.is_parted(table, realisation):
            return self.out_dir / table / _name(realisation)
        return self.out_dir / table / f"{_name(realisation)}.parquet"

    def paths(self, table: str, realisation: int) -> list[Path]:
        """Parquet files of one table of one realisation, in order (one, or its parts)."""
        return _files(self.out_dir, table, realisation, self._meta(table, realisation))

    def iter_parts(
        self, table: str, realisation: int, columns: Sequence[str] | None = None
    ) -> Iterator[pd.DataFrame]:
        """One table of one realisation, one part (or the whole file) at a time."""
        cols = None if columns is None else list(columns)
        for p in self.paths(table, realisation):
            if not p.exists():
                raise DataError(f"{p}: missing; rerun run_realisations to complete the run")
            yield pd.read_parquet(p, columns=cols)

    def read(
        self, table: str, realisation: int, columns: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """One table of one realisation (parts concatenated in order, index 0 … n−1)."""
        frames = list(self.iter_parts(table, realisation, columns))
        if len(frames) == 1 and not self.is_parted(table, realisation):
            return frames[0]
        return pd.concat(frames, ignore_index=True)

    def iter_table(
        self, table: str, columns: Sequence[str] | None = None
    ) -> Iterator[tuple[int, pd.DataFrame]]:
        """Stream ``(realisation, table)`` one realisation at a time, ascending."""
        for r in self.realisations:
            yield r, self.read(table, r, columns)

    def table_bytes(self, table: str) -> int:
        """In-memory size of one table over all realisations [bytes]."""
        return sum(int(r["tables"][table]["bytes"]) for r in self.records if table in r["tables"])

    def table(self, table: str) -> pd.DataFrame:
        """All realisations of a table stacked, with a leading ``realisation`` column.

        Raises
        ------
        ConfigError
            When the stack exceeds ``memory_limit_mb``: stream with :meth:`iter_table`.
        """
        need = self.table_bytes(table) / 1e6
        if need > self.memory_limit_mb:
            raise ConfigError(
                f"table {table!r} of {len(self.records)} realisations needs {need:.1f} MB, "
                f"over memory_limit_mb={self.memory_limit_mb:g}; stream it with iter_table()"
            )
        parts = [df.assign(realisation=r) for r, df in self.iter_table(table)]
        out = pd.concat(parts, ignore_index=True)
        return out[["realisation", *[c for c in out.columns if c != "realisation"]]]

    def fingerprint(self) -> str:
        """Hash of every table of every realisation: equal runs have equal fingerprints."""
        return fingerprint(
            [
                (r["realisation"], r["seed"], {k: v["hash"] for k, v in r["tables"].items()})
                for r in self.records
            ]
        )


def _invalidate(root: Path) -> int:
    """Delete the records and tables of a previous run; return the records deleted."""
    n = 0
    man = root / "manifest"
    if man.is_dir():
        for rec in sorted(man.glob("r*.json")):
            try:
                tables = json.loads(rec.read_text())["tables"]
            except (ValueError, KeyError):
                tables = {}
            for t in tables:
                (root / t / f"{rec.stem}.parquet").unlink(missing_ok=True)
            rec.unlink()
            n += 1
    for d in root.glob("*/r[0-9][0-9][0-9][0-9][0-9][0-9]"):  # part folders, complete or not
        if d.is_dir() and d.parent.name != "manifest":
            shutil.rmtree(d)
    return n


def run_realisations(
    fn: RealisationFn,
    realisations: int | Sequence[int],
    *,
    seed: int,
    out_dir: str | os.PathLike[str],
    kwargs: Mapping[str, Any] | None = None,
    executor: str | Any = "serial",
    workers: int | None = None,
    memory_limit_mb: float = 1024.0,
    resume: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> RealisationRun:
    """Compute realisations, writing each one's tables as soon as it is done.

    Parameters
    ----------
    fn : callable
        ``fn(realisation, seed, **kwargs) -> {table name: DataFrame}``, or an iterator
        (e.g. a generator) of such dicts, each a part written as soon as it is yielded
        (``out_dir/<table>/r000017/part-00003.parquet``; readers concatenate the parts);
        deterministic for a given seed and picklable for Dask (a module-level
        function) [-].
    realisations : int or sequence of int
        How many (``0 … n-1``) or which realisations [-].
    seed : int
        Project seed; realisation ``r`` gets ``realisation_seed(seed, r)`` [-].
    out_dir : path
        Output folder, shared by all workers [-].
    kwargs : mapping, optional
        Keyword arguments of ``fn``; part of the params hash [-].
    executor : ``"serial"``, ``"threads"``, a ``dask.distributed.Client`` or an address
        See :func:`mine2magnet.parallel.iter_chunks` [-].
    workers : int, optional
        Thread count for ``"threads"`` [-].
    memory_limit_mb : float
        Memory readers of the result may use for whole tables [MB].
    resume : bool
        Reuse completed realisations of the same parameters (else recompute all) [-].
    progress : callable, optional
        ``progress(done, total)`` after each realisation completes (and once at the start
        with the skipped ones counted as done), e.g. to drive a progress bar [-].

    Returns
    -------
    RealisationRun

    Raises
    ------
    ConfigError
        For bad arguments. An error of ``fn`` is raised after the realisations already
        running have been recorded; rerunning resumes from them.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from mine2magnet.uncertainty.standin import seeded_total
    >>> with tempfile.TemporaryDirectory() as d:
    ...     run = run_realisations(seeded_total, 3, seed=1, out_dir=d)
    ...     run.realisations, run.computed
    ((0, 1, 2), (0, 1, 2))
    """
    kwargs = dict(kwargs or {})
    reals = list(range(int(realisations))) if isinstance(realisations, int) else list(realisations)
    if any(int(r) < 0 for r in reals) or len(set(reals)) != len(reals):
        raise ConfigError("realisations must be distinct integers ≥ 0")
    if memory_limit_mb <= 0:
        raise ConfigError(f"memory_limit_mb must be > 0, got {memory_limit_mb}")
    reals = sorted(int(r) for r in reals)
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    phash = fingerprint(
        {"format": _FORMAT, "fn": _fn_name(fn), "seed": int(seed), "kwargs": kwargs}
    )
    run_file = root / "run.json"
    try:
        old = json.loads(run_file.read_text()) if run_file.exists() else None
    except ValueError:  # unreadable: treat as a different run
        old = None
    invalidated = 0
    if old is None or old.get("params_hash") != phash or not resume:
        invalidated = _invalidate(root)
        info = {"format": _FORMAT, "fn": _fn_name(fn), "seed": int(seed), "params_hash": phash}
        _atomic_bytes(run_file, json.dumps(info, indent=1).encode())
    records: dict[int, dict[str, Any]] = {}
    todo = []
    for r in reals:
        s = realisation_seed(seed, r)
        key = fingerprint([phash, r, s])
        rec_path = root / "manifest" / f"{_name(r)}.json"
        if rec_path.exists():
            try:
                rec = json.loads(rec_path.read_text())
            except ValueError:  # unreadable (not written by this code): recompute
                rec = {}
            if rec.get("key") == key and all(
                p.exists() for t, m in rec.get("tables", {}).items() for p in _files(root, t, r, m)
            ):
                records[r] = rec
                continue
        todo.append((r, s, key))
    skipped = tuple(sorted(records))
    computed: list[int] = []
    if progress is not None:
        progress(len(records), len(reals))
    try:
        for _, rec in iter_chunks(_run_one, todo, executor=executor, workers=workers,
                                  args=(fn, kwargs, str(root))):  # fmt: skip
            records[int(rec["realisation"])] = rec
            computed.append(int(rec["realisation"]))
            if progress is not None:
                progress(len(records), len(reals))
    except Exception as exc:
        exc.add_note(
            f"run_realisations: {len(records)} realisation(s) are recorded in {root}; "
            "run again with the same arguments to resume from them"
        )
        raise
    return RealisationRun(
        out_dir=root,
        seed=int(seed),
        params_hash=phash,
        records=tuple(records[r] for r in reals),
        computed=tuple(sorted(computed)),
        skipped=skipped,
        invalidated=invalidated,
        memory_limit_mb=float(memory_limit_mb),
    )
