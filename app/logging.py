"""Structured logs: JSON lines in production, readable ones on a terminal, both with the request's context.

The application's own logs (`structlog.get_logger(name)`) are rendered by structlog itself and written straight to
standard error: the access log is written once per request, and the standard library's path (a `LogRecord`, the
handler's lock, the formatter running the processors again) cost it several times more (docs/performance.md).
Everything logged through the standard library (uvicorn, alembic, other libraries) goes through the same
processors and renderer by a `ProcessorFormatter`, so both kinds of line look alike.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import orjson
import structlog


def _dumps(value: Any, **_: Any) -> str:
    # orjson: a log line per request is on the hot path, and the stdlib encoder costs several times more.
    return orjson.dumps(value, default=str).decode()


class NamedWriteLogger(structlog.WriteLogger):
    """structlog's `WriteLogger` (a line written and flushed under a lock) with the name it was asked for, which
    `add_logger_name` reads as it reads a standard library logger's."""

    def __init__(self, file: TextIO, name: str) -> None:
        super().__init__(file)
        self.name = name


class NamedWriteLoggerFactory:
    """Give `structlog.get_logger(name)` a `NamedWriteLogger` on one stream."""

    def __init__(self, file: TextIO) -> None:
        self._file = file

    def __call__(self, *args: Any) -> NamedWriteLogger:
        return NamedWriteLogger(self._file, str(args[0]) if args else "root")


def configure_logging(*, level: str, json: bool, stream: TextIO | None = None) -> None:
    """Route the application's structlog and the standard library's records through one pipeline, to `stream`
    (standard error by default), at `level` and above."""
    stream = stream if stream is not None else sys.stderr
    threshold = logging.getLevelNamesMapping()[level.upper()]
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(serializer=_dumps)
        if json
        else structlog.dev.ConsoleRenderer(colors=stream.isatty())
    )
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        logger_factory=NamedWriteLoggerFactory(stream),
        wrapper_class=structlog.make_filtering_bound_logger(threshold),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(threshold)
    for noisy in ("uvicorn.access", "sqlalchemy.engine"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
