"""Output for people and programs: the run's :class:`~pushctl.output.environment.Environment`
(streams, terminal rules, escaping, prompts, progress), the formats (table,
JSON, YAML, CSV), the pusher table's columns, and export files. Depends on
:mod:`pushctl.pushers` and the base modules only; nothing below it prints.
Private: the library surface is :mod:`pushctl.api`.
"""
