"""run_realisations: seeds, incremental Parquet output, resume, invalidation, memory."""

import json
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mine2magnet.errors import ConfigError
from mine2magnet.uncertainty import realisation_seed, realisation_tables, run_realisations
from mine2magnet.uncertainty.standin import field_blocks, seeded_field

SMALL = {"counts": (10, 10, 4), "cutoffs": (0.0, 1.0, 2.0)}
_PART_SLEEP = [0.0]  # seconds of work simulated by the slow jobs; not a parameter (hash)


def _counting(realisation, seed, *, calls, crash_at=-1):
    """seeded_field that leaves one file per call and fails once at ``crash_at``."""
    calls = Path(calls)
    (calls / f"r{realisation}-{len(list(calls.iterdir()))}").touch()
    flag = calls.parent / "crashed"
    if realisation == crash_at and not flag.exists():
        flag.touch()
        raise RuntimeError(f"simulated crash at realisation {realisation}")
    return seeded_field(realisation, seed, **SMALL)


def _calls(d):
    out = {}
    for p in Path(d).iterdir():
        r = int(p.name.split("-")[0][1:])
        out[r] = out.get(r, 0) + 1
    return out


def test_seed_is_the_spawned_child_and_independent_of_the_set():
    child = np.random.SeedSequence(7).spawn(5)[3]
    assert realisation_seed(7, 3) == int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))
    seeds = {realisation_seed(7, r) for r in range(200)}
    assert len(seeds) == 200
    assert realisation_seed(8, 3) != realisation_seed(7, 3)
    with pytest.raises(ConfigError):
        realisation_seed(-1, 0)


def test_subset_and_order_do_not_change_a_realisation(tmp_path):
    full = run_realisations(seeded_field, 5, seed=3, out_dir=tmp_path / "a", kwargs=SMALL)
    part = run_realisations(seeded_field, [4, 1], seed=3, out_dir=tmp_path / "b", kwargs=SMALL)
    assert part.realisations == (1, 4)
    for r in (1, 4):
        pd.testing.assert_frame_equal(full.read("blocks", r), part.read("blocks", r))
        assert full.records[r]["tables"] == part.records[part.realisations.index(r)]["tables"]


def test_serial_equals_threads_bitwise(tmp_path):
    a = run_realisations(seeded_field, 6, seed=11, out_dir=tmp_path / "s", kwargs=SMALL)
    b = run_realisations(seeded_field, 6, seed=11, out_dir=tmp_path / "t", kwargs=SMALL,
                         executor="threads", workers=2)  # fmt: skip
    assert a.fingerprint() == b.fingerprint()
    for name in ("gradetonnage", "periods", "blocks"):
        for r in range(6):
            pd.testing.assert_frame_equal(a.read(name, r), b.read(name, r), check_exact=True)


def test_crash_resumes_without_recomputing(tmp_path):
    calls = tmp_path / "calls"
    calls.mkdir()
    kw = {"calls": str(calls), "crash_at": 3}
    out = tmp_path / "run"
    with pytest.raises(RuntimeError, match="simulated crash") as info:
        run_realisations(_counting, 6, seed=5, out_dir=out, kwargs=kw)
    assert any("resume" in n for n in info.value.__notes__)
    assert sorted(p.stem for p in (out / "manifest").glob("r*.json")) == [
        "r000000", "r000001", "r000002"]  # fmt: skip
    run = run_realisations(_counting, 6, seed=5, out_dir=out, kwargs=kw)
    assert run.skipped == (0, 1, 2) and run.computed == (3, 4, 5)
    assert _calls(calls) == {0: 1, 1: 1, 2: 1, 3: 2, 4: 1, 5: 1}
    again = run_realisations(_counting, 6, seed=5, out_dir=out, kwargs=kw)
    assert again.computed == () and _calls(calls)[0] == 1
    # the same answer as an uninterrupted run
    calls2 = tmp_path / "calls2"
    calls2.mkdir()
    (tmp_path / "crashed").touch()  # no crash this time
    ref = run_realisations(_counting, 6, seed=5, out_dir=tmp_path / "ref",
                           kwargs={"calls": str(calls2), "crash_at": 3})  # fmt: skip
    strip = [{k: v for k, v in r.items() if k != "key"} for r in ref.records]
    assert strip == [{k: v for k, v in r.items() if k != "key"} for r in run.records]


