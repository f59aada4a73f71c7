"""One pipeline run: checkout, build, test, each a step that takes a share of ``--seconds``.

Prints ``step: NAME`` as each step begins (the engine reports it as the lease's phase).

    python examples/pipeline_engine/pipeline.py --name web --seconds 3
"""

from __future__ import annotations

import argparse
import time

STEPS = ("checkout", "build", "test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    for step in STEPS:
        print(f"step: {step}", flush=True)
        time.sleep(args.seconds / len(STEPS))
    print(f"pipeline {args.name} passed", flush=True)


if __name__ == "__main__":
    main()
