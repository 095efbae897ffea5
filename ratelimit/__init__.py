"""Rate limits by cost: a budget of points per window per client."""
