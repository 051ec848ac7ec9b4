"""Vitrine's business rules: stdlib-only, free of GraphQL, SQL and Redis."""
