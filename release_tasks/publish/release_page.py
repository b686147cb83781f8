"""The GitHub Release of a release tag: what went out, written where users look.

The page is made from what the repository records, so that a re-run writes the same page:
the changelog carried in the release tag, the plan's packages and versions, the files each
component tag lists (a binding's platforms are read from its file names), the publish jobs'
results as the summary job passes them (``CORE_RESULT``, ``RESULT_<KEY>``, ...), and the
edge snippets at the tag. Nothing in it depends on the time it is written.

:func:`sync` creates the Release through GitHub's REST API, or updates it when its text
differs, or leaves it: run twice with the same results, the second run changes nothing; run
again after a failed job completed, it updates the table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from release_tasks.errors import RegistryError, RegistryUnavailable
from release_tasks.plan.release_plan import ReleasePlan

API = "https://api.github.com"
#: Each public registry's page of one version.
PAGES: Mapping[str, str] = {
    "crates-io": "https://crates.io/crates/{name}/{version}",
    "rubygems": "https://rubygems.org/gems/{name}/versions/{version}",
    "pypi": "https://pypi.org/project/{name}/{version}/",
    "npm": "https://www.npmjs.com/package/{name}/v/{version}",
}
_FILE_LINE = re.compile(r"^\s+(?P<name>\S+?)(?:\s+sha256:[0-9a-f]+)?\s*$")
Action = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True, kw_only=True)
class Row:
    """One package of the release: its version as its registry spells it, and how its
    publish went."""

    component: str
    package: str
    registry: str
    version: str
    result: str  # the publish job's result: success, failure, cancelled, skipped, or ""
    state: str  # what the registry holds: complete, partial, planned, or ""
    files: tuple[str, ...]  # from the component tag
    carried: bool  # planned by an earlier release, published by this one

    @property
    def published(self) -> bool:
        return self.result == "success" or self.state == "complete"


def tag_files(message: str) -> tuple[str, ...]:
    """The files a component tag's message lists (``files on PyPI:`` and the lines below)."""
    lines = message.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("files on ")), None)
    if start is None:
        return ()
    found = []
    for line in lines[start + 1:]:
        match = _FILE_LINE.match(line)
        if not match:
            break
        found.append(match.group("name"))
    return tuple(found)


def platform_of(filename: str) -> str:
    """The platform a file is for, from its name."""
    if filename.endswith(".whl"):
        from packaging.utils import parse_wheel_filename

        tags = parse_wheel_filename(filename)[3]
        return ", ".join(sorted({t.platform for t in tags}))
    if filename.endswith((".tar.gz", ".zip")):
        return "source"
    if filename.endswith(".gem"):
        stem = filename[:-len(".gem")]
        match = re.search(r"-\d[^-]*-(?P<platform>.+)$", stem)
        return match.group("platform") if match else "ruby (source)"
    if filename.endswith(".tgz"):
        return "any (JavaScript)"
    if filename.endswith(".crate"):
        return "source"
    return "?"


def rows(plan: ReleasePlan, env: Mapping[str, str],
         tag_messages: Mapping[str, str]) -> list[Row]:
    """Every package ``plan`` releases, with the results of its job."""
    found = []
    if plan.core.changed and plan.core.tag:
        files = tag_files(tag_messages.get(plan.core.tag, ""))
        found += [Row(component="core", package=crate, registry=plan.core.registry,
                      version=str(plan.core.next), result=env.get("CORE_RESULT", ""),
                      state=env.get("CORE_STATE", ""),
                      files=tuple(f for f in files if f.startswith(f"{crate}-")),
                      carried=plan.core.current == plan.core.next)
                  for crate in plan.core.crates]
    for b in plan.bindings:
        if b.next is None or b.tag is None:
            continue
        key = b.env_key
        found.append(Row(component=b.name, package=b.package, registry=b.registry,
                         version=b.rendering or str(b.next), result=env.get(f"RESULT_{key}", ""),
                         state=env.get(f"STATE_{key}", ""),
                         files=tag_files(tag_messages.get(b.tag, "")),
                         carried=any("never published" in r for r in b.reasons)))
    return found


