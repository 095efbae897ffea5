"""Observability: request-scoped log fields, JSON logs, Prometheus metrics, tracing."""
