"""Where the access token comes from, in one place.

Lookup order: ``PUSHCTL_ACCESS_TOKEN`` in the environment, then the stored
credentials of the profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

ENV_TOKEN = "PUSHCTL_ACCESS_TOKEN"


@dataclass(frozen=True)
class Credential:
    token: str | None
    source: str
    homeserver: str | None = None
    user_id: str | None = None
    device_id: str | None = None
    kind: str = "user"


def lookup(profile: str, environ: Mapping[str, str]) -> Credential:
    """The credential to use for *profile*; ``token`` is None when there is none."""
    token = environ.get(ENV_TOKEN)
    if token:
        return Credential(token=token, source=f"environment ({ENV_TOKEN})")
    return Credential(token=None, source="none")
