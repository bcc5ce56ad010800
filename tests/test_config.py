"""Tests for the project-file schema: every error names file, key and fix."""

from pathlib import Path

import pytest

from mine2magnet.config import load_project, params_hash
from mine2magnet.errors import ConfigError

MINIMAL = """
[project]
name = "t"
[data.collars]
file = "c.csv"
[data.assays]
file = "a.csv"
[data.assays.grades]
Ce_ppm = { reported_as = "Ce", unit = "ppm" }
"""


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "c.csv").write_text("hole_id,easting,northing,elevation\n")
    (tmp_path / "a.csv").write_text("hole_id,from_m,to_m,Ce_ppm\n")
    p = tmp_path / "project.toml"
    p.write_text(text)
    return p


def test_minimal_loads(tmp_path):
    proj = load_project(_write(tmp_path, MINIMAL))
    assert proj.project.name == "t"
    assert proj.data.assays.grades["Ce_ppm"].unit == "ppm"
    assert proj.path(proj.data.collars.file) == tmp_path / "c.csv"
    assert proj.composite.residual == "keep_if_half"


def test_directory_argument(tmp_path):
    _write(tmp_path, MINIMAL)
    assert load_project(tmp_path).project.name == "t"


@pytest.mark.parametrize(
    ("patch", "key", "words"),
    [
        ('[project]\nname = "t"\ncolour = 1\n', "project.colour", "remove it"),
        ("[composite]\nlength_m = -2\n", "composite.length_m", "greater than 0"),
        ('[composite]\nresidual = "sometimes"\n', "composite.residual", "allowed values"),
        ('[desurvey]\nmethod = "spline"\n', "desurvey.method", "allowed values"),
        (
            '[data.assays.grades.X]\nreported_as = "Zz"\nunit = "ppm"\n',
            "data.assays.grades.X.reported_as",
            "element",
        ),
        (
            '[data.assays.grades.Y]\nreported_as = "Ce"\nunit = "kg"\n',
            "data.assays.grades.Y.unit",
            "allowed values",
        ),
        ('[parallel]\nexecutor = "cluster"\n', "parallel.executor", "scheduler address"),
        ("[parallel]\nmemory_limit_mb = 0\n", "parallel.memory_limit_mb", "greater than 0"),
        ("[parallel]\nworkers = 0\n", "parallel.workers", "greater than or equal to 1"),
    ],
)
def test_errors_name_key_and_fix(tmp_path, patch, key, words):
    text = MINIMAL
    if patch.startswith("[project]"):
        text = text.replace('[project]\nname = "t"\n', patch)
    else:
        text = text + patch
    with pytest.raises(ConfigError) as ei:
        load_project(_write(tmp_path, text))
    msg = str(ei.value)
    assert "project.toml" in msg and f"'{key}'" in msg and words in msg
    assert "\n" not in msg


def test_missing_required_key(tmp_path):
    with pytest.raises(ConfigError, match=r"'project.name'.*add it"):
        load_project(_write(tmp_path, MINIMAL.replace('name = "t"', "")))


def test_missing_data_file(tmp_path):
    p = _write(tmp_path, MINIMAL)
    (tmp_path / "a.csv").unlink()
    with pytest.raises(ConfigError, match=r"'data.assays.file'.*a.csv.*not found"):
        load_project(p)


def test_bad_toml_and_missing_project(tmp_path):
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_project(_write(tmp_path, "[project\nname="))
    with pytest.raises(ConfigError, match="m2m init"):
        load_project(tmp_path / "nope")


def test_params_hash_stable_and_sensitive(tmp_path):
    a = load_project(_write(tmp_path, MINIMAL))
    assert params_hash(a.composite) == params_hash(a.composite)
    b = load_project(_write(tmp_path, MINIMAL + "[composite]\nlength_m = 3\n"))
    assert params_hash(a.composite) != params_hash(b.composite)


def test_template_loads(tmp_path):
    from importlib import resources

    text = resources.files("mine2magnet").joinpath("templates/project.toml").read_text()
    for f in ("collars.csv", "surveys.csv", "assays.csv", "lithology.csv"):
        (tmp_path / f).write_text("x\n")
    (tmp_path / "project.toml").write_text(text)
    proj = load_project(tmp_path)
    assert proj.domain_of_lithology()["VEIN"] == "ORE"


@pytest.mark.parametrize("executor", ["serial", "threads", "tcp://10.0.0.1:8786"])
def test_parallel_executor_choices(tmp_path, executor):
    proj = load_project(_write(tmp_path, MINIMAL + f'[parallel]\nexecutor = "{executor}"\n'))
    assert proj.parallel.executor == executor
    assert load_project(_write(tmp_path, MINIMAL)).parallel.executor == "threads"