def test_threads_crash_keeps_finished_work(tmp_path):
    calls = tmp_path / "calls"
    calls.mkdir()
    kw = {"calls": str(calls), "crash_at": 0}
    out = tmp_path / "run"
    with pytest.raises(RuntimeError):
        run_realisations(_counting, 8, seed=5, out_dir=out, kwargs=kw, executor="threads",
                         workers=2)  # fmt: skip
    done = {int(p.stem[1:]) for p in (out / "manifest").glob("r*.json")}
    run = run_realisations(_counting, 8, seed=5, out_dir=out, kwargs=kw, executor="threads",
                           workers=2)  # fmt: skip
    assert set(run.skipped) == done and set(run.computed) == set(range(8)) - done
    assert all(n == 1 for r, n in _calls(calls).items() if r != 0)


def test_extending_a_run_reuses_it(tmp_path):
    run_realisations(seeded_field, 3, seed=1, out_dir=tmp_path, kwargs=SMALL)
    run = run_realisations(seeded_field, 5, seed=1, out_dir=tmp_path, kwargs=SMALL)
    assert run.skipped == (0, 1, 2) and run.computed == (3, 4)


@pytest.mark.parametrize("change", ["kwargs", "seed", "no_resume"])
def test_changed_parameters_invalidate_the_manifest(tmp_path, change):
    first = run_realisations(seeded_field, 3, seed=1, out_dir=tmp_path, kwargs=SMALL)
    kw = dict(SMALL, cutoffs=(0.0, 1.5)) if change == "kwargs" else SMALL
    run = run_realisations(seeded_field, 3, seed=2 if change == "seed" else 1, out_dir=tmp_path,
                           kwargs=kw, resume=change != "no_resume")  # fmt: skip
    assert run.computed == (0, 1, 2) and run.skipped == () and run.invalidated == 3
    if change != "no_resume":
        assert run.params_hash != first.params_hash
        assert run.fingerprint() != first.fingerprint()
    assert json.loads((tmp_path / "run.json").read_text())["params_hash"] == run.params_hash


def test_a_missing_table_file_is_recomputed(tmp_path):
    run_realisations(seeded_field, 3, seed=1, out_dir=tmp_path, kwargs=SMALL)
    (tmp_path / "blocks" / "r000001.parquet").unlink()
    run = run_realisations(seeded_field, 3, seed=1, out_dir=tmp_path, kwargs=SMALL)
    assert run.computed == (1,)


def test_whole_table_refused_over_the_memory_limit(tmp_path):
    run = run_realisations(seeded_field, 4, seed=1, out_dir=tmp_path, kwargs=SMALL,
                           memory_limit_mb=0.01)  # fmt: skip
    with pytest.raises(ConfigError, match="iter_table"):
        run.table("blocks")
    small = run.table("gradetonnage")
    assert list(small["realisation"].unique()) == [0, 1, 2, 3]


def test_bad_arguments(tmp_path):
    with pytest.raises(ConfigError):
        run_realisations(seeded_field, [1, 1], seed=1, out_dir=tmp_path)
    with pytest.raises(ConfigError):
        run_realisations(seeded_field, 2, seed=1, out_dir=tmp_path, memory_limit_mb=0)
    with pytest.raises(ConfigError, match="dict of table"):
        run_realisations(realisation_seed, 1, seed=1, out_dir=tmp_path)
    with pytest.raises(ConfigError, match="executor"):
        run_realisations(seeded_field, 1, seed=1, out_dir=tmp_path / "x", executor="process")


def _slow(realisation, seed, *, calls):
    (Path(calls) / f"r{realisation}-{time.time_ns()}").touch()
    time.sleep(_PART_SLEEP[0])
    return seeded_field(realisation, seed, counts=(10, 10, 4))


def _slow_whole_job(out, calls):
    _PART_SLEEP[0] = 0.15
    run_realisations(_slow, 12, seed=9, out_dir=out, kwargs={"calls": calls})


