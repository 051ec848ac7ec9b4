"""W5, live fan-out: N websocket subscribers on one process; time from a committed write to the last receipt."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException
from websockets.typing import Subprotocol

from bench.stats import median, percentile
from bench.workloads import STOCK_SUBSCRIPTION, STOCK_UPDATE

CONNECT_CONCURRENCY = 50
DELIVERY_TIMEOUT_SECONDS = 15.0
PROBE_TIMEOUT_SECONDS = 30.0


@dataclass(slots=True)
class Tally:
    """Receipts of one write across all subscribers."""

    expected: int
    quantity: int = -1
    arrivals: list[float] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def start(self, quantity: int) -> None:
        self.quantity = quantity
        self.arrivals = []
        self.done = asyncio.Event()

    def arrive(self, quantity: int, at: float) -> None:
        if quantity != self.quantity:
            return  # a late copy of an earlier write
        self.arrivals.append(at)
        if len(self.arrivals) >= self.expected:
            self.done.set()


@dataclass(frozen=True, slots=True)
class FanoutResult:
    subscribers: int
    connected: int
    writes: int
    commit_to_last_p50_ms: float
    commit_to_last_p99_ms: float
    commit_to_last_max_ms: float
    commit_to_median_receipt_ms: float
    write_latency_p50_ms: float
    missed_deliveries: int
    errors: int
    connect_seconds: float
    rss_before_bytes: int
    rss_after_bytes: int
    # Every write's commit → last receipt, in order: with a few dozen writes the p99 is the slowest one, and
    # whether that is one stall or a slow tail shows only here.
    commit_to_last_ms: tuple[float, ...] = ()

    @property
    def rss_per_connection_bytes(self) -> float:
        return (self.rss_after_bytes - self.rss_before_bytes) / self.connected if self.connected else math.nan


@dataclass(slots=True)
class _Errors:
    count: int = 0
    first: str = ""

    def add(self, message: str) -> None:
        self.count += 1
        self.first = self.first or message


async def _subscribe(ws_url: str, limit: asyncio.Semaphore, errors: _Errors) -> ClientConnection | None:
    async with limit:
        try:
            ws = await connect(
                ws_url,
                subprotocols=[Subprotocol("graphql-transport-ws")],
                open_timeout=60,
                ping_interval=None,  # idle means idle: no keep-alive traffic during the measurement
                compression=None,
            )
            await ws.send(orjson.dumps({"type": "connection_init", "payload": {}}).decode())
            ack = orjson.loads(await asyncio.wait_for(ws.recv(), 30))
            if ack.get("type") != "connection_ack":
                errors.add(f"no connection_ack: {ack}")
                await ws.close()
                return None
            await ws.send(
                orjson.dumps({"id": "1", "type": "subscribe", "payload": {"query": STOCK_SUBSCRIPTION}}).decode()
            )
        except (OSError, TimeoutError, WebSocketException) as exc:
            errors.add(f"connect: {type(exc).__name__}: {exc}")
            return None
        return ws


async def _listen(ws: ClientConnection, tally: Tally, errors: _Errors) -> None:
    try:
        async for raw in ws:
            at = time.perf_counter()
            message = orjson.loads(raw)
            if message.get("type") != "next" or "errors" in message.get("payload", {}):
                errors.add(f"unexpected message: {str(message)[:200]}")
                continue
            tally.arrive(message["payload"]["data"]["stockLevelChanged"]["quantityAvailable"], at)
    except WebSocketException as exc:
        errors.add(f"closed: {exc}")


async def _write(client: httpx.AsyncClient, variant_id: str, quantity: int, errors: _Errors) -> tuple[float, float]:
    sent = time.perf_counter()
    response = await client.post(
        "/graphql",
        content=orjson.dumps({"query": STOCK_UPDATE, "variables": {"variantId": variant_id, "quantity": quantity}}),
    )
    returned = time.perf_counter()
    body = response.json()
    if response.status_code != 200 or "errors" in body or body["data"]["stockUpdate"]["userErrors"]:
        errors.add(f"stockUpdate failed: {response.status_code} {response.text[:200]}")
    return sent, returned


async def measure_fanout(
    *,
    base_url: str,
    subscribers: int,
    writes: int,
    staff_token: str,
    variant_id: str,
    read_rss: Callable[[], int],
) -> FanoutResult:
    """Connect the subscribers, make sure each is live, then time `writes` stock updates."""
    ws_url = base_url.replace("http://", "ws://", 1) + "/graphql"
    errors = _Errors()
    tally = Tally(expected=subscribers)
    headers = {"Authorization": f"Bearer {staff_token}", "Content-Type": "application/json"}
    rss_before = read_rss()
    started = time.perf_counter()
    limit = asyncio.Semaphore(CONNECT_CONCURRENCY)
    opened = await asyncio.gather(*(_subscribe(ws_url, limit, errors) for _ in range(subscribers)))
    connections = [ws for ws in opened if ws is not None]
    tally.expected = len(connections)
    listeners = [asyncio.create_task(_listen(ws, tally, errors)) for ws in connections]
    gaps: list[float] = []
    to_median: list[float] = []
    write_latencies: list[float] = []
    missed = 0
    try:
        async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as client:
            # The protocol does not acknowledge a subscription: write until every subscriber has received one.
            deadline = time.perf_counter() + PROBE_TIMEOUT_SECONDS
            probe = 0
            while True:
                probe += 1
                tally.start(probe)
                await _write(client, variant_id, probe, errors)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(tally.done.wait(), 2)
                if tally.done.is_set() or time.perf_counter() > deadline:
                    break
            connect_seconds = time.perf_counter() - started
            # This process holds the other end of every connection. Left to the collector, a full collection walks
            # them all, and its pause (≈ 200-280 ms at 5,000) lands in the receipts of whichever write it hits:
            # 2 % of 200 writes took 340-400 ms against ≈ 120 ms typical. The server's pauses are what is measured.
            gc.collect()
            gc.freeze()
            await asyncio.sleep(0.5)
            rss_after = read_rss()
            for index in range(writes):
                quantity = 1_000 + index
                tally.start(quantity)
                sent, returned = await _write(client, variant_id, quantity, errors)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(tally.done.wait(), DELIVERY_TIMEOUT_SECONDS)
                missed += tally.expected - len(tally.arrivals)
                if tally.arrivals:
                    gaps.append((max(tally.arrivals) - returned) * 1000)
                    to_median.append((median(tally.arrivals) - returned) * 1000)
                write_latencies.append((returned - sent) * 1000)
                await asyncio.sleep(0.05)
    finally:
        gc.unfreeze()
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(ws.close() for ws in connections), return_exceptions=True), 30)
    if errors.first:
        print(f"W5: {errors.count} errors; first: {errors.first}", flush=True)
    return FanoutResult(
        subscribers=subscribers,
        connected=len(connections),
        writes=writes,
        commit_to_last_p50_ms=percentile(gaps, 0.5),
        commit_to_last_p99_ms=percentile(gaps, 0.99),
        commit_to_last_max_ms=max(gaps, default=math.nan),
        commit_to_median_receipt_ms=median(to_median),
        write_latency_p50_ms=percentile(write_latencies, 0.5),
        missed_deliveries=missed + (subscribers - len(connections)) * writes,
        errors=errors.count,
        connect_seconds=connect_seconds,
        rss_before_bytes=rss_before,
        rss_after_bytes=rss_after,
        commit_to_last_ms=tuple(round(gap, 2) for gap in gaps),
    )
