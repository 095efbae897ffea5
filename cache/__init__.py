"""The response cache: static cache policies, entity tags, and the stores that keep
whole responses (in process memory, or in Redis shared by several processes)."""
