"""Every local user's pushers at once, for Synapse server admins.

- :mod:`pushctl.fleet.inventory` reads them: the users from the admin API
  (paginated), each user's pushers a few at a time;
- :mod:`pushctl.fleet.planning` is pure: filters, counts, and the plans of
  ``move-gateway`` (rewrite ``data.url``) and ``delete`` (by app ID);
- :mod:`pushctl.fleet.writing` applies a plan through short-lived tokens acting
  as each user, with the bulk writer of :mod:`pushctl.runs.executor`.

A plan holds only what still differs from the wanted state, so running the
same command again after a Ctrl-C or a failure finishes the work, and after a
complete run writes nothing.
"""
