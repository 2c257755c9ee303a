"""The output formats a command line can choose: one name each.

Apart from :mod:`pushctl.output.render`, which writes them, because every
command's flags name them (:mod:`pushctl.cli.output`), and Tab and ``--help``
build those flags without writing anything.
"""

from __future__ import annotations

import enum


class Format(str, enum.Enum):
    """How a command writes its data on stdout."""

    TABLE = "table"
    JSON = "json"
    YAML = "yaml"
    CSV = "csv"
    #: the Prometheus text format, for node_exporter's textfile collector (``fleet health``)
    PROMETHEUS = "prometheus"
