"""A :class:`~release_tasks.init.model.Proposal` as a commented ``release.toml``, and as the
report ``init`` prints: the same reasons in both, so the file explains itself later.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Sequence

from release_tasks.init.model import FoundBinding, Group, Proposal
from release_tasks.model.components import VersionFile

_WIDTH = 96
_HEADER = """\
# How release-tasks releases this repository (README.md, "Using it in a real monorepo").
# Written by `release-tasks init` from cargo's view of the workspace and the files git
# tracks; each comment says why. Check it, correct what it guessed wrong, commit it.
"""


def _s(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def _list(values: Iterable[str]) -> str:
    return "[" + ", ".join(_s(v) for v in values) + "]"


def _comment(text: str, prefix: str = "# ") -> list[str]:
    return textwrap.wrap(text, _WIDTH, initial_indent=prefix, subsequent_indent=prefix,
                         break_on_hyphens=False, break_long_words=False)


def _key_list(key: str, values: Sequence[str]) -> list[str]:
    """``key = [...]`` on one line, or one value a line when that is too long."""
    line = f"{key} = {_list(values)}"
    if len(line) <= _WIDTH:
        return [line]
    return [f"{key} = [", *(f"  {_s(v)}," for v in values), "]"]


def _version_file(spec: VersionFile) -> str:
    fields = [f"path = {_s(spec.path)}", f"format = {_s(spec.format)}"]
    if spec.key:
        fields.append(f"key = {_s(spec.key)}")
    fields.append(f"value = {_s(spec.value)}")
    return "  { " + ", ".join(fields) + " },"


def _project(p: Proposal, preflight: Sequence[Sequence[str]], locked: bool = True) -> list[str]:
    lines = ["[project]", f"name = {_s(p.project)}"]
    if p.repository:
        lines.append(f"repository = {_s(p.repository)}")
    lines.append(f"main-branch = {_s(p.main_branch)}")
    if p.core_tag_prefix:
        lines += _comment(f"The core's earlier releases are tagged {p.core_tag_prefix}X.Y.Z: "
                          "those tags mark releases too (the base of the next one's changes).")
        lines.append(f"release-tag-patterns = {_list(['release-*', 'v*', f'{p.core_tag_prefix}*'])}")
    where = (f" cargo runs in the workspace directory {p.workspace_dir}."
             if p.workspace_dir != "." else "")
    lock = "" if locked else " No Cargo.lock is tracked, so none of them takes --locked."
    lines += _comment("The repository's own checks: the CI preflight job runs them before "
                      f"anything is published; so does `nox -s preflight`.{where}{lock}")
    lines.append("preflight = [")
    lines += [f"  {_list(command)}," for command in preflight]
    lines.append("]")
    return lines


def _core(p: Proposal, credential: Sequence[str]) -> list[str]:
    lines = [*_comment(f"The core version X.Y.Z, shared by every core crate below, is "
                       f"{p.core_version}: {p.core_why}."),
             "[core]", f"version-file = {_s(p.version_file)}"]
    if p.workspace_dir != ".":
        lines.append(f"workspace = {_s(p.workspace_dir)}")
    if p.core_tag_prefix:
        lines += _comment(f"Its tags go on as before: {p.core_tag_why}.")
        lines.append(f"tag-prefix = {_s(p.core_tag_prefix)}")
    lines.append(f"credential = {_list(credential)}")
    return lines + _trusted()


def _trusted() -> list[str]:
    """Trusted publishing on: the release workflow needs no stored secret (the credential
    variables stay the fallback, and `nox -s trust` says what the registry needs)."""
    return ["# OIDC from the release workflow; the credential is the fallback (`nox -s trust`).",
            "trusted-publishing = true"]


def _group(g: Group) -> list[str]:
    lines = ["", *_comment(f"{g.label}: {g.why}."), f"[core.groups.{g.name}]",
             f"label = {_s(g.label)}", *_key_list("crates", g.crates), *_key_list("paths", g.paths)]
    if g.propagates_to:
        lines.append(f"propagates-to = {_list(g.propagates_to)}")
    return lines


def _binding(b: FoundBinding, credential: Sequence[str]) -> list[str]:
    body = [f"[bindings.{b.name}]", f"directory = {_s(b.directory)}"]
    if b.paths:
        body += _key_list("paths", b.paths)
    body += [f"registry = {_s(b.registry)}", f"package = {_s(b.package)}"]
    if b.versioning != "two-tier":
        body.append(f"versioning = {_s(b.versioning)}")
    if b.crate is not None:
        body.append(f"crate = {_s(b.crate.name)}")
    if b.platforms:
        body += [*_comment(f"Built on a matrix, one job per platform, and published only "
                           f"complete; from {b.platforms_why}."), *_key_list("platforms",
                                                                            b.platforms)]
    body += [f"credential = {_list(credential)}", *_trusted(), "version-files = [",
             *(_version_file(v) for v in b.version_files), "]"]
    why = [f"{b.name}: {b.why}; named after {b.named}."]
    if b.versioning_why:
        why.append(f"Versioned {b.versioning}: {b.versioning_why}.")
    if b.lockfiles:
        why.append(f"Lockfiles the release keeps current: {', '.join(b.lockfiles)}.")
    lines = ["", *(line for text in why for line in _comment(text))]
    lines += [line for note in b.notes for line in _comment(f"Note: {note}.")]
    if b.disabled is not None:
        lines += _comment(f"Not active: {b.disabled}.")
        return lines + [f"# {line}" for line in body]
    return lines + body


def render(p: Proposal, *, preflight: Sequence[Sequence[str]], core_credential: Sequence[str],
           credentials: dict[str, tuple[str, ...]], schema: str | None = None,
           locked: bool = True) -> str:
    """The ``release.toml`` text of ``p``; with ``schema``, a first line naming the JSON
    Schema there (taplo's ``#:schema`` directive, for validation in the editor)."""
    lines = [f"#:schema {schema}",
             "# (release-tasks' JSON Schema of this file, which editors with taplo check it",
             f"# against; `release-tasks schema --write-to {schema}` refreshes it after an",
             "# upgrade, and `release-tasks schema --reference` explains every key)"] if schema else []
    lines += [_HEADER.rstrip("\n"), "", *_project(p, preflight, locked), "", *_core(p, core_credential)]
    for group in p.groups:
        lines += _group(group)
    if p.left_out:
        lines += ["", *_comment("Not core crates: they keep their own versions (and the pins "
                                "on them), and no change of theirs releases anything:")]
        lines += [line for name, why in p.left_out for line in _comment(f"{name}: {why}", "#   ")]
    for binding in p.bindings:
        lines += _binding(binding, credentials.get(binding.registry, ()))
    if p.notes:
        lines += ["", *(line for note in p.notes for line in _comment(f"Note: {note}."))]
    return "\n".join(lines) + "\n"


def report(p: Proposal) -> list[str]:
    """What was inferred and why, one finding a line (for stderr)."""
    lines = [f"core version {p.core_version} ({p.core_why})"]
    if p.core_tag_prefix:
        lines.append(f"core tags {p.core_tag_prefix}X.Y.Z ({p.core_tag_why}), which also mark "
                     "releases")
    for g in p.groups:
        lines.append(f"core group {g.name}: {', '.join(g.crates)} ({g.why})")
        if g.propagates_to:
            lines.append(f"  propagates to: {', '.join(g.propagates_to)}")
    lines += [f"left out of the core: {name}: {why}" for name, why in p.left_out]
    for b in p.bindings:
        state = "" if b.disabled is None else " [written commented out]"
        lines.append(f"binding {b.name}{state}: {b.why} -> {b.registry} package {b.package} "
                     f"(named after {b.named})")
        if b.versioning_why:
            lines.append(f"  versioned {b.versioning}: {b.versioning_why}")
        lines += [f"  version file: {v.path} ({v.format}{', ' + v.key if v.key else ''}: "
                  f"{v.value})" for v in b.version_files]
        lines += [f"  lockfile: {lock}" for lock in b.lockfiles]
        lines += [f"  note: {note}" for note in b.notes]
        if b.disabled is not None:
            lines.append(f"  not active: {b.disabled}")
    if not p.bindings:
        lines.append("no binding found (a gem with an ext/ crate, a maturin project, an npm "
                     "package next to a cdylib or napi crate)")
    lines += [f"note: {note}" for note in p.notes]
    return lines
