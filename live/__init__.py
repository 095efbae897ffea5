"""Live events: a broker that carries what changed from the writer to the subscribers.

In process by default; Redis pub/sub when several processes serve one API.
Imports nothing of ours: resolvers publish through it, subscriptions listen.
"""
