"""``python -m kamlab`` runs the ``kamlab`` command."""

from kamlab.cli import main

main()
