"""The executor seam gives identical ordered results serially, on threads and on Dask."""

from types import SimpleNamespace

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
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        got = map_chunks(_work, range(8), executor=client, args=(2.0,))
    assert got == map_chunks(_work, range(8), args=(2.0,))


def _fails_on_three(chunk):
    if chunk == 3:
        raise ValueError("chunk 3")
    return chunk * 10


def test_iter_chunks_pairs_are_executor_independent():
    from mine2magnet.parallel import iter_chunks

    want = [(i, _work(i, 2.0)) for i in range(8)]
    assert list(iter_chunks(_work, range(8), args=(2.0,))) == want
    got = iter_chunks(_work, range(8), executor="threads", workers=2, args=(2.0,),
                      max_in_flight=3)  # fmt: skip
    assert sorted(got) == want


def test_iter_chunks_finishes_running_chunks_before_raising():
    from mine2magnet.parallel import iter_chunks

    got = []
    with pytest.raises(ValueError, match="chunk 3"):
        for pair in iter_chunks(_fails_on_three, range(20), executor="threads", workers=2,
                                max_in_flight=4):  # fmt: skip
            got.append(pair)
    idx = sorted(i for i, _ in got)
    assert {0, 1, 2} <= set(idx) and 3 not in idx and max(idx) < 8  # nothing new submitted
    assert all(v == i * 10 for i, v in got)


def test_unknown_executor_string_is_a_config_error():
    from mine2magnet.errors import ConfigError

    with pytest.raises(ConfigError, match="scheduler address"):
        map_chunks(_work, range(2), executor="process", args=(1.0,))


@pytest.mark.slow
def test_iter_chunks_on_dask_equals_serial():
    distributed = pytest.importorskip("dask.distributed")
    from mine2magnet.parallel import iter_chunks

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        got = sorted(iter_chunks(_work, range(8), executor=client, args=(2.0,), max_in_flight=3))
    assert got == [(i, _work(i, 2.0)) for i in range(8)]


@pytest.mark.slow
def test_a_scheduler_address_as_in_the_project_file_equals_serial():
    """``[parallel] executor = "tcp://…"`` reaches map_chunks as an address string."""
    distributed = pytest.importorskip("dask.distributed")

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        got = map_chunks(_work, range(6), executor=cluster.scheduler_address, args=(3.0,))
    assert got == [_work(i, 3.0) for i in range(6)]


def test_project_executor_prefers_the_caller_then_the_project_file(tmp_path):
    from mine2magnet.config import ParallelParams
    from mine2magnet.pipeline import project_executor

    project = SimpleNamespace(parallel=ParallelParams(executor="tcp://10.0.0.1:8786"))
    assert project_executor(project) == "tcp://10.0.0.1:8786"
    assert project_executor(project, "serial") == "serial"
