"""The runner drives the project's sequential Gaussian simulation (skips when absent)."""

import numpy as np
import pandas as pd
import pytest

from mine2magnet.uncertainty import probability_above, realisation_tables, run_realisations

sim = pytest.importorskip("mine2magnet.geostats.simulation")
if not hasattr(sim, "sgs"):
    pytest.skip("geostats.simulation.sgs not available yet", allow_module_level=True)

from mine2magnet.geostats import SearchParameters, Structure, VariogramModel  # noqa: E402

pytestmark = pytest.mark.slow


def _sgs_blocks(realisation, seed, *, n):
    """Conditional SGS of normal scores on an n × n × 2 grid → lognormal TREO."""
    g = np.stack(np.meshgrid(np.arange(n) * 10.0, np.arange(n) * 10.0, [0.0, 10.0],
                             indexing="ij"), -1).reshape(-1, 3)  # fmt: skip
    data = np.array([[5.0, 5.0, 0.0], [n * 10.0 - 15.0, n * 10.0 - 15.0, 10.0]])
    vm = VariogramModel(0.1, (Structure("spherical", 0.9, 60.0),))
    y = sim.sgs(g, data, [1.5, -1.0], vm, search=SearchParameters(60.0), seed=seed,
                max_data=8, max_previous=12)  # fmt: skip
    blocks = pd.DataFrame({"block_index": np.arange(len(g), dtype=np.int64),
                           "tonnes": np.full(len(g), 2600.0),
                           "TREO_pct": 2.0 * np.exp(0.5 * y - 0.125)})  # fmt: skip
    return realisation_tables(blocks, cutoffs=(0.0, 2.0))


def test_sgs_realisations_serial_threads_and_resume(tmp_path):
    kw = {"n": 12}
    a = run_realisations(_sgs_blocks, 4, seed=8, out_dir=tmp_path / "a", kwargs=kw)
    b = run_realisations(_sgs_blocks, 4, seed=8, out_dir=tmp_path / "b", kwargs=kw,
                         executor="threads", workers=2)  # fmt: skip
    assert a.fingerprint() == b.fingerprint()
    assert a.read("blocks", 0)["TREO_pct"].ne(a.read("blocks", 1)["TREO_pct"]).any()
    again = run_realisations(_sgs_blocks, 4, seed=8, out_dir=tmp_path / "a", kwargs=kw)
    assert again.computed == () and again.fingerprint() == a.fingerprint()
    p = probability_above(a, column="TREO_pct", cutoff_pct=2.0)
    assert len(p) == 12 * 12 * 2 and p["probability"].between(0, 1).all()


def _tiny_model():
    from mine2magnet.blockmodel.grid import BlockModel

    nx, ny, nz = 8, 6, 3
    k, j, i = (a.ravel() for a in np.meshgrid(np.arange(nz), np.arange(ny), np.arange(nx),
                                              indexing="ij"))  # fmt: skip
    table = pd.DataFrame({
        "i": i, "j": j, "k": k, "easting": 5.0 + 10 * i, "northing": 5.0 + 10 * j,
        "elevation": 5.0 + 10 * k, "domain": np.where(i < 6, "ORE", "HOST"),
        "volume_fraction": 1.0, "tonnes": 2600.0,
    })  # fmt: skip
    return BlockModel((0.0, 0.0, 0.0), (10.0, 10.0, 10.0), (nx, ny, nz), 0.0, table,
                      ("TREO_pct",))  # fmt: skip


def test_simulated_realisation_through_the_runner(tmp_path):
    if not hasattr(sim, "simulate_blocks"):
        pytest.skip("geostats.simulation.simulate_blocks not available yet")
    from mine2magnet.uncertainty import simulated_realisation

    rng = np.random.default_rng(0)
    comp = pd.DataFrame({"easting": rng.uniform(0, 60, 30), "northing": rng.uniform(0, 60, 30),
                         "elevation": rng.uniform(0, 30, 30), "domain": "ORE",
                         "TREO_pct": rng.lognormal(0.5, 0.5, 30)})  # fmt: skip
    params = sim.SimulationParams(
        variogram_ns=VariogramModel(0.1, (Structure("spherical", 0.9, 60.0),)),
        search=SearchParameters(60.0), max_data=8, max_previous=8, discretisation=(1, 1, 1),
    )  # fmt: skip
    model = _tiny_model()
    periods = pd.Series(2 - model.table["k"].to_numpy(), index=model.table.index)
    kw = {"block_model": model, "composites": comp, "domain": "ORE", "columns": "TREO_pct",
          "params": params, "cutoffs": (0.0, 1.5), "periods": periods}  # fmt: skip
    a = run_realisations(simulated_realisation, 3, seed=5, out_dir=tmp_path / "a", kwargs=kw)
    b = run_realisations(simulated_realisation, 3, seed=5, out_dir=tmp_path / "b", kwargs=kw,
                         executor="threads", workers=2)  # fmt: skip
    assert a.fingerprint() == b.fingerprint()
    blocks = a.read("blocks", 0)
    ore = model.table["domain"] == "ORE"
    assert len(blocks) == int(ore.sum())
    assert set(blocks["block_index"]) == set(model.grid.ravel(*(model.table.loc[ore, c]
                                                               for c in "ijk")))  # fmt: skip
    assert a.read("periods", 1)["period"].tolist() == [0, 1, 2]
    gt0 = a.read("gradetonnage", 0)
    assert gt0.loc[0, "tonnes"] == pytest.approx(2600.0 * ore.sum())
    assert not gt0.equals(a.read("gradetonnage", 1))
