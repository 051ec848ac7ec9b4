"""Summarise a py-spy speedscope profile: the share of samples per layer, and the costliest functions.

`uv run python -m bench.speedscope PROFILE.json` prints where the time went, attributing each sample to the
innermost frame whose file says which layer it belongs to (validation, execution, our code, database, …).
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

# First match wins, so the more specific prefixes come first.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("graphql-core: validation", ("graphql/validation/", "graphql/language/visitor.py", "graphql/utilities/type_info")),
    ("graphql-core: parsing", ("graphql/language/",)),
    ("graphql-core: execution", ("graphql/",)),
    ("strawberry (resolver wrappers, extensions, HTTP view)", ("strawberry/",)),
    ("our code: app/", ("/app/",)),
    ("our code: schema/ and resolvers/", ("/schema/", "/resolvers/")),
    ("our code: domain/pricing/ (the pricing engine)", ("/domain/pricing/",)),
    ("our code: domain/ (other)", ("/domain/",)),
    ("our code: data/ (loaders, SQL mapping, cache)", ("/data/",)),
    ("dataloader", ("aiodataloader/",)),
    ("database: SQLAlchemy", ("sqlalchemy/", "greenlet/")),
    ("database: asyncpg / aiosqlite", ("asyncpg/", "aiosqlite/", "sqlite3/")),
    ("cache: redis client", ("redis/",)),
    ("encoding: JSON, orjson", ("json/", "orjson")),
    ("logging and metrics", ("structlog/", "prometheus_client/", "logging/")),
    ("HTTP: uvicorn, starlette, httptools", ("uvicorn/", "starlette/", "httptools/", "cross_web/")),
    ("event loop: asyncio, uvloop", ("asyncio/", "uvloop/")),
)
UNKNOWN = "other"


def layer_of(path: str) -> str | None:
    """Return the layer a source file belongs to, or `None` when the path says nothing (`<string>`)."""
    if not path or path.startswith("<"):
        return None
    for name, markers in LAYERS:
        if any(marker in path for marker in markers):
            return name
    return UNKNOWN


def summarise(profile: dict[str, Any]) -> tuple[Counter[str], Counter[str], float]:
    """Return (weight per layer, self weight per function, total weight) over all threads."""
    frames = profile["shared"]["frames"]
    layers: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    total = 0.0
    for thread in profile["profiles"]:
        for stack, weight in zip(thread["samples"], thread["weights"], strict=True):
            total += weight
            if not stack:
                layers["idle"] += weight
                continue
            found = next(
                (lay for i in reversed(stack) if (lay := layer_of(frames[i].get("file", ""))) is not None), None
            )
            layers[found or UNKNOWN] += weight
            leaf = frames[stack[-1]]
            where = leaf.get("file", "").split("site-packages/")[-1]
            functions[f"{leaf['name']} ({where}:{leaf.get('line', '?')})"] += weight
    return layers, functions, total


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.speedscope", description=__doc__)
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=15, help="how many functions to list (default 15)")
    args = parser.parse_args(argv)
    layers, functions, total = summarise(orjson.loads(args.profile.read_bytes()))
    print("| layer | share of samples |\n|---|--:|")
    for name, weight in layers.most_common():
        print(f"| {name} | {100 * weight / total:.1f} % |")
    print("\n| function (self time) | share |\n|---|--:|")
    for name, weight in functions.most_common(args.top):
        print(f"| `{name}` | {100 * weight / total:.1f} % |")


if __name__ == "__main__":
    main()
