"""The API's PostgreSQL connections: named, and a runaway statement is cancelled by the server."""

from __future__ import annotations

import pytest
from asyncpg.exceptions import QueryCanceledError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.settings import Settings
from tests.support import container_with


@pytest.mark.parametrize("backend", ["production"])
async def test_a_statement_over_the_timeout_is_cancelled_and_the_pool_goes_on(settings: Settings) -> None:
    # A timeout a loaded machine cannot hit by accident (SELECT 1 was once cancelled at 0.2 s), far below the sleep.
    async with container_with(settings, db_statement_timeout_seconds=1.0) as container:
        async with container.database.read() as conn:
            name = await conn.scalar(text("SELECT current_setting('application_name')"))
            parallel = await conn.scalar(text("SELECT current_setting('max_parallel_workers_per_gather')"))
            jit = await conn.scalar(text("SELECT current_setting('jit')"))
            with pytest.raises(DBAPIError) as cancelled:
                await conn.execute(text("SELECT pg_sleep(10)"))
        async with container.database.read() as conn:
            after = await conn.scalar(text("SELECT 1"))

    assert (name, parallel, jit) == ("vitrine", "0", "off")
    assert cancelled.value.orig is not None
    assert isinstance(cancelled.value.orig.__cause__, QueryCanceledError)
    assert after == 1


@pytest.mark.parametrize("backend", ["production"])
async def test_no_timeout_when_it_is_zero(settings: Settings) -> None:
    async with (
        container_with(settings, db_statement_timeout_seconds=0) as container,
        container.database.read() as conn,
    ):
        timeout = await conn.scalar(text("SELECT current_setting('statement_timeout')"))

    assert timeout == "0"
