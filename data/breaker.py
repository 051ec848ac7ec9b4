"""Fail fast while Redis is unreachable, so that an outage costs one timeout per cool-down, not one per call.

Without it, a Redis that stops answering makes every cache call wait out its socket timeout (and redis-py's
retries): measured, a listing took 26 to 31 s per request against a Redis that accepted connections and never
replied. With it, the first failure opens the breaker; for `cool_down_seconds` every read fails at once with
`RedisUnavailable` and goes to the database, as on any Redis error. Writes that keep caches correct (invalidations,
versions) are still attempted. The next call after the cool-down tries Redis again, and closes the breaker if it
answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import structlog
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = structlog.get_logger(__name__)


class RedisUnavailable(RedisConnectionError):
    """Redis failed a moment ago; this call was not sent."""


class Breaker:
    """Open after a failed Redis call, for `cool_down_seconds`; closed again by the first call that succeeds."""

    def __init__(self, name: str, *, cool_down_seconds: float = 5.0, clock: Callable[[], float] = time.monotonic):
        self._name = name
        self._cool_down = cool_down_seconds
        self._clock = clock
        self._open_until = 0.0
        self._tripped = False

    @property
    def is_open(self) -> bool:
        return self._clock() < self._open_until

    @contextmanager
    def guard(self, *, even_if_open: bool = False) -> Iterator[None]:
        """Run one Redis call: refuse it while open (unless `even_if_open`: for writes that keep caches correct,
        such as invalidations, which are worth a timeout); open on a connection or timeout failure."""
        if self.is_open and not even_if_open:
            raise RedisUnavailable(f"{self._name}: Redis failed recently; not retrying for a few seconds")
        try:
            yield
        except (RedisError, OSError) as error:
            # Timeouts and broken connections (redis-py's and the builtin ones, both under these two); a Redis
            # that answers with an error reply is up, and does not open the breaker.
            if isinstance(error, RedisError) and not isinstance(error, (RedisConnectionError, RedisTimeoutError)):
                raise
            if not self._tripped:
                log.warning(
                    "redis.unreachable", client=self._name, cool_down_seconds=self._cool_down, error=repr(error)
                )
            self._tripped = True
            self._open_until = self._clock() + self._cool_down
            raise
        if self._tripped:
            log.info("redis.reachable", client=self._name)
            self._tripped = False
