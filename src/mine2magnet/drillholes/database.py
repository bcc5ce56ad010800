"""Load a project's drillhole tables into one validated :class:`DrillholeDB`.

:func:`load_drillholes` reads every configured source (CSV or Excel), hashes the input
files and calls :func:`build_drillhole_db`, which is pure: tables of strings in, the frozen
database out. The order matters and is fixed: collars first (the other tables are checked
against them), then surveys, assays and lithology, then missing end-of-hole depths are
derived from what survived.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from mine2magnet.config import Project
from mine2magnet.drillholes.io import _read_source
from mine2magnet.drillholes.types import DrillholeDB, RejectionLog
from mine2magnet.drillholes.validate import (
    LITHOLOGY_COLUMNS,
    QAQC_COLUMNS,
    STANDARD_COLUMNS,
    SURVEY_COLUMNS,
    complete_collars,
    validate_assays,
    validate_collars,
    validate_lithology,
    validate_standards,
    validate_surveys,
)
from mine2magnet.store import file_sha256

__all__ = ["SOURCES", "build_drillhole_db", "load_drillholes"]

#: The ``data.*`` sources of a project, in validation order.
SOURCES = ("collars", "surveys", "assays", "lithology", "standards")

_TEXT = {"hole_id", "lithology", "domain", "standard_id", "column", "source_column",
         "sample_id", "qc_type", "parent_sample_id"}  # fmt: skip


def _empty(columns: tuple[str, ...], extra: tuple[str, ...] = ()) -> pd.DataFrame:
    data = {}
    for c in (*columns, *extra):
        if c in _TEXT:
            data[c] = pd.Series(dtype="str")
        elif c == "row":
            data[c] = pd.Series(dtype=np.int64)
        else:
            data[c] = pd.Series(dtype=np.float64)
    return pd.DataFrame(data)


def _file_label(project: Project, key: str) -> str:
    return getattr(project.data, key).file.as_posix()


def build_drillhole_db(
    raw: Mapping[str, pd.DataFrame],
    project: Project,
    *,
    input_hashes: Mapping[str, str] | None = None,
) -> DrillholeDB:
    """Validate raw tables of strings into a :class:`DrillholeDB` (pure).

    Parameters
    ----------
    raw : Mapping[str, pandas.DataFrame]
        Tables from :func:`~mine2magnet.drillholes.io.read_table` keyed by source name
        (``collars`` and ``assays`` required; ``surveys``, ``lithology``, ``standards``
        when configured).
    project : Project
        The project: column mappings, grade units, validation and QA/QC parameters,
        domains.
    input_hashes : Mapping[str, str], optional
        File → SHA-256, stored in the result.

    Returns
    -------
    DrillholeDB
        Collars sorted by ``hole_id``; surveys by ``hole_id``, ``depth_m``; assay and
        lithology intervals by ``hole_id``, ``from_m``; QA/QC in file order; rejections and
        one counts row per table read.
    """
    data = project.data
    where = str(project.source_file or "project.toml")
    params = project.validation
    label = {k: _file_label(project, k) for k in SOURCES if getattr(data, k) is not None}

    collars = validate_collars(raw["collars"], data.collars, params, file=label["collars"])
    parts = [collars]

    surveys = None
    if data.surveys is not None:
        surveys = validate_surveys(
            raw["surveys"], data.surveys, collars.table, params, file=label["surveys"]
        )
        parts.append(surveys)

    assays = validate_assays(
        raw["assays"],
        data.assays,
        collars.table,
        params,
        project.qaqc,
        file=label["assays"],
        where=where,
    )

    lithology = None
    if data.lithology is not None:
        lithology = validate_lithology(
            raw["lithology"],
            data.lithology,
            collars.table,
            project.domain_of_lithology(),
            params,
            file=label["lithology"],
        )

    standards = None
    if data.standards is not None:
        standards = validate_standards(
            raw["standards"],
            data.standards,
            data.assays.grades,
            params,
            file=label["standards"],
            where=where,
        )

    collars = complete_collars(
        collars,
        source=data.collars,
        file=label["collars"],
        assays=assays.table,
        surveys=None if surveys is None else surveys.table,
        lithology=None if lithology is None else lithology.table,
    )
    parts[0] = collars
    parts.append(assays)
    parts.extend(p for p in (lithology, standards) if p is not None)

    log = RejectionLog()
    for p in parts:
        log.extend(p.rejections)
    counts = pd.concat([p.counts for p in parts], ignore_index=True)

    return DrillholeDB(
        collars=collars.table,
        surveys=_empty(SURVEY_COLUMNS) if surveys is None else surveys.table,
        assays=assays.table,
        lithology=_empty(LITHOLOGY_COLUMNS) if lithology is None else lithology.table,
        qaqc=assays.qaqc if len(assays.qaqc) else _empty(QAQC_COLUMNS, assays.grade_columns),
        standards=_empty(STANDARD_COLUMNS) if standards is None else standards.table,
        rejections=log.frame(),
        counts=counts,
        grade_columns=assays.grade_columns,
        input_hashes=dict(input_hashes or {}),
    )


def load_drillholes(project: Project) -> DrillholeDB:
    """Read, validate and hash every drillhole source of a project.

    Parameters
    ----------
    project : Project
        A loaded project (``load_project``); file paths are relative to its directory.

    Returns
    -------
    DrillholeDB
        See :func:`build_drillhole_db`; ``input_hashes`` maps each file as written in the
        project file to its SHA-256.

    Raises
    ------
    DataError
        When a file cannot be read (missing, empty, binary, wrong encoding, missing or
        duplicate columns).
    ConfigError
        When two grade columns map to the same canonical column.

    Examples
    --------
    >>> from mine2magnet.config import load_project
    >>> db = load_drillholes(load_project("examples/demo"))  # doctest: +SKIP
    >>> db.counts[["table", "rows_in", "rows_used", "rows_rejected"]]  # doctest: +SKIP
    """
    raw: dict[str, pd.DataFrame] = {}
    hashes: dict[str, str] = {}
    for key in SOURCES:
        src = getattr(project.data, key)
        if src is None:
            continue
        # one read per file: the hash comes from the bytes parsed (workbooks: re-read)
        raw[key], sha = _read_source(project, key, digest=True)
        hashes[src.file.as_posix()] = sha or file_sha256(project.path(src.file))
    return build_drillhole_db(raw, project, input_hashes=hashes)
