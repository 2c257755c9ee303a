"""Keyring backends for what no real keyring can be made to do on demand.

``PYTHON_KEYRING_BACKEND=tests.support.keyring_backends.ProbeOnlyKeyring`` (with the
repository on ``PYTHONPATH``) gives a keyring that passes pushctl's check before login and
then refuses to store the token, as a keyring that locks or fills up at the
wrong moment would.
"""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.errors import PasswordSetError

PROBE = "pushctl-probe"


class ProbeOnlyKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, username: str, password: str) -> None:
        if not username.startswith(PROBE):
            raise PasswordSetError("the keyring refused to store the secret")
        self.entries[service, username] = password

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)