def test_killed_process_resumes_with_the_same_answer(tmp_path):
    import multiprocessing

    calls = tmp_path / "calls"
    calls.mkdir()
    out = tmp_path / "run"
    proc = multiprocessing.get_context("fork").Process(target=_slow_whole_job,
                                                       args=(out, str(calls)))  # fmt: skip
    proc.start()  # a forked copy of this process, killed with SIGKILL below
    man = out / "manifest"
    try:
        for _ in range(400):
            if man.is_dir() and len(list(man.glob("r*.json"))) >= 4:
                break
            assert proc.is_alive(), "job ended before it could be killed"
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.join()
    done = len(list(man.glob("r*.json")))
    assert 4 <= done < 12
    run = run_realisations(_slow, 12, seed=9, out_dir=out, kwargs={"calls": str(calls)})
    assert len(run.computed) == 12 - done
    assert all(n <= 2 for n in _calls(calls).values())  # only the one killed mid-way reruns
    assert sum(_calls(calls).values()) <= 12 + 1
    # an uninterrupted run of the same tables (``_slow`` returns seeded_field's)
    ref = run_realisations(seeded_field, 12, seed=9, out_dir=tmp_path / "ref",
                           kwargs={"counts": (10, 10, 4)})  # fmt: skip
    assert ref.fingerprint() == run.fingerprint()


def test_fingerprint_of_parameters():
    from mine2magnet.uncertainty import fingerprint

    df = pd.DataFrame({"a": [1.0, 2.0]})
    assert fingerprint({"t": df, "f": seeded_field}) == fingerprint({"f": seeded_field,
                                                                   "t": df.copy()})  # fmt: skip
    assert fingerprint({"t": df}) != fingerprint({"t": df.assign(a=[1.0, 2.5])})
    assert fingerprint(np.arange(3)) != fingerprint(np.arange(3.0))
    with pytest.raises(ConfigError, match="memory"):
        fingerprint({"x": object()})


def test_progress_counts_skipped_and_computed(tmp_path):
    run_realisations(seeded_field, 2, seed=1, out_dir=tmp_path, kwargs=SMALL)
    seen = []
    run_realisations(seeded_field, 4, seed=1, out_dir=tmp_path, kwargs=SMALL,
                     progress=lambda done, total: seen.append((done, total)))  # fmt: skip
    assert seen == [(2, 4), (3, 4), (4, 4)]


# ------------------------------------------------------- parts (chunked realisations)


def _parted(realisation, seed, *, n_parts=3, fail_at=-1, flag=None, sleep=0.0):
    """seeded field yielded as ``n_parts`` block parts (by bench), then its grade-tonnage."""
    b = field_blocks(seed, (10, 10, 6))
    for p in range(n_parts):
        if realisation == fail_at and p == 2 and not Path(flag).exists():
            Path(flag).touch()
            raise RuntimeError(f"simulated crash in realisation {realisation}, part {p}")
        part = b[b["k"] % n_parts == p]
        yield {"blocks": part[["block_index", "TREO_pct"]].reset_index(drop=True)}
        time.sleep(sleep)
    yield {"gradetonnage": realisation_tables(b, cutoffs=(0.0, 1.0))["gradetonnage"]}


def _whole(realisation, seed, *, n_parts=3):
    """The same tables as ``_parted``, returned whole."""
    parts = list(_parted(realisation, seed, n_parts=n_parts))
    blocks = pd.concat([p["blocks"] for p in parts[:-1]], ignore_index=True)
    return {"blocks": blocks, "gradetonnage": parts[-1]["gradetonnage"]}


