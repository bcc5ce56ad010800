"""Schema of the ``[blockmodel]`` section of ``project.toml``.

:func:`blockmodel_params` validates the raw ``Project.blockmodel`` dict into
:class:`BlockModelParams`; errors are :class:`~mine2magnet.errors.ConfigError` naming the
dotted key (``blockmodel.block_size``, ``blockmodel.domain_coding.subcells`` …).

Layout::

    [blockmodel]
    origin = [4300.0, 7450.0, 600.0]   # corner of block (0, 0, 0), before rotation [m]
    block_size = [10.0, 10.0, 10.0]    # along the grid's i, j, k axes [m]
    counts = [140, 50, 46]             # blocks along i, j, k [-]
    rotation_deg = -30.0               # about z through origin, clockwise seen from above

    [blockmodel.domain_coding]         # nearest composite in an anisotropic metric
    subcells = [3, 3, 3]
    ranges = [60.0, 60.0, 15.0]
    angles = [60.0, 0.0, 50.0]
    default_domain = "HOST"

    [blockmodel.topography]            # blocks (sub-cells) above it are left out
    file = "SYNTHETIC_topography.csv"
    columns = { easting = "EAST", northing = "NORTH", elevation = "RL" }

    [blockmodel.grade_tonnage]
    column = "TREO_pct"
    cutoffs_pct = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0]

Grid convention: the grid's ``i`` axis points to azimuth ``90 + rotation_deg`` and its
``j`` axis to azimuth ``rotation_deg`` (``rotation_deg = 0``: i east, j north); ``k`` is
up. Block ``(i, j, k)`` spans ``[i, i+1) × [j, j+1) × [k, k+1)`` block sizes from the
origin corner along those axes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mine2magnet.config import validate_section

if TYPE_CHECKING:  # pragma: no cover
    from mine2magnet.config import Project

__all__ = [
    "BlockModelParams",
    "DomainCodingParams",
    "ExportParams",
    "GradeTonnageParams",
    "TopographyParams",
    "blockmodel_params",
]

PositiveFloat = Annotated[float, Field(gt=0)]
MAX_BLOCKS = 50_000_000


class _Strict(BaseModel):
    """Base: unknown keys are errors; models are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DomainCodingParams(_Strict):
    """Domain of each sub-cell: the nearest composite's domain in an anisotropic metric.

    Each block is cut into ``subcells`` (nx × ny × nz) equal cells; a cell's centre takes
    the domain of the nearest composite, distance measured in the ellipsoid ``ranges`` /
    ``angles`` (1 = on the ellipsoid), if that composite lies within ``max_distance``;
    otherwise it takes ``default_domain`` (or is left out when that is empty). A block's
    volume fraction in a domain is the share of its cells coded with it.
    """

    subcells: Annotated[
        list[Annotated[int, Field(ge=1, le=10)]], Field(min_length=3, max_length=3)
    ] = Field(default_factory=lambda: [3, 3, 3], description="Cells per block [-].")
    ranges: Annotated[list[PositiveFloat], Field(min_length=3, max_length=3)] = Field(
        default_factory=lambda: [50.0, 50.0, 50.0],
        description="Major, semi-major, minor radii of the coding ellipsoid [m].",
    )
    angles: Annotated[list[float], Field(min_length=3, max_length=3)] = Field(
        default_factory=lambda: [0.0, 0.0, 0.0],
        description="Azimuth, dip, rake of the ellipsoid, GSLIB [deg].",
    )
    max_distance: PositiveFloat = Field(
        default=1.0, description="Largest anisotropic distance coded (1 = ellipsoid) [-]."
    )
    default_domain: str | None = Field(
        default=None,
        description="Domain of cells with no composite within max_distance; None leaves "
        "them out of the model.",
    )


class TopographyParams(_Strict):
    """Ground surface: points (easting, northing, elevation), linear between them."""

    file: Path
    columns: dict[str, str] = Field(
        default_factory=lambda: {
            "easting": "easting",
            "northing": "northing",
            "elevation": "elevation",
        },
        description="File headers of easting, northing and elevation.",
    )

    @model_validator(mode="after")
    def _keys(self) -> TopographyParams:
        missing = {"easting", "northing", "elevation"} - set(self.columns)
        if missing or set(self.columns) - {"easting", "northing", "elevation"}:
            raise ValueError(
                "columns must map exactly easting, northing, elevation to file headers"
            )
        return self


class GradeTonnageParams(_Strict):
    """Grade-tonnage table settings."""

    column: str = Field(default="TREO_pct", description="Cut-off grade column.")
    cutoffs_pct: Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=1)] = Field(
        default_factory=lambda: [0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0],
        description="Cut-offs [%].",
    )
    report_columns: list[str] | None = Field(
        default=None,
        description="Grades (and contained tonnes) reported; default every estimated column.",
    )


class ExportParams(_Strict):
    """Block-model files written by :func:`mine2magnet.blockmodel.export_block_model`."""

    formats: list[str] = Field(
        default_factory=lambda: ["parquet", "vti"],
        description="Any of 'csv', 'parquet', 'vti'.",
    )

    @model_validator(mode="after")
    def _known(self) -> ExportParams:
        bad = set(self.formats) - {"csv", "parquet", "vti"}
        if bad:
            raise ValueError(f"unknown export format(s) {sorted(bad)}; use csv, parquet, vti")
        return self


class BlockModelParams(_Strict):
    """The whole ``[blockmodel]`` section."""

    origin: Annotated[list[float], Field(min_length=3, max_length=3)] = Field(
        description="Corner of block (0, 0, 0): easting, northing, elevation [m]."
    )
    block_size: Annotated[list[PositiveFloat], Field(min_length=3, max_length=3)] = Field(
        description="Block size along i, j, k [m]."
    )
    counts: Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=3, max_length=3)] = Field(
        description="Number of blocks along i, j, k [-]."
    )
    rotation_deg: Annotated[float, Field(ge=-360, le=360)] = Field(
        default=0.0,
        description="Rotation about z through the origin, clockwise seen from above: "
        "the j axis points to this azimuth [deg].",
    )
    domain_coding: DomainCodingParams = DomainCodingParams()
    topography: TopographyParams | None = None
    grade_tonnage: GradeTonnageParams = GradeTonnageParams()
    export: ExportParams = ExportParams()

    @model_validator(mode="after")
    def _size(self) -> BlockModelParams:
        n = self.counts[0] * self.counts[1] * self.counts[2]
        if n > MAX_BLOCKS:
            raise ValueError(
                f"{n:,} blocks exceed {MAX_BLOCKS:,}; use larger blocks or a smaller extent"
            )
        return self


def blockmodel_params(
    section: Mapping[str, Any] | Project | None, *, source: str | Path | None = None
) -> BlockModelParams:
    """Validate the ``[blockmodel]`` section.

    Parameters
    ----------
    section : Mapping or Project or None
        The raw section (``Project.blockmodel``) or a loaded Project.
    source : str or Path, optional
        File named in error messages (taken from the Project when one is given).

    Returns
    -------
    BlockModelParams

    Raises
    ------
    ConfigError
        Naming the dotted key, e.g. ``blockmodel.block_size``; also when the section is
        empty (origin, block_size and counts are required).

    Examples
    --------
    >>> p = blockmodel_params({"origin": [0, 0, 0], "block_size": [10, 10, 5],
    ...                        "counts": [20, 10, 8]})
    >>> p.counts, p.rotation_deg
    ([20, 10, 8], 0.0)
    """
    return validate_section(BlockModelParams, section, "blockmodel", source=source)
