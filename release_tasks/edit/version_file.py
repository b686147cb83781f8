"""The root ``VERSION`` file: one version, in whatever wrapping the file already has."""

from __future__ import annotations

import re

from release_tasks.edit._common import check_version, fail

# BOM and blank space around the one token; kept as they are when the version changes.
_LAYOUT = r"(?P<lead>\ufeff?\s*)(?P<value>\S*)(?P<trail>\s*)\Z"


def version_file_value(text: str, *, source: str | None = None) -> str:
    """The version a ``VERSION`` file holds."""
    return _layout(text, source)["value"]


def version_file_text(old_text: str | None, version: str, *, source: str | None = None) -> str:
    """The new ``VERSION`` text: ``version`` with the old file's BOM, line ending and final
    newline (or lack of one); ``old_text=None`` (no file yet) gives ``version + "\\n"``."""
    check_version(version, source)
    if old_text is None:
        return version + "\n"
    match = _layout(old_text, source)
    return match["lead"] + version + match["trail"]


def _layout(text: str, source: str | None) -> re.Match[str]:
    match = re.match(_LAYOUT, text)
    if match is None or not match["value"]:
        raise fail(source, "does not hold exactly one version (e.g. 0.1.8)")
    return match
