"""One executor seam: run a function over chunks serially, on threads, or on Dask.

:func:`map_chunks` returns the results in chunk order, so serial, threaded and
distributed runs produce identical output for deterministic functions.
:func:`iter_chunks` yields ``(index, result)`` pairs as chunks finish, with a bounded
number of chunks in flight, so a caller can write each result as soon as it exists
(incremental output, resumable runs). Dask is imported lazily: the core package works
without the ``[dask]`` extra.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import Any, TypeVar

from mine2magnet.errors import ConfigError

__all__ = ["connect", "iter_chunks", "map_chunks"]

T = TypeVar("T")
R = TypeVar("R")

_HELP = (
    "executor must be 'serial', 'threads', a dask.distributed Client or a scheduler "
    "address such as 'tcp://10.0.0.1:8786'"
)


def _is_address(executor: str) -> bool:
    return "://" in executor or ":" in executor


@contextmanager
def connect(executor: str | Any) -> Iterator[Any]:
    """A ``dask.distributed.Client`` for a Client or a scheduler address.

    A Client passed in is yielded unchanged (and left open); a Client made here from an
    address string is closed on exit.

    Parameters
    ----------
    executor : str or dask.distributed.Client
        Scheduler address such as ``"tcp://10.0.0.1:8786"`` [-], or a Client.

    Raises
    ------
    ConfigError
        When a string is not an address.
    """
    if not isinstance(executor, str):
        yield executor
        return
    if not _is_address(executor):
        raise ConfigError(f"unknown executor {executor!r}: {_HELP}")
    from dask.distributed import Client  # lazy: optional extra

    client = Client(executor)
    try:
        yield client
    finally:
        client.close()


def map_chunks(
    fn: Callable[..., R],
    chunks: Iterable[T],
    *,
    executor: str | Any = "serial",
    workers: int | None = None,
    args: Sequence[Any] = (),
) -> list[R]:
    """Apply ``fn(chunk, *args)`` to every chunk and return the results in order.

    Parameters
    ----------
    executor : ``"serial"``, ``"threads"``, a ``dask.distributed.Client``, or a scheduler
        address string such as ``"tcp://10.0.0.1:8786"``.
    workers : thread count for ``"threads"`` (default: os.cpu_count()).
    """
    chunks = list(chunks)
    if executor == "serial":
        return [fn(c, *args) for c in chunks]
    if executor == "threads":
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(lambda c: fn(c, *args), chunks))
    with connect(executor) as client:
        futures = client.map(fn, chunks, *[[a] * len(chunks) for a in args], pure=False)
        return client.gather(futures)


def iter_chunks(
    fn: Callable[..., R],
    chunks: Iterable[T],
    *,
    executor: str | Any = "serial",
    workers: int | None = None,
    args: Sequence[Any] = (),
    max_in_flight: int | None = None,
) -> Iterator[tuple[int, R]]:
    """Yield ``(index, fn(chunk, *args))`` for every chunk as it finishes.

    The order of the pairs depends on the executor; the pairs themselves do not. At most
    ``max_in_flight`` chunks are submitted at a time. When a chunk raises, no further
    chunk is submitted, the chunks already running are finished and yielded, and then
    the first error is raised: completed work is never thrown away.

    Parameters
    ----------
    fn : callable
        ``fn(chunk, *args)``; picklable for Dask.
    chunks : iterable
        The chunks (consumed lazily) [-].
    executor : ``"serial"``, ``"threads"``, a ``dask.distributed.Client`` or an address
        The executor [-].
    workers : int, optional
        Thread count for ``"threads"`` [-].
    args : sequence
        Extra arguments, sent once to every Dask worker (scattered) [-].
    max_in_flight : int, optional
        Chunks submitted at a time (default twice the thread or worker-thread count) [-].

    Yields
    ------
    tuple of (int, object)
        Chunk index and result.

    Examples
    --------
    >>> sorted(iter_chunks(pow, [1, 2, 3], args=(2,)))
    [(0, 1), (1, 4), (2, 9)]
    """
    if executor == "serial":
        for i, c in enumerate(chunks):
            yield i, fn(c, *args)
        return
    if executor == "threads":
        yield from _iter_threads(fn, chunks, workers, args, max_in_flight)
        return
    with connect(executor) as client:
        yield from _iter_dask(client, fn, chunks, args, max_in_flight)


def _iter_threads(
    fn: Callable[..., R], chunks: Iterable[T], workers: int | None, args: Sequence[Any],
    max_in_flight: int | None,
) -> Iterator[tuple[int, R]]:  # fmt: skip
    n = workers or min(32, (os.cpu_count() or 1) + 4)  # ThreadPoolExecutor's default
    with ThreadPoolExecutor(max_workers=n) as pool:
        window = max_in_flight or 2 * n
        it = enumerate(chunks)
        running: dict[Future[R], int] = {}
        error: BaseException | None = None
        try:
            while True:
                while error is None and len(running) < window:
                    nxt = next(it, None)
                    if nxt is None:
                        break
                    running[pool.submit(fn, nxt[1], *args)] = nxt[0]
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for f in sorted(done, key=running.__getitem__):
                    i = running.pop(f)
                    if f.exception() is not None:
                        error = error or f.exception()
                    else:
                        yield i, f.result()
        finally:
            for f in running:
                f.cancel()
        if error is not None:
            raise error


def _iter_dask(
    client: Any, fn: Callable[..., R], chunks: Iterable[T], args: Sequence[Any],
    max_in_flight: int | None,
) -> Iterator[tuple[int, R]]:  # fmt: skip
    from dask.distributed import as_completed  # lazy: optional extra

    n_threads = max(1, sum(client.nthreads().values()))
    window = max_in_flight or 2 * n_threads
    # hash=False: a fresh key per call, so releasing them never races a later identical scatter
    sent = [client.scatter([a], broadcast=True, hash=False)[0] for a in args]
    it = enumerate(chunks)
    index: dict[Any, int] = {}
    error: BaseException | None = None

    def submit() -> Any | None:
        nxt = next(it, None)
        if nxt is None:
            return None
        f = client.submit(fn, nxt[1], *sent, pure=False)
        index[f] = nxt[0]
        return f

    first = [f for f in (submit() for _ in range(window)) if f is not None]
    pending = as_completed(first)
    try:
        for f in pending:
            i = index.pop(f)
            if f.status == "error":
                error = error or f.exception()
            else:
                yield i, f.result()
            f.release()
            if error is None:
                nf = submit()
                if nf is not None:
                    pending.add(nf)
    finally:
        for f in list(index):
            f.cancel()
        for s in sent:
            s.release()
    if error is not None:
        raise error
