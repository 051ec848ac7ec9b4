"""One benchmark run: prepare the data, then measure each workload cold and hot, the ceiling, and W5."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import secrets
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import uvloop

from bench import client, dataset, report, server, wrk
from bench.fanout import measure_fanout
from bench.report import Measure, Report, Row
from bench.workloads import NOT_BUILT, Workload, category_listing, lua_post_script, product_page, search
from bench.writes import WriteLoad, WriteTally


@dataclass(frozen=True, slots=True)
class Mode:
    """How the API process under test is configured: which caches are on."""

    name: str  # as shown in the table
    flag: str  # as named on the command line and in profile file names
    entity_cache: bool
    response_cache: bool


COLD = Mode("cold", "cold", entity_cache=False, response_cache=False)
HOT_ENTITIES = Mode("hot, no response cache", "hot-no-response-cache", entity_cache=True, response_cache=False)
HOT = Mode("hot", "hot", entity_cache=True, response_cache=True)
MODES = (COLD, HOT_ENTITIES, HOT)
HARNESS_ROOT = Path(__file__).resolve().parent.parent
ALL_PARTS = ("W1", "W2", "W3", "W5", "export")


@dataclass(frozen=True, slots=True)
class Options:
    backend: str
    products: int
    seed: int
    rounds: int
    seconds: float
    warmup_seconds: float
    connections: int
    threads: int
    subscribers: int
    writes: int
    parts: tuple[str, ...]
    modes: tuple[Mode, ...]
    output: Path
    database: str | None
    postgres_admin_url: str
    redis_url: str
    keep_database: bool
    profile: Path | None
    app_dir: Path
    write_rate: float = 0.0  # staff stockUpdates per second during each timed read round (0: none)


@dataclass(frozen=True, slots=True)
class Target:
    """The prepared data plus what every API process needs in its environment."""

    data: dataset.Dataset
    staff_token: str
    log_dir: Path
    app_dir: Path

    def api_env(self, mode: Mode) -> dict[str, str]:
        env = {
            "VITRINE_ENV": "production",
            "VITRINE_DATABASE_URL": self.data.database_url,
            "VITRINE_CACHE_ENABLED": "true" if mode.entity_cache else "false",
            "VITRINE_STAFF_TOKENS": self.staff_token,
            "VITRINE_REDIS_NAMESPACE": f"bench-{uuid.uuid4().hex[:12]}",
            "VITRINE_REDIS_URL": self.data.redis_url or "",
        }
        if mode.entity_cache and not mode.response_cache:
            env["VITRINE_RESPONSE_CACHE_SECONDS"] = "0"
        # With the response cache on, VITRINE_RESPONSE_CACHE_SECONDS keeps the app's default, as in production.
        return env


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def prepared(options: Options, scratch: Path) -> Iterator[dataset.Dataset]:
    """Create, migrate and seed the database; drop it afterwards unless asked to keep it."""
    drop: str | None = None
    if options.backend == "sqlite":
        url, redis_url = f"sqlite+aiosqlite:///{scratch / 'bench.db'}", None
    else:
        name = options.database or dataset.scratch_name()
        if (
            asyncio.run(dataset.create_postgres_database(options.postgres_admin_url, name))
            and not options.keep_database
        ):
            drop = name
        url, redis_url = dataset.postgres_url(options.postgres_admin_url, name), options.redis_url
        log(f"database: {name}" + ("" if drop else " (kept)"))
    try:
        log(f"migrating and seeding up to {options.products:,} products…")
        present = dataset.seed(options.app_dir, url, products=options.products, seed=options.seed)
        slugs, categories, variant_id, spread = asyncio.run(dataset.pick_keys(url))
        yield dataset.Dataset(options.backend, url, redis_url, present, slugs, categories, variant_id, spread)
    finally:
        if drop is not None:
            asyncio.run(dataset.drop_postgres_database(options.postgres_admin_url, drop))


def start_api(target: Target, mode: Mode) -> server.Server:
    port = server.free_port()
    env = target.api_env(mode)
    return server.start_server(
        f"api-{mode.flag}",
        server.api_command(port),
        port=port,
        env=env,
        log_dir=target.log_dir,
        ready_path="/readyz",
        cwd=target.app_dir,
    )


def timed_round(
    api: server.Server,
    script: str,
    options: Options,
    *,
    seconds: float,
    count_sql: bool,
    writes: WriteSpec | None = None,
) -> Measure:
    """Run wrk once against `/graphql` (with the write load, if any); read statements, response-cache hits and CPU
    before and after."""
    metrics_before = client.metrics(api.base_url) if count_sql else {}
    before = api.sample()
    load = (
        WriteLoad(api.base_url, staff_token=writes.staff_token, variant_ids=writes.variant_ids, rate=writes.rate)
        if writes is not None
        else contextlib.nullcontext()
    )
    with load:
        result = wrk.run_wrk(
            f"{api.base_url}/graphql",
            script,
            seconds=seconds,
            connections=options.connections,
            threads=options.threads,
        )
    if writes is not None and isinstance(load, WriteLoad):
        writes.tally.sent += load.tally.sent
        writes.tally.failed += load.tally.failed
    after = api.sample()
    statements = hit_ratio = None
    if count_sql and result.requests:
        metrics_after = client.metrics(api.base_url)

        def grew(name: str) -> float:
            return metrics_after.get(name, 0.0) - metrics_before.get(name, 0.0)

        statements = grew(client.STATEMENTS) / result.requests
        looked_up = grew(client.RESPONSE_HITS) + grew(client.RESPONSE_MISSES)
        hit_ratio = grew(client.RESPONSE_HITS) / looked_up if looked_up else None
    return Measure(
        requests=result.requests,
        requests_per_second=result.requests_per_second,
        p50_ms=result.p50_ms,
        p99_ms=result.p99_ms,
        errors=result.errors,
        statements_per_request=statements,
        response_cache_hit_ratio=hit_ratio,
        cpu_ms_per_request=(after.cpu_seconds - before.cpu_seconds) * 1000 / max(1, result.requests),
        rss_bytes=after.rss_bytes,
    )


@dataclass(frozen=True, slots=True)
class WriteSpec:
    """The background write load of the timed read rounds, and what it did."""

    rate: float
    staff_token: str
    variant_ids: list[int]
    tally: WriteTally


def warm_up(target: server.Server, script: str, options: Options) -> None:
    """Run wrk untimed for `options.warmup_seconds` (caches filled, connections and statements prepared)."""
    if options.warmup_seconds > 0:
        wrk.run_wrk(
            f"{target.base_url}/graphql",
            script,
            seconds=options.warmup_seconds,
            connections=options.connections,
            threads=options.threads,
        )


def measure_rows(
    api: server.Server,
    row: Row,
    script: str,
    options: Options,
    *,
    count_sql: bool,
    profile: Path | None = None,
    writes: WriteSpec | None = None,
    ceiling: PairedCeiling | None = None,
) -> None:
    """Warm up, then time `options.rounds` rounds into `row`, each followed by a ceiling round when paired."""
    warm_up(api, script, options)
    for index in range(options.rounds):
        profiler = start_profiler(api.pid, profile, options.seconds) if profile is not None and index == 0 else None
        measure = timed_round(api, script, options, seconds=options.seconds, count_sql=count_sql, writes=writes)
        if profiler is not None:
            profiler.wait(timeout=options.seconds + 60)
        row.rounds.append(measure)
        log(
            f"  {row.key} {row.mode} round {index + 1}: {measure.requests_per_second:,.0f} req/s, "
            f"p50 {measure.p50_ms:.2f} ms, p99 {measure.p99_ms:.2f} ms, errors {measure.errors}"
        )
        if ceiling is not None:
            row.paired.append(ceiling.round(options))


class PairedCeiling:
    """The ceiling server, up for the whole run, with a round run right after each workload round.

    On a shared machine the speed drifts by a quarter or more within minutes (two runs of the same code, minutes
    apart: ceiling 24.3k and 17.9k req/s), so a ratio to a ceiling measured at the end of the run says as much
    about the drift as about the code. Every ceiling round also counts towards the table's ceiling row.
    """

    def __init__(self, target: Target, body: bytes, script: str) -> None:
        path = target.log_dir / "ceiling-body.json"
        path.write_bytes(body)
        port = server.free_port()
        log(f"ceiling: a bare Starlette endpoint returning {len(body):,} bytes, a round after each workload round")
        self._script = script
        self.body_path = path  # W2's response, which the floors serve too
        self.server = server.start_server(
            "ceiling",
            server.ceiling_command(port),
            port=port,
            env={"BENCH_CEILING_BODY": str(path)},
            log_dir=target.log_dir,
            ready_path="/healthz",
            cwd=HARNESS_ROOT,
        )
        self.row = Row("C", f"ceiling ({len(body):,} B JSON)", "ceiling")
        self._warm = False

    def round(self, options: Options) -> Measure:
        if not self._warm:
            warm_up(self.server, self._script, options)
            self._warm = True
        measure = timed_round(self.server, self._script, options, seconds=options.seconds, count_sql=False)
        self.row.rounds.append(measure)
        log(f"    ceiling: {measure.requests_per_second:,.0f} req/s, p50 {measure.p50_ms:.2f} ms")
        return measure


# The floors (`bench/floor.py`): W2's listing from memory, with each executor; key, executor, title.
FLOORS = (
    ("F1", "strawberry", "floor: W2 from memory, Strawberry's executor"),
    ("F2", "lean", "floor: W2 from memory, the API's executor"),
)


def measure_floors(
    target: Target, ceiling: PairedCeiling, listing: Workload, sample: bytes, options: Options
) -> list[Row]:
    """Measure W2's listing answered from memory by a Strawberry schema of its shape, with graphql-core's executor and
    with the API's, each round beside a ceiling round: the reference issue #3 sets the cold target against."""
    rows = []
    script = lua_post_script(listing.bodies)
    for key, executor, title in FLOORS:
        port = server.free_port()
        floor = server.start_server(
            f"floor-{executor}",
            server.floor_command(port),
            port=port,
            env={"BENCH_FLOOR_BODY": str(ceiling.body_path), "BENCH_FLOOR_EXECUTOR": executor},
            log_dir=target.log_dir,
            ready_path="/healthz",
            cwd=HARNESS_ROOT,
        )
        with server.running(floor):
            answered = client.verify(floor.base_url, listing.bodies[:1])
            if orjson.loads(answered) != orjson.loads(sample):
                raise client.ResponseError(f"the {executor} floor does not answer W2's data: {answered[:300]!r}")
            log(f"{title}: a Strawberry schema of W2's shape, its data in memory")
            row = Row(key, title, "floor")
            measure_rows(floor, row, script, options, count_sql=False, ceiling=ceiling)
            rows.append(row)
    return rows


