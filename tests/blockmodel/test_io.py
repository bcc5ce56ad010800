"""Reading the topography surface."""

from pathlib import Path

import pytest

from mine2magnet.blockmodel import load_topography, read_topography
from mine2magnet.config import load_project
from mine2magnet.errors import DataError

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"


def test_demo_topography_is_a_lattice():
    topo = load_topography(load_project(DEMO))
    assert topo is not None and topo.points.shape == (9191, 3)
    # on a node the surface returns the node's elevation
    x, y, z = topo.points[1234]
    assert topo.elevation([x], [y])[0] == pytest.approx(z)


def test_bad_files(tmp_path):
    with pytest.raises(DataError, match="not found"):
        read_topography(tmp_path / "none.csv")
    p = tmp_path / "t.csv"
    p.write_text("x,y,z\n0,0,1\n1,0,2\n0,1,x\n")
    with pytest.raises(DataError, match="column"):
        read_topography(p)
    with pytest.raises(DataError, match="non-numeric"):
        read_topography(p, {"easting": "x", "northing": "y", "elevation": "z"})
