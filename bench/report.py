"""The results: per-round measures, medians, the markdown table for people and the JSON file for machines."""

from __future__ import annotations

import dataclasses
import math
import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from bench.client import ExportResult
from bench.fanout import FanoutResult
from bench.stats import median, percentile

MIB = 1024 * 1024
NONE = "-"


@dataclass(frozen=True, slots=True)
class Measure:
    """One timed round of one workload against one server."""

    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    statements_per_request: float | None
    cpu_ms_per_request: float
    rss_bytes: int
    response_cache_hit_ratio: float | None = None  # of the anonymous queries the response cache looked up


@dataclass(slots=True)
class Row:
    """A workload in one mode (cold, hot, or the ceiling), with every round."""

    key: str
    title: str
    mode: str
    rounds: list[Measure] = field(default_factory=list)
    # The ceiling's round run right after each of these rounds: the machine's speed drifts by a quarter or more
    # within minutes on a shared host, so each round is compared with the ceiling measured beside it.
    paired: list[Measure] = field(default_factory=list)

    def summary(self) -> Measure:
        """Return the median of each figure over the rounds, and the sum of their errors."""
        statements = [r.statements_per_request for r in self.rounds if r.statements_per_request is not None]
        hits = [r.response_cache_hit_ratio for r in self.rounds if r.response_cache_hit_ratio is not None]
        return Measure(
            requests=sum(r.requests for r in self.rounds),
            requests_per_second=median([r.requests_per_second for r in self.rounds]),
            p50_ms=median([r.p50_ms for r in self.rounds]),
            p99_ms=median([r.p99_ms for r in self.rounds]),
            errors=sum(r.errors for r in self.rounds),
            statements_per_request=median(statements) if statements else None,
            cpu_ms_per_request=median([r.cpu_ms_per_request for r in self.rounds]),
            rss_bytes=int(median([r.rss_bytes for r in self.rounds])),
            response_cache_hit_ratio=median(hits) if hits else None,
        )


@dataclass(slots=True)
class Report:
    """Everything one run measured."""

    meta: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    fanout: FanoutResult | None = None
    export: ExportResult | None = None
    export_mode: str = "cold"
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        total = sum(row.summary().errors for row in self.rows)
        if self.fanout is not None:
            total += self.fanout.errors + self.fanout.missed_deliveries
        return total

    def ceiling(self) -> Measure | None:
        return next((row.summary() for row in self.rows if row.mode == "ceiling"), None)


@dataclass(frozen=True, slots=True)
class Ratios:
    """A row's figures against the ceiling's: req/s as a fraction, the others as multiples."""

    requests_per_second: float
    p50: float
    cpu_per_request: float
    rss: float


def ratios(row: Row, ceiling: Measure | None) -> Ratios | None:
    """Return the row's ratios to the ceiling: the median of each round's ratio to its paired ceiling round when
    every round has one, else the ratio of the row's medians to `ceiling`'s (the run's ceiling row)."""
    if row.mode == "ceiling":
        return None
    pairs: list[tuple[Measure, Measure]]
    if row.paired and len(row.paired) == len(row.rounds):
        pairs = list(zip(row.rounds, row.paired, strict=True))
    elif ceiling is not None:
        pairs = [(row.summary(), ceiling)]
    else:
        return None
    return Ratios(
        requests_per_second=median([_divide(r.requests_per_second, c.requests_per_second) for r, c in pairs]),
        p50=median([_divide(r.p50_ms, c.p50_ms) for r, c in pairs]),
        cpu_per_request=median([_divide(r.cpu_ms_per_request, c.cpu_ms_per_request) for r, c in pairs]),
        rss=median([_divide(r.rss_bytes, c.rss_bytes) for r, c in pairs]),
    )


def _divide(value: float, by: float) -> float:
    return value / by if by else math.nan


def revision(directory: Path) -> str:
    """Return the commit of a checkout: git's, else a `REVISION` file's (for `git archive` exports), else unknown."""
    found = subprocess.run(["git", "-C", str(directory), "rev-parse", "--show-toplevel", "--short", "HEAD"],
                           capture_output=True, text=True, check=False)  # fmt: skip
    lines = found.stdout.split()
    if found.returncode == 0 and len(lines) == 2 and Path(lines[0]).resolve() == directory.resolve():
        dirty = subprocess.run(["git", "-C", str(directory), "status", "--porcelain", "--", "app", "data", "domain",
                                "schema", "resolvers"], capture_output=True, text=True, check=False)  # fmt: skip
        return lines[1] + ("+dirty" if dirty.stdout.strip() else "")
    marker = directory / "REVISION"
    return marker.read_text().strip() if marker.exists() else "unknown"


