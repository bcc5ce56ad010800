"""Block-model files: CSV, Parquet and VTK XML ImageData (``.vti``) for 3-D viewers.

The ``.vti`` file is written by hand (no VTK dependency): an ``ImageData`` whose
``Origin`` is the grid corner, ``Spacing`` the block size and ``Direction`` the rotation
(columns = the i, j, k axes; ParaView ≥ 5.10 applies it, older viewers show the grid
unrotated at the right origin). One cell per block (i fastest), with the
:meth:`~mine2magnet.blockmodel.grid.BlockModel.parent_blocks` values: tonnage-weighted
grades, ``tonnes``, ``volume_fraction``, ``density_t_m3``, the diagnostics of the largest
row of the block (all as Float32: a viewer file), and ``domain_code`` (an integer; the
legend is in an XML comment and in the ``domain_names`` field data). Arrays are inline
base64 binary with a UInt64 byte-count header, little endian (the layout VTK and meshio
write); empty blocks hold NaN (grades) or 0. :func:`read_vti` parses such a file back.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mine2magnet.blockmodel.grid import BlockModel
from mine2magnet.errors import ConfigError, DataError

__all__ = ["export_block_model", "read_vti", "write_vti"]

_VTK_TYPES = {
    np.dtype("float64"): "Float64",
    np.dtype("float32"): "Float32",
    np.dtype("int32"): "Int32",
    np.dtype("int64"): "Int64",
    np.dtype("int8"): "Int8",
    np.dtype("uint8"): "UInt8",
}
_NP_TYPES = {v: k for k, v in _VTK_TYPES.items()}
_DIAG = ("kv", "slope", "ke", "n_samples", "mean_distance_m", "pass")


def _b64(arr: np.ndarray) -> str:
    data = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()
    header = np.array([len(data)], dtype="<u8").tobytes()
    return base64.b64encode(header + data).decode("ascii")


def _cell_arrays(bm: BlockModel) -> tuple[dict[str, np.ndarray], list[str]]:
    nx, ny, nz = bm.counts
    n = nx * ny * nz
    pb = bm.parent_blocks()
    tab = bm.table
    names = sorted(tab["domain"].astype(str).unique()) if len(tab) else []
    flat = bm.grid.ravel(pb["i"], pb["j"], pb["k"]) if len(pb) else np.zeros(0, np.int64)
    out: dict[str, np.ndarray] = {}
    code = np.full(n, -1, dtype=np.int32)
    if len(pb):
        code[flat] = pd.Categorical(pb["domain"], categories=names).codes.astype(np.int32)
    out["domain_code"] = code
    for c in ("volume_fraction", "density_t_m3", "tonnes"):
        a = np.zeros(n)
        if len(pb):
            a[flat] = pb[c].to_numpy(dtype=float)
        out[c] = a
    for c in bm.grade_columns:
        a = np.full(n, np.nan)
        if len(pb):
            a[flat] = pb[c].to_numpy(dtype=float)
        out[c] = a
    if len(tab):
        big = tab.sort_values(["k", "j", "i", "volume_fraction"],
                              ascending=[True, True, True, False], kind="stable")  # fmt: skip
        big = big.drop_duplicates(["k", "j", "i"])
        fb = bm.grid.ravel(big["i"], big["j"], big["k"])
        for c in [*_DIAG, *[c for c in tab.columns if c.endswith(("_nn_pct", "_id2_pct"))]]:
            if c in big:
                a = np.full(n, np.nan)
                a[fb] = big[c].to_numpy(dtype=float)
                out[c] = a
    return out, names


def write_vti(bm: BlockModel, path: str | Path) -> Path:
    """Write the block model as VTK XML ImageData (``.vti``), one cell per block.

    Parameters
    ----------
    bm : BlockModel
        The block model.
    path : str or Path
        Output file (``.vti``).

    Returns
    -------
    Path
        The file written.
    """
    p = Path(path)
    arrays, names = _cell_arrays(bm)
    nx, ny, nz = bm.counts
    direction = bm.grid.axes().T  # columns: i, j, k axes
    ext = f"0 {nx} 0 {ny} 0 {nz}"
    fmt = "{:.10g}".format
    lines = [
        '<?xml version="1.0"?>',
        '<VTKFile type="ImageData" version="1.0" byte_order="LittleEndian" header_type="UInt64">',
        f"  <!-- mine2magnet block model; domain_code: "
        f"{', '.join(f'{i}={n}' for i, n in enumerate(names))}, -1=empty -->",
        f'  <ImageData WholeExtent="{ext}" '
        f'Origin="{" ".join(fmt(v) for v in bm.origin)}" '
        f'Spacing="{" ".join(fmt(v) for v in bm.block_size)}" '
        f'Direction="{" ".join(fmt(v + 0.0) for v in direction.ravel())}">',
        "    <FieldData>",
    ]
    legend = np.frombuffer("\n".join(names).encode("utf-8"), dtype=np.uint8)
    lines.append(
        f'      <DataArray type="UInt8" Name="domain_names" NumberOfTuples="{legend.size}" '
        f'format="binary">{_b64(legend)}</DataArray>'
    )
    lines += [
        "    </FieldData>",
        f'    <Piece Extent="{ext}">',
        "      <PointData>",
        "      </PointData>",
        f'      <CellData Scalars="{bm.primary_column}">',
    ]
    for name, a in arrays.items():
        if a.dtype == np.float64:
            a = a.astype(np.float32)  # a viewer file: single precision halves the size
        vt = _VTK_TYPES[a.dtype]
        lines.append(
            f'        <DataArray type="{vt}" Name="{name}" format="binary">{_b64(a)}</DataArray>'
        )
    lines += ["      </CellData>", "    </Piece>", "  </ImageData>", "</VTKFile>", ""]
    p.write_text("\n".join(lines), encoding="utf-8")
    return p


def _decode(text: str, dtype: np.dtype) -> np.ndarray:
    raw = base64.b64decode(text.strip())
    if len(raw) < 8:
        raise DataError("VTK array shorter than its header")
    nbytes = int(np.frombuffer(raw[:8], dtype="<u8")[0])
    if len(raw) == 8:  # header encoded as its own base64 block
        head = len(base64.b64encode(raw[:8]))
        raw = raw[:8] + base64.b64decode(text.strip()[head:])
    data = raw[8 : 8 + nbytes]
    if len(data) != nbytes:
        raise DataError(f"VTK array holds {len(data)} bytes, header says {nbytes}")
    return np.frombuffer(data, dtype=dtype.newbyteorder("<")).astype(dtype)


def read_vti(path: str | Path) -> dict[str, Any]:
    """Parse a ``.vti`` written by :func:`write_vti` (inline binary or ASCII arrays).

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    dict
        ``extent`` (6 ints), ``origin``, ``spacing`` (3 floats each) [m], ``direction``
        (3 × 3 array), ``cell_data`` (name → array in cell order), ``field_data``.
    """
    root = ET.parse(Path(path)).getroot()
    if root.tag != "VTKFile" or root.get("type") != "ImageData":
        raise DataError(f"{path}: not a VTK ImageData file")
    if root.get("byte_order", "LittleEndian") != "LittleEndian":
        raise DataError(f"{path}: only little-endian files are read")
    img = root.find("ImageData")
    if img is None:
        raise DataError(f"{path}: no ImageData element")
    ext = [int(v) for v in img.get("WholeExtent", "").split()]
    out: dict[str, Any] = {
        "extent": ext,
        "origin": [float(v) for v in img.get("Origin", "0 0 0").split()],
        "spacing": [float(v) for v in img.get("Spacing", "1 1 1").split()],
        "direction": np.array(
            [float(v) for v in img.get("Direction", "1 0 0 0 1 0 0 0 1").split()]
        ).reshape(3, 3),
        "cell_data": {},
        "field_data": {},
    }
    ncell = (ext[1] - ext[0]) * (ext[3] - ext[2]) * (ext[5] - ext[4])

    def arrays(el: ET.Element | None) -> dict[str, np.ndarray]:
        res: dict[str, np.ndarray] = {}
        for da in [] if el is None else el.findall("DataArray"):
            dt = _NP_TYPES[da.get("type", "Float64")]
            if da.get("format") == "ascii":
                res[da.get("Name", "")] = np.array((da.text or "").split(), dtype=dt)
            else:
                res[da.get("Name", "")] = _decode(da.text or "", dt)
        return res

    out["field_data"] = arrays(img.find("FieldData"))
    piece = img.find("Piece")
    out["cell_data"] = arrays(piece.find("CellData") if piece is not None else None)
    for name, a in out["cell_data"].items():
        if a.size != ncell:
            raise DataError(f"{path}: cell array {name!r} has {a.size} values for {ncell} cells")
    return out


def export_block_model(
    bm: BlockModel,
    directory: str | Path,
    formats: Sequence[str] = ("csv", "parquet", "vti"),
    *,
    stem: str = "block_model",
) -> dict[str, Path]:
    """Write the block model in the requested formats.

    Parameters
    ----------
    bm : BlockModel
        The block model.
    directory : str or Path
        Output directory (created).
    formats : sequence of str
        Any of ``"csv"`` (the table), ``"parquet"`` (the table, with the grid definition
        in the file's key-value metadata) and ``"vti"`` (VTK ImageData).
    stem : str
        File name stem.

    Returns
    -------
    dict of str to Path
        Format → file written.
    """
    bad = set(formats) - {"csv", "parquet", "vti"}
    if bad:
        raise ConfigError(f"unknown export format(s) {sorted(bad)}; use csv, parquet, vti")
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    if "csv" in formats:
        p = d / f"{stem}.csv"
        bm.table.to_csv(p, index=False, lineterminator="\n")
        out["csv"] = p
    if "parquet" in formats:
        import pyarrow as pa
        import pyarrow.parquet as pq

        p = d / f"{stem}.parquet"
        tbl = pa.Table.from_pandas(bm.table, preserve_index=False)
        meta = dict(tbl.schema.metadata or {})
        meta[b"mine2magnet.grid"] = bm.grid_frame().to_json(orient="records").encode()
        pq.write_table(tbl.replace_schema_metadata(meta), p)
        out["parquet"] = p
    if "vti" in formats:
        out["vti"] = write_vti(bm, d / f"{stem}.vti")
    return out
