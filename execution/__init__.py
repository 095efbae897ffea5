"""A faster executor for queries: compiled plans run by a result-building loop."""
