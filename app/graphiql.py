"""GraphiQL served with its assets from this process, not from a CDN (see app/static/graphiql/README.md)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from starlette.staticfiles import StaticFiles

ASSETS_PATH = "/graphiql/assets"
ASSETS = Path(__file__).parent / "static" / "graphiql"
_CDN = re.compile(r"https://unpkg\.com/")


@cache
def local_page(page: str) -> str:
    """Return Strawberry's GraphiQL page with every unpkg.com address pointing at our copy of the same file."""
    return _CDN.sub(f"{ASSETS_PATH}/", page)


def cdn_addresses(page: str) -> list[str]:
    """Return the unpkg.com paths a page loads (what `ASSETS` must hold)."""
    return re.findall(r"https://unpkg\.com/([^\"']+)", page)


def assets_app() -> StaticFiles:
    """Serve the vendored files (with `ETag` and `Last-Modified`, so browsers revalidate rather than refetch)."""
    return StaticFiles(directory=ASSETS)