def machine() -> dict[str, Any]:
    """Describe the machine: cores, memory, CPU model, and the harness's commit."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.partition(":")[2].strip()
            break
    memory = next(
        (int(line.split()[1]) * 1024 for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line),
        0,
    )
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, check=False)
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "memory_gib": round(memory / 1024**3, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "commit": commit.stdout.strip() + ("+dirty" if dirty.stdout.strip() else ""),
    }


def _number(value: float | None, digits: int = 1) -> str:
    if value is None or math.isnan(value):
        return NONE
    return f"{value:,.{digits}f}"


def _times(ratio: float) -> str:
    return NONE if math.isnan(ratio) else f"x{ratio:,.1f}"


def _share(ratio: float) -> str:
    return NONE if math.isnan(ratio) else f"{100 * ratio:.1f} %"


def table(report: Report) -> str:
    """Render the medians as a markdown table, with ratios to the ceiling (see `ratios`)."""
    ceiling = report.ceiling()
    lines = [
        "| workload | mode | req/s | p50 ms | p99 ms | errors | SQL/req | CPU ms/req | RSS MiB "
        "| req/s vs ceiling | p50 vs ceiling | CPU/req vs ceiling | RSS vs ceiling |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in report.rows:
        m = row.summary()
        against = ratios(row, ceiling)
        shown = [NONE, NONE, NONE, NONE]
        if against is not None:
            shown = [
                _share(against.requests_per_second),
                _times(against.p50),
                _times(against.cpu_per_request),
                _times(against.rss),
            ]
        lines.append(
            f"| {row.key} {row.title} | {row.mode} | {_number(m.requests_per_second, 0)} | {_number(m.p50_ms, 2)} "
            f"| {_number(m.p99_ms, 2)} | {m.errors} | {_number(m.statements_per_request, 2)} "
            f"| {_number(m.cpu_ms_per_request, 3)} | {_number(m.rss_bytes / MIB, 0)} | " + " | ".join(shown) + " |"
        )
    return "\n".join(lines)


def extras(report: Report) -> str:
    """Render W5, the staff export and the notes as markdown lines."""
    lines: list[str] = []
    if (f := report.fanout) is not None:
        lines.append(
            f"- W5 live fan-out: {f.connected}/{f.subscribers} subscribers, {f.writes} writes: commit → last receipt "
            f"p50 {_number(f.commit_to_last_p50_ms)} ms, p90 {_number(percentile(f.commit_to_last_ms, 0.9))} ms, "
            f"p99 {_number(f.commit_to_last_p99_ms)} ms "
            f"(max {_number(f.commit_to_last_max_ms)} ms; median receipt {_number(f.commit_to_median_receipt_ms)} ms); "
            f"stockUpdate p50 {_number(f.write_latency_p50_ms)} ms; RSS per idle connection "
            f"{_number(f.rss_per_connection_bytes / 1024)} KiB ({_number(f.rss_before_bytes / MIB, 0)} → "
            f"{_number(f.rss_after_bytes / MIB, 0)} MiB); connecting took {_number(f.connect_seconds)} s; "
            f"missed deliveries {f.missed_deliveries}, errors {f.errors}"
        )
    cached = [
        f"{row.key} {row.mode} {100 * hit:.1f} %"
        for row in report.rows
        if (hit := row.summary().response_cache_hit_ratio) is not None
    ]
    if cached:
        lines.append("- Response cache hits (share of anonymous queries answered from it): " + "; ".join(cached))
    if (e := report.export) is not None:
        times = f"{_number(e.median_ms)} ms median (best {_number(e.best_ms)} ms, first {_number(e.first_ms)} ms"
        lines.append(
            f"- Staff export ({report.export_mode}, {e.pages} sequential pages of 100, 10 fields): {e.products} "
            f"products in {times}; target ≤ 150 ms); {_number(e.statements_per_export)} SQL statements per export"
        )
    lines.extend(f"- {note}" for note in report.notes)
    return "\n".join(lines)


def to_json(report: Report) -> dict[str, Any]:
    ceiling = report.ceiling()
    return {
        "meta": report.meta,
        "rows": [
            {
                "key": row.key,
                "title": row.title,
                "mode": row.mode,
                "median": dataclasses.asdict(row.summary()),
                "rounds": [dataclasses.asdict(r) for r in row.rounds],
                "paired_ceiling_rounds": [dataclasses.asdict(r) for r in row.paired],
                "vs_ceiling": None if (against := ratios(row, ceiling)) is None else dataclasses.asdict(against),
            }
            for row in report.rows
        ],
        "fanout": None
        if report.fanout is None
        else {**dataclasses.asdict(report.fanout), "rss_per_connection_bytes": report.fanout.rss_per_connection_bytes},
        "staff_export": None
        if report.export is None
        else {**dataclasses.asdict(report.export), "mode": report.export_mode},
        "notes": report.notes,
        "errors": report.errors,
    }


def write_json(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(to_json(report), option=orjson.OPT_INDENT_2) + b"\n")