def start_profiler(pid: int, path: Path, seconds: float) -> subprocess.Popen[bytes]:
    """Sample the server with py-spy (fetched by uv) while a round runs; write a speedscope profile."""
    log(f"  profiling pid {pid} with py-spy into {path}")
    command = [
        "uv", "run", "--no-sync", "--with", "py-spy", "py-spy", "record", "--pid", str(pid),
        "--duration", str(max(1, round(seconds))), "--rate", "250", "--format", "speedscope", "-o", str(path),
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, start_new_session=True)


def read_workloads(data: dataset.Dataset, base_url: str, options: Options, rep: Report) -> list[Workload]:
    """Build the read workloads asked for; W3's words are those that fill a page on this catalog (asked of the API)."""
    every: list[Workload] = []
    if "W1" in options.parts:
        every.append(product_page(data.product_slugs))
    if "W2" in options.parts:
        every.append(category_listing(data.category_slugs))
    if "W3" in options.parts:
        words, fewest = client.search_words(base_url)
        log(f"  W3 search words: {', '.join(words)}")
        rep.meta["search_words"] = words
        if fewest < 24:
            rep.notes.append(f"W3: no search word fills a page of 24 on this catalog; as few as {fewest} results")
        every.append(search(words))
    return every


def measure_reads(target: Target, options: Options, rep: Report) -> None:
    """Measure each read workload in each mode (a fresh process each), each round beside a ceiling round.

    The ceiling returns W2's response, read from the API before the first timed round, and is driven with W2's
    requests (or the first workload's, without W2).
    """
    ceiling: PairedCeiling | None = None
    workloads: list[Workload] | None = None
    writes = None
    if options.write_rate > 0:
        variants = target.data.write_variant_ids
        writes = WriteSpec(options.write_rate, target.staff_token, variants, WriteTally())
    with contextlib.ExitStack() as stack:  # the ceiling server, once started, until the last mode is measured
        for number, mode in enumerate(options.modes):
            log(
                f"{mode.name}: starting the API (VITRINE_CACHE_ENABLED={str(mode.entity_cache).lower()}, response "
                f"cache {'on' if mode.response_cache else 'off'})"
            )
            with server.running(start_api(target, mode)) as api:
                if workloads is None:
                    workloads = read_workloads(target.data, api.base_url, options, rep)
                samples = {workload.key: client.verify(api.base_url, workload.bodies) for workload in workloads}
                if ceiling is None and workloads:
                    driver = _listing(workloads) or workloads[0]
                    ceiling = PairedCeiling(target, samples[driver.key], lua_post_script(driver.bodies))
                    stack.enter_context(server.running(ceiling.server))
                if number == 0 and "export" in options.parts:
                    rep.export = client.staff_export(api.base_url, staff_token=target.staff_token)
                    rep.export_mode = mode.name
                    log(f"  staff export ({mode.name}): {rep.export.median_ms:.1f} ms median")
                for workload in workloads:
                    row = Row(workload.key, workload.title, mode.name)
                    rep.rows.append(row)
                    profile = None
                    if options.profile is not None:
                        options.profile.mkdir(parents=True, exist_ok=True)
                        profile = options.profile / f"{workload.key.lower()}-{mode.flag}.speedscope.json"
                    script = lua_post_script(workload.bodies)
                    measure_rows(
                        api, row, script, options, count_sql=True, profile=profile, writes=writes, ceiling=ceiling
                    )
                if number == 0 and ceiling is not None and (listing := _listing(workloads)) is not None:
                    rep.rows.extend(measure_floors(target, ceiling, listing, samples[listing.key], options))
    if writes is not None:
        rep.notes.append(
            f"Write load: {writes.rate:g} staff stockUpdate/s during every timed read round, in turn over "
            f"{len(writes.variant_ids)} variants spread over the catalog ({writes.tally.sent:,} sent, "
            f"{writes.tally.failed:,} failed)."
        )
    if ceiling is not None:
        rep.rows.append(ceiling.row)
        rep.notes.append(
            "Ratios to the ceiling are the median over the rounds of each round's ratio to the ceiling round run "
            "right after it; the ceiling row shows the median of all those rounds."
        )


