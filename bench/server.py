"""Start and stop the API and the ceiling app as subprocesses, and read their CPU time and memory from /proc."""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGESIZE")
READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0

_running: set[subprocess.Popen[bytes]] = set()


class ServerError(RuntimeError):
    """A server subprocess did not start, or died; the message points at its log."""


def free_port() -> int:
    """Return a TCP port on the loopback interface that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True, slots=True)
class ProcessSample:
    """A process's CPU time (user + system) and resident memory at one moment."""

    cpu_seconds: float
    rss_bytes: int
    peak_rss_bytes: int


def sample_process(pid: int) -> ProcessSample:
    """Read a process's CPU time from /proc/<pid>/stat and its memory from /proc/<pid>/status."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) may contain spaces; the fields after its closing parenthesis are fixed.
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    status = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        status[key] = value.strip()
    rss_kib = int(status.get("VmRSS", "0 kB").split()[0])
    peak_kib = int(status.get("VmHWM", "0 kB").split()[0])
    return ProcessSample((utime + stime) / CLOCK_TICKS, rss_kib * 1024, peak_kib * 1024)


def _parent_of(pid_dir: Path) -> int | None:
    try:
        stat = (pid_dir / "stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def _children(pid: int) -> list[int]:
    # /proc/<pid>/task/*/children needs a kernel option some machines lack: scan every process's parent.
    return [int(d.name) for d in Path("/proc").iterdir() if d.name.isdigit() and _parent_of(d) == pid]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def find_python_process(root: int) -> int:
    """Return the deepest Python process under `root` (`uv run` starts the interpreter as its child)."""
    candidates = [root]
    found = root if "python" in _cmdline(root) else None
    while candidates:
        pid = candidates.pop()
        for child in _children(pid):
            if "python" in _cmdline(child) or "/bin/vitrine" in _cmdline(child) or "uvicorn" in _cmdline(child):
                found = child
            candidates.append(child)
    if found is None:
        raise ServerError(f"no Python process under pid {root}")
    return found


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process group we started: SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(STOP_TIMEOUT_SECONDS)
    # The group may hold children that outlived the leader (uv's interpreter); end them too.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    _running.discard(process)


@atexit.register
def stop_all() -> None:
    """Stop every subprocess this module started and that still runs."""
    for process in list(_running):
        _stop(process)


@dataclass(slots=True)
class Server:
    """One HTTP server subprocess, in a process group of its own."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    pid: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def sample(self) -> ProcessSample:
        self.check_alive()
        return sample_process(self.pid)

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise ServerError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _wait_ready(server: Server, path: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    with httpx.Client(base_url=server.base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            server.check_alive()
            with contextlib.suppress(httpx.HTTPError):
                if client.get(path).status_code == 200:
                    return
            time.sleep(0.1)
    raise ServerError(f"{server.name} did not answer {path} in {READY_TIMEOUT_SECONDS:.0f} s; see {server.log_path}")


def start_server(
    name: str, command: list[str], *, port: int, env: Mapping[str, str], log_dir: Path, ready_path: str, cwd: Path
) -> Server:
    """Start a server, wait until `ready_path` answers 200, and return it with its Python process's pid."""
    log_path = log_dir / f"{name}-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=cwd, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    _running.add(process)
    server = Server(name=name, port=port, process=process, log_path=log_path)
    try:
        _wait_ready(server, ready_path)
        server.pid = find_python_process(process.pid)
    except BaseException:
        _stop(process)
        print(f"{name} log ({log_path}):\n{server.log_tail()}", file=sys.stderr, flush=True)
        raise
    return server


def stop_server(server: Server) -> None:
    _stop(server.process)


@contextlib.contextmanager
def running(server: Server) -> Iterator[Server]:
    """Stop the server when the block ends, however it ends; on an error, show the end of its log."""
    try:
        yield server
    except Exception:
        print(f"{server.name} log ({server.log_path}):\n{server.log_tail()}", file=sys.stderr, flush=True)
        raise
    finally:
        stop_server(server)


def api_command(port: int) -> list[str]:
    """The production way to serve the API: `vitrine serve` (uvloop, httptools, one worker)."""
    return ["uv", "run", "--no-sync", "vitrine", "serve", "--port", str(port)]


def ceiling_command(port: int) -> list[str]:
    """A bare Starlette app under the same uvicorn settings as `vitrine serve`."""
    return _uvicorn_command("bench.ceiling:create_app", port)


def floor_command(port: int) -> list[str]:
    """W2's listing from memory through Strawberry (`bench/floor.py`), under the same uvicorn settings."""
    return _uvicorn_command("bench.floor:create_app", port)


def _uvicorn_command(factory: str, port: int) -> list[str]:
    return [
        "uv", "run", "--no-sync", "uvicorn", factory, "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--loop", "uvloop", "--http", "httptools",
        "--workers", "1", "--no-access-log", "--log-level", "warning", "--proxy-headers",
    ]  # fmt: skip


def raise_file_limit() -> int:
    """Raise this process's open-file limit to its hard limit (children inherit it); return the new limit."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]
