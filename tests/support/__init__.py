"""What the tests are built on: a local Synapse, helper servers, accounts and a keyring.

- :mod:`tests.support.localsynapse`: a throwaway Synapse on 127.0.0.1 (``scripts/demo`` uses it);
- :mod:`tests.support.accounts`: registered users, pushers to set, the checks every test shares;
- :mod:`tests.support.proxy`: a recording, fault-injecting proxy in front of Synapse;
- :mod:`tests.support.pushgateway`: a push gateway on loopback that records what it is sent;
- :mod:`tests.support.secretservice`: GNOME Keyring on a private D-Bus session bus;
- :mod:`tests.support.keyring_backends`: keyring backends for the failure paths;
- :mod:`tests.support.inprocess`: pushctl run inside the test process (tests marked inprocess).
"""

from pathlib import Path

from pushctl.cli.registry import NAMES

#: The repository's top folder.
ROOT = Path(__file__).resolve().parent.parent.parent

#: Every command, in the order of `pushctl --help` and of completion.
COMMANDS = list(NAMES)
