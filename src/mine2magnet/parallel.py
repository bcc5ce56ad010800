"""One executor seam: run a function over chunks serially, on threads, or on Dask.

Results are always returned in chunk order, so serial, threaded and distributed runs
produce identical output for deterministic functions. Dask is imported lazily: the core
package works without the ``[dask]`` extra.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

__all__ = ["map_chunks"]

T = TypeVar("T")
R = TypeVar("R")


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
    client = executor
    if isinstance(executor, str):
        from dask.distributed import Client  # lazy: optional extra

        client = Client(executor)
    futures = client.map(fn, chunks, *[[a] * len(chunks) for a in args], pure=False)
    return client.gather(futures)