def _link(row: Row, redirected: bool) -> str:
    page = PAGES.get(row.registry)
    if page is None or redirected:
        return f"`{row.package}`"
    return f"[`{row.package}`]({page.format(name=row.package, version=row.version)})"


def body(tag: str, changelog: str, table: Sequence[Row], edge: str, *,
         redirected: frozenset[str] = frozenset()) -> str:
    """The Release's text (Markdown), the same for the same inputs."""
    lines = [f"Release `{tag}`.", "", "| package | version | registry | published | platforms |",
             "|---|---|---|---|---|"]
    for row in table:
        status = "yes" if row.published else (row.state or row.result or "not yet")
        platforms = ", ".join(sorted({platform_of(f) for f in row.files})) or "-"
        lines.append(f"| {_link(row, row.registry in redirected)} | {row.version} | "
                     f"{row.registry} | {status} | {platforms} |")
    missing = [r for r in table if not r.published]
    carried = [r for r in table if r.carried]
    if missing:
        lines += ["", "**Not published (yet):** "
                  + ", ".join(f"`{r.package}` {r.version}" for r in missing)
                  + ". Re-run the failed jobs; a later run updates this page. The next release "
                  "carries any that is still unpublished forward."]
    if carried:
        lines += ["", "**Carried forward** from an earlier release that did not publish them: "
                  + ", ".join(f"`{r.package}` {r.version}" for r in carried) + "."]
    shipped = [r for r in table if r.files and r.component != "core"]
    if shipped:
        lines += ["", "<details><summary>Files</summary>", ""]
        lines += [f"- `{r.package}` {r.version}: " + ", ".join(f"`{f}`" for f in r.files)
                  for r in shipped]
        lines += ["", "</details>"]
    if changelog.strip():
        lines += ["", "## Changes", "", _demote(changelog.strip())]
    if edge.strip():
        lines += ["", "<details><summary>Depending on this tag from git</summary>", "",
                  "```text", edge.strip(), "```", "", "</details>"]
    return "\n".join(lines) + "\n"


def _demote(markdown: str) -> str:
    """The changelog's own ``## TAG`` heading dropped, its ``###`` kept under ``## Changes``."""
    lines = markdown.splitlines()
    if lines and lines[0].startswith("## "):
        lines = lines[1:]
    return "\n".join(lines).strip()


class Releases:
    """GitHub's releases endpoints of one repository (``owner/name``)."""

    def __init__(self, client: httpx.Client, repository: str, api: str = API) -> None:
        self.client, self.base = client, f"{api.rstrip('/')}/repos/{repository}/releases"

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise RegistryUnavailable("GitHub", f"{method} {url}", str(exc)) from exc
        if response.status_code >= 500:
            raise RegistryUnavailable("GitHub", f"{method} {url}",
                                      f"HTTP {response.status_code}")
        return response

    def by_tag(self, tag: str) -> dict[str, Any] | None:
        response = self._call("GET", f"{self.base}/tags/{tag}")
        if response.status_code == 404:
            return None
        return self._json(response, "GET")

    def create(self, tag: str, name: str, text: str) -> dict[str, Any]:
        return self._json(self._call("POST", self.base, json={
            "tag_name": tag, "name": name, "body": text, "draft": False, "prerelease": False}),
            "POST")

    def update(self, release_id: int, name: str, text: str) -> dict[str, Any]:
        return self._json(self._call("PATCH", f"{self.base}/{release_id}",
                                     json={"name": name, "body": text}), "PATCH")

    @staticmethod
    def _json(response: httpx.Response, method: str) -> dict[str, Any]:
        if response.status_code >= 400:
            raise RegistryError(f"GitHub releases: {method} {response.request.url}: HTTP "
                                f"{response.status_code}: {response.text[:300]}")
        data = response.json()
        if not isinstance(data, dict):
            raise RegistryError(f"GitHub releases: {method}: not a release object")
        return data


def sync(releases: Releases, tag: str, text: str) -> Action:
    """Create the Release of ``tag``, update it when its text differs, or leave it."""
    name = tag
    found = releases.by_tag(tag)
    if found is None:
        releases.create(tag, name, text)
        return "created"
    if found.get("body") == text and found.get("name") == name:
        return "unchanged"
    releases.update(int(found["id"]), name, text)
    return "updated"
