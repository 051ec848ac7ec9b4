"""`python -m bench.instructions`: instructions per request of the read workloads, counted by valgrind.

CPU time on a shared machine moves by half from one run to the next (the same tree measured 6.4 and 11.0 ms per
W2 request within minutes); instructions do not. Each workload runs twice under `valgrind --tool=callgrind`, in
process as `bench.inprocess` runs it (caches off, the same warm-up), once with no timed request and once with
`--requests N`; the difference divided by N is what one request costs the API's process, start-up excluded.
Instructions are not time (a cache miss costs more than an add), but a change that removes work removes
instructions, so two trees compare to within a fraction of a percent. Under valgrind a run takes about two
minutes, most of it start-up; the two runs of a workload go in parallel.

    uv run python -m bench.instructions --database postgresql+asyncpg://postgres@127.0.0.1:5432/NAME
    uv run python -m bench.instructions --database URL --only W2 --app-dir /tmp/base   # another checkout's code

Needs valgrind (`apt-get install valgrind`) and a migrated, seeded database, as `bench.inprocess` does.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from bench.inprocess import WORKLOADS

WARMUP = 6
_COLLECTED = re.compile(r"Collected\s*:\s*([\d,]+)")
_INPROCESS = Path(__file__).with_name("inprocess.py")


def instructions_of(command: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> int:
    """Run a command under callgrind and return how many instructions it executed."""
    traced = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command]
    done = subprocess.run(traced, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"the run under valgrind failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def count(database: str, workload: str, requests: int, app_dir: Path | None, query: Path | None = None) -> int:
    """Return the instructions the whole in-process run executed (start-up, warm-up and `requests` requests)."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # the same hashes, the same dict layouts, run after run
    if app_dir is not None:  # that checkout's packages first: its app, this script
        env["PYTHONPATH"] = str(app_dir)
    command = [
        sys.executable, str(_INPROCESS), "--database", database, "--only", workload,
        "--requests", str(requests), "--warmup", str(WARMUP),
    ]  # fmt: skip
    if query is not None:
        command += ["--query", str(query.resolve())]
    return instructions_of(command, env=env, cwd=app_dir)


def per_request(database: str, workload: str, requests: int, app_dir: Path | None, query: Path | None = None) -> float:
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        base = pool.submit(count, database, workload, 0, app_dir, query)
        timed = pool.submit(count, database, workload, requests, app_dir, query)
        return (timed.result() - base.result()) / requests


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True, help="SQLAlchemy URL of a migrated, seeded database")
    parser.add_argument("--requests", type=int, default=30, help="requests counted per workload (default 30)")
    parser.add_argument("--only", type=lambda v: [p for p in v.split(",") if p], default=list(WORKLOADS))
    parser.add_argument("--app-dir", type=Path, help="checkout whose code to count (default: this one)")
    parser.add_argument("--query", type=Path, help="a GraphQL document to send instead of the workload's (W1-W3)")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: apt-get install valgrind")
    for workload in args.only:
        instructions = per_request(args.database, workload, args.requests, args.app_dir, args.query)
        unit = "per export of 5 pages" if workload == "export" else "per request"
        print(f"{workload:7} {instructions / 1e6:8.2f} M instructions {unit}", flush=True)


if __name__ == "__main__":
    main()
