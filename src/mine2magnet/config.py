"""The project file (``project.toml``): schema, loading and error reporting.

One pydantic model is the recipe for a whole run; the CLI, the API and the report all read
it. Every error names the file, the key (dotted path) and the fix. Unknown keys are errors
(a typo must never be silently ignored).

Paths inside the file are relative to the directory holding ``project.toml``.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mine2magnet.chemistry import parse_formula
from mine2magnet.errors import ConfigError

__all__ = [
    "AssaySource",
    "CollarSource",
    "CompositeParams",
    "DesurveyParams",
    "DomainDef",
    "GradeColumn",
    "LithologySource",
    "Project",
    "ProjectInfo",
    "QaqcParams",
    "StandardsSource",
    "SurveySource",
    "ValidationParams",
    "explain_validation_error",
    "load_project",
    "params_hash",
    "validate_section",
]


class _Strict(BaseModel):
    """Base: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", frozen=True)


GradeUnit = Literal["pct", "ppm", "ppb", "g_t", "fraction"]


class GradeColumn(_Strict):
    """One grade column of the assay file.

    ``reported_as`` is the element (``"Ce"``) or species (``"CeO2"``, ``"BaSO4"``, ``"CaF2"``)
    the laboratory reported, ``unit`` its unit. The value is converted to the canonical
    column (``chemistry.canonical_column``) on import.
    """

    reported_as: str
    unit: GradeUnit
    detection_limit: Annotated[float, Field(gt=0)] | None = Field(
        default=None,
        description="Lower detection limit in the column's unit; used for 'BDL' strings "
        "that carry no number.",
    )

    @field_validator("reported_as")
    @classmethod
    def _formula(cls, v: str) -> str:
        try:
            parse_formula(v)
        except ValueError as exc:
            raise ValueError(
                f"{exc}; write an element symbol like 'Ce' or a species like 'CeO2'"
            ) from None
        return v


class _Source(_Strict):
    file: Path
    sheet: str | None = Field(default=None, description="Excel sheet name (xlsx only).")
    encoding: str | None = Field(
        default=None, description="Text encoding; default: UTF-8 (with or without BOM)."
    )
    delimiter: str | None = Field(default=None, description="CSV delimiter; default ','.")


class CollarColumns(_Strict):
    hole_id: str = "hole_id"
    easting: str = "easting"
    northing: str = "northing"
    elevation: str = "elevation"
    eoh_m: str | None = Field(
        default=None,
        description="End-of-hole depth column; when absent the deepest survey/interval "
        "depth is used and flagged.",
    )


class CollarSource(_Source):
    columns: CollarColumns = CollarColumns()


class SurveyColumns(_Strict):
    hole_id: str = "hole_id"
    depth_m: str = "depth_m"
    azimuth_deg: str = "azimuth_deg"
    dip_deg: str = "dip_deg"


class SurveySource(_Source):
    columns: SurveyColumns = SurveyColumns()
    dip_positive_down: bool = Field(
        default=False,
        description="True when the file records downward dips as positive (e.g. 60 for a "
        "hole plunging 60° below horizontal). Internally dips are negative down.",
    )


class IntervalColumns(_Strict):
    hole_id: str = "hole_id"
    from_m: str = "from_m"
    to_m: str = "to_m"


class AssayColumns(IntervalColumns):
    sample_id: str | None = None
    sample_type: str | None = Field(
        default=None, description="Column that marks QA/QC inserts (see [qaqc])."
    )
    standard_id: str | None = Field(default=None, description="CRM name for standards.")
    parent_sample_id: str | None = Field(
        default=None, description="For duplicates: the sample_id of the original sample."
    )


class AssaySource(_Source):
    columns: AssayColumns = AssayColumns()
    grades: dict[str, GradeColumn] = Field(
        default_factory=dict,
        description="Grade columns by their name in the file, each with the element or "
        "species reported and its unit.",
    )


