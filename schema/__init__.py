"""The GraphQL contract: types, inputs, payloads, errors and the typed context."""
