"""pushctl: administration of Matrix pushers.

Importing the package is cheap: it holds only the version. The library surface
is :mod:`pushctl.api`; every other module is private and may move.
"""

__version__ = "0.1.0"
