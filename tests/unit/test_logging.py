"""The log pipeline: JSON lines with the request's context, one level threshold, the standard library's records
rendered like the application's own."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import structlog

from app.logging import configure_logging


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """A stream to configure logging to; the previous configuration is restored afterwards."""
    config = structlog.get_config()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield io.StringIO()
    finally:
        structlog.contextvars.clear_contextvars()
        structlog.configure(**config)
        root.handlers[:] = handlers
        root.setLevel(level)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in stream.getvalue().splitlines()]


def test_an_application_line_is_json_with_the_bound_context(stream: io.StringIO) -> None:
    configure_logging(level="info", json=True, stream=stream)
    structlog.contextvars.bind_contextvars(request_id="req-1")

    structlog.get_logger("vitrine.test").info("thing.done", count=3)

    (line,) = _lines(stream)
    assert line["event"] == "thing.done"
    assert line["count"] == 3
    assert line["request_id"] == "req-1"
    assert line["level"] == "info"
    assert line["logger"] == "vitrine.test"
    assert line["timestamp"].endswith("Z")


def test_lines_below_the_level_are_dropped(stream: io.StringIO) -> None:
    configure_logging(level="warning", json=True, stream=stream)
    log = structlog.get_logger("vitrine.test")

    log.debug("not.this")
    log.info("nor.this")
    log.warning("this", reason="full")
    logging.getLogger("some.library").info("nor.this.one")

    assert [(line["event"], line["level"]) for line in _lines(stream)] == [("this", "warning")]


def test_a_standard_library_record_is_rendered_like_the_applications(stream: io.StringIO) -> None:
    configure_logging(level="info", json=True, stream=stream)
    structlog.contextvars.bind_contextvars(request_id="req-2")

    logging.getLogger("uvicorn.error").warning("port %s is busy", 8000)

    (line,) = _lines(stream)
    assert line["event"] == "port 8000 is busy"
    assert line["level"] == "warning"
    assert line["logger"] == "uvicorn.error"
    assert line["request_id"] == "req-2"


def test_an_exception_is_logged_with_its_traceback_either_way(stream: io.StringIO) -> None:
    configure_logging(level="info", json=True, stream=stream)
    try:
        _ = 1 / 0
    except ZeroDivisionError:
        structlog.get_logger("vitrine.test").exception("sum.failed")
        logging.getLogger("some.library").exception("library.failed")
    structlog.get_logger("vitrine.test").warning("read.failed", exc_info=ValueError("no such key"))

    native, stdlib, given = _lines(stream)
    for line in (native, stdlib):
        assert line["level"] == "error"
        assert "Traceback" in line["exception"]
        assert "ZeroDivisionError" in line["exception"]
    assert given["event"] == "read.failed"
    assert "ValueError: no such key" in given["exception"]


def test_a_terminal_gets_readable_lines(stream: io.StringIO) -> None:
    configure_logging(level="info", json=False, stream=stream)

    structlog.get_logger("vitrine.test").info("thing.done", count=3)

    text = stream.getvalue()
    assert "thing.done" in text
    assert "count=3" in text
    assert not text.lstrip().startswith("{")


def test_the_level_is_read_in_any_case(stream: io.StringIO) -> None:
    configure_logging(level="ERROR", json=True, stream=stream)

    structlog.get_logger("vitrine.test").warning("dropped")
    structlog.get_logger("vitrine.test").error("kept")

    assert [line["event"] for line in _lines(stream)] == ["kept"]
