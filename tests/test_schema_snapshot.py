"""The committed `schema/schema.graphql` is the API contract: it must match the code, and only grow."""

from __future__ import annotations

import subprocess
from pathlib import Path

from graphql import build_schema as parse_sdl
from graphql import find_breaking_changes

from app.schema import build_schema

SNAPSHOT = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


def test_the_committed_schema_matches_the_code() -> None:
    assert SNAPSHOT.read_text() == str(build_schema()) + "\n", (
        "schema/schema.graphql is out of date: run `uv run vitrine export-schema --output schema/schema.graphql`"
    )


def test_no_breaking_change_against_the_last_commit() -> None:
    previous = subprocess.run(
        ["git", "show", "HEAD:schema/schema.graphql"],  # noqa: S607
        capture_output=True,
        text=True,
        cwd=SNAPSHOT.parent,
        check=False,
    )
    if previous.returncode != 0:  # first commit of the snapshot, or not a git checkout
        return
    breaking = find_breaking_changes(parse_sdl(previous.stdout), parse_sdl(str(build_schema())))

    assert [change.description for change in breaking] == [], "deprecate first; remove in a later release"
