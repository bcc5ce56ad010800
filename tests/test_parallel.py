"""The executor seam gives identical ordered results serially, on threads and on Dask."""

import numpy as np
import pytest

from mine2magnet.parallel import map_chunks


def _work(chunk, scale):
    rng = np.random.default_rng(chunk)
    return float(rng.standard_normal(1000).sum() * scale)


def test_serial_equals_threads():
    a = map_chunks(_work, range(8), args=(2.0,))
    b = map_chunks(_work, range(8), executor="threads", workers=2, args=(2.0,))
    assert a == b


@pytest.mark.slow
def test_dask_local_cluster_equals_serial():
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        got = map_chunks(_work, range(8), executor=client, args=(2.0,))
    assert got == map_chunks(_work, range(8), args=(2.0,))
