"""Root fields: parse the arguments, call one domain service, map the result. Exposed as per-area mixins."""
