"""The one way a write run ends: its ``--json`` document, then its summary or its error.

``import``, ``delete``, ``prune``, ``pause``, ``resume`` and ``fleet``'s writes each
make a :class:`~pushctl.runs.verdict.RunOutcome` and end with :func:`finish`.
"""

from __future__ import annotations

from pushctl.output.environment import Environment
from pushctl.output.formats import Format
from pushctl.output.render import dump_json
from pushctl.runs.verdict import RunOutcome


def finish(env: Environment, outcome: RunOutcome, output: Format) -> None:
    """End a write run: its JSON document (under ``--json``), then its summary or its error.

    The document comes first also when the run failed or was interrupted, so a
    script reads what was done whatever the exit status.
    """

    if output is Format.JSON:
        env.write(dump_json(outcome.document))
    ending = outcome.ending
    if isinstance(ending, Exception):
        raise ending
    if ending is not None:
        env.info(ending)
