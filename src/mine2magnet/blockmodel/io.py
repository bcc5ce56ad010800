"""Reading the block-model stage's own inputs (the topography surface)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mine2magnet.blockmodel.grid import Topography
from mine2magnet.blockmodel.params import TopographyParams, blockmodel_params
from mine2magnet.errors import ConfigError, DataError

if TYPE_CHECKING:  # pragma: no cover
    from mine2magnet.config import Project

__all__ = ["load_topography", "read_topography"]


def read_topography(
    path: str | Path,
    columns: dict[str, str] | None = None,
) -> Topography:
    """Read a topography CSV of points (easting, northing, elevation).

    Parameters
    ----------
    path : str or Path
        CSV file with a header.
    columns : dict of str to str, optional
        ``easting``, ``northing``, ``elevation`` → file header; default the same names.

    Returns
    -------
    Topography

    Raises
    ------
    DataError
        When the file is missing, lacks a column or has non-numeric values.
    """
    p = Path(path)
    cols = columns or {"easting": "easting", "northing": "northing", "elevation": "elevation"}
    if not p.is_file():
        raise DataError(f"{p}: topography file not found; fix blockmodel.topography.file")
    df = pd.read_csv(p)
    missing = [v for v in cols.values() if v not in df.columns]
    if missing:
        raise DataError(
            f"{p}: column(s) {missing} not found (have {list(df.columns)}); fix "
            "blockmodel.topography.columns"
        )
    try:
        pts = np.column_stack(
            [pd.to_numeric(df[cols[k]], errors="raise") for k in ("easting", "northing",
                                                                  "elevation")]
        ).astype(float)  # fmt: skip
    except (ValueError, TypeError) as exc:
        raise DataError(f"{p}: non-numeric topography value ({exc})") from None
    return Topography(pts)


def load_topography(project: Project) -> Topography | None:
    """The project's topography (``[blockmodel.topography]``), or None when not set.

    Parameters
    ----------
    project : Project
        A loaded project; the file is relative to its directory.

    Returns
    -------
    Topography or None
    """
    params = blockmodel_params(project) if project.blockmodel else None
    tp: TopographyParams | None = params.topography if params else None
    if tp is None:
        return None
    path = project.path(tp.file)
    if not path.is_file():
        raise ConfigError(
            f"{project.source_file}: key 'blockmodel.topography.file': file "
            f"{str(tp.file)!r} not found (looked in {path.parent}); fix the path"
        )
    return read_topography(path, tp.columns)
