"""The ``m2m`` command line (thin: parses, calls the API, prints with rich)."""

from __future__ import annotations

import typer

app = typer.Typer(add_completion=False, help="mine2magnet: drill core to investment decision.")


def main() -> None:  # console-script entry point
    app()
