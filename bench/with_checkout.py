"""Run a bench script of an older checkout against that checkout's code, to compare versions on one machine.

    git worktree add /tmp/before d5f70c0
    python bench/with_checkout.py /tmp/before bench/bench_engine.py [its arguments]

The checkout's model, service and data folders are mounted as `qunguard` first on sys.path (bench/checkouts.py), its
bench folder next, then its script runs as __main__. Alternate runs with this checkout's own script: the machine's
load moves both.
"""
from __future__ import annotations

import runpy
import sys
import tempfile
from pathlib import Path

from checkouts import mount_checkout


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    checkout, script = Path(sys.argv[1]).resolve(), sys.argv[2]
    sys.path.insert(0, mount_checkout(checkout, Path(tempfile.mkdtemp())))
    sys.path.insert(1, str(checkout / "bench"))
    sys.argv = [str(checkout / script), *sys.argv[3:]]
    runpy.run_path(str(checkout / script), run_name="__main__")


if __name__ == "__main__":
    main()
