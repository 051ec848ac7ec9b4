"""The data layer: SQL, migrations, caches, pub/sub and loaders behind the domain's ports."""
