"""Persisted operations: automatic persisted queries and trusted documents."""
