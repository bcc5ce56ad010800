"""A 2-worker LocalCluster (processes) gives the serial answer, bit for bit, and resumes."""

import sys
from pathlib import Path

import pandas as pd
import pytest

from mine2magnet.uncertainty import run_realisations
from mine2magnet.uncertainty.standin import seeded_field

distributed = pytest.importorskip("dask.distributed")
cloudpickle = pytest.importorskip("cloudpickle")
cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import tests

pytestmark = pytest.mark.slow

SMALL = {"counts": (12, 12, 6), "cutoffs": (0.0, 1.0, 2.0)}


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                 dashboard_address=":0") as cluster,
        distributed.Client(cluster) as c,
    ):  # fmt: skip
        yield c


def _flaky(realisation, seed, *, calls, crash_at):
    calls = Path(calls)
    (calls / f"r{realisation}-{len(list(calls.iterdir()))}").touch()
    flag = calls.parent / "crashed"
    if realisation == crash_at and not flag.exists():
        flag.touch()
        raise RuntimeError("simulated worker crash")
    return seeded_field(realisation, seed, **SMALL)


def test_serial_threads_and_cluster_are_bitwise_equal(client, tmp_path):
    kw = {"kwargs": SMALL, "seed": 2026}
    s = run_realisations(seeded_field, 8, out_dir=tmp_path / "s", **kw)
    t = run_realisations(seeded_field, 8, out_dir=tmp_path / "t", executor="threads", **kw)
    d = run_realisations(seeded_field, 8, out_dir=tmp_path / "d", executor=client, **kw)
    assert s.fingerprint() == t.fingerprint() == d.fingerprint()
    for name in ("gradetonnage", "periods", "blocks"):
        for r in (0, 7):
            pd.testing.assert_frame_equal(s.read(name, r), d.read(name, r), check_exact=True)


def test_scheduler_address_string(client, tmp_path):
    address = client.scheduler.address
    d = run_realisations(seeded_field, 3, seed=1, out_dir=tmp_path / "d", kwargs=SMALL,
                         executor=address)  # fmt: skip
    s = run_realisations(seeded_field, 3, seed=1, out_dir=tmp_path / "s", kwargs=SMALL)
    assert d.fingerprint() == s.fingerprint()


def test_cluster_crash_resumes_without_recomputing(client, tmp_path):
    calls = tmp_path / "calls"
    calls.mkdir()
    kw = {"calls": str(calls), "crash_at": 2}
    with pytest.raises(RuntimeError, match="simulated worker crash"):
        run_realisations(_flaky, 8, seed=3, out_dir=tmp_path / "run", kwargs=kw,
                         executor=client)  # fmt: skip
    done = {int(p.stem[1:]) for p in (tmp_path / "run" / "manifest").glob("r*.json")}
    assert 2 not in done and len(done) >= 2
    run = run_realisations(_flaky, 8, seed=3, out_dir=tmp_path / "run", kwargs=kw,
                           executor=client)  # fmt: skip
    assert set(run.skipped) == done and set(run.computed) == set(range(8)) - done
    n = {}
    for p in calls.iterdir():
        r = int(p.name.split("-")[0][1:])
        n[r] = n.get(r, 0) + 1
    assert n == {r: 2 if r == 2 else 1 for r in range(8)}
    ref = run_realisations(seeded_field, 8, seed=3, out_dir=tmp_path / "ref", kwargs=SMALL)
    assert ref.fingerprint() == run.fingerprint()


def test_repeated_runs_on_one_client(client, tmp_path):
    """Identical arguments scattered again right after a run released them."""
    fps = {run_realisations(seeded_field, 2, seed=1, out_dir=tmp_path / str(i), kwargs=SMALL,
                            executor=client).fingerprint() for i in range(4)}  # fmt: skip
    assert len(fps) == 1


def test_simulate_blocks_on_the_cluster_equals_serial(client, tmp_path):
    sim = pytest.importorskip("mine2magnet.geostats.simulation")
    if not hasattr(sim, "simulate_blocks"):
        pytest.skip("geostats.simulation.simulate_blocks not available yet")
    import numpy as np

    from mine2magnet.geostats import SearchParameters, Structure, VariogramModel
    from mine2magnet.uncertainty import simulated_realisation

    from .test_sgs_integration import _tiny_model

    rng = np.random.default_rng(1)
    comp = pd.DataFrame({"easting": rng.uniform(0, 60, 20), "northing": rng.uniform(0, 60, 20),
                         "elevation": rng.uniform(0, 30, 20), "domain": "ORE",
                         "TREO_pct": rng.lognormal(0.5, 0.5, 20)})  # fmt: skip
    params = sim.SimulationParams(
        variogram_ns=VariogramModel(0.1, (Structure("spherical", 0.9, 60.0),)),
        search=SearchParameters(60.0), max_data=8, max_previous=8, discretisation=(1, 1, 1),
    )  # fmt: skip
    kw = {"block_model": _tiny_model(), "composites": comp, "domain": "ORE",
          "columns": "TREO_pct", "params": params}  # fmt: skip
    s = run_realisations(simulated_realisation, 4, seed=6, out_dir=tmp_path / "s", kwargs=kw)
    d = run_realisations(simulated_realisation, 4, seed=6, out_dir=tmp_path / "d", kwargs=kw,
                         executor=client)  # fmt: skip
    assert s.fingerprint() == d.fingerprint()


def _chunked_sgs(realisation, seed, *, block_model, composites, params):
    """A realisation simulated by chunks and written as parts (one per chunk)."""
    from mine2magnet.geostats.simulation_chunks import simulate_blocks_chunked

    for sim in simulate_blocks_chunked(block_model, composites, "ORE", "TREO_pct", params,
                                       realisation=realisation, seed=seed,
                                       memory_limit_mb=0.4):  # fmt: skip
        yield {"blocks": sim[["i", "j", "k", "TREO_pct"]]}


def test_chunked_parts_on_the_cluster_equal_serial(client, tmp_path):
    import numpy as np

    from mine2magnet.geostats import SearchParameters, Structure, VariogramModel
    from mine2magnet.geostats.simulation import SimulationParams

    from .test_sgs_integration import _tiny_model

    rng = np.random.default_rng(1)
    comp = pd.DataFrame({"easting": rng.uniform(0, 60, 20), "northing": rng.uniform(0, 60, 20),
                         "elevation": rng.uniform(0, 30, 20), "domain": "ORE",
                         "TREO_pct": rng.lognormal(0.5, 0.5, 20)})  # fmt: skip
    params = SimulationParams(
        variogram_ns=VariogramModel(0.1, (Structure("spherical", 0.9, 15.0),)),
        search=SearchParameters(15.0), max_data=8, max_previous=8, discretisation=(2, 2, 2),
    )  # fmt: skip
    kw = {"block_model": _tiny_model(), "composites": comp, "params": params}
    s = run_realisations(_chunked_sgs, 4, seed=6, out_dir=tmp_path / "s", kwargs=kw)
    d = run_realisations(_chunked_sgs, 4, seed=6, out_dir=tmp_path / "d", kwargs=kw,
                         executor=client)  # fmt: skip
    assert s.records[0]["tables"]["blocks"]["parts"] > 1
    assert s.fingerprint() == d.fingerprint()
