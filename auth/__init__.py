"""Pure authentication policy and crypto primitives; no database, no web framework."""