def _listing(workloads: list[Workload]) -> Workload | None:
    return next((w for w in workloads if w.key == "W2"), None)


def measure_w5(target: Target, options: Options, rep: Report) -> None:
    log(f"W5: {options.subscribers:,} websocket subscribers on one process")
    with server.running(start_api(target, HOT)) as api:
        variant = dataset.global_id("ProductVariant", target.data.variant_id)
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            rep.fanout = runner.run(
                measure_fanout(
                    base_url=api.base_url,
                    subscribers=options.subscribers,
                    writes=options.writes,
                    staff_token=target.staff_token,
                    variant_id=variant,
                    read_rss=lambda: api.sample().rss_bytes,
                )
            )


def prepare_app_dir(app_dir: Path) -> None:
    """Install the environment of another checkout (`--app-dir`) once, exactly as its lockfile says."""
    if app_dir != HARNESS_ROOT and not (app_dir / ".venv").exists():
        log(f"installing {app_dir}'s environment (uv sync --frozen)")
        subprocess.run(["uv", "sync", "--frozen", "--quiet"], cwd=app_dir, check=True)


def run(options: Options) -> int:
    """Run the benchmark; return the exit status: 1 when a workload returned errors, 2 when a step failed."""
    try:
        return measure_all(options)
    except (server.ServerError, client.ResponseError, wrk.WrkError, dataset.DatasetError) as exc:
        log(f"FAILED: {type(exc).__name__}: {exc}")
        return 2


