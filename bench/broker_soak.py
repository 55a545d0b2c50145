"""Soak of the default broker: many writers, two readers, for longer than the test suite's run.

Producer processes each send --per-producer small Celery tasks while --consumers Celery worker
processes (solo pool, acks late) read them (tests/brokerload.py); each task's argument is unique,
so a damaged one shows. A consumer that exits by itself is counted as a crash and started again,
as make run's supervisor would, so that the run goes on and its losses can be counted.

    .venv/bin/python bench/broker_soak.py                      # rollweb/broker.py, the default broker
    .venv/bin/python bench/broker_soak.py --transport kombu    # kombu's own filesystem transport (before)
    .venv/bin/python bench/broker_soak.py --rounds 3 --per-producer 5000

Prints, per round: tasks sent and delivered, missing, delivered more than once, damaged, set
aside as unreadable, consumer crashes and the first crash's log line; then the machine's load.
Exits 1 when any round lost, repeated or damaged a task or a consumer crashed.
"""

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests import brokerload  # noqa: E402  (the producers and consumers the test suite uses)


def first_crash(root):
    for log in sorted(Path(root).glob("consumer*.log")):
        found = re.search(r"CRITICAL/MainProcess\] (Unrecoverable error: .*)", log.read_text(errors="replace"))
        if found:
            return found.group(1)
    return ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transport", choices=sorted(brokerload.TRANSPORTS), default="rollweb")
    parser.add_argument("--producers", type=int, default=4)
    parser.add_argument("--per-producer", type=int, default=5000)
    parser.add_argument("--consumers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"broker soak: {args.transport} transport, {args.producers} producers x {args.per_producer} tasks, "
          f"{args.consumers} consumers, {args.rounds} rounds; load before {os.getloadavg()[0]:.2f}", flush=True)
    bad = False
    for number in range(1, args.rounds + 1):
        with tempfile.TemporaryDirectory(prefix="rollweb-broker-soak-") as root:
            outcome = brokerload.run(root, args.transport, producers=args.producers, per_producer=args.per_producer,
                                     consumers=args.consumers, restart=True, drain_seconds=30)
            crash = first_crash(root)
        print(f"round {number}: {outcome.summary()}; {outcome.seconds:.0f} s", flush=True)
        if crash:
            print(f"  first crash: {crash}")
        bad |= bool(outcome.missing or outcome.duplicates or outcome.corrupt or outcome.crashes)
    print(f"load after (1 min average): {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