class LithologyColumns(IntervalColumns):
    lithology: str = "lithology"
    domain: str | None = Field(
        default=None,
        description="Column holding a domain code; otherwise domains are "
        "mapped from lithology via [[domains]].",
    )


class LithologySource(_Source):
    columns: LithologyColumns = LithologyColumns()


class StandardsSource(_Source):
    """Certified reference materials: one row per (standard, grade column)."""

    columns: dict[str, str] = Field(
        default_factory=lambda: {
            "standard_id": "standard_id",
            "column": "column",
            "expected": "expected",
            "sd": "sd",
        },
        description="Mapping of standard_id/column/expected/sd to the file's headers. "
        "'column' names a grade column of the assay file; expected and sd are in that "
        "column's unit.",
    )


class DataSources(_Strict):
    collars: CollarSource
    surveys: SurveySource | None = None
    assays: AssaySource
    lithology: LithologySource | None = None
    standards: StandardsSource | None = None


class DomainDef(_Strict):
    """A geological domain: a code, the lithologies it gathers and its dry density."""

    code: str
    lithologies: list[str] = Field(default_factory=list)
    density_t_m3: Annotated[float, Field(gt=0, lt=10)] = 2.7
    estimate: bool = Field(default=True, description="False for waste/unmineralised domains.")


BelowDetection = Literal["half_dl", "dl", "zero", "missing"]


class ValidationParams(_Strict):
    below_detection: BelowDetection = Field(
        default="half_dl",
        description="Value substituted for '<0.01' or 'BDL' strings (always flagged).",
    )
    bdl_strings: list[str] = Field(
        default_factory=lambda: ["BDL", "<DL", "ND", "N.D.", "LLD"],
        description="Case-insensitive strings meaning 'below detection, limit unknown "
        "here'; the column's detection_limit is then used.",
    )
    missing_strings: list[str] = Field(
        default_factory=lambda: ["", "NA", "N/A", "-", "NAN", "NULL", "NS", "-99", "-999"],
        description="Strings meaning 'not analysed'; kept as missing, never zero.",
    )
    max_total_pct: Annotated[float, Field(gt=0)] = Field(
        default=100.0, description="Rows whose canonical grades sum above this are rejected."
    )
    negative_is_below_detection: bool = Field(
        default=False,
        description="Read negative grades as the laboratory code '-DL' (below detection, "
        "limit |value|) instead of setting them missing; always flagged.",
    )
    azimuth_360_is_north: bool = Field(
        default=True,
        description="Accept an azimuth of exactly 360 as 0 (flagged); otherwise reject.",
    )


class DesurveyParams(_Strict):
    method: Literal["minimum_curvature", "tangential", "balanced_tangential"] = "minimum_curvature"


ResidualRule = Literal["merge", "keep_if_half", "drop"]


class CompositeParams(_Strict):
    length_m: Annotated[float, Field(gt=0)] = 2.0
    residual: ResidualRule = Field(
        default="keep_if_half",
        description="Residual piece at a domain boundary or end of hole: merge into the "
        "previous composite, keep if >= half the length, or drop (listed as rejected).",
    )
    by_domain: bool = True
    min_sampled_fraction: Annotated[float, Field(ge=0, le=1)] = Field(
        default=0.5,
        description="A composite whose sampled length is below this fraction of its length "
        "has its grades set missing (unsampled ground is not zero).",
    )


