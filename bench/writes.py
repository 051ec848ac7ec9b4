"""A background write load: staff `stockUpdate`s at a steady rate while wrk reads (`--write-rate`)."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from types import TracebackType

import httpx
import orjson

from bench.dataset import global_id
from bench.workloads import STOCK_UPDATE, graphql_body


@dataclass(slots=True)
class WriteTally:
    sent: int = 0
    failed: int = 0


class WriteLoad:
    """Send `rate` stock updates a second, in turn over `variant_ids`, from a thread, until the block ends."""

    def __init__(self, base_url: str, *, staff_token: str, variant_ids: list[int], rate: float) -> None:
        self._base_url = base_url
        self._token = staff_token
        self._variants = [global_id("ProductVariant", v) for v in variant_ids]
        self._interval = 1.0 / rate
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="write-load", daemon=True)
        self.tally = WriteTally()

    def __enter__(self) -> WriteLoad:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"}
        quantities = itertools.cycle(range(5, 50))
        next_at = time.monotonic()
        with httpx.Client(base_url=self._base_url, timeout=10, headers=headers) as client:
            for variant in itertools.cycle(self._variants):
                if self._stop.wait(max(0.0, next_at - time.monotonic())):
                    return
                next_at += self._interval
                body = graphql_body(STOCK_UPDATE, {"variantId": variant, "quantity": next(quantities)}, "StockUpdate")
                self.tally.sent += 1
                try:
                    response = client.post("/graphql", content=body)
                    ok = response.status_code == 200 and "errors" not in orjson.loads(response.content)
                except (httpx.HTTPError, orjson.JSONDecodeError):
                    ok = False
                self.tally.failed += not ok
