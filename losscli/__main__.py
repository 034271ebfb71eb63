"""``python -m losscli`` runs the same command line as the ``losscli`` script."""

from losscli.cli import run

run()