def measure_all(options: Options) -> int:
    wrk.ensure_wrk()
    server.raise_file_limit()
    prepare_app_dir(options.app_dir)
    rep = Report(
        meta={**report.machine(), "app_commit": report.revision(options.app_dir), "options": describe(options)}
    )
    rep.notes.extend(NOT_BUILT.values())
    try:
        with tempfile.TemporaryDirectory(prefix="vitrine-bench-") as scratch_dir:
            scratch = Path(scratch_dir)
            with prepared(options, scratch) as data:
                rep.meta["products"] = data.products
                rep.meta["backend"] = data.backend
                target = Target(data, secrets.token_urlsafe(24), scratch, options.app_dir)
                if options.modes and {"W1", "W2", "W3", "export"} & set(options.parts):
                    measure_reads(target, options, rep)
                if "W5" in options.parts:
                    measure_w5(target, options, rep)
    finally:
        server.stop_all()
    print(f"\n## Vitrine benchmark — {rep.meta['date']}, {rep.meta.get('products', 0):,} products, {options.backend}\n")
    if rep.rows:
        print(report.table(rep))
        print()
    print(report.extras(rep))
    report.write_json(rep, options.output)
    log(f"\nwrote {options.output}")
    if rep.errors:
        log(f"FAILED: {rep.errors} errors (see the table)")
        return 1
    return 0


def describe(options: Options) -> dict[str, str]:
    described = {f.name: str(getattr(options, f.name)) for f in dataclasses.fields(options)}
    described["modes"] = ",".join(mode.flag for mode in options.modes)
    return described
