"""Talking to the homeserver: HTTP sessions and their bounds, retries, the client.

Also the Matrix identifiers it speaks (user IDs), ``.well-known`` discovery, and
how many requests go at once (concurrent reads, the adaptive limit of writes).
Depends on :mod:`pushctl.pushers` (the pusher a request carries) and the base
modules only. Private: the library surface is :mod:`pushctl.api`.
"""
