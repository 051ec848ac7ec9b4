"""The websocket outbox: writes at once when it can, queues in order behind a write that waits, never blocks."""

from __future__ import annotations

import asyncio

import pytest

from app.fanout import OUTBOX_SIZE, Outbox


class Socket:
    """A websocket's send side whose writes wait while the gate is closed, as a full socket buffer does."""

    def __init__(self) -> None:
        self.written: list[str] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.broken = False
        self.unwound: list[str] = []  # writes that ended without writing

    async def write(self, text: str) -> None:
        try:
            await self.gate.wait()
        except BaseException:
            self.unwound.append(text)
            raise
        if self.broken:
            raise ConnectionResetError
        self.written.append(text)


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_write_that_need_not_wait_happens_during_put() -> None:
    socket = Socket()
    outbox = Outbox(socket.write)

    outbox.put("a")
    outbox.put("b")

    assert socket.written == ["a", "b"]  # no await in between: no task was needed


async def test_messages_put_while_a_write_waits_follow_it_in_order_and_put_does_not_block() -> None:
    socket = Socket()
    outbox = Outbox(socket.write)
    socket.gate.clear()

    for text in ("a", "b", "c"):
        outbox.put(text)
    await _settle()
    assert socket.written == []

    socket.gate.set()
    await _settle()
    assert socket.written == ["a", "b", "c"]
    outbox.put("d")
    assert socket.written == ["a", "b", "c", "d"]


async def test_a_slow_client_loses_its_oldest_queued_messages() -> None:
    socket = Socket()
    outbox = Outbox(socket.write)
    socket.gate.clear()

    for index in range(OUTBOX_SIZE + 6):
        outbox.put(str(index))
    socket.gate.set()
    await _settle()

    # "0" was being written; of the rest, the newest OUTBOX_SIZE were kept.
    assert socket.written == ["0", *(str(i) for i in range(6, OUTBOX_SIZE + 6))]


async def test_send_returns_once_its_message_is_written() -> None:
    socket = Socket()
    outbox = Outbox(socket.write)
    socket.gate.clear()
    outbox.put("a")

    sending = asyncio.create_task(outbox.send("b"))
    await _settle()
    assert not sending.done()
    socket.gate.set()
    await sending

    assert socket.written == ["a", "b"]


async def test_after_a_failed_write_messages_are_dropped() -> None:
    socket = Socket()
    outbox = Outbox(socket.write)
    socket.broken = True

    outbox.put("a")
    socket.broken = False
    outbox.put("b")

    assert socket.written == []


@pytest.mark.parametrize("writer_started", [False, True])
async def test_closing_unwinds_a_waiting_write(writer_started: bool) -> None:
    socket = Socket()
    outbox = Outbox(socket.write)
    socket.gate.clear()
    outbox.put("a")
    outbox.put("b")
    if writer_started:
        await _settle()

    await outbox.aclose()
    socket.gate.set()
    await _settle()
    outbox.put("c")

    assert socket.written == []
    assert socket.unwound == ["a"]  # its `finally` blocks ran: nothing is left waiting on the socket
