"""Acting for users: whose pushers (:mod:`~pushctl.acting.target`), through the
token's own account, the Synapse admin API (acting tokens) or an application
service. Depends on :mod:`pushctl.accounts`, :mod:`pushctl.homeserver` and
:mod:`pushctl.pushers`. Private: the library surface is :mod:`pushctl.api`.
"""
