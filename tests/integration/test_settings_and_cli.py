"""Configuration errors name the variable; the CLI migrates, seeds and exports the schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import main
from app.settings import ConfigurationError, load_settings


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("VITRINE_DATABASE_URL", "mysql://x", "VITRINE_DATABASE_URL: Value error, use sqlite+aiosqlite://"),
        ("VITRINE_PORT", "eighty", "VITRINE_PORT: Input should be a valid integer"),
        ("VITRINE_ENV", "staging", "VITRINE_ENV: Input should be 'development' or 'production'"),
        ("VITRINE_REDIS_URL", "localhost:6379", "VITRINE_REDIS_URL: Value error, use redis://host:port/db"),
    ],
)
def test_a_bad_variable_fails_with_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigurationError) as raised:
        load_settings()

    assert str(raised.value).startswith(expected)
    assert "\n" not in str(raised.value)


def test_comma_separated_lists_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VITRINE_STAFF_TOKENS", "one, two")
    monkeypatch.setenv("VITRINE_ALLOWED_ORIGINS", "https://shop.example")

    settings = load_settings()

    assert [t.get_secret_value() for t in settings.staff_tokens] == ["one", "two"]
    assert settings.allowed_origins == ["https://shop.example"]


def test_the_cli_refuses_bad_configuration_with_exit_code_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VITRINE_PORT", "0")

    result = CliRunner().invoke(main, ["migrate"])

    assert result.exit_code == 2
    assert "invalid configuration: VITRINE_PORT" in result.output


def test_seed_migrates_and_adds_products(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VITRINE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()

    first = runner.invoke(main, ["seed", "--products", "12", "--seed", "1"])
    again = runner.invoke(main, ["seed", "--products", "3"])

    assert first.exit_code == 0, first.output
    assert "Added 12 products" in first.output
    assert again.exit_code == 0, again.output
    assert "Added 3 products" in again.output


def test_export_schema_writes_the_sdl(tmp_path: Path) -> None:
    target = tmp_path / "schema.graphql"

    result = CliRunner().invoke(main, ["export-schema", "--output", str(target)])

    assert result.exit_code == 0
    assert "type Query" in target.read_text()


def test_an_origin_must_be_a_scheme_and_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VITRINE_ALLOWED_ORIGINS", "shop.example")

    with pytest.raises(ConfigurationError) as raised:
        load_settings()

    assert str(raised.value).startswith("VITRINE_ALLOWED_ORIGINS: Value error, 'shop.example' is not an origin")


def test_several_workers_need_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VITRINE_REDIS_URL", raising=False)

    result = CliRunner().invoke(main, ["serve", "--workers", "2"])

    assert result.exit_code == 2
    assert "--workers above 1 needs VITRINE_REDIS_URL" in result.output


def test_serve_refuses_a_default_channel_that_does_not_exist(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VITRINE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv("VITRINE_DEFAULT_CHANNEL", "mars")
    CliRunner().invoke(main, ["seed", "--products", "2"])

    result = CliRunner().invoke(main, ["serve", "--port", "1"])

    assert result.exit_code == 2
    assert "VITRINE_DEFAULT_CHANNEL: there is no channel 'mars' (there are: us, uk, eu)" in result.output