class QaqcParams(_Strict):
    """How the assay file's ``sample_type`` values map to QA/QC roles (case-insensitive)."""

    primary: list[str] = Field(default_factory=lambda: ["", "PRIMARY", "SAMPLE", "ORIG", "S"])
    crm: list[str] = Field(default_factory=lambda: ["CRM", "STD", "STANDARD"])
    blank: list[str] = Field(default_factory=lambda: ["BLANK", "BLK", "BL"])
    field_duplicate: list[str] = Field(default_factory=lambda: ["FDUP", "FD", "DUP"])
    lab_duplicate: list[str] = Field(default_factory=lambda: ["LDUP", "LD", "PULP", "REP"])
    blank_limit_multiple: Annotated[float, Field(gt=0)] = Field(
        default=5.0, description="Blank fails above this multiple of the detection limit."
    )
    hard_limit_pct: Annotated[float, Field(gt=0)] = Field(
        default=10.0,
        description="Lab (pulp) duplicate pair fails when HARD exceeds this [%] "
        "(Stanley & Lawie 2007: pulps within ~10 %).",
    )
    field_hard_limit_pct: Annotated[float, Field(gt=0)] = Field(
        default=20.0,
        description="Field duplicate pair fails when HARD exceeds this [%] "
        "(coarse/field duplicates within ~20-30 %).",
    )
    required_pct: Annotated[float, Field(gt=0, le=100)] = Field(
        default=90.0, description="Share of duplicate pairs that must pass [%]."
    )
    duplicate_min_dl_multiple: Annotated[float, Field(ge=0)] = Field(
        default=10.0,
        description="Duplicate pairs whose mean is below this multiple of the detection "
        "limit are not judged (counting statistics, not precision).",
    )
    crm_trend_run: Annotated[int, Field(ge=2)] = Field(
        default=9, description="Consecutive CRM results on one side of expected = bias trend."
    )


class ProjectInfo(_Strict):
    name: str
    synthetic: bool = Field(
        default=False, description="True for the synthetic demo: every output says so."
    )
    description: str = ""
    seed: int = 20260101
    currency: Literal["USD"] = "USD"
    store: Path = Field(default=Path("out/project.duckdb"), description="DuckDB store path.")
    output_dir: Path = Field(default=Path("out"), description="Reports, exports, plots.")


class ParallelParams(_Strict):
    """``[parallel]``: where chunked work runs (estimation, Monte Carlo, realisations).

    ``executor`` is ``"serial"``, ``"threads"`` (this machine's cores) or the address of a
    running ``dask.distributed`` scheduler such as ``"tcp://10.0.0.1:8786"``; the CLI's
    ``--scheduler ADDRESS`` overrides it. ``memory_limit_mb`` bounds what one chunk of a
    block model or realisation may hold before it is split and written incrementally.
    """

    executor: str = Field(
        default="threads",
        description="'serial', 'threads' or a dask.distributed scheduler address (tcp://host:port).",
    )
    workers: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="Threads for executor='threads' (default: all cores)."
    )
    memory_limit_mb: Annotated[float, Field(gt=0)] = Field(
        default=2000.0, description="Largest chunk of block model or realisation held at once [MB]."
    )

    @field_validator("executor")
    @classmethod
    def _known_executor(cls, v: str) -> str:
        if v in ("serial", "threads") or "://" in v:
            return v
        raise ValueError(
            "must be 'serial', 'threads' or a scheduler address such as 'tcp://10.0.0.1:8786'"
        )


class Project(_Strict):
    """The whole project file. Stage sections after ``composite`` may be empty for now."""

    project: ProjectInfo
    data: DataSources
    domains: list[DomainDef] = Field(default_factory=list)
    validation: ValidationParams = ValidationParams()
    desurvey: DesurveyParams = DesurveyParams()
    composite: CompositeParams = CompositeParams()
    qaqc: QaqcParams = QaqcParams()
    # later stages: declared now so the file has one place for them; filled by their issues
    geostats: dict[str, Any] = Field(default_factory=dict)
    blockmodel: dict[str, Any] = Field(default_factory=dict)
    resources: dict[str, Any] = Field(default_factory=dict)
    mining: dict[str, Any] = Field(default_factory=dict)
    processing: dict[str, Any] = Field(default_factory=dict)
    economics: dict[str, Any] = Field(default_factory=dict)
    report: dict[str, Any] = Field(default_factory=dict)
    uncertainty: dict[str, Any] = Field(default_factory=dict)
    parallel: ParallelParams = ParallelParams()

    # set by load_project; not part of the file
    root: Path = Field(default=Path("."), exclude=True)
    source_file: Path | None = Field(default=None, exclude=True)

    def path(self, p: Path) -> Path:
        """Resolve a path from the project file relative to its directory."""
        return p if p.is_absolute() else (self.root / p)

    def domain_of_lithology(self) -> dict[str, str]:
        """Lithology name → domain code from ``[[domains]]`` (case-sensitive)."""
        return {lith: d.code for d in self.domains for lith in d.lithologies}