def test_parts_layout_round_trips(tmp_path):
    run = run_realisations(_parted, 3, seed=4, out_dir=tmp_path / "p")
    assert sorted(p.name for p in (tmp_path / "p" / "blocks" / "r000001").iterdir()) == [
        "part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]  # fmt: skip
    assert (tmp_path / "p" / "gradetonnage" / "r000001" / "part-00000.parquet").exists()
    rec = run.records[1]["tables"]
    assert rec["blocks"]["parts"] == 3 and rec["blocks"]["rows"] == 600
    assert rec["gradetonnage"]["parts"] == 1
    assert run.is_parted("blocks", 1) and run.path("blocks", 1).is_dir()
    assert [p.name for p in run.paths("blocks", 1)][-1] == "part-00002.parquet"
    assert [len(df) for df in run.iter_parts("blocks", 1)] == [200, 200, 200]
    # readers see the same tables as from a run that wrote them whole
    whole = run_realisations(_whole, 3, seed=4, out_dir=tmp_path / "w")
    assert not whole.is_parted("blocks", 1) and len(whole.paths("blocks", 1)) == 1
    for name in ("blocks", "gradetonnage"):
        for r in range(3):
            pd.testing.assert_frame_equal(run.read(name, r), whole.read(name, r),
                                          check_exact=True)  # fmt: skip
        pd.testing.assert_frame_equal(run.table(name), whole.table(name), check_exact=True)
    assert [r for r, _ in run.iter_table("blocks")] == [0, 1, 2]
    # threads give the same parts; a second call skips; a lost part is recomputed
    t = run_realisations(_parted, 3, seed=4, out_dir=tmp_path / "t", executor="threads",
                         workers=2)  # fmt: skip
    assert t.fingerprint() == run.fingerprint()
    assert run_realisations(_parted, 3, seed=4, out_dir=tmp_path / "p").computed == ()
    (tmp_path / "p" / "blocks" / "r000002" / "part-00001.parquet").unlink()
    again = run_realisations(_parted, 3, seed=4, out_dir=tmp_path / "p")
    assert again.computed == (2,) and again.fingerprint() == run.fingerprint()


def test_a_part_that_is_not_a_table_dict_is_refused(tmp_path):
    def bad(realisation, seed):
        yield {"blocks": [1, 2]}

    with pytest.raises(ConfigError, match="yield dicts"):
        run_realisations(bad, 1, seed=1, out_dir=tmp_path)


def test_failure_mid_parts_leaves_the_realisation_incomplete(tmp_path):
    out = tmp_path / "run"
    kw = {"fail_at": 2, "flag": str(tmp_path / "crashed")}
    with pytest.raises(RuntimeError, match="part 2"):
        run_realisations(_parted, 5, seed=6, out_dir=out, kwargs=kw)
    assert len(list((out / "blocks" / "r000002").iterdir())) == 2  # two parts written ...
    assert not (out / "manifest" / "r000002.json").exists()  # ... but no record
    run = run_realisations(_parted, 5, seed=6, out_dir=out, kwargs=kw)
    assert run.skipped == (0, 1) and run.computed == (2, 3, 4)
    assert len(run.paths("blocks", 2)) == 3
    assert len([p for p in (out / "blocks" / "r000002").iterdir()]) == 3  # no stale parts
    ref = run_realisations(_parted, 5, seed=6, out_dir=tmp_path / "ref", kwargs=kw)
    assert ref.fingerprint() == run.fingerprint()


def test_invalidation_removes_part_folders(tmp_path):
    run_realisations(_parted, 2, seed=1, out_dir=tmp_path)
    (tmp_path / "blocks" / "r000007").mkdir()  # parts of an interrupted realisation
    run = run_realisations(_parted, 2, seed=2, out_dir=tmp_path)
    assert run.invalidated == 2 and not (tmp_path / "blocks" / "r000007").exists()


def _slow_parts(realisation, seed, *, n_parts):
    b = field_blocks(seed, (10, 10, 6))
    for p in range(n_parts):
        yield {"blocks": b[b["k"] % n_parts == p][["block_index", "TREO_pct"]]}
        time.sleep(_PART_SLEEP[0])
    yield {"gradetonnage": realisation_tables(b, cutoffs=(0.0, 1.0))["gradetonnage"]}


def _slow_job(out):
    _PART_SLEEP[0] = 0.15
    run_realisations(_slow_parts, 8, seed=9, out_dir=out, kwargs={"n_parts": 4})


def _incomplete(out):
    """Recorded realisations, and those with parts on disk but no record."""
    man, blocks = out / "manifest", out / "blocks"
    recs = {p.stem for p in man.glob("r*.json")} if man.is_dir() else set()
    parts = set()
    if blocks.is_dir():
        parts = {d.name for d in blocks.iterdir() if d.is_dir() and any(d.glob("part-*"))}
    return recs, parts - recs


def test_killed_in_the_middle_of_a_parted_realisation_resumes(tmp_path):
    import multiprocessing

    out = tmp_path / "run"
    proc = multiprocessing.get_context("fork").Process(target=_slow_job, args=(out,))
    proc.start()  # a forked copy of this process: no interpreter start-up to wait for
    try:
        for _ in range(500):
            recs, partial = _incomplete(out)
            if len(recs) >= 1 and partial:
                break
            assert proc.is_alive(), "job ended before it could be killed"
            time.sleep(0.02)
    finally:
        proc.kill()  # SIGKILL: no clean-up runs
        proc.join()
    recs, partial = _incomplete(out)
    assert 1 <= len(recs) < 8 and len(partial) == 1  # killed inside one realisation
    run = run_realisations(_slow_parts, 8, seed=9, out_dir=out, kwargs={"n_parts": 4})
    assert set(run.skipped) == {int(r[1:]) for r in recs}
    assert int(partial.pop()[1:]) in run.computed  # the interrupted one is recomputed
    assert all(len(run.paths("blocks", r)) == 4 for r in range(8))
    ref = run_realisations(_slow_parts, 8, seed=9, out_dir=tmp_path / "ref",
                           kwargs={"n_parts": 4})  # fmt: skip
    assert ref.fingerprint() == run.fingerprint()


def _sgs_case(counts):
    from mine2magnet.blockmodel.grid import BlockModel
    from mine2magnet.geostats import SearchParameters, Structure, VariogramModel
    from mine2magnet.geostats.simulation import SimulationParams

    nx, ny, nz = counts
    k, j, i = (a.ravel() for a in np.meshgrid(np.arange(nz), np.arange(ny), np.arange(nx),
                                              indexing="ij"))  # fmt: skip
    table = pd.DataFrame({"i": i, "j": j, "k": k, "easting": 5.0 * i + 2.5,
                          "northing": 5.0 * j + 2.5, "elevation": 5.0 * k + 2.5,
                          "domain": "ORE", "tonnes": 2600.0})  # fmt: skip
    model = BlockModel((0.0, 0.0, 0.0), (5.0, 5.0, 5.0), counts, 0.0, table, ("TREO_pct",))
    rng = np.random.default_rng(2)
    comp = pd.DataFrame({"easting": rng.uniform(0, 5 * nx, 50),
                         "northing": rng.uniform(0, 5 * ny, 50),
                         "elevation": rng.uniform(0, 5 * nz, 50), "domain": "ORE",
                         "TREO_pct": rng.lognormal(0.5, 0.5, 50)})  # fmt: skip
    params = SimulationParams(
        variogram_ns=VariogramModel(0.05, (Structure("spherical", 0.95, 30.0),)),
        search=SearchParameters(30.0), max_data=12, max_previous=12, discretisation=(1, 1, 1),
    )  # fmt: skip
    return {"block_model": model, "composites": comp, "params": params}


def _sgs_whole(realisation, seed, *, block_model, composites, params, limit_mb):
    from mine2magnet.geostats.simulation import simulate_blocks

    sim = simulate_blocks(block_model, composites, "ORE", "TREO_pct", params,
                          realisation=realisation, seed=seed)  # fmt: skip
    return {"blocks": sim[["i", "j", "k", "TREO_pct"]]}


def _sgs_parts(realisation, seed, *, block_model, composites, params, limit_mb):
    from mine2magnet.geostats.simulation_chunks import simulate_blocks_chunked

    for sim in simulate_blocks_chunked(block_model, composites, "ORE", "TREO_pct", params,
                                       realisation=realisation, seed=seed,
                                       memory_limit_mb=limit_mb):  # fmt: skip
        yield {"blocks": sim[["i", "j", "k", "TREO_pct"]]}


def test_chunked_realisation_peak_memory_is_bounded(tmp_path):
    """Peak traced memory (numpy and pandas buffers, tracemalloc) of one realisation of
    100 × 100 × 4 blocks (one point each): whole vs by chunks with memory_limit_mb = 2.
    Measured 2026-11-23: whole 6.17 MB, chunked 1.38 MB (49 chunks), ratio 0.22;
    asserted: chunked ≤ the limit and ≤ 0.5 × whole (the message gives this run's)."""
    kw = _sgs_case((100, 100, 4))
    kw["limit_mb"] = 2.0
    warm = dict(_sgs_case((12, 12, 2)), limit_mb=0.5)  # compiles kernels, imports
    peaks = {}
    for fn in (_sgs_whole, _sgs_parts):
        run_realisations(fn, [0], seed=3, out_dir=tmp_path / "warm" / fn.__name__, kwargs=warm)
        tracemalloc.start()
        try:
            run = run_realisations(fn, [1], seed=3, out_dir=tmp_path / fn.__name__, kwargs=kw)
            peaks[fn.__name__] = tracemalloc.get_traced_memory()[1] / 1e6
        finally:
            tracemalloc.stop()
        assert run.records[0]["tables"]["blocks"]["rows"] == 100 * 100 * 4
    ratio = peaks["_sgs_parts"] / peaks["_sgs_whole"]
    msg = (f"peak traced MB: whole {peaks['_sgs_whole']:.2f}, chunked "
           f"{peaks['_sgs_parts']:.2f}, ratio {ratio:.2f}")  # fmt: skip
    print(msg)
    assert peaks["_sgs_parts"] <= kw["limit_mb"], msg
    assert ratio < 0.5, msg
