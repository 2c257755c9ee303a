"""Connection settings, and a client built from them and the credentials.

The homeserver is ``--homeserver`` / ``PUSHCTL_HOMESERVER`` if given, else the one
stored with the profile by ``pushctl login``; the token comes from
:func:`pushctl.accounts.credentials.lookup` (environment, keyring, or an insecure file).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pushctl.errors import AuthError, Hint, UsageError

if TYPE_CHECKING:
    from pushctl.accounts import credentials
    from pushctl.homeserver.client import Client

ENV_HOMESERVER = "PUSHCTL_HOMESERVER"
DEFAULT_PROFILE = "default"
#: the seconds ``timeout`` may be: a clock cannot wait for ``inf`` (or ``1e400``), nor NaN
MIN_TIMEOUT, MAX_TIMEOUT = 0.1, 86_400.0


@dataclass
class Settings:
    homeserver: str | None = None
    profile: str = DEFAULT_PROFILE
    allow_insecure_http: bool = False
    ca_bundle: str | None = None
    #: CA certificates for push gateways; the homeserver's ``ca_bundle`` never applies to them
    gateway_ca_bundle: str | None = None
    timeout: float = 30.0
    retries: int = 4
    #: seconds a run may spend waiting out rate limits before giving up
    rate_limit_wait: float = 600.0
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)

    @property
    def verify(self) -> bool | str:
        """How the homeserver's certificate is checked: the CA bundle file if given, else True."""
        return _verify(self.ca_bundle)

    @property
    def gateway_verify(self) -> bool | str:
        """How push gateways' certificates are checked: their own CA bundle file, else True.

        A homeserver on a private CA says nothing about the gateways, which are
        usually public (Sygnal of the app's vendor, ntfy.sh): True is requests'
        default trust store, as for a homeserver without a CA bundle.
        """
        return _verify(self.gateway_ca_bundle)

    @property
    def timeouts(self) -> tuple[float, float]:
        """Seconds to wait for a connection and for each answer; UsageError when out of range."""
        if not MIN_TIMEOUT <= self.timeout <= MAX_TIMEOUT:  # NaN is in no range
            raise UsageError(
                f"timeout {self.timeout!r}: expected {MIN_TIMEOUT} to {MAX_TIMEOUT:.0f} seconds"
            )
        return min(10.0, self.timeout), self.timeout

    def credential(self) -> credentials.Credential:
        from pushctl.accounts import credentials  # keyring and config files: not at start-up

        return credentials.lookup(self.profile, self.environ)

    def homeserver_url(self, credential: credentials.Credential | None = None) -> str:
        from pushctl.homeserver.address import normalise_homeserver

        url = self.homeserver or (credential.homeserver if credential else None)
        if not url:
            raise UsageError(
                "no homeserver",
                advice=": none was given, and the profile has none stored",
                hint=Hint.NO_HOMESERVER,
            )
        homeserver = normalise_homeserver(url, self.allow_insecure_http)
        if credential is not None and credential.source in _stored():
            self._check_issued_for(credential, homeserver)
        return homeserver

    def _check_issued_for(self, credential: credentials.Credential, homeserver: str) -> None:
        """A stored token goes only to the homeserver it was issued by, as gh ties tokens to hosts.

        A token in the environment is the caller's explicit choice and goes where it is told.
        """
        from pushctl.homeserver.address import normalise_homeserver

        issuer = normalise_homeserver(credential.homeserver or "", allow_insecure_http=True)
        if _same_server(issuer, homeserver):
            return
        raise AuthError(
            f"not logged in on {homeserver}: profile {self.profile!r} is logged in on "
            f"{issuer} and its token was not sent",
            hint=Hint.LOGGED_IN_ELSEWHERE,
            profile=self.profile,
            issuer=issuer,
            homeserver=homeserver,
        )

    def client(self, credential: credentials.Credential | None = None) -> Client:
        """A client for the homeserver, with the credential's token if one is given."""
        return self.client_for(
            self.homeserver_url(credential), credential.token if credential else None
        )

    def client_for(self, homeserver: str, token: str | None) -> Client:
        """A client for exactly this homeserver URL, with these timeouts and retries."""
        from pushctl.homeserver.client import Client
        from pushctl.homeserver.retry import RetryPolicy

        return Client(
            homeserver,
            token,
            timeout=self.timeouts,
            retry=RetryPolicy(retries=self.retries, rate_limit_budget=self.rate_limit_wait),
            verify=self.verify,
        )


def _verify(bundle: str | None) -> bool | str:
    if bundle is None:
        return True
    if not os.path.isfile(bundle):
        raise UsageError(f"the CA certificates file {bundle!r} does not exist or is not a file")
    return bundle


def authenticate(settings: Settings) -> tuple[credentials.Credential, Client]:
    """The profile's credential and a client carrying its token; exit 4 when there is none."""
    from pushctl.accounts import credentials

    credential = settings.credential()
    if not credential.token:
        raise AuthError(
            f"no access token for profile {settings.profile!r}",
            advice=f": log in, or set {credentials.ENV_TOKEN} "
            f"(or {credentials.ENV_APPSERVICE_TOKEN})",
            hint=Hint.NO_TOKEN_FOR_PROFILE,
            profile=settings.profile,
        )
    return credential, settings.client(credential)


def _stored() -> tuple[str, str]:
    """Where a token was stored by ``pushctl login``, and so belongs to the profile's homeserver."""
    from pushctl.accounts.credentials import SOURCE_FILE, SOURCE_KEYRING

    return SOURCE_KEYRING, SOURCE_FILE


def _same_server(a: str, b: str) -> bool:
    """Same scheme, host, port and path; host names compare without case."""
    from pushctl.urls import split_or_none

    first, second = split_or_none(a), split_or_none(b)
    if first is None or second is None:
        return a == b
    return (first.scheme, first.hostname, first.port, first.path) == (
        second.scheme,
        second.hostname,
        second.port,
        second.path,
    )
