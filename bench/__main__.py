"""`python -m bench`: seed a catalog, serve it as production does, drive it with wrk, print and save the figures."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from types import FrameType

from bench.dataset import ADMIN_URL, REDIS_URL
from bench.run import ALL_PARTS, MODES, Mode, Options, run

# Nine read rows (three workloads in three modes), each round followed by a ceiling round: 1 s runs keep the smoke
# test near a minute.
QUICK = {"products": 200, "rounds": 1, "seconds": 1.0, "warmup_seconds": 1.0, "subscribers": 100, "writes": 5}


def _parts(value: str) -> tuple[str, ...]:
    parts = tuple(p.strip() for p in value.split(",") if p.strip())
    unknown = [p for p in parts if p not in ALL_PARTS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown part {', '.join(unknown)}; choose from {', '.join(ALL_PARTS)}")
    return parts


def _modes(value: str) -> tuple[Mode, ...]:
    flags = {mode.flag: mode for mode in MODES}
    names = [p.strip() for p in value.split(",") if p.strip()]
    unknown = [n for n in names if n not in flags]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown mode {', '.join(unknown)}; choose from {', '.join(flags)}")
    return tuple(mode for mode in MODES if mode.flag in names)  # always in the order cold, hot…


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="CI smoke test: 200 products, 1 s runs, 1 round, 100 subs")
    p.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres", help="default: postgres")
    p.add_argument("--products", type=int, help="catalog size (default 1,000)")
    p.add_argument("--seed", type=int, default=42, help="random seed of the generated catalog (default 42)")
    p.add_argument("--rounds", type=int, help="timed rounds per workload; the median is reported (default 3)")
    p.add_argument("--seconds", type=float, help="length of each wrk run (default 10)")
    p.add_argument("--warmup-seconds", type=float, help="untimed wrk run before the rounds (default 3)")
    p.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    p.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    p.add_argument("--subscribers", type=int, help="W5 websocket subscribers (default 1,000; the target is 5,000)")
    p.add_argument("--writes", type=int, help="W5 timed writes (default 100: the p99 is then not the slowest)")
    p.add_argument("--only", type=_parts, default=ALL_PARTS, help=f"comma-separated subset of {','.join(ALL_PARTS)}")
    p.add_argument(
        "--modes",
        type=_modes,
        default=MODES,
        help="comma-separated subset of the read workloads' modes: "
        f"{','.join(m.flag for m in MODES)} (default: all three)",
    )
    p.add_argument("--output", type=Path, default=Path("bench/results/latest.json"), help="JSON results file")
    p.add_argument("--database", help="PostgreSQL database to use (created if absent; topped up to --products)")
    p.add_argument("--keep-database", action="store_true", help="do not drop the database at the end")
    p.add_argument("--postgres-admin-url", default=ADMIN_URL, help=f"where to create databases (default {ADMIN_URL})")
    p.add_argument("--redis-url", default=REDIS_URL, help=f"default {REDIS_URL}")
    p.add_argument(
        "--app-dir",
        type=Path,
        default=Path.cwd(),
        help="checkout whose `vitrine` to serve and seed (default: this one); e.g. a `git archive` of a commit",
    )
    p.add_argument(
        "--write-rate",
        type=float,
        default=0.0,
        help="staff stockUpdates per second during each timed read round, over variants spread over the catalog "
        "(default 0: none)",
    )
    p.add_argument(
        "--profile", type=Path, help="directory: py-spy profiles of each read workload's first round, cold and hot"
    )
    return p


def options_from(argv: list[str] | None = None) -> Options:
    args = parser().parse_args(argv)
    defaults = {"products": 1_000, "rounds": 3, "seconds": 10.0, "warmup_seconds": 3.0, "subscribers": 1_000}
    defaults["writes"] = 100
    if args.quick:
        defaults.update(QUICK)

    def pick(name: str) -> float:
        value = getattr(args, name)
        return float(defaults[name] if value is None else value)

    return Options(
        backend=args.backend,
        products=int(pick("products")),
        seed=args.seed,
        rounds=max(1, int(pick("rounds"))),
        seconds=pick("seconds"),
        warmup_seconds=pick("warmup_seconds"),
        connections=args.connections,
        threads=args.threads,
        subscribers=int(pick("subscribers")),
        writes=max(1, int(pick("writes"))),
        parts=args.only,
        modes=args.modes,
        output=args.output,
        database=args.database,
        keep_database=args.keep_database or args.database is not None,
        postgres_admin_url=args.postgres_admin_url,
        redis_url=args.redis_url,
        profile=args.profile,
        app_dir=args.app_dir.resolve(),
        write_rate=max(0.0, args.write_rate),
    )


def _terminate(signum: int, _frame: FrameType | None) -> None:
    # Turn SIGTERM into SystemExit so every `finally` runs: servers stopped, scratch database dropped.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    return run(options_from(argv))


if __name__ == "__main__":
    sys.exit(main())
