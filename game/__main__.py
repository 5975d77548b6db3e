"""`python -m game [options]`: the game, as the `pennydraw` command and `play.py` start it."""
import sys

from game.main import main

sys.exit(main(prog="python -m game"))
