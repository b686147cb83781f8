"""Ruby: a version constant such as ``VERSION = '0.1.8.2'`` in ``version.rb``.

The constant name must be the whole identifier at the start of its line (after indentation),
so ``VERSION`` never matches ``RUST_CORE_VERSION``; single- and double-quoted strings are
both read, and a write keeps the quotes, the ``.freeze`` and any trailing comment.
"""

from __future__ import annotations

import re

from release_tasks.edit._common import check_version, fail, line_col


def ruby_constant(text: str, name: str, *, source: str | None = None) -> str:
    """The string value of the one definition of constant ``name``."""
    return _find(text, name, source)["value"]


def set_ruby_constant(text: str, name: str, value: str, *, source: str | None = None) -> str:
    """Set the string value of constant ``name``, keeping its quotes and ``.freeze``."""
    check_version(value, source)
    match = _find(text, name, source)
    return text[: match.start("value")] + value + text[match.end("value") :]


def _find(text: str, name: str, source: str | None) -> re.Match[str]:
    if not re.fullmatch(r"[A-Z][A-Za-z0-9_]*", name):
        raise ValueError(f"{name!r} is not a Ruby constant name")
    ident = re.escape(name)
    # Every assignment to the name (but not `==`, `=~`, `=>`), to count the definitions.
    anywhere = re.compile(rf"^[ \t]*{ident}[ \t]*=(?![=~>])", re.MULTILINE)
    # The one form we edit: a plain string literal, optionally frozen, then a comment or EOL.
    literal = re.compile(
        rf"""^[ \t]*{ident}[ \t]*=[ \t]*
        (?P<quote>['"])(?P<value>[^'"\\\r\n]*)(?P=quote)
        (?:\.freeze)?[ \t]*(?:\#[^\r\n]*)?\r?$""",
        re.MULTILINE | re.VERBOSE,
    )
    definitions = list(anywhere.finditer(text))
    if not definitions:
        raise fail(source, f"no definition of {name} (expected e.g. {name} = '0.1.8')")
    if len(definitions) > 1:
        where = "; ".join(line_col(text, m.start()).split(",")[0] for m in definitions)
        raise fail(source, f"{name} is defined {len(definitions)} times ({where}); expected one")
    match = literal.match(text, definitions[0].start())
    if match is None:
        where = line_col(text, definitions[0].start()).split(",")[0]
        raise fail(
            source, f"{name} ({where}) is not a plain string literal such as {name} = '0.1.8'"
        )
    if match["quote"] == '"' and "#{" in match["value"]:
        raise fail(source, f"{name} is an interpolated string; write the version literally")
    return match
