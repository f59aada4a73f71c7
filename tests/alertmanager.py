"""A real Prometheus Alertmanager (Debian's prometheus-alertmanager), started by a test on a
free port with its storage in a temporary directory; stopped and started again on the same
storage to play an outage. Without the binary the tests skip with the reason; with CI=true
that is a failure (``.ci/run`` installs the package)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live import free_port

BINARY = os.environ.get("PITSTOP_TEST_ALERTMANAGER", "/usr/bin/prometheus-alertmanager")
CONFIG = "route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n"


def skip_or_fail_without_alertmanager() -> None:
    if Path(BINARY).is_file() or shutil.which(BINARY):
        return
    reason = (f"Alertmanager not found at {BINARY}; install Debian's prometheus-alertmanager "
              "package (apt-get install prometheus-alertmanager)")
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI must test the Alertmanager sync: {reason}")
    pytest.skip(reason)


class AlertmanagerProcess:
    def __init__(self, workdir: Path) -> None:
        self.workdir, self.port = workdir, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (workdir / "alertmanager.yml").write_text(CONFIG)
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> AlertmanagerProcess:
        log = (self.workdir / "alertmanager.log").open("ab")
        self._proc = subprocess.Popen(
            [BINARY, f"--config.file={self.workdir / 'alertmanager.yml'}",
             f"--storage.path={self.workdir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address="],
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError("Alertmanager exited: "
                                   + (self.workdir / "alertmanager.log").read_text()[-2000:])
            try:
                if httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("Alertmanager did not become ready within 20 s")

    def stop(self) -> None:
        """Stop it the way a service manager does (SIGTERM): it keeps its silences on disk."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait(timeout=20)
        self._proc = None

    def silences(self) -> list[dict[str, Any]]:
        """Every silence pitstop created, as Alertmanager lists them."""
        listed = httpx.get(f"{self.url}/api/v2/silences", timeout=5).json()
        return [s for s in listed if s["createdBy"] == "pitstop"]

    def active(self) -> list[dict[str, Any]]:
        return [s for s in self.silences() if s["status"]["state"] != "expired"]
