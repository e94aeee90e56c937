"""A till process for the kill test: open an enrolled till and push its outbox until killed.

Run as ``python till_child.py DATA_DIR BATCH_SIZE``; it syncs in a loop (real till code,
real SQLite file) and prints one line per cycle.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


def main() -> int:
    from tests.e2e.harness import TillHandle

    handle = TillHandle(Path(sys.argv[1]), batch_size=int(sys.argv[2]))
    while True:
        cycle = handle.cycle()
        print(f"pushed {cycle.pushed} error {cycle.error}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
