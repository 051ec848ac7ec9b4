"""`bench.instructions` counts what a command executes under valgrind: more work, more instructions."""

from __future__ import annotations

import shutil
import sys

import pytest

from bench.instructions import instructions_of

pytestmark = pytest.mark.skipif(
    shutil.which("valgrind") is None, reason="valgrind is a benchmarking tool, not a service"
)


def test_more_work_counts_more_instructions() -> None:
    idle = instructions_of([sys.executable, "-S", "-c", "pass"])
    busy = instructions_of([sys.executable, "-S", "-c", "sum(range(300_000))"])

    # Each of the 300,000 additions is a few dozen instructions of the interpreter's loop: millions more in all.
    assert idle > 1_000_000
    assert busy - idle > 3_000_000


def test_a_command_that_fails_is_not_counted() -> None:
    with pytest.raises(SystemExit, match="failed"):
        instructions_of([sys.executable, "-S", "-c", "raise SystemExit(3)"])
