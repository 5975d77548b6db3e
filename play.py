"""pennydraw from a checkout: draw for the machine, and see the work you did for it. `python play.py --help`.

The same game as the `pennydraw` command of an installed copy (`game/main.py`).
"""
import sys

if __name__ == "__main__":
    from game.main import main

    sys.exit(main(sys.argv[1:], prog="play.py"))
