"""``python -m graphnas`` runs the command line."""

from graphnas.cli import main

main()
