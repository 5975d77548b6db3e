"""The kiosk's crash drill at full size: 50 SIGKILLs at random moments, a restart after each.

The real `play.py --kiosk` with scripted visitors (`game.kiosk.autoplay`) runs in a subprocess on a scratch
database and is killed (SIGKILL: nothing can catch it, like a power cut) at random moments, some of
them during start-up and some while the drill holds the database's write lock (as a long import would);
after each kill it is started again, and after the last one it must come back
once more and stop cleanly on SIGTERM. Printed: kills, comebacks, start-up time to the first frame,
rounds recorded before a kill and missing from the database (must be 0), `PRAGMA integrity_check`.
`tests/test_kiosk_crash.py` runs the same drill with 10 kills.

    python bench/bench_kiosk_crash.py [--kills 50] [--seed 1]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from game.kiosk.crash_drill import format_result, run_drill  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50, help="SIGKILLs (default 50)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the kill moments and the visitors")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pennydraw-bench-drill-") as folder:
        result = run_drill(Path(folder), kills=args.kills, seed=args.seed)
    print(f"crash drill: play.py --kiosk with scripted visitors (fast clock), SIGKILL at random moments, "
          f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f}")
    print(format_result(result))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
