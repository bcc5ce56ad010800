"""run_realisations: seeds, incremental Parquet output, resume, invalidation, memory."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mine2magnet.errors import ConfigError
from mine2magnet.uncertainty import realisation_seed, run_realisations
from mine2magnet.uncertainty.standin import seeded_field

SMALL = {"counts": (10, 10, 4), "cutoffs": (0.0, 1.0, 2.0)}


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


_SCRIPT = """
import sys, time
from pathlib import Path
from mine2magnet.uncertainty import run_realisations
from mine2magnet.uncertainty.standin import seeded_field

def slow(realisation, seed, *, calls):
    (Path(calls) / f"r{realisation}-{time.time_ns()}").touch()
    time.sleep(0.15)
    return seeded_field(realisation, seed, counts=(10, 10, 4))

if __name__ == "__main__":
    out, calls = sys.argv[1], sys.argv[2]
    run = run_realisations(slow, 12, seed=9, out_dir=out, kwargs={"calls": calls})
    print(run.fingerprint(), len(run.computed))
"""


def test_killed_process_resumes_with_the_same_answer(tmp_path):
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent(_SCRIPT))
    calls = tmp_path / "calls"
    calls.mkdir()
    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, str(script), str(out), str(calls)])
    man = out / "manifest"
    for _ in range(400):
        if man.is_dir() and len(list(man.glob("r*.json"))) >= 4:
            break
        proc.poll()
        assert proc.returncode is None, "job ended before it could be killed"
        subprocess.run(["sleep", "0.05"], check=True)
    proc.kill()
    proc.wait()
    done = len(list(man.glob("r*.json")))
    assert 4 <= done < 12
    res = subprocess.run([sys.executable, str(script), str(out), str(calls)],
                         capture_output=True, text=True, check=True)  # fmt: skip
    fp, n_computed = res.stdout.split()
    assert int(n_computed) == 12 - done
    assert all(n <= 2 for n in _calls(calls).values())  # only the one killed mid-way reruns
    assert sum(_calls(calls).values()) <= 12 + 1
    calls2 = tmp_path / "calls2"
    calls2.mkdir()
    ref = subprocess.run([sys.executable, str(script), str(tmp_path / "ref"), str(calls2)],
                         capture_output=True, text=True, check=True)  # fmt: skip
    assert ref.stdout.split()[0] == fp


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
