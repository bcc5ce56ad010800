"""CSV, Parquet and VTK ImageData exports read back."""

import base64
import io
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from mine2magnet.blockmodel import BlockModel, export_block_model, read_vti
from mine2magnet.errors import ConfigError


def test_exports_round_trip(outcome, tmp_path):
    bm = outcome.block_model
    files = export_block_model(bm, tmp_path / "out")
    csv = pd.read_csv(files["csv"])
    assert len(csv) == len(bm.table)
    np.testing.assert_allclose(csv["TREO_pct"], bm.table["TREO_pct"], rtol=1e-15)
    pqt = pq.read_table(files["parquet"])
    pd.testing.assert_frame_equal(pqt.to_pandas(), bm.table)
    grid = pd.read_json(io.StringIO(pqt.schema.metadata[b"mine2magnet.grid"].decode()))
    assert grid["count_i"].iloc[0] == bm.counts[0]

    v = read_vti(files["vti"])
    nx, ny, nz = bm.counts
    assert v["extent"] == [0, nx, 0, ny, 0, nz]
    assert v["origin"] == pytest.approx(list(bm.origin))
    assert v["spacing"] == pytest.approx(list(bm.block_size))
    pb = bm.parent_blocks()
    flat = bm.grid.ravel(pb["i"], pb["j"], pb["k"])
    cd = v["cell_data"]
    np.testing.assert_allclose(cd["TREO_pct"][flat], pb["TREO_pct"].to_numpy(), rtol=1e-6)
    assert cd["TREO_pct"].dtype == np.float32
    np.testing.assert_allclose(cd["tonnes"].sum(), bm.table["tonnes"].sum(), rtol=1e-6)
    names = bytes(v["field_data"]["domain_names"]).decode().split("\n")
    assert names == ["ORE", "WASTE"]
    assert set(np.unique(cd["domain_code"])) <= {-1, 0, 1}


def test_vti_is_wellformed_vtk_xml(outcome, tmp_path):
    p = export_block_model(outcome.block_model, tmp_path, formats=["vti"])["vti"]
    root = ET.parse(p).getroot()
    assert root.attrib["type"] == "ImageData" and root.attrib["header_type"] == "UInt64"
    da = root.find("ImageData/Piece/CellData/DataArray[@Name='tonnes']")
    raw = base64.b64decode(da.text)
    n = int(np.frombuffer(raw[:8], "<u8")[0])
    assert n == 4 * outcome.block_model.grid.n_blocks and len(raw) == 8 + n


def test_rotated_grid_direction(tmp_path):
    tab = pd.DataFrame(
        {"i": [0], "j": [0], "k": [0], "easting": [0.0], "northing": [0.0],
         "elevation": [0.0], "domain": ["A"], "volume_fraction": [1.0], "volume_m3": [1.0],
         "density_t_m3": [1.0], "tonnes": [1.0], "TREO_pct": [1.0]}
    )  # fmt: skip
    bm = BlockModel((0.0, 0.0, 0.0), (1.0, 1.0, 1.0), (1, 1, 1), 90.0, tab, ("TREO_pct",))
    v = read_vti(export_block_model(bm, tmp_path, formats=["vti"])["vti"])
    # columns of Direction are the i, j, k axes: i → south, j → east
    np.testing.assert_allclose(v["direction"][:, 0], [0, -1, 0], atol=1e-12)
    np.testing.assert_allclose(v["direction"][:, 1], [1, 0, 0], atol=1e-12)


def test_unknown_format(outcome, tmp_path):
    with pytest.raises(ConfigError):
        export_block_model(outcome.block_model, tmp_path, formats=["omf"])
