"""Connection settings, and a client built from them and the credentials.

The homeserver is ``--homeserver`` / ``PUSHCTL_HOMESERVER`` if given, else the one
stored with the profile by ``pushctl login``; the token comes from
:func:`pushctl.credentials.lookup` (environment, keyring, or an insecure file).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pushctl.errors import AuthError, Hint, UsageError

if TYPE_CHECKING:
    from pushctl import credentials
    from pushctl.client import Client

ENV_HOMESERVER = "PUSHCTL_HOMESERVER"
DEFAULT_PROFILE = "default"


@dataclass
class Settings:
    homeserver: str | None = None
    profile: str = DEFAULT_PROFILE
    allow_insecure_http: bool = False
    ca_bundle: str | None = None
    timeout: float = 30.0
    retries: int = 4
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)

    def credential(self) -> credentials.Credential:
        from pushctl import credentials  # keyring and config files: not at start-up

        return credentials.lookup(self.profile, self.environ)

    def homeserver_url(self, credential: credentials.Credential | None = None) -> str:
        from pushctl.client import normalise_homeserver

        url = self.homeserver or (credential.homeserver if credential else None)
        if not url:
            raise UsageError(
                "no homeserver: none was given, and the profile has none stored",
                hint=Hint.NO_HOMESERVER,
            )
        return normalise_homeserver(url, self.allow_insecure_http)

    def client(self, credential: credentials.Credential | None = None) -> Client:
        """A client for the homeserver, with the credential's token if one is given."""
        return self.client_for(
            self.homeserver_url(credential), credential.token if credential else None
        )

    def client_for(self, homeserver: str, token: str | None) -> Client:
        """A client for exactly this homeserver URL, with these timeouts and retries."""
        from pushctl.client import Client
        from pushctl.retry import RetryPolicy

        return Client(
            homeserver,
            token,
            timeout=(min(10.0, self.timeout), self.timeout),
            retry=RetryPolicy(retries=self.retries),
            verify=self.ca_bundle or True,
        )


def authenticate(settings: Settings) -> tuple[credentials.Credential, Client]:
    """The profile's credential and a client carrying its token; exit 4 when there is none."""
    from pushctl import credentials

    credential = settings.credential()
    if not credential.token:
        raise AuthError(
            f"no access token for profile {settings.profile!r}: log in, "
            f"or set {credentials.ENV_TOKEN} (or {credentials.ENV_APPSERVICE_TOKEN})",
            hint=Hint.NO_TOKEN_FOR_PROFILE,
            profile=settings.profile,
        )
    return credential, settings.client(credential)
