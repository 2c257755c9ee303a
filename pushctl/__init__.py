"""pushctl: administration of Matrix pushers.

Importing the package is cheap: it holds only the version. The core lives in
``pushctl.client``, ``pushctl.model``, ``pushctl.plan``, ``pushctl.executor`` and
friends.
"""

__version__ = "0.1.0"
