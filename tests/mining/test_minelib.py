"""MineLib readers and writers: round trips, malformed lines, and the shared instances."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mine2magnet.errors import DataError
from mine2magnet.mining.minelib import (
    CpitModel,
    MineLibBlocks,
    PcpspModel,
    UpitModel,
    read_blocks,
    read_cpit,
    read_instance,
    read_model,
    read_pcpsp,
    read_prec,
    read_solution,
    read_upit,
    write_blocks,
    write_cpit,
    write_pcpsp,
    write_prec,
    write_solution,
    write_upit,
)
from mine2magnet.mining.types import PrecedenceGraph

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "minelib"
FINITE = st.floats(allow_nan=False, allow_infinity=False, width=64, min_value=-1e12, max_value=1e12)
HYP = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _ints(draw, lo: int, hi: int, n: int) -> np.ndarray:
    return np.array(draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n)), dtype=np.int64)


def _floats(draw, n: int) -> np.ndarray:
    return np.array(draw(st.lists(FINITE, min_size=n, max_size=n)), dtype=np.float64)


# ------------------------------------------------------------------ strategies


@st.composite
def graphs(draw, max_blocks: int = 12) -> PrecedenceGraph:
    n = draw(st.integers(1, max_blocks))
    preds = [
        sorted(draw(st.sets(st.integers(0, n - 1).filter(lambda p, b=b: p != b), max_size=4)))
        for b in range(n)
    ]
    counts = np.array([len(p) for p in preds], dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    indices = np.array([q for p in preds for q in p], dtype=np.int64)
    return PrecedenceGraph(n, indptr, indices)


@st.composite
def limits(draw, shape: tuple[int, ...]):
    size = int(np.prod(shape))
    kinds = draw(st.lists(st.sampled_from("LGI"), min_size=size, max_size=size))
    types = np.array(kinds, dtype="<U1").reshape(shape)
    a = _floats(draw, size).reshape(shape)
    w = np.array(draw(st.lists(st.floats(0, 1e9), min_size=size, max_size=size)))
    lo = np.where(types == "L", -np.inf, a)
    hi = np.where(types == "G", np.inf, np.where(types == "I", a + w.reshape(shape), a))
    return types, lo, hi


@st.composite
def sparse_matrices(draw, n_rows: int, n_cols: int) -> sp.csr_matrix:
    dense = _floats(draw, n_rows * n_cols)
    keep = np.array(draw(st.lists(st.booleans(), min_size=dense.size, max_size=dense.size)))
    dense = np.where(keep.astype(bool) & (dense != 0), dense, 0.0).reshape(n_rows, n_cols)
    m = sp.csr_matrix(dense)
    m.sort_indices()
    return m


@st.composite
def cpit_models(draw) -> CpitModel:
    n, T, R = draw(st.integers(1, 8)), draw(st.integers(1, 4)), draw(st.integers(0, 3))
    types, lo, hi = draw(limits((R, T)))
    rate = draw(st.floats(0, 0.5))
    coef = draw(sparse_matrices(n, R))
    return CpitModel(f"m{n}", n, T, rate, _floats(draw, n), coef, types, lo, hi)


@st.composite
def pcpsp_models(draw) -> PcpspModel:
    n, T, D, R = (draw(st.integers(1, 5)) for _ in range(4))
    G = draw(st.integers(0, 3))
    obj = _floats(draw, n * D).reshape(n, D)
    types, lo, hi = draw(limits((R, T)))
    k = draw(st.integers(0, 6)) if G else 0
    gc = pd.DataFrame(
        {
            "block": _ints(draw, 0, n - 1, k),
            "destination": _ints(draw, 0, D - 1, k),
            "period": _ints(draw, 0, T - 1, k),
            "row": _ints(draw, 0, max(G - 1, 0), k),
            "coefficient": _floats(draw, k),
        }
    )
    gt, gl, gu = draw(limits((G,)))
    coef = draw(sparse_matrices(n * D, R))
    rate = draw(st.floats(0, 0.5))
    return PcpspModel("p", n, T, D, rate, obj, coef, types, lo, hi, gc, gt, gl, gu)


def _same_sparse(a: sp.csr_matrix, b: sp.csr_matrix) -> bool:
    return a.shape == b.shape and (a != b).nnz == 0


# ------------------------------------------------------------------ round trips


@HYP
@given(g=graphs(), gz=st.booleans())
def test_prec_round_trip(tmp_path: Path, g: PrecedenceGraph, gz: bool) -> None:
    f = write_prec(tmp_path / ("a.prec.gz" if gz else "a.prec"), g)
    back = read_prec(f)
    assert back.n_blocks == g.n_blocks
    np.testing.assert_array_equal(back.indptr, g.indptr)
    np.testing.assert_array_equal(back.indices, g.indices)


@HYP
@given(vals=st.lists(FINITE, min_size=1, max_size=20), gz=st.booleans())
def test_upit_round_trip(tmp_path: Path, vals: list[float], gz: bool) -> None:
    m = UpitModel("Tiny", len(vals), np.array(vals))
    back = read_upit(write_upit(tmp_path / ("t.upit.gz" if gz else "t.upit"), m))
    assert back.name == "Tiny" and back.n_blocks == len(vals)
    np.testing.assert_array_equal(back.values, m.values)


@HYP
@given(m=cpit_models())
def test_cpit_round_trip(tmp_path: Path, m: CpitModel) -> None:
    back = read_cpit(write_cpit(tmp_path / "m.cpit", m))
    assert (back.name, back.n_blocks, back.n_periods) == (m.name, m.n_blocks, m.n_periods)
    assert back.discount_rate == m.discount_rate
    np.testing.assert_array_equal(back.objective, m.objective)
    assert _same_sparse(back.resource_coefficients, m.resource_coefficients)
    np.testing.assert_array_equal(back.limit_types, m.limit_types)
    np.testing.assert_array_equal(back.limit_lower, m.limit_lower)
    np.testing.assert_array_equal(back.limit_upper, m.limit_upper)


@HYP
@given(m=pcpsp_models())
def test_pcpsp_round_trip(tmp_path: Path, m: PcpspModel) -> None:
    back = read_pcpsp(write_pcpsp(tmp_path / "m.pcpsp.gz", m))
    assert back.n_destinations == m.n_destinations
    np.testing.assert_array_equal(back.objective, m.objective)
    assert _same_sparse(back.resource_coefficients, m.resource_coefficients)
    for a in (
        "limit_types",
        "limit_lower",
        "limit_upper",
        "general_types",
        "general_lower",
        "general_upper",
    ):
        np.testing.assert_array_equal(getattr(back, a), getattr(m, a))
    pd.testing.assert_frame_equal(back.general_coefficients, m.general_coefficients)


@HYP
@given(
    n=st.integers(1, 10),
    extra=st.lists(st.sampled_from(["int", "float", "text"]), max_size=3),
    header=st.booleans(),
    data=st.data(),
)
def test_blocks_round_trip(tmp_path: Path, n: int, extra: list[str], header: bool, data) -> None:
    cols: dict[str, object] = {"id": np.arange(n, dtype=np.int64)}
    for c in "xyz":
        cols[c] = _ints(data.draw, -50, 50, n)
    for k, kind in enumerate(extra):
        if kind == "int":
            cols[f"c{k}"] = _ints(data.draw, -9, 9, n)
        elif kind == "float":
            cols[f"c{k}"] = _floats(data.draw, n)
        else:
            rock = st.sampled_from(["OX", "FR", "W1"])
            cols[f"c{k}"] = data.draw(st.lists(rock, min_size=n, max_size=n))
    table = pd.DataFrame(cols)
    f = write_blocks(tmp_path / "b.blocks", MineLibBlocks("b", table), header=header)
    back = read_blocks(f, columns=None if header else list(table.columns[4:]))
    assert back.table.columns.tolist() == table.columns.tolist()
    for c in table.columns:
        got, want = back.table[c], table[c]
        if want.dtype == np.float64:
            # a float column whose values are all integral reads back as int64: same numbers
            np.testing.assert_array_equal(got.to_numpy(np.float64), want.to_numpy())
        else:
            assert got.tolist() == want.tolist()
    assert back.table["id"].dtype == np.int64


@HYP
@given(ids=st.sets(st.integers(0, 10_000), max_size=30))
def test_solution_round_trip(tmp_path: Path, ids: set[int]) -> None:
    back = read_solution(write_solution(tmp_path / "s.sol", np.array(sorted(ids), dtype=np.int64)))
    np.testing.assert_array_equal(back, sorted(ids))


# ------------------------------------------------------------------ format details

CPIT_TEXT = """% a comment line
TYPE: CPIT
NAME: toy
NBLOCKS: 3
DISCOUNT_RATE: 0.1
NPERIODS: 2
NRESOURCE_SIDE_CONSTRAINTS: 1
OBJECTIVE_FUNCTION:
0 -1
2 5.5
1 2
RESOURCE_CONSTRAINT_COEFFICIENTS:
0 0 10
1 0 10
2 0 10
RESOURCE_CONSTRAINT_LIMITS:
0 0 I 5 20
0 1 G 1
EOF
"""


def test_model_parsed_by_keyword_in_any_order(tmp_path: Path) -> None:
    f = tmp_path / "toy.cpit"
    f.write_text(CPIT_TEXT)
    m = read_cpit(f)
    assert (m.name, m.n_blocks, m.n_periods, m.n_resources) == ("toy", 3, 2, 1)
    np.testing.assert_array_equal(m.objective, [-1.0, 2.0, 5.5])
    np.testing.assert_array_equal(m.limit_types, [["I", "G"]])
    np.testing.assert_array_equal(m.limit_lower, [[5.0, 1.0]])
    np.testing.assert_array_equal(m.limit_upper, [[20.0, np.inf]])
    np.testing.assert_allclose(m.discount_factors(), [1.0, 1 / 1.1])
    assert isinstance(read_model(f), CpitModel)


def test_gzip_detected_by_content(tmp_path: Path) -> None:
    f = tmp_path / "toy.cpit"  # no .gz suffix, gzip content
    f.write_bytes(gzip.compress(CPIT_TEXT.encode()))
    assert read_cpit(f).n_blocks == 3


def test_blocks_header_line_and_text_column(tmp_path: Path) -> None:
    f = tmp_path / "h.blocks"
    f.write_text("id x y z tonn rock\n1 0 0 1 10.5 OX\n0 0 0 0 3 FR\n")
    t = read_blocks(f).table
    assert t.columns.tolist() == ["id", "x", "y", "z", "tonn", "rock"]
    assert t["id"].tolist() == [0, 1]  # sorted by id
    assert t["rock"].tolist() == ["FR", "OX"]
    assert t["tonn"].dtype == np.float64


def test_prec_missing_lines_mean_no_predecessors(tmp_path: Path) -> None:
    f = tmp_path / "p.prec"
    f.write_text("2 2 0 1\n")
    g = read_prec(f, n_blocks=4)
    assert g.indptr.tolist() == [0, 0, 0, 2, 2]
    assert g.predecessors(2).tolist() == [0, 1]


_UP = "NAME: a\nTYPE: UPIT\nNBLOCKS: 2\nOBJECTIVE_FUNCTION:\n"
BAD = [
    ("x.prec", "0 0\n1 2 0\n", r"x\.prec:2: count says 2 predecessors but 1"),
    ("x.prec", "0 0\n1 1 a\n", r"x\.prec:2: predecessor id 'a' is not an integer"),
    ("x.prec", "0 0\n1 1 1\n", r"x\.prec:2: a block cannot precede itself"),
    ("x.prec", "0 0\n1 2 0 0\n", r"x\.prec:2: predecessor 0 listed twice"),
    ("x.prec", "0 0\n0 0\n", r"x\.prec:2: block 0 has a second line"),
    ("x.prec", "0 0\n1\n", r"x\.prec:2: missing predecessor count"),
    ("x.blocks", "0 0 0 0 1\n1 0 0\n", r"x\.blocks:2: 3 fields where line 1 has 5"),
    ("x.blocks", "0 0 0 0\n0 1 0 0\n", r"x\.blocks:2: block id 0 appears twice"),
    ("x.blocks", "0 0 0 0\n1 a 0 0\n", r"x\.blocks:2: x 'a' is not a number"),
    ("x.upit", _UP + "0 1\n1 x\nEOF\n", r"x\.upit:6: profit 'x' is not a number"),
    ("x.upit", _UP + "0 1\nEOF\n", r"OBJECTIVE_FUNCTION lacks 1 of 2 blocks"),
    ("x.upit", _UP + "0 1\n5 1\nEOF\n", r"x\.upit:6: block id 5 outside 0\.\.1"),
    ("x.upit", _UP + "0 1\n1 1\nEOF\n0 2\n", r"x\.upit:8: text after EOF"),
    ("x.upit", "NAME: a\nNBLOCKS: 1\nFOO: 3\n", r"x\.upit:3: unknown keyword 'FOO'"),
    ("x.upit", "NAME: a\nTYPE: UPIT\nOBJECTIVE_FUNCTION:\n0 1\n", r"keyword NBLOCKS: is missing"),
    ("x.upit", "NAME: a\nNBLOCKS: 1\n0 1\n", r"x\.upit:3: data line outside any section"),
    ("x.cpit", CPIT_TEXT.replace("0 1 G 1", "0 1 X 1"), r"x\.cpit:18: limit type 'X' is not"),
    ("x.cpit", CPIT_TEXT.replace("0 1 G 1", "0 1 I 1"), r"x\.cpit:18: type I takes 2 bound"),
    (
        "x.cpit",
        CPIT_TEXT.replace("0 1 G 1\n", ""),
        r"RESOURCE_CONSTRAINT_LIMITS has no line for index \(0, 1\)",
    ),
    ("x.cpit", CPIT_TEXT.replace("2 0 10", "2 3 10"), r"x\.cpit:15: resource 3 outside 0\.\.0"),
    ("x.cpit", CPIT_TEXT.replace("TYPE: CPIT", "TYPE: UPIT"), r"x\.cpit:2: TYPE is UPIT"),
    (
        "x.cpit",
        CPIT_TEXT.replace("NPERIODS: 2", "NPERIODS: two"),
        r"x\.cpit:6: NPERIODS 'two' is not an integer",
    ),
]


@pytest.mark.parametrize(("fname", "text", "message"), BAD)
def test_malformed_lines_name_file_and_line(
    tmp_path: Path, fname: str, text: str, message: str
) -> None:
    f = tmp_path / fname
    f.write_text(text)
    readers = {".prec": read_prec, ".blocks": read_blocks, ".upit": read_upit, ".cpit": read_cpit}
    with pytest.raises(DataError, match=message):
        readers[f.suffix](f)


def test_prec_ids_outside_the_declared_size(tmp_path: Path) -> None:
    f = tmp_path / "x.prec"
    f.write_text("0 0\n1 1 0\n")
    with pytest.raises(DataError, match=r"x\.prec:2: block id 1 outside 0\.\.0"):
        read_prec(f, n_blocks=1)


def test_binary_and_missing_files(tmp_path: Path) -> None:
    f = tmp_path / "bin.prec"
    f.write_bytes(b"\x00\x01\x02")
    with pytest.raises(DataError, match="binary"):
        read_prec(f)
    with pytest.raises(DataError, match="file not found"):
        read_prec(tmp_path / "none.prec")
    with pytest.raises(DataError, match="no file of instance 'nothing'"):
        read_instance(tmp_path, "nothing")


def test_read_instance_checks_sizes(tmp_path: Path) -> None:
    write_prec(tmp_path / "i.prec", PrecedenceGraph(2, np.array([0, 0, 1]), np.array([0])))
    write_upit(tmp_path / "i.upit.gz", UpitModel("i", 3, np.ones(3)))
    inst = read_instance(tmp_path, "i")
    assert inst.n_blocks == 3 and inst.precedence.n_blocks == 3
    assert sorted(inst.files) == ["prec", "upit"]
    table = pd.DataFrame({"id": [0, 1], "x": [0, 0], "y": [0, 0], "z": [1, 0]})
    write_blocks(tmp_path / "i.blocks", table)
    with pytest.raises(DataError, match="disagree on the number of blocks"):
        read_instance(tmp_path, "i")


# ------------------------------------------------------------------ shared MineLib instances

README_TABLE = {  # blocks, arcs, published UPIT optimum (../shared/minelib/README.md)
    "newman1": (1_060, 3_922, 26_086_899),
    "zuck_small": (9_400, 145_640, 1_422_726_898),
    "kd": (14_153, 219_778, 652_195_037),
    "marvin": (53_271, 650_631, 1_415_655_436),
    "mclaughlin_limit": (112_687, 3_035_483, 1_495_726_474),
}
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/minelib absent")


@pytest.mark.shared
@needs_shared
def test_shared_checksums() -> None:
    for line in (SHARED / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        assert hashlib.sha256((SHARED / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.shared
@needs_shared
@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.slow) if n == "mclaughlin_limit" else n
        for n in README_TABLE
    ],
)
def test_shared_instance_counts(name: str) -> None:
    n, arcs, upit_opt = README_TABLE[name]
    inst = read_instance(SHARED, name)
    assert inst.n_blocks == n
    assert inst.precedence is not None and inst.precedence.n_arcs == arcs
    if inst.blocks is not None:
        assert inst.blocks.n_blocks == n
        np.testing.assert_array_equal(inst.blocks.table["id"], np.arange(n))
    assert inst.upit is not None and inst.upit.n_blocks == n
    sol = SHARED / f"{name}_upit.sol"
    if sol.is_file():  # the published optimal pit is closed and has the published value
        pit = read_solution(sol)
        mask = np.zeros(n, dtype=bool)
        mask[pit] = True
        assert inst.precedence.violations(mask) == 0
        assert round(float(inst.upit.values[pit].sum())) == upit_opt
    if inst.cpit is not None:
        np.testing.assert_array_equal(inst.cpit.objective, inst.upit.values)


@pytest.mark.shared
@needs_shared
def test_shared_newman1_models() -> None:
    inst = read_instance(SHARED, "newman1")
    c, p = inst.cpit, inst.pcpsp
    assert (c.name, c.n_periods, c.n_resources, c.discount_rate) == ("Newman1", 6, 2, 0.08)
    np.testing.assert_array_equal(c.limit_types, np.full((2, 6), "L"))
    np.testing.assert_array_equal(c.limit_upper[:, 0], [2_000_000, 1_100_000])
    assert c.resource_coefficients.shape == (1060, 2)
    assert (p.n_destinations, p.n_periods, p.general_types.size) == (2, 6, 0)
    # the CPIT profit is the better of the two PCPSP destinations for every block
    np.testing.assert_allclose(c.objective, p.objective.max(axis=1))


def test_docstring_examples() -> None:
    import doctest

    from mine2magnet.mining import minelib

    assert doctest.testmod(minelib).failed == 0
