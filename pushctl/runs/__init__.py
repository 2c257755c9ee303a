"""Runs over one account's pushers: applying a plan (executor, guard), probing
push gateways, choosing what to prune, and how a run ended (verdict, outcomes).
Depends on :mod:`pushctl.acting` and everything below it. Private: the library
surface is :mod:`pushctl.api`.
"""
