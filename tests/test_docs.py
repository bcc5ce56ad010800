"""Docs stay true: every validation rule and every CLI command is documented."""

from pathlib import Path

from mine2magnet.cli import app
from mine2magnet.drillholes.validate import RULES

DOCS = Path(__file__).resolve().parents[1] / "docs"
README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_rule_documented():
    text = (DOCS / "drillholes.md").read_text(encoding="utf-8")
    missing = [r for r in RULES if f"`{r}`" not in text]
    assert not missing, f"rules not in docs/drillholes.md: {missing}"


def test_every_command_has_help_and_is_in_readme():
    readme = README.read_text(encoding="utf-8")
    for cmd in app.registered_commands:
        name = cmd.name or cmd.callback.__name__
        assert cmd.callback.__doc__, f"command {name} has no help text"
        assert f"m2m {name}" in readme, f"command {name} not in README"
    for group in app.registered_groups:
        for cmd in group.typer_instance.registered_commands:
            full = f"m2m {group.name} {cmd.name}"
            assert cmd.callback.__doc__, f"command {full} has no help text"
            assert full in readme, f"command {full} not in README"


def test_readme_opens_with_the_two_commands():
    text = README.read_text(encoding="utf-8")
    first_block = text.split("```sh", 1)[1].split("```", 1)[0]
    assert "make demo" in first_block and "make test" in first_block
