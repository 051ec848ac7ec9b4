"""A minimal pipelined Redis client for one hot command, `MGET`, on one connection.

redis-py costs ≈ 55-90 µs of CPU per command (its connection pool and per-command machinery, with or without
hiredis); this costs ≈ 15-20 µs. It is used only where that difference is most of a request: the response cache's
look-up. It owns only the connection and the pipelining; hiredis packs the commands and parses the replies.
Concurrent calls share one connection: replies are matched to callers in order (Redis answers a connection's
commands in the order it received them), and the commands of the calls made in one turn of the event loop are
written together, in one system call, when that turn ends (under load, the requests a turn starts look up
together). A broken connection fails its pending calls with `ConnectionError` and is reopened by the next call; a
reply slower than `timeout_seconds` breaks the connection.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import hiredis
from redis.asyncio import Redis
from redis.asyncio.connection import Connection, UnixDomainSocketConnection


class RedisReplyError(ConnectionError):
    """Redis answered with an error, or with a reply this client does not read."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where and how to connect: TCP `host:port` or a unix socket `path`, then `AUTH` and `SELECT`."""

    host: str = "127.0.0.1"
    port: int = 6379
    path: str | None = None
    db: int = 0
    username: str | None = None
    password: str | None = None


def encode_command(*args: bytes) -> bytes:
    """Return a command in RESP (hiredis packs it)."""
    packed: bytes = hiredis.pack_command(args)  # type: ignore[arg-type]  # its stub types a one-element tuple
    return packed


Reply = list[bytes | None] | bytes | None


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        # hiredis parses the replies (C, and what redis-py itself uses when it is installed); an error reply comes
        # back as an exception instance, not raised.
        self.reader = hiredis.Reader(replyError=RedisReplyError)
        self.pending: deque[tuple[asyncio.Future[Reply], float]] = deque()
        self.outgoing: list[bytes] = []  # commands to write when the loop's current turn ends
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        try:
            while self.pending:
                reply = self.reader.gets()
                if reply is False:  # incomplete: wait for more bytes
                    break
                if isinstance(reply, RedisReplyError):
                    raise reply
                future, _ = self.pending.popleft()
                if not future.done():
                    future.set_result(reply)
        except (RedisReplyError, hiredis.ProtocolError) as error:
            self.abort(RedisReplyError(str(error)))

    def send(self, command: bytes) -> None:
        """Queue a command; the turn's commands are written together."""
        if not self.outgoing:
            asyncio.get_running_loop().call_soon(self.flush)
        self.outgoing.append(command)

    def flush(self) -> None:
        outgoing, self.outgoing = self.outgoing, []
        if self.transport is not None and not self.closed:
            self.transport.write(outgoing[0] if len(outgoing) == 1 else b"".join(outgoing))

    def connection_lost(self, exc: Exception | None) -> None:
        self.fail(ConnectionError(f"Redis connection lost: {exc}" if exc else "Redis connection closed"))

    def fail(self, error: Exception) -> None:
        self.closed = True
        while self.pending:
            future, _ = self.pending.popleft()
            if not future.done():
                future.set_exception(error)

    def abort(self, error: Exception) -> None:
        self.fail(error)
        if self.transport is not None:
            self.transport.abort()


class PipelinedRedis:
    """`MGET` over one shared, pipelined connection, opened on first use and reopened after a failure."""

    def __init__(self, endpoint: Endpoint, *, timeout_seconds: float = 5.0) -> None:
        self._endpoint = endpoint
        self._timeout = timeout_seconds
        self._protocol: _Protocol | None = None
        self._connecting: asyncio.Future[_Protocol] | None = None
        self._watchdog: asyncio.TimerHandle | None = None

    async def mget(self, keys: Sequence[bytes]) -> list[bytes | None]:
        """Return each key's value, or `None` when absent."""
        protocol = self._protocol
        if protocol is None or protocol.closed:
            protocol = await self._connect()
        future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        protocol.pending.append((future, time.monotonic()))
        protocol.send(encode_command(b"MGET", *keys))
        if self._watchdog is None:
            self._watchdog = asyncio.get_running_loop().call_later(self._timeout / 4, self._check_timeouts)
        reply = await future
        if not isinstance(reply, list):
            raise RedisReplyError("MGET did not return an array")
        return reply

    def _check_timeouts(self) -> None:
        self._watchdog = None
        protocol = self._protocol
        if protocol is None or not protocol.pending:
            return
        if time.monotonic() - protocol.pending[0][1] > self._timeout:
            protocol.abort(TimeoutError(f"Redis did not answer within {self._timeout:g} s"))
            return
        self._watchdog = asyncio.get_running_loop().call_later(self._timeout / 4, self._check_timeouts)

    async def _connect(self) -> _Protocol:
        # Concurrent first calls share one connection attempt.
        if self._connecting is None:
            self._connecting = asyncio.ensure_future(self._open())
        connecting = self._connecting
        try:
            return await asyncio.shield(connecting)
        finally:
            if self._connecting is connecting and connecting.done():
                self._connecting = None

    async def _open(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        endpoint = self._endpoint
        async with asyncio.timeout(self._timeout):
            if endpoint.path is not None:
                _, protocol = await loop.create_unix_connection(_Protocol, endpoint.path)
            else:
                _, protocol = await loop.create_connection(_Protocol, endpoint.host, endpoint.port)
            setup: list[bytes] = []
            if endpoint.password is not None:
                credentials = [endpoint.password.encode()]
                if endpoint.username:
                    credentials.insert(0, endpoint.username.encode())
                setup.append(encode_command(b"AUTH", *credentials))
            if endpoint.db:
                setup.append(encode_command(b"SELECT", str(endpoint.db).encode()))
            waiting = []
            for command in setup:
                future: asyncio.Future[Reply] = loop.create_future()
                protocol.pending.append((future, time.monotonic()))
                assert protocol.transport is not None
                protocol.transport.write(command)
                waiting.append(future)
            try:
                for future in waiting:
                    await future
            except BaseException:
                protocol.abort(ConnectionError("Redis connection setup failed"))
                raise
        self._protocol = protocol
        return protocol

    def close(self) -> None:
        """Close the connection; pending calls fail."""
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        if self._protocol is not None:
            self._protocol.abort(ConnectionError("Redis client closed"))
            self._protocol = None


def endpoint_of(client: Redis) -> Endpoint | None:
    """Return where a redis-py client connects, or `None` for what this client does not speak (TLS)."""
    pool = client.connection_pool
    options = pool.connection_kwargs
    if pool.connection_class is UnixDomainSocketConnection:
        path = options["path"]
    elif pool.connection_class is Connection:
        path = None
    else:
        return None
    return Endpoint(
        host=options.get("host", "127.0.0.1"),
        port=int(options.get("port", 6379)),
        path=path,
        db=int(options.get("db", 0) or 0),
        username=options.get("username"),
        password=options.get("password"),
    )
