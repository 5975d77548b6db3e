"""pennydraw's pygame-ce front end: the only package that imports pygame. `pennydraw` starts it."""
import os

# pygame prints a greeting on import; the game logs to stderr instead (whichever entry point started it).
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
