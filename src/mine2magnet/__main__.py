"""``python -m mine2magnet`` is the ``m2m`` command."""

from mine2magnet.cli import main

main()
