"""pennydraw's pygame-ce front end: the only package that imports pygame. `play.py` starts it."""
