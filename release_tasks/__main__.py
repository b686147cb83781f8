"""``python -m release_tasks``."""

from release_tasks.cli import entry

entry()
