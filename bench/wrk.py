"""Run wrk (installing it from Debian when absent) and read the figures its Lua `done` callback prints."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import orjson

MARKER = "BENCH_RESULT "


class WrkError(RuntimeError):
    """wrk is missing and could not be installed, or a run printed no figures."""


@dataclass(frozen=True, slots=True)
class WrkResult:
    """One wrk run's figures; latencies in milliseconds."""

    requests: int
    seconds: float
    bytes: int
    socket_errors: int
    status_errors: int
    graphql_errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.socket_errors + self.status_errors + self.graphql_errors


def ensure_wrk() -> str:
    """Return wrk's path, installing Debian's package first when it is absent."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is not installed: running apt-get update && apt-get install -y wrk", flush=True)
    try:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "-o", "DPkg::Lock::Timeout=120", "wrk"],
            check=True,
            env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        raise WrkError(
            f"wrk is not installed and `apt-get install -y wrk` failed ({exc}); install wrk and run again"
        ) from exc
    found = shutil.which("wrk")
    if not found:
        raise WrkError("apt-get reported success but wrk is still not on PATH")
    return found


def parse_output(stdout: str) -> WrkResult:
    """Read the JSON line the `done` callback printed."""
    line = next((line for line in stdout.splitlines() if line.startswith(MARKER)), None)
    if line is None:
        raise WrkError(f"wrk printed no figures:\n{stdout}")
    raw = orjson.loads(line.removeprefix(MARKER))
    latency = raw["latency_us"]
    return WrkResult(
        requests=int(raw["requests"]),
        seconds=raw["duration_us"] / 1e6,
        bytes=int(raw["bytes"]),
        socket_errors=raw["connect_errors"] + raw["read_errors"] + raw["write_errors"] + raw["timeouts"],
        # wrk counts a status of 400 or more; the script counts anything but 200, and bodies with "errors".
        status_errors=max(int(raw["status_errors"]), int(raw["non_ok"])),
        graphql_errors=int(raw["graphql_errors"]),
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        max_ms=latency["max"] / 1000,
        mean_ms=latency["mean"] / 1000,
    )


def run_wrk(
    url: str, script: str, *, seconds: float, connections: int, threads: int, timeout_seconds: float = 5.0
) -> WrkResult:
    """Drive `url` for `seconds` with `connections` keep-alive connections."""
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="vitrine-wrk-") as directory:
        path = Path(directory) / "workload.lua"
        path.write_text(script)
        command = [
            wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
            f"--timeout={timeout_seconds:g}s", "-s", str(path), url,
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=seconds + 60)
    if done.returncode != 0:
        raise WrkError(f"wrk exited with {done.returncode}:\n{done.stdout}{done.stderr}")
    return parse_output(done.stdout)
