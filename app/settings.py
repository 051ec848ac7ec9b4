"""Configuration from the environment (prefix `VITRINE_`): the only place that reads it."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class ConfigurationError(Exception):
    """The environment holds a value Vitrine cannot run with; the message names the variable."""


def _split(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VITRINE_", env_file=".env", extra="ignore", frozen=True)

    env: Environment = Environment.DEVELOPMENT
    database_url: str = "sqlite+aiosqlite:///./vitrine.db"
    redis_url: str | None = None
    # Prefix of every Redis key and channel, so several deployments (or test runs) can share one Redis.
    redis_namespace: str = Field(default="vitrine", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: str = "info"
    log_json: bool = True
    # Staff API tokens (comma-separated); each grants staff permissions. Empty: no staff access.
    staff_tokens: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    # The channel price fields use when a query names none.
    default_channel: str = Field(default="us", pattern=r"^[a-z0-9-]{1,32}$")
    cache_enabled: bool = True
    cache_ttl_seconds: int = Field(default=300, ge=1)
    # Whole responses to anonymous queries are cached at most this long (0: off); writes invalidate them at once.
    response_cache_seconds: int = Field(default=60, ge=0)
    # How often each API process stores again the price summaries listings read (0: never; app/pricing_refresher.py).
    price_refresh_seconds: float = Field(default=5.0, ge=0)
    # Connections per process; loader batches of concurrent requests run in parallel, each on its own.
    db_pool_size: int = Field(default=20, ge=1)
    # PostgreSQL cancels a request's statement that runs longer (0: no limit); migrations and seeding have none.
    db_statement_timeout_seconds: float = Field(default=30, ge=0)
    graphiql: bool | None = None
    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_query_depth: int = Field(default=12, ge=1)
    max_aliases: int = Field(default=30, ge=1)
    max_tokens: int = Field(default=5_000, ge=1)

    @field_validator("staff_tokens", "allowed_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return _split(value)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError("not a SQLAlchemy URL, e.g. postgresql+asyncpg://user@host/db") from exc
        if url.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
            raise ValueError("use sqlite+aiosqlite://… or postgresql+asyncpg://…")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("use redis://host:port/db")
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin != "*" and not origin.startswith(("http://", "https://")):
                raise ValueError(f"{origin!r} is not an origin such as https://shop.example.com")
        return [origin.rstrip("/") for origin in value]

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.lower() not in ("debug", "info", "warning", "error"):
            raise ValueError("use debug, info, warning or error")
        return value.lower()

    @property
    def graphiql_enabled(self) -> bool:
        return self.env is Environment.DEVELOPMENT if self.graphiql is None else self.graphiql


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning a validation failure into one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = "VITRINE_" + "_".join(str(part) for part in error["loc"][:1]).upper()
            lines.append(f"{name}: {error['msg']}")
        raise ConfigurationError("; ".join(lines)) from None
