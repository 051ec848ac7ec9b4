"""The composition root: settings, wiring, the ASGI app, the CLI. Nothing imports this package."""