_SKIP_LOC = ("[key]", "function-after", "function-before", "function-wrap")

_FIXES = {
    "extra_forbidden": "remove it or check its spelling against `m2m init`'s template",
    "missing": "add it",
    "literal_error": "use one of the allowed values",
}


def _loc(loc: tuple[Any, ...], section: str = "") -> str:
    out = section
    for part in loc:
        if part in _SKIP_LOC:
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def explain_validation_error(err: ValidationError, *, where: str = "", section: str = "") -> str:
    """One line for a pydantic error: ``<where>key '<section.key>': what (got x); fix``.

    Parameters
    ----------
    err : pydantic.ValidationError
    where : str
        Prefix naming the file, e.g. ``"project.toml: "``.
    section : str
        Dotted name of the section the model validates (``"processing"``), prepended to
        the key.
    """
    e = err.errors()[0]
    key = _loc(tuple(e["loc"]), section) or "(top level)"
    msg = re.sub(r"^Value error, ", "", e["msg"])
    fix = _FIXES.get(e["type"], "correct its value")
    more = f" (and {len(err.errors()) - 1} more problem(s))" if len(err.errors()) > 1 else ""
    got = e.get("input")
    got_txt = "" if e["type"] == "missing" or isinstance(got, (dict, list)) else f" (got {got!r})"
    return f"{where}key '{key}': {msg}{got_txt}; {fix}{more}"


M = TypeVar("M", bound=BaseModel)


def validate_section(
    model: type[M], section: Any, name: str, *, source: str | Path | None = None
) -> M:
    """Validate one stage's section of the project file with its own pydantic model.

    ``section`` is the raw mapping, a loaded :class:`Project` (its ``name`` attribute is
    used and its file named in errors), or None for the defaults. Errors raise
    :class:`ConfigError` naming the file and the dotted key (``processing.feed.ore_tpa``).
    """
    if section is not None and isinstance(section, Project):
        source = source or section.source_file
        section = getattr(section, name)
    where = f"{source}: " if source else ""
    try:
        return model.model_validate(dict(section or {}))
    except ValidationError as exc:
        raise ConfigError(explain_validation_error(exc, where=where, section=name)) from None
    except ConfigError as exc:  # raised by core types inside a validator
        raise ConfigError(f"{where}key '{name}': {exc}") from None


def load_project(path: str | Path, *, check_files: bool = True) -> Project:
    """Read and validate ``project.toml`` (or a directory holding one).

    Raises
    ------
    ConfigError
        With the file, the dotted key and the fix, for unreadable TOML, unknown keys,
        wrong types and data files that do not exist.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "project.toml"
    if not path.is_file():
        raise ConfigError(f"{path}: project file not found; create one with `m2m init DIR`")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save the project file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}; fix the syntax there") from None
    try:
        proj = Project.model_validate({**raw, "root": path.parent, "source_file": path})
    except ValidationError as exc:
        raise ConfigError(explain_validation_error(exc, where=f"{path}: ")) from None
    if check_files:
        for key, src in proj.data:
            if src is None:
                continue
            f = proj.path(src.file)
            if not f.is_file():
                raise ConfigError(
                    f"{path}: key 'data.{key}.file': file {str(src.file)!r} not found "
                    f"(looked in {f.parent}); fix the path (relative to the project file)"
                )
    return proj


def params_hash(section: BaseModel | dict[str, Any] | None) -> str:
    """SHA-256 of a config section in canonical JSON (sorted keys), hex, 16 chars."""
    if section is None:
        data: Any = None
    elif isinstance(section, BaseModel):
        data = section.model_dump(mode="json")
    else:
        data = section
    blob = json.dumps(data, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
