"""Accounts and credentials: profiles, token stores, connection settings, login.

Depends on :mod:`pushctl.homeserver` (a settings' client, login's requests) and
the base modules. Private: the library surface is :mod:`pushctl.api`.
"""
