"""The exhibition kiosk (`play.py --kiosk`): everything a museum installation adds to the game.

- `run.py`: the kiosk process, from the start-up checks to the last log line, and its exit status;
- `controller.py`: `Kiosk`, what it does every frame and between games (attract loop as home,
  game logging, model swaps, the error guard), built from
  `visitor_filter.py` (no way out for visitors), `rules.py` (the idle reset and the operator's PIN
  exit) and `memory.py` (flat memory over weeks);
- `startup_checks.py`: the database, the model and the disk, checked at every start;
- `learning.py`: when to retrain on site, and the swap of an accepted model (the job itself is
  `model/retrain_job.py`, their contract `model/onsite.py`);
- `logs.py`: the rotating log file;
- `autoplay.py`, `crash_drill.py`: scripted visitors, and the SIGKILL drill that uses them.

Its two screens, the attract loop and the PIN pad, are scenes like the others (`game/scenes/`).
Importing the package imports nothing.
"""
