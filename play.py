"""pennydraw: draw for the machine, and see the work you did for it. `python play.py --help`."""
import os
import sys

# pygame prints a greeting on import; the game logs to stderr instead.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

if __name__ == "__main__":
    from game.main import main

    sys.exit(main(sys.argv[1:]))
