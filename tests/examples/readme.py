"""Run an example's README command exactly as written, against a live server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.live import LiveServer

ROOT = Path(__file__).resolve().parents[2]


def readme_command(example: str) -> str:
    """The README's ``python examples/<example>/...`` line, as a user would paste it."""
    text = (ROOT / "examples" / example / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block, f"examples/{example}/README.md has no sh block"
    lines = [line.split("  #")[0].strip() for line in block.group(1).splitlines()]
    commands = [line for line in lines if line.startswith(f"python examples/{example}/")]
    assert commands, f"examples/{example}/README.md has no python examples/{example} command"
    return commands[-1]


def run_readme_command(live: LiveServer, example: str, timeout: float = 120
                       ) -> subprocess.CompletedProcess[str]:
    """Run it with bash from the repository root; ``python`` is this interpreter, and
    PITSTOP_URL / PITSTOP_TOKEN point at ``live`` (its admin token), as the README says."""
    env = live.env(PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    done = subprocess.run(["bash", "-c", readme_command(example)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    print(done.stdout, done.stderr)  # shown when the test fails
    return done
