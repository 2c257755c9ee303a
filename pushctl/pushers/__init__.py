"""What a pusher is and what changes it: fields and validation, kinds, the
enabled state, devices and their activity, plans (pure diffs), pausing, and the
listing cache. Pure code on data (the cache reads and writes its own files):
nothing here talks to a server, so every other package may use it. Private: the
library surface is :mod:`pushctl.api`.
"""
