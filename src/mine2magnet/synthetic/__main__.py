"""``python -m mine2magnet.synthetic OUT_DIR [--seed N]``: write the SYNTHETIC demo project."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mine2magnet.synthetic import DEFAULT_SEED, generate_demo


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, write the demo, print the files written; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m mine2magnet.synthetic",
        description="Write the SYNTHETIC Beylikova-type demo project (CSV files, "
        "project.toml, README.md) into OUT_DIR; the same seed gives identical bytes.",
    )
    parser.add_argument("out_dir", type=Path, help="folder to write (created if needed)")
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    args = parser.parse_args(argv)
    for path in generate_demo(args.out_dir, seed=args.seed):
        print(f"{path}  {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
