"""CLI tests: --json documents, one-line errors with exit code 2, no tracebacks."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mine2magnet.cli import app, demo_project_dir

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory) -> Path:
    dst = tmp_path_factory.mktemp("demo") / "demo"
    shutil.copytree(demo_project_dir(), dst, ignore=shutil.ignore_patterns("out"))
    return dst


def _json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_help_lists_every_command():
    res = runner.invoke(app, ["--help"])
    for cmd in ("init", "validate", "run", "demo"):
        assert cmd in res.stdout


def test_init_writes_template_and_refuses_overwrite(tmp_path):
    doc = _json(runner.invoke(app, ["init", str(tmp_path), "--json"]))
    assert Path(doc["project_file"]).is_file()
    res = runner.invoke(app, ["init", str(tmp_path)])
    assert res.exit_code == 2 and "--force" in res.stderr


def test_validate_json_counts_balance_and_cache(demo_copy):
    doc = _json(runner.invoke(app, ["validate", str(demo_copy), "--json"]))
    assert doc["synthetic"] is True
    for c in doc["counts"]:
        assert c["rows_in"] == c["rows_used"] + c["rows_rejected"]
    assert doc["holes"] > 100 and doc["composites"] > 1000
    again = _json(runner.invoke(app, ["validate", str(demo_copy), "--json"]))
    assert again["reused_stored_results"] is True
    assert again["input_hashes"] == doc["input_hashes"]


def test_changed_parameter_recomputes_and_is_named(demo_copy, tmp_path):
    d = tmp_path / "p"
    shutil.copytree(demo_copy, d, ignore=shutil.ignore_patterns("out"))
    _json(runner.invoke(app, ["validate", str(d), "--json"]))
    toml = d / "project.toml"
    text = toml.read_text()
    assert "length_m = 2.0" in text
    toml.write_text(text.replace("length_m = 2.0", "length_m = 3.0"))
    doc = _json(runner.invoke(app, ["validate", str(d), "--json"]))
    assert doc["reused_stored_results"] is False
    assert "composite.length_m" in doc["changed_params"]


def _broken(demo_copy: Path, tmp_path: Path, which: str, content: bytes) -> Path:
    d = tmp_path / "b"
    shutil.copytree(demo_copy, d, ignore=shutil.ignore_patterns("out"))
    (d / f"SYNTHETIC_{which}.csv").write_bytes(content)
    return d


@pytest.mark.parametrize(
    ("which", "content", "words"),
    [
        ("assays", b"", "empty"),
        ("collars", b"\x00\x01\x02\x03binary\x00\xff" * 50, "binary"),
        ("assays", "HOLEID,FROM,TO\nA,0,1\n".encode("utf-16"), "encoding"),
        ("collars", b"HOLEID,X\nA,1\n", "column"),
    ],
)
def test_bad_files_one_line_exit_2(demo_copy, tmp_path, which, content, words):
    d = _broken(demo_copy, tmp_path, which, content)
    res = runner.invoke(app, ["validate", str(d)])
    assert res.exit_code == 2, res.output
    assert words in res.stderr.lower()
    assert "Traceback" not in res.output
    assert len(res.stderr.strip().splitlines()) == 1 or res.stderr.count("error:") == 1


def test_latin1_file_is_rejected_with_a_hint(demo_copy, tmp_path):
    src = (demo_copy / "SYNTHETIC_lithology.csv").read_text(encoding="utf-8")
    lines = src.splitlines()
    lines[1] = lines[1] + ",Sérgio"  # a non-ASCII character in latin-1
    lines[0] = lines[0] + ",LOGGED_BY"
    for i in range(2, len(lines)):
        lines[i] += ",x"
    d = _broken(demo_copy, tmp_path, "lithology", ("\n".join(lines) + "\n").encode("latin-1"))
    res = runner.invoke(app, ["validate", str(d)])
    assert res.exit_code == 2 and "encoding" in res.stderr.lower()


def test_partly_bad_file_keeps_valid_rows(demo_copy, tmp_path):
    text = (demo_copy / "SYNTHETIC_collars.csv").read_text()
    lines = text.splitlines()
    header = lines[0].split(",")
    bad = lines[1].split(",")
    bad[header.index("X") if "X" in header else 1] = "not-a-number"
    lines.append(",".join(bad))  # a duplicate hole id with a bad coordinate
    d = _broken(demo_copy, tmp_path, "collars", ("\n".join(lines) + "\n").encode())
    doc = _json(runner.invoke(app, ["validate", str(d), "--json"]))
    counts = {c["table"]: c for c in doc["counts"]}
    assert counts["collars"]["rows_rejected"] == 1
    assert counts["collars"]["rows_used"] == len(lines) - 2


def test_subprocess_no_traceback(tmp_path):
    (tmp_path / "project.toml").write_text("[project]\nname = 1\n")
    res = subprocess.run(
        [sys.executable, "-m", "mine2magnet", "validate", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 2
    assert "Traceback" not in res.stderr and res.stderr.count("\n") == 1


@pytest.mark.slow
def test_run_json_has_every_stage(demo_copy):
    doc = _json(runner.invoke(app, ["run", str(demo_copy), "--json"]))
    assert {"drillholes", "estimation", "mining", "resources", "processing", "economics"} <= set(
        doc
    )
    gt = [r for r in doc["estimation"]["grade_tonnage"] if r["domain"] == "ALL"]
    assert gt and gt[0]["tonnes"] > 0
    assert doc["processing"]["products"]
    reserve = {r["class"]: r for r in doc["mining"]["reserve_statement"]}
    resource = {r["class"]: r for r in doc["resources"]["statement"] if r["reporting"]}
    assert 0 < reserve["Total"]["tonnes"] <= resource["Measured + Indicated"]["tonnes"]
    assert doc["economics"]["production_plan"] == "mine schedule"


@pytest.mark.slow
@pytest.mark.parametrize("command", ["mine", "economics", "scenarios"])
def test_later_stage_commands_reuse_the_run_and_print_json(demo_copy, command):
    doc = _json(runner.invoke(app, [command, str(demo_copy), "--json"]))
    assert doc["synthetic"] is True and doc["reused_stored_results"] is True


@pytest.mark.slow
def test_resource_threshold_change_changes_statement_and_is_named(demo_copy, tmp_path):
    d = tmp_path / "r"
    shutil.copytree(demo_copy, d)  # with its store: earlier stages are reused
    first = _json(runner.invoke(app, ["resource", str(d), "--json"]))
    assert first["synthetic"] is True
    classes = {r["class"] for r in first["statement"]}
    assert {"Measured", "Indicated", "Inferred", "Total"} <= classes
    toml = d / "project.toml"
    text = toml.read_text()
    old = "[resources.classification.measured]\nmax_spacing_m = 30.0"
    assert old in text
    toml.write_text(text.replace(old, old.replace("30.0", "25.0")))
    second = _json(runner.invoke(app, ["resource", str(d), "--json"]))
    assert second["reused_stored_results"] is False
    assert "resources.classification.measured.max_spacing_m" in second["changed_params"]

    def measured(doc):
        return next(
            r["tonnes"] for r in doc["statement"] if r["class"] == "Measured" and r["reporting"]
        )

    assert measured(second) < measured(first)


def test_sx_design_json_and_plot(tmp_path):
    src = Path(__file__).resolve().parents[1] / "examples" / "sx" / "ndpr.toml"
    png = tmp_path / "p.png"
    doc = _json(runner.invoke(app, ["sx", "design", str(src), "--plot", str(png), "--json"]))
    rows = {r["quantity"]: r["value"] for r in doc["summary"]}
    assert rows["extraction stages n"] == 17 and rows["scrub stages m"] == 29
    assert png.is_file() and png.stat().st_size > 10_000


def test_sx_bad_file_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[feed]\ncomposition = 3\n")
    res = runner.invoke(app, ["sx", "simulate", str(bad)])
    assert res.exit_code == 2 and "Traceback" not in res.output


@pytest.mark.slow
def test_simulate_json_resumes_finished_realisations(demo_copy):
    args = ["simulate", str(demo_copy), "--realisations", "2", "--json"]
    # --no-resume: `m2m run` in an earlier test may have stored realisations already
    first = _json(runner.invoke(app, [*args, "--no-resume"]))
    assert first["synthetic"] is True and sorted(first["computed"]) == [0, 1]
    gt = first["grade_tonnage"]
    assert all(r["tonnes_p10"] <= r["tonnes_p50"] <= r["tonnes_p90"] for r in gt)
    again = _json(runner.invoke(app, args))
    assert again["computed"] == [] and sorted(again["reused"]) == [0, 1]
    assert again["grade_tonnage"] == gt


def test_simulate_unknown_domain_is_one_line_exit_2(demo_copy):
    res = runner.invoke(app, ["simulate", str(demo_copy), "--domain", "NOPE"])
    assert res.exit_code == 2 and "NOPE" in res.stderr


def test_bad_scheduler_is_one_line_exit_2(demo_copy):
    res = runner.invoke(app, ["estimate", str(demo_copy), "--scheduler", "nowhere", "--json"])
    assert res.exit_code == 2
    assert "--scheduler 'nowhere'" in res.output and "scheduler address" in res.output
    assert "Traceback" not in res.output


def test_scheduler_option_overrides_the_project_executor(demo_copy):
    from mine2magnet.cli import _load_project, _scheduled

    assert _load_project(demo_copy).parallel.executor == "threads"
    got = _scheduled("tcp://127.0.0.1:8786", lambda: _load_project(demo_copy))()
    assert got.parallel.executor == "tcp://127.0.0.1:8786"
    assert _load_project(demo_copy).parallel.executor == "threads"  # reset after the command


@pytest.fixture(scope="module")
def demo_with_store(tmp_path_factory) -> Path:
    """The demo with its stored stages (reused), a small [uncertainty] section."""
    src = demo_project_dir()
    if not (src / "out" / "project.duckdb").is_file():
        pytest.skip("the demo store is not built (make demo)")
    dst = tmp_path_factory.mktemp("demo_store") / "demo"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("uncertainty", "report"))
    toml = dst / "project.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace("realisations = 10\n", "realisations = 2\n").replace(
        'domains = ["HG", "LG"]\n', 'domains = ["HG"]\n'
    )
    text = text.replace("discretisation = [2, 2, 1]\n", "discretisation = [1, 1, 1]\n")
    toml.write_text(text.replace("pit = true\nnpv = true\n", "pit = false\nnpv = true\n"))
    return dst


@pytest.mark.slow
def test_simulate_stage_json_outcomes_and_reuse(demo_with_store):
    args = ["simulate", str(demo_with_store), "--json"]
    first = _json(runner.invoke(app, args))
    assert first["synthetic"] is True and first["domains"] == ["HG"]
    assert first["realisations"] == 2 and sorted(first["computed"]) == [0, 1]
    items = [r["item"] for r in first["outcomes"]]
    assert items == ["tonnes above cut-off", "contained TREO", "ultimate pit value",
                     "pit ore", "NPV"]  # fmt: skip
    npv = next(r for r in first["outcomes"] if r["item"] == "NPV")
    assert npv["P10"] <= npv["P50"] <= npv["P90"] and npv["estimate"] > 0
    assert {r["check"] for r in first["validation_summary"]}
    again = _json(runner.invoke(app, args))
    assert again["reused_stored_results"] is True and again["outcomes"] == first["outcomes"]
    res = runner.invoke(app, ["simulate", str(demo_with_store)])
    assert res.exit_code == 0 and "Classification support" in res.stdout


def test_simulate_bad_uncertainty_key_is_one_line_exit_2(demo_with_store, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(demo_with_store, bad, ignore=shutil.ignore_patterns("out"))
    toml = bad / "project.toml"
    toml.write_text(toml.read_text().replace("realisations = 2\n", "realisations = 'two'\n"))
    res = runner.invoke(app, ["simulate", str(bad), "--json"])
    assert res.exit_code == 2 and "uncertainty.realisations" in res.output
    assert "Traceback" not in res.output
